// tmpfs: a filesystem entirely in Sentry memory (/tmp, /dev/shm, and the base of devfs).
import { E } from "../../../../ffi/errno.ts";
import { dtype, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../vfs/consts.ts";
import { allocDev, type DirEntry, type Filesystem, type FsStats, Inode, nowNs } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { MemData } from "./data.ts";

/** statfs f_type of tmpfs. */
export const TMPFS_MAGIC = 0x01021994;

/** A tmpfs instance. */
export class Tmpfs implements Filesystem {
  readonly name: string;
  readonly dev: number = allocDev();
  readonly readonly = false;
  readonly root: MemDir;
  private nextIno = 1;

  /** A new empty tmpfs whose root has `mode` (0o1777 for /tmp). */
  constructor(mode = 0o1777, uid = 0, gid = 0, name = "tmpfs") {
    this.name = name;
    this.root = new MemDir(this, this.ino(), S_IFDIR | (mode & 0o7777), uid, gid);
  }

  /** Allocates an inode number. */
  ino(): number {
    return this.nextIno++;
  }

  /** statfs: an unlimited in-memory filesystem. */
  statfs(): FsStats {
    return {
      type: TMPFS_MAGIC,
      bsize: 4096,
      blocks: 1 << 20,
      bfree: 1 << 20,
      bavail: 1 << 20,
      files: 1 << 20,
      ffree: 1 << 20,
      namelen: 255,
      flags: 0,
    };
  }
}

/** A tmpfs directory. */
export class MemDir extends Inode {
  readonly children: Map<string, Inode> = new Map();
  declare readonly fs: Tmpfs;

  override lookup(_t: FileTask, name: string): Inode | number {
    return this.children.get(name) ?? -E.ENOENT;
  }

  /** Linux tmpfs reports 20 bytes per entry (BOGO_DIRENT_SIZE), "." and ".." included. */
  override size(): number {
    return (this.children.size + 2) * 20;
  }

  override readdir(_t: FileTask): DirEntry[] {
    const r: DirEntry[] = [];
    for (const [name, i] of this.children) r.push({ name, ino: i.ino, type: dtype(i.mode) });
    return r;
  }

  private add(name: string, i: Inode): Inode | number {
    if (this.children.has(name)) return -E.EEXIST;
    this.children.set(name, i);
    if (i.isDir) this.nlink++;
    this.touch();
    return i;
  }

  /** Updates mtime and ctime after a change of entries. */
  touch(): void {
    const now = nowNs();
    this.mtimeNs = now;
    this.ctimeNs = now;
  }

  override mknod(
    _t: FileTask,
    name: string,
    mode: number,
    rdev: number,
    uid: number,
    gid: number,
  ): Inode | number {
    const type = mode & S_IFMT;
    const i = type === S_IFREG || type === 0
      ? new MemFile(this.fs, this.fs.ino(), S_IFREG | (mode & 0o7777), uid, gid)
      : new MemNode(this.fs, this.fs.ino(), mode, uid, gid);
    i.rdev = rdev;
    return this.add(name, i);
  }

  override mkdir(_t: FileTask, name: string, mode: number, uid: number, gid: number): Inode | number {
    return this.add(name, new MemDir(this.fs, this.fs.ino(), S_IFDIR | (mode & 0o7777), uid, gid));
  }

  override symlink(_t: FileTask, name: string, target: string, uid: number, gid: number): Inode | number {
    return this.add(name, new MemSymlink(this.fs, this.fs.ino(), target, uid, gid));
  }

  override link(_t: FileTask, name: string, target: Inode): number {
    if (target.fs !== this.fs) return -E.EXDEV;
    if (target.isDir) return -E.EPERM;
    const r = this.add(name, target);
    if (typeof r === "number") return r;
    target.nlink++;
    target.ctimeNs = nowNs();
    return 0;
  }

  override unlink(_t: FileTask, name: string): number {
    const i = this.children.get(name);
    if (i === undefined) return -E.ENOENT;
    if (i.isDir) return -E.EISDIR;
    this.children.delete(name);
    i.nlink--;
    i.ctimeNs = nowNs();
    this.touch();
    return 0;
  }

  override rmdir(_t: FileTask, name: string): number {
    const i = this.children.get(name);
    if (i === undefined) return -E.ENOENT;
    if (!(i instanceof MemDir)) return -E.ENOTDIR;
    if (i.children.size > 0) return -E.ENOTEMPTY;
    this.children.delete(name);
    i.nlink = 0;
    this.nlink--;
    this.touch();
    return 0;
  }

  override rename(_t: FileTask, oldName: string, newDir: Inode, newName: string): number {
    if (!(newDir instanceof MemDir) || newDir.fs !== this.fs) return -E.EXDEV;
    const src = this.children.get(oldName);
    if (src === undefined) return -E.ENOENT;
    const dst = newDir.children.get(newName);
    if (dst === src) return 0;
    if (dst !== undefined) {
      const r = replaceable(src, dst);
      if (r < 0) return r;
      if (dst.isDir) {
        newDir.nlink--;
        dst.nlink = 0;
      } else dst.nlink--;
    }
    this.children.delete(oldName);
    newDir.children.set(newName, src);
    if (src.isDir) {
      this.nlink--;
      newDir.nlink++;
    }
    src.ctimeNs = nowNs();
    this.touch();
    newDir.touch();
    return 0;
  }
}

/** Whether `dst` may be replaced by `src` in a rename: 0 or -errno. */
export function replaceable(src: Inode, dst: Inode): number {
  if (src.isDir) {
    if (!dst.isDir) return -E.ENOTDIR;
    if (dst instanceof MemDir && dst.children.size > 0) return -E.ENOTEMPTY;
  } else if (dst.isDir) return -E.EISDIR;
  return 0;
}

/** A tmpfs regular file. */
export class MemFile extends Inode {
  readonly data: MemData = new MemData();

  override size(): number {
    return this.data.size;
  }

  override readAt(dst: Uint8Array, pos: number): number {
    return this.data.readAt(dst, pos);
  }

  override writeAt(src: Uint8Array, pos: number): number {
    const n = this.data.writeAt(src, pos);
    if (n > 0) {
      const now = nowNs();
      this.mtimeNs = now;
      this.ctimeNs = now;
    }
    return n;
  }

  override truncate(size: number): number {
    const r = this.data.truncate(size);
    if (r === 0) {
      const now = nowNs();
      this.mtimeNs = now;
      this.ctimeNs = now;
    }
    return r;
  }
}

/** A tmpfs symlink. */
export class MemSymlink extends Inode {
  readonly target: string;

  /** A symlink to `target`. */
  constructor(fs: Filesystem, ino: number, target: string, uid: number, gid: number) {
    super(fs, ino, S_IFLNK | 0o777, uid, gid);
    this.target = target;
  }

  override size(): number {
    return new TextEncoder().encode(this.target).length;
  }

  override readlink(_t: FileTask): string {
    return this.target;
  }
}

/** A device, FIFO or socket node (opened through the device registry by the VFS). */
export class MemNode extends Inode {}
