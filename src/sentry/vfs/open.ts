// open(2) semantics over the walk: O_CREAT/O_EXCL/O_TRUNC/O_DIRECTORY/O_NOFOLLOW/O_PATH,
// permission checks, umask, and the *at() starting point (AT_FDCWD, dirfd, AT_EMPTY_PATH).
import { E } from "../../../ffi/errno.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  O_ACCMODE,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_TMPFILE,
  O_TRUNC,
  O_WRONLY,
  S_IFCHR,
  S_IFIFO,
  S_IFREG,
  S_ISGID,
} from "./consts.ts";
import type { VirtualDentry } from "./dentry.ts";
import { mountReadonly } from "./mount.ts";
import { IN, notifiedIf, notifyName, notifyVd } from "./fsnotify.ts";
import { charDevice } from "./device.ts";
import { openFifo } from "../fs/pipe/fifo.ts";
import type { FileDescription } from "./file.ts";
import type { Inode } from "./inode.ts";
import { MAY_EXEC, MAY_READ, MAY_WRITE, mayAccess } from "./perm.ts";
import { DirFile, PathFile, RegularFile } from "./regular.ts";
import { type FileTask, fsGid, fsUid } from "./task.ts";
import { lookupChild, resolve, resolveParent } from "./walk.ts";

/**
 * Where a relative path of an *at() call starts: the cwd for AT_FDCWD, else the directory
 * open at `dirfd`. Absolute paths ignore it (the walk starts at the root).
 */
export function startAt(t: FileTask, dirfd: number, path: string): VirtualDentry | number {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return t.fsctx.cwd;
  const f = t.fds.get(dirfd);
  if (f === undefined) return -E.EBADF;
  if (f.vd === null) return -E.ENOTDIR;
  if (path !== "" && !f.vd.inode.isDir) return -E.ENOTDIR;
  return f.vd;
}

/**
 * Resolves `path` relative to `dirfd` for stat-like calls: AT_SYMLINK_NOFOLLOW leaves a final
 * symlink, AT_EMPTY_PATH with "" names the file at `dirfd` itself (or the cwd).
 */
export function resolveAt(t: FileTask, dirfd: number, path: string, atFlags: number): VirtualDentry | number {
  if (path === "") {
    if ((atFlags & AT_EMPTY_PATH) === 0) return -E.ENOENT;
    if (dirfd === AT_FDCWD) return t.fsctx.cwd;
    const f = t.fds.get(dirfd);
    if (f === undefined) return -E.EBADF;
    return f.vd ?? -E.EBADF;
  }
  const start = startAt(t, dirfd, path);
  if (typeof start === "number") return start;
  return resolve(t, start, path, { follow: (atFlags & AT_SYMLINK_NOFOLLOW) === 0 });
}

/** The access bits an open with `flags` needs. */
function openAccess(flags: number): number {
  const acc = flags & O_ACCMODE;
  let may = 0;
  if (acc === O_RDONLY || acc === O_RDWR) may |= MAY_READ;
  if (acc === O_WRONLY || acc === O_RDWR) may |= MAY_WRITE;
  if ((flags & O_TRUNC) !== 0) may |= MAY_WRITE;
  return may;
}

/** The owner group of a new file in `dir` (BSD semantics under a setgid directory). */
export function newFileGid(t: FileTask, dir: Inode): number {
  return (dir.mode & S_ISGID) !== 0 ? dir.gid : fsGid(t.creds);
}

/** Opens an inode already found at `vd` (checks done by the caller for `created`). */
export function openVd(
  t: FileTask,
  vd: VirtualDentry,
  flags: number,
  created: boolean,
): FileDescription | number {
  const i = vd.inode;
  if ((flags & O_PATH) !== 0) {
    if ((flags & O_DIRECTORY) !== 0 && !i.isDir) return -E.ENOTDIR;
    return new PathFile(vd, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | 0o2000000));
  }
  if (i.isSymlink) return -E.ELOOP;
  if ((flags & O_DIRECTORY) !== 0 && !i.isDir) return -E.ENOTDIR;
  const may = openAccess(flags);
  if (i.isDir && (may & MAY_WRITE) !== 0) return -E.EISDIR;
  if (!created) {
    const p = mayAccess(t.creds, i, may);
    if (p < 0) return p;
  }
  if ((may & MAY_WRITE) !== 0 && mountReadonly(vd.mount) && (i.isRegular || i.isDir)) return -E.EROFS;
  const special = i.open(t, vd, flags);
  if (special !== null) return special;
  if ((flags & O_TRUNC) !== 0 && i.isRegular && !created) {
    const r = notifiedIf(vd, i.setattr({ size: 0 }), IN.MODIFY);
    if (r < 0) return r;
  }
  const keep = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | 0o2000000);
  if (i.isRegular || i.isDir) {
    notifyVd(vd, IN.OPEN);
    return i.isRegular ? new RegularFile(vd, keep) : new DirFile(vd, keep);
  }
  if (i.type === S_IFIFO) return openFifo(t, vd, keep);
  if (i.type === S_IFCHR) {
    const dev = charDevice(i.rdev);
    return dev === undefined ? -E.ENXIO : dev(t, vd, keep);
  }
  return -E.ENXIO;
}

