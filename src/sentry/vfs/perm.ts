// Permission checks (Linux's generic_permission and friends) against FileTask credentials and
// their capabilities: CAP_DAC_OVERRIDE allows reads and writes (exec needs some x bit),
// CAP_DAC_READ_SEARCH reads and directory search, CAP_FOWNER what the owner may do.
import { E } from "../../../ffi/errno.ts";
import { S_ISVTX } from "./consts.ts";
import type { Inode } from "./inode.ts";
import { type Credentials, fsUid, inGroup } from "./task.ts";
import { CAP, capable } from "../kernel/caps.ts";

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
  let bits: number;
  if (fsUid(c) === uid) bits = mode >> 6;
  else if (inGroup(c, gid)) bits = mode >> 3;
  else bits = mode;
  if ((bits & want & 7) === want) return true;
  if (capable(c, CAP.DAC_OVERRIDE)) {
    if ((want & MAY_EXEC) === 0 || isDir) return true;
    return (mode & 0o111) !== 0;
  }
  // Read, and search of a directory.
  return capable(c, CAP.DAC_READ_SEARCH) && (want & MAY_WRITE) === 0 && (isDir || (want & MAY_EXEC) === 0);
}

/** True when `c` owns `inode` or is root (CAP_FOWNER): chmod, utimes to arbitrary times. */
export function isOwner(c: Credentials, inode: Inode): boolean {
  return fsUid(c) === inode.uid || capable(c, CAP.FOWNER);
}

/** Sticky directories: only the owner of the entry or of the directory may remove it. */
export function mayDeleteChild(c: Credentials, dir: Inode, child: Inode): number {
  if ((dir.mode & S_ISVTX) === 0) return 0;
  const u = fsUid(c);
  return u === dir.uid || u === child.uid || capable(c, CAP.FOWNER) ? 0 : -E.EPERM;
}
