// Default open files for inodes: regular files (I/O through Inode.readAt/writeAt),
// directories (getdents from a snapshot of the entries), and O_PATH files.
import { E } from "../../../ffi/errno.ts";
import { dtype, O_PATH } from "./consts.ts";
import type { VirtualDentry } from "./dentry.ts";
import { FileDescription, MAX_OFFSET } from "./file.ts";
import type { DirEntry } from "./inode.ts";
import type { FileTask } from "./task.ts";
import { parentOf } from "./walk.ts";

/** An open regular file whose data the inode holds. */
export class RegularFile extends FileDescription {
  /** Opens `vd` with `flags`. */
  constructor(vd: VirtualDentry, flags: number) {
    super(flags, vd);
  }

  override pread(_t: FileTask, dst: Uint8Array, pos: number): number {
    return this.vd!.inode.readAt(dst, pos);
  }

  override pwrite(_t: FileTask, src: Uint8Array, pos: number): number {
    if (pos + src.length > MAX_OFFSET) return -E.EFBIG;
    return this.vd!.inode.writeAt(src, pos);
  }

  override truncate(size: number): number {
    return this.vd!.inode.truncate(size);
  }
}

/** An open directory. */
export class DirFile extends FileDescription {
  private entries: DirEntry[] | null = null;

  /** Opens directory `vd`. */
  constructor(vd: VirtualDentry, flags: number) {
    super(flags, vd);
  }

  /** "." and ".." then the entries; the listing is taken at offset 0 and kept until rewound. */
  override readdir(t: FileTask): DirEntry[] | number {
    if (this.entries === null || this.offset === 0) {
      const vd = this.vd!;
      const list = vd.inode.readdir(t);
      if (typeof list === "number") return list;
      const parent = parentOf(vd, t.fsctx.root);
      this.entries = [
        { name: ".", ino: vd.inode.ino, type: dtype(vd.inode.mode) },
        { name: "..", ino: parent.inode.ino, type: dtype(parent.inode.mode) },
        ...list,
      ];
    }
    return this.entries;
  }

  override pread(): number {
    return -E.EISDIR;
  }

  override pwrite(): number {
    return -E.EISDIR;
  }

  /** Directories seek by entry index; SEEK_END is not meaningful. */
  override seek(off: number, whence: number): number {
    if (whence === 2) return -E.EINVAL;
    return super.seek(off, whence);
  }

  protected override endOffset(): number {
    return this.entries === null ? 0 : this.entries.length;
  }

  protected override onSeek(): void {
    if (this.offset === 0) this.entries = null;
  }
}

/** An O_PATH file: names a location for *at() calls, fstat and fchdir; no I/O. */
export class PathFile extends FileDescription {
  /** An O_PATH description of `vd`. */
  constructor(vd: VirtualDentry, flags: number) {
    super(flags | O_PATH, vd);
  }

  override read(): number {
    return -E.EBADF;
  }

  override write(): number {
    return -E.EBADF;
  }

  override seek(): number {
    return -E.EBADF;
  }

  override readdir(): number {
    return -E.EBADF;
  }

  override ioctl(): number {
    return -E.EBADF;
  }
}
