// Permission checks (Linux's generic_permission and friends) against FileTask credentials.
// A task with fsuid 0 is treated as holding CAP_DAC_OVERRIDE and CAP_FOWNER, as root
// does on Linux: reads and writes are always allowed, exec needs some x bit.
import { E } from "../../../ffi/errno.ts";
import { S_ISVTX } from "./consts.ts";
import type { Inode } from "./inode.ts";
import { type Credentials, fsUid, inGroup } from "./task.ts";

/** Access bits of a permission check. */
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/** 0 when `c` may access `inode` for `want` (MAY_* bits), else -EACCES. */
export function mayAccess(c: Credentials, inode: Inode, want: number): number {
  return modeAllows(c, inode.mode, inode.uid, inode.gid, inode.isDir, want) ? 0 : -E.EACCES;
}

/** The check of {@link mayAccess} on raw attributes. */
export function modeAllows(
  c: Credentials,
  mode: number,
  uid: number,
  gid: number,
  isDir: boolean,
  want: number,
): boolean {
  if (fsUid(c) === 0) {
    if ((want & MAY_EXEC) === 0 || isDir) return true;
    return (mode & 0o111) !== 0;
  }
  let bits: number;
  if (fsUid(c) === uid) bits = mode >> 6;
  else if (inGroup(c, gid)) bits = mode >> 3;
  else bits = mode;
  return (bits & want & 7) === want;
}

/** True when `c` owns `inode` or is root (CAP_FOWNER): chmod, utimes to arbitrary times. */
export function isOwner(c: Credentials, inode: Inode): boolean {
  const u = fsUid(c);
  return u === 0 || u === inode.uid;
}

/** Sticky directories: only the owner of the entry or of the directory may remove it. */
export function mayDeleteChild(c: Credentials, dir: Inode, child: Inode): number {
  if ((dir.mode & S_ISVTX) === 0) return 0;
  const u = fsUid(c);
  return u === 0 || u === dir.uid || u === child.uid ? 0 : -E.EPERM;
}
