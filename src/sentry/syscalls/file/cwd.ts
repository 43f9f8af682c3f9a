// Working directory and friends: getcwd chdir fchdir chroot umask.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { AT_FDCWD } from "../../vfs/consts.ts";
import { pathOf, type VirtualDentry } from "../../vfs/dentry.ts";
import { resolveAt } from "../../vfs/open.ts";
import { MAY_EXEC, mayAccess } from "../../vfs/perm.ts";
import type { FileTask } from "../../vfs/task.ts";
import { CAP, capable } from "../../kernel/caps.ts";
import { readPath } from "./path.ts";
import { int, row } from "./util.ts";

function sysGetcwd(t: FileTask, buf: number, size: number): number {
  const p = new TextEncoder().encode(pathOf(t.fsctx.cwd, t.fsctx.root) + "\0");
  if (size < p.length) return -E.ERANGE;
  return t.mem.write(buf, p) < 0 ? -E.EFAULT : p.length;
}

function searchableDir(t: FileTask, vd: VirtualDentry): number {
  if (!vd.inode.isDir) return -E.ENOTDIR;
  return mayAccess(t.creds, vd.inode, MAY_EXEC);
}

function sysChdir(t: FileTask, p: number): number {
  const path = readPath(t, p);
  if (typeof path === "number") return path;
  const vd = resolveAt(t, AT_FDCWD, path, 0);
  if (typeof vd === "number") return vd;
  const r = searchableDir(t, vd);
  if (r < 0) return r;
  t.fsctx.cwd = vd;
  return 0;
}

function sysFchdir(t: FileTask, fd: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (f.vd === null) return -E.ENOTDIR;
  const r = searchableDir(t, f.vd);
  if (r < 0) return r;
  t.fsctx.cwd = f.vd;
  return 0;
}

function sysChroot(t: FileTask, p: number): number {
  if (!capable(t.creds, CAP.SYS_CHROOT)) return -E.EPERM;
  const path = readPath(t, p);
  if (typeof path === "number") return path;
  const vd = resolveAt(t, AT_FDCWD, path, 0);
  if (typeof vd === "number") return vd;
  const r = searchableDir(t, vd);
  if (r < 0) return r;
  t.fsctx.root = vd;
  return 0;
}

function sysUmask(t: FileTask, mask: number): number {
  const old = t.fsctx.umask;
  t.fsctx.umask = mask & 0o777;
  return old;
}

/** Rows of the cwd/root/umask syscalls. */
export const CWD_SYSCALLS: SyscallEntry[] = [
  row(SYS.getcwd, "getcwd", "full", "", sysGetcwd),
  row(SYS.chdir, "chdir", "full", "", sysChdir),
  row(SYS.fchdir, "fchdir", "full", "", sysFchdir),
  row(SYS.chroot, "chroot", "full", "", sysChroot),
  row(SYS.umask, "umask", "full", "", sysUmask),
];
