// Overlay directories: lower entries (read through the gofer) merged with materialised
// children; names removed from the lower layer are hidden by whiteouts. A directory created
// in the overlay has no lower part, so it is opaque by construction.
import { E } from "../../../../ffi/errno.ts";
import { dtype, S_IFDIR, S_IFMT, S_IFREG } from "../../vfs/consts.ts";
import { type DirEntry, Inode, nowNs } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { MemData } from "../tmpfs/data.ts";
import { OvlFile, OvlNode, OvlSymlink } from "./file.ts";
import type { OverlayFs } from "./overlay.ts";

/** Joins a gofer path and a name ("" is the gofer's root). */
export function goferJoin(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/** An overlay directory. */
export class OvlDir extends Inode {
  declare readonly fs: OverlayFs;
  /** Gofer path of the lower directory, or null when upper-only. */
  readonly lower: string | null;
  /** Children looked up or created, by name (stable inode objects). */
  readonly children: Map<string, Inode> = new Map();
  /** Lower names removed in the overlay. */
  readonly whiteouts: Set<string> = new Set();
  /** Names the lower layer does not have (negative cache: the lower is not changed behind us). */
  private readonly missing: Set<string> = new Set();
  /** st_size of the lower directory (set from its stat), or -1. */
  lowerSize = -1;

  /** A directory; `lower` is its gofer path or null. */
  constructor(fs: OverlayFs, ino: number, mode: number, uid: number, gid: number, lower: string | null) {
    super(fs, ino, S_IFDIR | (mode & 0o7777), uid, gid);
    this.lower = lower;
  }

  override lookup(_t: FileTask, name: string): Inode | number {
    const c = this.children.get(name);
    if (c !== undefined) return c;
    if (this.lower === null || this.whiteouts.has(name) || this.missing.has(name)) return -E.ENOENT;
    const path = goferJoin(this.lower, name);
    const st = this.fs.gofer.stat(path);
    if (typeof st === "number") {
      if (st !== -E.ENOENT && st !== -E.ENOTDIR) return st;
      if (this.missing.size < 4096) this.missing.add(name);
      return -E.ENOENT;
    }
    const i = this.fs.fromLower(path, st);
    this.children.set(name, i);
    return i;
  }

  /** The lower directory's size; an upper-only one counts like tmpfs (20 bytes per entry). */
  override size(): number {
    return this.lowerSize >= 0 ? this.lowerSize : (this.children.size + 2) * 20;
  }

  override readdir(_t: FileTask): DirEntry[] | number {
    const r: DirEntry[] = [];
    if (this.lower !== null) {
      const lower = this.fs.gofer.readdir(this.lower);
      if (typeof lower === "number") return lower;
      for (const e of lower) {
        if (this.whiteouts.has(e.name) || this.children.has(e.name)) continue;
        r.push({ name: e.name, ino: e.ino, type: e.type });
      }
    }
    for (const [name, i] of this.children) r.push({ name, ino: i.ino, type: dtype(i.mode) });
    return r;
  }

  /** True when the directory lists no entries. */
  isEmpty(t: FileTask): boolean {
    const l = this.readdir(t);
    return typeof l !== "number" && l.length === 0;
  }

  private exists(t: FileTask, name: string): boolean {
    return typeof this.lookup(t, name) !== "number";
  }

  private add(name: string, i: Inode): Inode {
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
    t: FileTask,
    name: string,
    mode: number,
    rdev: number,
    uid: number,
    gid: number,
  ): Inode | number {
    if (this.exists(t, name)) return -E.EEXIST;
    const type = mode & S_IFMT;
    let i: Inode;
    if (type === S_IFREG || type === 0) {
      i = new OvlFile(this.fs, this.fs.ino(), S_IFREG | (mode & 0o7777), uid, gid, null, 0);
      (i as OvlFile).data = new MemData();
    } else {
      i = new OvlNode(this.fs, this.fs.ino(), mode, uid, gid);
      i.rdev = rdev;
    }
    return this.add(name, i);
  }

  override mkdir(t: FileTask, name: string, mode: number, uid: number, gid: number): Inode | number {
    if (this.exists(t, name)) return -E.EEXIST;
    return this.add(name, new OvlDir(this.fs, this.fs.ino(), mode, uid, gid, null));
  }

  override symlink(t: FileTask, name: string, target: string, uid: number, gid: number): Inode | number {
    if (this.exists(t, name)) return -E.EEXIST;
    return this.add(name, new OvlSymlink(this.fs, this.fs.ino(), uid, gid, null, target, 0));
  }

  override link(t: FileTask, name: string, target: Inode): number {
    if (target.fs !== this.fs) return -E.EXDEV;
    if (target.isDir) return -E.EPERM;
    if (this.exists(t, name)) return -E.EEXIST;
    this.add(name, target);
    target.nlink++;
    target.ctimeNs = nowNs();
    return 0;
  }

  /** Drops `name` from the merged view (whiteout when a lower entry may exist). */
  private drop(name: string): void {
    this.children.delete(name);
    if (this.lower !== null) this.whiteouts.add(name);
    this.touch();
  }

  override unlink(t: FileTask, name: string): number {
    const i = this.lookup(t, name);
    if (typeof i === "number") return i;
    if (i.isDir) return -E.EISDIR;
    this.drop(name);
    i.nlink--;
    i.ctimeNs = nowNs();
    return 0;
  }

  override rmdir(t: FileTask, name: string): number {
    const i = this.lookup(t, name);
    if (typeof i === "number") return i;
    if (!(i instanceof OvlDir)) return -E.ENOTDIR;
    if (!i.isEmpty(t)) return -E.ENOTEMPTY;
    this.drop(name);
    i.nlink = 0;
    this.nlink--;
    return 0;
  }

  override rename(t: FileTask, oldName: string, newDir: Inode, newName: string): number {
    if (!(newDir instanceof OvlDir) || newDir.fs !== this.fs) return -E.EXDEV;
    const src = this.lookup(t, oldName);
    if (typeof src === "number") return src;
    const dst = newDir.lookup(t, newName);
    if (dst === src) return 0;
    if (typeof dst !== "number") {
      if (src.isDir) {
        if (!dst.isDir) return -E.ENOTDIR;
        if (dst instanceof OvlDir && !dst.isEmpty(t)) return -E.ENOTEMPTY;
        dst.nlink = 0;
        newDir.nlink--;
      } else {
        if (dst.isDir) return -E.EISDIR;
        dst.nlink--;
      }
    } else if (dst !== -E.ENOENT) return dst;
    this.drop(oldName);
    if (src.isDir) this.nlink--;
    newDir.add(newName, src);
    src.ctimeNs = nowNs();
    return 0;
  }
}
