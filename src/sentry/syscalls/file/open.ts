// open family: open openat openat2 creat.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { AT_FDCWD, O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY } from "../../vfs/consts.ts";
import { openAt } from "../../vfs/open.ts";
import type { FileTask } from "../../vfs/task.ts";
import { readPath } from "./path.ts";
import { int, row, small } from "./util.ts";

/** Opens and installs; returns the fd. */
export function doOpen(t: FileTask, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  const f = openAt(t, dirfd, path, flags, mode);
  if (typeof f === "number") return f;
  const fd = t.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) f.decRef();
  return fd;
}

function sysOpen(t: FileTask, path: number, flags: number, mode: number): number {
  return doOpen(t, AT_FDCWD, path, int(flags), mode >>> 0);
}

function sysOpenat(t: FileTask, dirfd: number, path: number, flags: number, mode: number): number {
  return doOpen(t, int(dirfd), path, int(flags), mode >>> 0);
}

function sysCreat(t: FileTask, path: number, mode: number): number {
  return doOpen(t, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode >>> 0);
}

/** openat2(dirfd, path, struct open_how *how, size): plain opens; RESOLVE_* flags → ENOSYS. */
function sysOpenat2(t: FileTask, dirfd: number, path: number, how: number, size: number): number {
  if (size < 24) return -E.EINVAL;
  if (t.mem.readInto(how, small.buf.subarray(0, 24)) < 0) return -E.EFAULT;
  const flags = small.view.getBigUint64(0, true);
  const mode = small.view.getBigUint64(8, true);
  const resolve = small.view.getBigUint64(16, true);
  if (flags > 0xffffffffn || mode > 0o7777n) return -E.EINVAL;
  // RESOLVE_* restrictions are not implemented: refuse rather than ignore them.
  if (resolve !== 0n) return -E.ENOSYS;
  return doOpen(t, int(dirfd), path, Number(flags), Number(mode));
}

/** Rows of the open family. */
export const OPEN_SYSCALLS: SyscallEntry[] = [
  row(SYS.open, "open", "partial", "O_TMPFILE unsupported; FIFOs read-only or write-only", sysOpen),
  row(SYS.openat, "openat", "partial", "O_TMPFILE unsupported; FIFOs read-only or write-only", sysOpenat),
  row(SYS.creat, "creat", "full", "", sysCreat),
  row(SYS.openat2, "openat2", "partial", "RESOLVE_* flags answer ENOSYS", sysOpenat2),
];
