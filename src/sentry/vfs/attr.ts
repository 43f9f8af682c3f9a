// Attribute changes and checks with Linux's permission rules: chmod, chown, utimes, truncate,
// access.
import { E } from "../../../ffi/errno.ts";
import { F_OK, R_OK, S_ISGID, S_ISUID, W_OK, X_OK } from "./consts.ts";
import type { VirtualDentry } from "./dentry.ts";
import { mountReadonly } from "./mount.ts";
import { type AttrChange, nowNs } from "./inode.ts";
import { IN, notifiedIf } from "./fsnotify.ts";
import { isOwner, MAY_EXEC, MAY_READ, MAY_WRITE, mayAccess, modeAllows } from "./perm.ts";
import { type Credentials, type FileTask, fsUid, inGroup } from "./task.ts";
import { CAP, capable } from "../kernel/caps.ts";

function writableFs(vd: VirtualDentry): number {
  return mountReadonly(vd.mount) ? -E.EROFS : 0;
}

/** chmod on `vd`: the owner or root. */
export function chmodVd(t: FileTask, vd: VirtualDentry, mode: number): number {
  const i = vd.inode;
  if (!isOwner(t.creds, i)) return -E.EPERM;
  const w = writableFs(vd);
  if (w < 0) return w;
  let m = mode & 0o7777;
  // A non-root owner outside the file's group cannot set setgid (Linux clears it).
  if (!capable(t.creds, CAP.FSETID) && !inGroup(t.creds, i.gid)) m &= ~S_ISGID;
  if (i.isSymlink) return -E.EOPNOTSUPP;
  return notifiedIf(vd, i.setattr({ mode: m }), IN.ATTRIB);
}

/** chown on `vd`; -1 (as u32 0xffffffff) leaves an id unchanged. */
export function chownVd(t: FileTask, vd: VirtualDentry, uid: number, gid: number): number {
  const i = vd.inode;
  const c = t.creds;
  const root = capable(c, CAP.CHOWN);
  const a: AttrChange = {};
  if (uid !== -1 && uid !== i.uid) {
    if (!root) return -E.EPERM;
    a.uid = uid;
  }
  if (gid !== -1 && gid !== i.gid) {
    if (!root && !(fsUid(c) === i.uid && inGroup(c, gid))) return -E.EPERM;
    a.gid = gid;
  }
  const w = writableFs(vd);
  if (w < 0) return w;
  // A change of owner drops set-id bits of regular files (Linux, also for root).
  if ((a.uid !== undefined || a.gid !== undefined) && i.isRegular) {
    let m = i.mode & 0o7777 & ~S_ISUID;
    if ((i.mode & 0o010) !== 0) m &= ~S_ISGID;
    if (m !== (i.mode & 0o7777)) a.mode = m;
  }
  return notifiedIf(vd, i.setattr(a), IN.ATTRIB);
}

/** UTIME_NOW / UTIME_OMIT in a timespec's tv_nsec. */
export const UTIME_NOW = 0x3fffffff;
export const UTIME_OMIT = 0x3ffffffe;

/**
 * utimensat on `vd`: `atime`/`mtime` are ns, or "now"/"omit". Explicit times need ownership,
 * "now" needs ownership or write access.
 */
export function utimesVd(
  t: FileTask,
  vd: VirtualDentry,
  atime: bigint | "now" | "omit",
  mtime: bigint | "now" | "omit",
): number {
  const i = vd.inode;
  if (atime === "omit" && mtime === "omit") return 0;
  const explicit = typeof atime === "bigint" || typeof mtime === "bigint";
  if (!isOwner(t.creds, i)) {
    if (explicit) return -E.EPERM;
    if (mayAccess(t.creds, i, MAY_WRITE) < 0) return -E.EACCES;
  }
  const w = writableFs(vd);
  if (w < 0) return w;
  const now = nowNs();
  const a: AttrChange = {};
  if (atime !== "omit") a.atimeNs = atime === "now" ? now : atime;
  if (mtime !== "omit") a.mtimeNs = mtime === "now" ? now : mtime;
  // Linux: both times is a utime() call (IN_ATTRIB); one alone reads as an access or a change.
  const mask = atime === "omit" ? IN.MODIFY : mtime === "omit" ? IN.ACCESS : IN.ATTRIB;
  return notifiedIf(vd, i.setattr(a), mask);
}

/** truncate(2) on `vd` (the path form: needs write permission). */
export function truncateVd(t: FileTask, vd: VirtualDentry, size: number): number {
  const i = vd.inode;
  if (size < 0 || !Number.isSafeInteger(size)) return -E.EINVAL;
  if (i.isDir) return -E.EISDIR;
  if (!i.isRegular) return -E.EINVAL;
  const p = mayAccess(t.creds, i, MAY_WRITE);
  if (p < 0) return p;
  const w = writableFs(vd);
  if (w < 0) return w;
  return notifiedIf(vd, i.setattr({ size }), IN.MODIFY);
}

/**
 * access/faccessat: checks with the real ids unless `effective` (AT_EACCESS), as Linux does
 * so a setuid program can ask what its caller may do.
 */
export function accessVd(t: FileTask, vd: VirtualDentry, mode: number, effective: boolean): number {
  if ((mode & ~(R_OK | W_OK | X_OK)) !== 0) return -E.EINVAL;
  if (mode === F_OK) return 0;
  const c: Credentials = effective ? t.creds : { ...t.creds, fsuid: t.creds.uid, fsgid: t.creds.gid };
  const i = vd.inode;
  let want = 0;
  if ((mode & R_OK) !== 0) want |= MAY_READ;
  if ((mode & W_OK) !== 0) want |= MAY_WRITE;
  if ((mode & X_OK) !== 0) want |= MAY_EXEC;
  if (!modeAllows(c, i.mode, i.uid, i.gid, i.isDir, want)) return -E.EACCES;
  if ((mode & W_OK) !== 0 && (i.isRegular || i.isDir) && mountReadonly(vd.mount)) return -E.EROFS;
  return 0;
}
