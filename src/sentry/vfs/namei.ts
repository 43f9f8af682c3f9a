// Namespace operations over the walk, with Linux's checks: mkdir, mknod, symlink, link,
// unlink, rmdir, rename. Each takes an *at() starting point and path(s) already copied in.
import { E } from "../../../ffi/errno.ts";
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK } from "./consts.ts";
import type { VirtualDentry } from "./dentry.ts";
import { mountReadonly } from "./mount.ts";
import type { Inode } from "./inode.ts";
import { newFileGid, resolveAt, startAt } from "./open.ts";
import { anyWatches, IN, notifyInode, notifyName, notifyRemoved, renameCookie } from "./fsnotify.ts";
import { MAY_EXEC, MAY_WRITE, mayAccess, mayDeleteChild } from "./perm.ts";
import { type FileTask, fsUid } from "./task.ts";
import { type ParentResult, resolveParent } from "./walk.ts";
import { CAP, capable } from "../kernel/caps.ts";

/** renameat2 flags. */
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

/** Resolves the parent of `path` for a change: the directory must be writable. */
function parentForChange(t: FileTask, dirfd: number, path: string): ParentResult | number {
  const start = startAt(t, dirfd, path);
  if (typeof start === "number") return start;
  const pr = resolveParent(t, start, path);
  if (typeof pr === "number") return pr;
  return pr;
}

function mayChange(t: FileTask, dir: VirtualDentry): number {
  const p = mayAccess(t.creds, dir.inode, MAY_WRITE | MAY_EXEC);
  if (p < 0) return p;
  return mountReadonly(dir.mount) ? -E.EROFS : 0;
}

/** Creates `path` with `make` after the shared checks (EEXIST for ".", "..", "/"). */
function create(
  t: FileTask,
  dirfd: number,
  path: string,
  allowTrailingSlash: boolean,
  make: (dir: Inode, name: string, uid: number, gid: number) => Inode | number,
): number {
  const pr = parentForChange(t, dirfd, path);
  if (typeof pr === "number") return pr;
  if (pr.name === "" || pr.name === "." || pr.name === "..") return -E.EEXIST;
  const existing = pr.dir.inode.lookup(t, pr.name);
  if (typeof existing !== "number") return -E.EEXIST;
  if (existing !== -E.ENOENT) return existing;
  if (pr.trailingSlash && !allowTrailingSlash) return -E.ENOENT;
  const c = mayChange(t, pr.dir);
  if (c < 0) return c;
  const r = make(pr.dir.inode, pr.name, fsUid(t.creds), newFileGid(t, pr.dir.inode));
  if (typeof r === "number") return r;
  notifyName(pr.dir.inode, pr.name, r, IN.CREATE);
  return 0;
}

/** mkdirat(2). */
export function mkdirAt(t: FileTask, dirfd: number, path: string, mode: number): number {
  const perm = mode & 0o7777 & ~t.fsctx.umask;
  return create(t, dirfd, path, true, (dir, name, uid, gid) => dir.mkdir(t, name, perm, uid, gid));
}

/** mknodat(2): regular files, FIFOs and sockets for anyone; devices need root. */
export function mknodAt(t: FileTask, dirfd: number, path: string, mode: number, rdev: number): number {
  let type = mode & S_IFMT;
  if (type === 0) type = S_IFREG;
  if (type === S_IFDIR) return -E.EPERM;
  if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) {
    return -E.EINVAL;
  }
  if ((type === S_IFCHR || type === S_IFBLK) && !capable(t.creds, CAP.MKNOD)) return -E.EPERM;
  const m = type | (mode & 0o7777 & ~t.fsctx.umask);
  return create(t, dirfd, path, false, (dir, name, uid, gid) => dir.mknod(t, name, m, rdev, uid, gid));
}

/** symlinkat(2). */
export function symlinkAt(t: FileTask, target: string, dirfd: number, path: string): number {
  if (target === "") return -E.ENOENT;
  return create(t, dirfd, path, false, (dir, name, uid, gid) => dir.symlink(t, name, target, uid, gid));
}

/** linkat(2); `follow` is AT_SYMLINK_FOLLOW. */
export function linkAt(
  t: FileTask,
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  atFlags: number,
): number {
  const src = resolveAt(t, olddirfd, oldpath, atFlags);
  if (typeof src === "number") return src;
  if (src.inode.isDir) return -E.EPERM;
  const pr = parentForChange(t, newdirfd, newpath);
  if (typeof pr === "number") return pr;
  if (pr.name === "" || pr.name === "." || pr.name === "..") return -E.EEXIST;
  if (typeof pr.dir.inode.lookup(t, pr.name) !== "number") return -E.EEXIST;
  if (pr.trailingSlash) return -E.ENOENT;
  if (pr.dir.mount !== src.mount) return -E.EXDEV;
  const c = mayChange(t, pr.dir);
  if (c < 0) return c;
  const r = pr.dir.inode.link(t, pr.name, src.inode);
  if (r >= 0) {
    notifyInode(null, "", src.inode, IN.ATTRIB);
    notifyName(pr.dir.inode, pr.name, src.inode, IN.CREATE);
  }
  return r;
}

