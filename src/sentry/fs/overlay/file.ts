// Overlay non-directories. Regular files read from a gofer-donated host fd until their data
// is copied up into memory (first write, truncate, or writable open); symlinks read their
// lower target once.
import { E } from "../../../../ffi/errno.ts";
import { close as hostClose } from "../../../../ffi/libc.ts";
import { O_ACCMODE, O_RDONLY, O_TRUNC, S_IFLNK, S_IFREG } from "../../vfs/consts.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import { FileDescription } from "../../vfs/file.ts";
import { Inode, nowNs } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { hostPread } from "../host/hostcalls.ts";
import { MemData } from "../tmpfs/data.ts";
import type { OverlayFs } from "./overlay.ts";

/** Reads the whole lower file `path` of `size` bytes through the gofer. */
function readLower(fs: OverlayFs, path: string, size: number): MemData | number {
  const fd = fs.gofer.openRead(path);
  if (fd < 0) return fd;
  try {
    const buf = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = hostPread(fd, buf.subarray(done), done);
      if (n < 0) return n;
      if (n === 0) break;
      done += n;
    }
    return new MemData(buf.subarray(0, done));
  } finally {
    hostClose(fd);
  }
}

/** An overlay regular file. */
export class OvlFile extends Inode {
  declare readonly fs: OverlayFs;
  /** Gofer path of the lower file, or null for files created in the overlay. */
  readonly lower: string | null;
  private readonly lowerSize: number;
  /** The contents once copied up (or for upper files); null while they are the lower's. */
  data: MemData | null = null;

  /** A file; `lower` is its gofer path (with `lowerSize` bytes) or null. */
  constructor(
    fs: OverlayFs,
    ino: number,
    mode: number,
    uid: number,
    gid: number,
    lower: string | null,
    lowerSize: number,
  ) {
    super(fs, ino, S_IFREG | (mode & 0o7777), uid, gid);
    this.lower = lower;
    this.lowerSize = lowerSize;
  }

  /** Brings the data into memory (once); 0 or -errno. */
  copyUp(): number {
    if (this.data !== null) return 0;
    if (this.lower === null) {
      this.data = new MemData();
      return 0;
    }
    const d = readLower(this.fs, this.lower, this.lowerSize);
    if (typeof d === "number") return d;
    this.data = d;
    this.blocksHint = -1;
    return 0;
  }

  override size(): number {
    return this.data !== null ? this.data.size : this.lowerSize;
  }

  /** Slow path for reads without an open host fd (copies up nothing). */
  override readAt(dst: Uint8Array, pos: number): number {
    if (this.data !== null) return this.data.readAt(dst, pos);
    if (this.lower === null) return 0;
    const fd = this.fs.gofer.openRead(this.lower);
    if (fd < 0) return fd;
    try {
      return hostPread(fd, dst, pos);
    } finally {
      hostClose(fd);
    }
  }

  override writeAt(src: Uint8Array, pos: number): number {
    const r = this.copyUp();
    if (r < 0) return r;
    const n = this.data!.writeAt(src, pos);
    if (n > 0) this.mtimeNs = this.ctimeNs = nowNs();
    return n;
  }

  override truncate(size: number): number {
    if (this.data === null && size === 0) {
      this.data = new MemData();
      this.blocksHint = -1;
    }
    const r = this.copyUp();
    if (r < 0) return r;
    const t = this.data!.truncate(size);
    if (t === 0) this.mtimeNs = this.ctimeNs = nowNs();
    return t;
  }

  /** Read-only opens of lower data read the gofer's host fd; others copy up first. */
  override open(_t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number | null {
    if (this.data !== null) return null;
    if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0) {
      if ((flags & O_TRUNC) !== 0) return null; // truncate(0) creates the data
      const r = this.copyUp();
      return r < 0 ? r : null;
    }
    if (this.lower === null) return null;
    const fd = this.fs.gofer.openRead(this.lower);
    if (fd < 0) return fd;
    return new LowerFile(vd, flags, this, fd);
  }
}

/** A read-only open of a lower file: pread on the donated host fd until a copy-up. */
export class LowerFile extends FileDescription {
  private readonly file: OvlFile;
  private fd: number;

  /** Wraps host fd `fd` (owned) for `file`. */
  constructor(vd: VirtualDentry, flags: number, file: OvlFile, fd: number) {
    super(flags, vd);
    this.file = file;
    this.fd = fd;
  }

  override pread(_t: FileTask, dst: Uint8Array, pos: number): number {
    if (this.file.data !== null) return this.file.data.readAt(dst, pos);
    return hostPread(this.fd, dst, pos);
  }

  override pwrite(): number {
    return -E.EBADF;
  }

  protected override release(): void {
    if (this.fd >= 0) hostClose(this.fd);
    this.fd = -1;
  }

  /** The gofer's host fd (for mmap of lower files); -1 after release. */
  override hostFd(): number {
    return this.file.data === null ? this.fd : -1;
  }
}

/** An overlay symlink. */
export class OvlSymlink extends Inode {
  declare readonly fs: OverlayFs;
  private readonly lower: string | null;
  private target: string | null;
  private readonly lowerSize: number;

  /** A symlink: lower (`lower` path, target read on demand) or upper (`target`). */
  constructor(
    fs: OverlayFs,
    ino: number,
    uid: number,
    gid: number,
    lower: string | null,
    target: string | null,
    lowerSize: number,
  ) {
    super(fs, ino, S_IFLNK | 0o777, uid, gid);
    this.lower = lower;
    this.target = target;
    this.lowerSize = lowerSize;
  }

  override size(): number {
    return this.target !== null ? new TextEncoder().encode(this.target).length : this.lowerSize;
  }

  override readlink(_t: FileTask): string | number {
    if (this.target !== null) return this.target;
    if (this.lower === null) return -E.EINVAL;
    const r = this.fs.gofer.readlink(this.lower);
    if (typeof r === "number") return r;
    this.target = r;
    return r;
  }
}

/** Devices, FIFOs and sockets (from the lower layer or mknod). */
export class OvlNode extends Inode {}
