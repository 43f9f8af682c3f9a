// FileDescription: an open file (Linux's struct file). Shared by every fd that dup/fork made
// from the same open; holds the offset and status flags. Concrete files (regular, directory,
// pipe, host fd, device, proc) override the operations they support; defaults give Linux's
// errnos. Operations may return BLOCK after calling t.blockOn (pipes, host fds): handlers are
// re-run from the start when woken, so a blocking operation must not have consumed anything.
import { E } from "../../../ffi/errno.ts";
import type { WaitQueue } from "../kernel/waitqueue.ts";
import {
  O_ACCMODE,
  O_APPEND,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  POLLIN,
  POLLOUT,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
  SETFL_MASK,
} from "./consts.ts";
import type { VirtualDentry } from "./dentry.ts";
import type { DirEntry, Inode, StatInfo } from "./inode.ts";
import type { FileTask } from "./task.ts";
import { releaseLocks } from "./lock.ts";
import { anyWatches, IN, notifyVd } from "./fsnotify.ts";

/** Largest file offset (loff_t max). */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/** An open file description. */
export abstract class FileDescription {
  /** Access mode and status flags (O_APPEND, O_NONBLOCK, ...), as F_GETFL reports them. */
  flags: number;
  /** The file offset for read/write/lseek. */
  offset = 0;
  /** Where the file was opened (null for anonymous files: pipes, host stdio). */
  readonly vd: VirtualDentry | null;
  private refs = 1;

  /** A description with `flags` opened at `vd`; the creator holds the first reference. */
  constructor(flags: number, vd: VirtualDentry | null) {
    this.flags = flags;
    this.vd = vd;
  }

  /** The inode, when the file has one. */
  get inode(): Inode | null {
    return this.vd === null ? null : this.vd.inode;
  }

  /** True when opened for reading. */
  get readable(): boolean {
    if ((this.flags & O_PATH) !== 0) return false;
    const a = this.flags & O_ACCMODE;
    return a === O_RDONLY || a === O_RDWR;
  }

  /** True when opened for writing. */
  get writable(): boolean {
    if ((this.flags & O_PATH) !== 0) return false;
    const a = this.flags & O_ACCMODE;
    return a === O_WRONLY || a === O_RDWR;
  }

  /** Takes another reference (dup, fork, SCM_RIGHTS). */
  incRef(): void {
    this.refs++;
  }

  /** Drops a reference; the last one releases the file (and its OFD record locks). */
  decRef(): void {
    if (--this.refs === 0) {
      const i = this.inode;
      if (i !== null) releaseLocks(i, this);
      if (anyWatches() && this.vd !== null && (this.flags & O_PATH) === 0) {
        notifyVd(this.vd, this.writable ? IN.CLOSE_WRITE : IN.CLOSE_NOWRITE);
      }
      this.release();
    }
  }

  /** Current reference count (tests, /proc). */
  get refCount(): number {
    return this.refs;
  }

  /** Called once when the last reference is dropped: close host fds, wake peers. */
  protected release(): void {}

  /** True when reads and writes use an offset (lseek works); false for streams. */
  get seekable(): boolean {
    return true;
  }

  /** read(2): reads at the file offset and advances it. */
  read(t: FileTask, dst: Uint8Array): number {
    const n = this.pread(t, dst, this.offset);
    if (n > 0) this.offset += n;
    return n;
  }

  /** pread(2) at `pos`. */
  pread(_t: FileTask, _dst: Uint8Array, _pos: number): number {
    return this.inode?.isDir ? -E.EISDIR : -E.EINVAL;
  }

  /** write(2): writes at the offset (end of file with O_APPEND) and advances it. */
  write(t: FileTask, src: Uint8Array): number {
    const pos = (this.flags & O_APPEND) !== 0 ? this.endOffset() : this.offset;
    if (pos < 0) return pos;
    const n = this.pwrite(t, src, pos);
    if (n > 0) this.offset = pos + n;
    return n;
  }

  /** pwrite(2) at `pos`. */
  pwrite(_t: FileTask, _src: Uint8Array, _pos: number): number {
    return -E.EINVAL;
  }

  /** The size used by SEEK_END and O_APPEND. */
  protected endOffset(): number {
    const s = this.stat();
    return typeof s === "number" ? s : s.size;
  }

  /** lseek(2). */
  seek(off: number, whence: number): number {
    if (!this.seekable) return -E.ESPIPE;
    let base: number;
    switch (whence) {
      case SEEK_SET:
        base = 0;
        break;
      case SEEK_CUR:
        base = this.offset;
        break;
      case SEEK_END: {
        const e = this.endOffset();
        if (e < 0) return e;
        base = e;
        break;
      }
      case SEEK_DATA:
      case SEEK_HOLE: {
        // No sparse files: data everywhere, one hole at the end.
        const e = this.endOffset();
        if (e < 0) return e;
        if (off < 0 || off >= e) return -E.ENXIO;
        this.offset = whence === SEEK_DATA ? off : e;
        return this.offset;
      }
      default:
        return -E.EINVAL;
    }
    const n = base + off;
    if (!Number.isSafeInteger(n) || n < 0) return -E.EINVAL;
    this.offset = n;
    this.onSeek();
    return n;
  }

  /** Hook for files with state tied to the offset (directories restart their listing). */
  protected onSeek(): void {}

  /** fstat(2). */
  stat(): StatInfo | number {
    const i = this.inode;
    return i === null ? -E.EBADF : i.stat();
  }

  /** Directory entries from index `this.offset` (getdents64); ENOTDIR for other files. */
  readdir(_t: FileTask): DirEntry[] | number {
    return -E.ENOTDIR;
  }

  /** ioctl(2); `arg` is an application address or value. */
  ioctl(_t: FileTask, _cmd: number, _arg: number): number {
    return -E.ENOTTY;
  }

  /** Events of `mask` (POLL* bits) that are ready now. Regular files are always ready. */
  readiness(_t: FileTask, mask: number): number {
    return mask & (POLLIN | POLLOUT);
  }

  /** The queue notified when readiness for `mask` may have changed; null if it never does. */
  waitQueue(_t: FileTask, _mask: number): WaitQueue | null {
    return null;
  }

  /** F_SETFL: replaces the changeable status flags. */
  setStatusFlags(flags: number): number {
    this.flags = (this.flags & ~SETFL_MASK) | (flags & SETFL_MASK);
    return 0;
  }

  /** ftruncate(2). */
  truncate(_size: number): number {
    return -E.EINVAL;
  }

  /** fsync(2); in-memory files have nothing to flush. */
  sync(): number {
    return 0;
  }

  /** What readlink of /proc/[pid]/fd/N shows for files without a path ("pipe:[12]"). */
  anonName(): string {
    return "anon_inode:[file]";
  }

  /** The host fd backing this file when it has one (mmap of gofer files, splice), else -1. */
  hostFd(): number {
    return -1;
  }
}