/** The entry `name` of `dir` for removal: the inode, EBUSY for mount points. */
function victim(t: FileTask, dir: VirtualDentry, name: string): Inode | number {
  const i = dir.inode.lookup(t, name);
  if (typeof i === "number") return i;
  if (dir.mount.children.has(i)) return -E.EBUSY;
  return i;
}

/** unlinkat(2) without AT_REMOVEDIR. */
export function unlinkAt(t: FileTask, dirfd: number, path: string): number {
  const pr = parentForChange(t, dirfd, path);
  if (typeof pr === "number") return pr;
  if (pr.name === "" || pr.name === "." || pr.name === "..") return -E.EISDIR;
  const i = victim(t, pr.dir, pr.name);
  if (typeof i === "number") return i;
  if (i.isDir) return -E.EISDIR;
  if (pr.trailingSlash) return -E.ENOTDIR;
  const c = mayChange(t, pr.dir);
  if (c < 0) return c;
  const s = mayDeleteChild(t.creds, pr.dir.inode, i);
  if (s < 0) return s;
  const r = pr.dir.inode.unlink(t, pr.name);
  if (r >= 0) notifyRemoved(pr.dir.inode, pr.name, i);
  return r;
}

/** rmdir(2) / unlinkat(AT_REMOVEDIR). */
export function rmdirAt(t: FileTask, dirfd: number, path: string): number {
  const pr = parentForChange(t, dirfd, path);
  if (typeof pr === "number") return pr;
  if (pr.name === "") return -E.EBUSY;
  if (pr.name === ".") return -E.EINVAL;
  if (pr.name === "..") return -E.ENOTEMPTY;
  const i = victim(t, pr.dir, pr.name);
  if (typeof i === "number") return i;
  if (!i.isDir) return -E.ENOTDIR;
  const c = mayChange(t, pr.dir);
  if (c < 0) return c;
  const s = mayDeleteChild(t.creds, pr.dir.inode, i);
  if (s < 0) return s;
  const r = pr.dir.inode.rmdir(t, pr.name);
  if (r >= 0) notifyRemoved(pr.dir.inode, pr.name, i);
  return r;
}

/** True when `vd` is `i` or lies below it (moving a directory into itself). */
function isWithin(vd: VirtualDentry, i: Inode): boolean {
  let d: VirtualDentry["dentry"] | null = vd.dentry;
  for (let n = 0; d !== null && n < 4096; n++, d = d.parent) if (d.inode === i) return true;
  return false;
}

/** renameat2(2); RENAME_EXCHANGE and RENAME_WHITEOUT are not supported (EINVAL). */
export function renameAt(
  t: FileTask,
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  flags: number,
): number {
  if ((flags & ~RENAME_NOREPLACE) !== 0) return -E.EINVAL;
  const from = parentForChange(t, olddirfd, oldpath);
  if (typeof from === "number") return from;
  const to = parentForChange(t, newdirfd, newpath);
  if (typeof to === "number") return to;
  if (from.name === "" || from.name === "." || from.name === "..") return -E.EBUSY;
  if (to.name === "" || to.name === "." || to.name === "..") return -E.EBUSY;
  const src = victim(t, from.dir, from.name);
  if (typeof src === "number") return src;
  if (!src.isDir && (from.trailingSlash || to.trailingSlash)) return -E.ENOTDIR;
  if (from.dir.mount !== to.dir.mount) return -E.EXDEV;
  const dst = victim(t, to.dir, to.name);
  if (typeof dst !== "number") {
    if ((flags & RENAME_NOREPLACE) !== 0) return -E.EEXIST;
    if (dst === src) return 0;
    if (src.isDir && !dst.isDir) return -E.ENOTDIR;
    if (!src.isDir && dst.isDir) return -E.EISDIR;
  } else if (dst !== -E.ENOENT) return dst;
  if (src.isDir && isWithin(to.dir, src)) return -E.EINVAL;
  let c = mayChange(t, from.dir);
  if (c < 0) return c;
  c = mayChange(t, to.dir);
  if (c < 0) return c;
  let s = mayDeleteChild(t.creds, from.dir.inode, src);
  if (s < 0) return s;
  if (typeof dst !== "number") {
    s = mayDeleteChild(t.creds, to.dir.inode, dst);
    if (s < 0) return s;
  }
  const r = from.dir.inode.rename(t, from.name, to.dir.inode, to.name);
  if (r >= 0 && anyWatches()) {
    const cookie = renameCookie();
    notifyName(from.dir.inode, from.name, src, IN.MOVED_FROM, cookie);
    notifyName(to.dir.inode, to.name, src, IN.MOVED_TO, cookie);
    notifyInode(null, "", src, IN.MOVE_SELF);
    if (typeof dst !== "number") notifyRemoved(null, to.name, dst);
  }
  return r;
}