/**
 * open/openat: opens `path` relative to `dirfd` with `flags` (O_*) and, for O_CREAT, `mode`
 * (umask applied). Returns the description (the caller installs it in the fd table) or
 * -errno. FD_CLOEXEC is the caller's business (it is per fd, not per description).
 */
export function openAt(
  t: FileTask,
  dirfd: number,
  path: string,
  flags: number,
  mode: number,
): FileDescription | number {
  if ((flags & O_TMPFILE) === O_TMPFILE) return -E.EOPNOTSUPP;
  const start = startAt(t, dirfd, path);
  if (typeof start === "number") return start;
  if ((flags & O_CREAT) === 0 || (flags & O_PATH) !== 0) {
    const vd = resolve(t, start, path, { follow: (flags & O_NOFOLLOW) === 0 });
    if (typeof vd === "number") return vd;
    return openVd(t, vd, flags, false);
  }
  if ((flags & O_DIRECTORY) !== 0 && (flags & O_EXCL) === 0) return -E.EISDIR;
  const pr = resolveParent(t, start, path);
  if (typeof pr === "number") return pr;
  if (pr.name === "" || pr.name === "." || pr.name === "..") return -E.EISDIR;
  const found = lookupChild(t, pr.dir, pr.name);
  if (typeof found !== "number") {
    if ((flags & O_EXCL) !== 0) return -E.EEXIST;
    if (found.inode.isSymlink) {
      if ((flags & O_NOFOLLOW) !== 0) return -E.ELOOP;
      const vd = resolve(t, start, path, { follow: true });
      if (typeof vd === "number") return vd;
      return openVd(t, vd, flags, false);
    }
    if (found.inode.isDir) return -E.EISDIR;
    if (pr.trailingSlash) return -E.ENOTDIR;
    return openVd(t, found, flags, false);
  }
  if (found !== -E.ENOENT) return found;
  if (pr.trailingSlash) return -E.EISDIR;
  const dir = pr.dir.inode;
  const p = mayAccess(t.creds, dir, MAY_WRITE | MAY_EXEC);
  if (p < 0) return p;
  if (mountReadonly(pr.dir.mount)) return -E.EROFS;
  const perm = mode & 0o7777 & ~t.fsctx.umask;
  const made = dir.mknod(t, pr.name, S_IFREG | perm, 0, fsUid(t.creds), newFileGid(t, dir));
  if (typeof made === "number") return made;
  notifyName(dir, pr.name, made, IN.CREATE);
  const vd = lookupChild(t, pr.dir, pr.name);
  if (typeof vd === "number") return vd;
  return openVd(t, vd, flags, true);
}

/**
 * Opens an absolute or cwd-relative path for the Sentry itself (the loader reading ELF files,
 * #! interpreters): `openPath(t, "/bin/sh", O_RDONLY)`.
 */
export function openPath(t: FileTask, path: string, flags: number, mode = 0): FileDescription | number {
  return openAt(t, AT_FDCWD, path, flags, mode);
}

/**
 * Opens `path` for execve (the loader): follows symlinks, requires a regular file with exec
 * permission (EACCES otherwise, as Linux), and does not require read permission.
 */
export function openForExec(t: FileTask, dirfd: number, path: string, atFlags = 0): FileDescription | number {
  const vd = resolveAt(t, dirfd, path, atFlags);
  if (typeof vd === "number") return vd;
  const i = vd.inode;
  if (i.isDir) return -E.EACCES;
  if (!i.isRegular) return -E.EACCES;
  const p = mayAccess(t.creds, i, MAY_EXEC);
  if (p < 0) return p;
  const special = i.open(t, vd, O_RDONLY);
  if (special !== null) return special;
  return new RegularFile(vd, O_RDONLY);
}
