// Inodes: the filesystem objects behind names. Each filesystem (tmpfs, overlay, procfs, ...)
// subclasses Inode and overrides the operations its file types support; the defaults answer
// the errno Linux gives for the wrong file type. Permission checks are done by the VFS (walk,
// open, syscalls) before these are called; inodes check only structure (EEXIST, ENOTEMPTY).
import { E } from "../../../ffi/errno.ts";
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "./consts.ts";
import type { FileDescription } from "./file.ts";
import type { FileTask } from "./task.ts";
import type { VirtualDentry } from "./dentry.ts";

/** Attributes as stat reports them (times in ns since the epoch). */
export interface StatInfo {
  dev: number;
  ino: number;
  nlink: number;
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** A change of attributes (setattr): only the present fields change. */
export interface AttrChange {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

/** One directory entry as getdents reports it. */
export interface DirEntry {
  readonly name: string;
  readonly ino: number;
  /** DT_* type. */
  readonly type: number;
}

/** statfs(2) answers. */
export interface FsStats {
  readonly type: number;
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
  readonly namelen: number;
  readonly flags: number;
}

/** A mounted filesystem instance. */
export interface Filesystem {
  /** Type name as /proc/mounts shows it ("tmpfs", "overlay", "proc"). */
  readonly name: string;
  /** st_dev of its inodes. */
  readonly dev: number;
  /** The root directory inode. */
  readonly root: Inode;
  /** True when nothing may be changed (EROFS). */
  readonly readonly: boolean;
  /** statfs(2) data. */
  statfs(): FsStats;
}

let devCounter = 0x100;
/** A fresh anonymous device number for a new filesystem instance (like get_anon_bdev). */
export function allocDev(): number {
  return devCounter++;
}

/** The current wall-clock time in ns (for inode times). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Base of every inode. Fields are public and mutable: the owning filesystem updates them. */
export abstract class Inode {
  readonly fs: Filesystem;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdev = 0;
  /** st_blocks reported by a backing store (gofer lower files), or -1 to derive from size. */
  blocksHint = -1;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;

  /** An inode of `fs` with number `ino`, type+permission `mode`, owner `uid:gid`. */
  constructor(fs: Filesystem, ino: number, mode: number, uid: number, gid: number) {
    this.fs = fs;
    this.ino = ino;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.nlink = (mode & S_IFMT) === S_IFDIR ? 2 : 1;
    const now = nowNs();
    this.atimeNs = now;
    this.mtimeNs = now;
    this.ctimeNs = now;
  }

  /** S_IF* type bits. */
  get type(): number {
    return this.mode & S_IFMT;
  }

  /** True for directories. */
  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }

  /** True for symlinks. */
  get isSymlink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }

  /** True for regular files. */
  get isRegular(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }

  /** Size in bytes (st_size). */
  size(): number {
    return 0;
  }

  /** stat(2) attributes. */
  stat(): StatInfo {
    const size = this.size();
    return {
      dev: this.fs.dev,
      ino: this.ino,
      nlink: this.nlink,
      mode: this.mode,
      uid: this.uid,
      gid: this.gid,
      rdev: this.rdev,
      size,
      blksize: 4096,
      // In-memory directories and links use no blocks (as tmpfs reports).
      blocks: this.blocksHint >= 0 ? this.blocksHint : this.isRegular ? Math.ceil(size / 4096) * 8 : 0,
      atimeNs: this.atimeNs,
      mtimeNs: this.mtimeNs,
      ctimeNs: this.ctimeNs,
    };
  }

  /** Applies `a` (already permission-checked). Subclasses extend for size. */
  setattr(a: AttrChange): number {
    if (a.size !== undefined) {
      if (this.isDir) return -E.EISDIR;
      if (!this.isRegular) return -E.EINVAL;
      const r = this.truncate(a.size);
      if (r < 0) return r;
    }
    if (a.mode !== undefined) this.mode = (this.mode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    if (a.atimeNs !== undefined) this.atimeNs = a.atimeNs;
    if (a.mtimeNs !== undefined) this.mtimeNs = a.mtimeNs;
    this.ctimeNs = nowNs();
    return 0;
  }

  /** Child `name` of this directory. */
  lookup(_t: FileTask, _name: string): Inode | number {
    return -E.ENOTDIR;
  }

  /** Entries of this directory, without "." and "..". */
  readdir(_t: FileTask): DirEntry[] | number {
    return -E.ENOTDIR;
  }

  /** Creates a regular file, device, fifo or socket node `name` (mode includes the type). */
  mknod(
    _t: FileTask,
    _name: string,
    _mode: number,
    _rdev: number,
    _uid: number,
    _gid: number,
  ): Inode | number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Creates directory `name`. */
  mkdir(_t: FileTask, _name: string, _mode: number, _uid: number, _gid: number): Inode | number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Creates symlink `name` → `target`. */
  symlink(_t: FileTask, _name: string, _target: string, _uid: number, _gid: number): Inode | number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Adds hard link `name` to `target`. */
  link(_t: FileTask, _name: string, _target: Inode): number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Removes non-directory `name`. */
  unlink(_t: FileTask, _name: string): number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Removes empty directory `name`. */
  rmdir(_t: FileTask, _name: string): number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /**
   * Moves `oldName` of this directory to `newName` of `newDir` (same filesystem), replacing
   * a compatible target. `flags` are renameat2's (RENAME_NOREPLACE handled by the caller).
   */
  rename(_t: FileTask, _oldName: string, _newDir: Inode, _newName: string): number {
    return this.isDir ? -E.EPERM : -E.ENOTDIR;
  }

  /** Target of this symlink. */
  readlink(_t: FileTask): string | number {
    return -E.EINVAL;
  }

  /**
   * For "magic" links (/proc/self/cwd, /proc/[pid]/fd/N): where following leads, instead of
   * resolving the text of readlink. null for ordinary symlinks.
   */
  followLink(_t: FileTask, _at: VirtualDentry): VirtualDentry | number | null {
    return null;
  }

  /** Reads at `pos` of a regular file into `dst`; returns bytes read. */
  readAt(_dst: Uint8Array, _pos: number): number {
    return this.isDir ? -E.EISDIR : -E.EINVAL;
  }

  /** Writes `src` at `pos` of a regular file; returns bytes written. */
  writeAt(_src: Uint8Array, _pos: number): number {
    return this.isDir ? -E.EISDIR : -E.EINVAL;
  }

  /** Sets the size of a regular file. */
  truncate(_size: number): number {
    return this.isDir ? -E.EISDIR : -E.EINVAL;
  }

  /**
   * Opens this inode (after permission checks and O_TRUNC). `vd` is where it was found.
   * Filesystems return their FileDescription; the VFS supplies defaults for regular files
   * and directories when this returns null.
   */
  open(_t: FileTask, _vd: VirtualDentry, _flags: number): FileDescription | number | null {
    return null;
  }
}
