// Directory and namespace syscalls: getdents64 getdents mkdir(at) mknod(at) rmdir unlink(at)
// rename(at)(2) link(at) symlink(at).
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_REMOVEDIR,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
} from "../../vfs/consts.ts";
import { linkAt, mkdirAt, mknodAt, renameAt, rmdirAt, symlinkAt, unlinkAt } from "../../vfs/namei.ts";
import type { FileTask } from "../../vfs/task.ts";
import { readPath } from "./path.ts";
import { encodeDirents, encodeDirents64 } from "./structs.ts";
import { int, row, scratch } from "./util.ts";

function getdents(t: FileTask, fd: number, dirp: number, count: number, old: boolean): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  count = int(count);
  if (count < 0) return -E.EINVAL;
  const entries = f.readdir(t);
  if (typeof entries === "number") return entries;
  const buf = scratch(Math.min(count, 65536));
  const [n, done] = (old ? encodeDirents : encodeDirents64)(entries, f.offset, buf);
  if (n === 0) return f.offset >= entries.length ? 0 : -E.EINVAL;
  if (t.mem.write(dirp, buf.subarray(0, n)) < 0) return -E.EFAULT;
  f.offset += done;
  return n;
}

function sysGetdents64(t: FileTask, fd: number, dirp: number, count: number): number {
  return getdents(t, fd, dirp, count, false);
}

function sysGetdents(t: FileTask, fd: number, dirp: number, count: number): number {
  return getdents(t, fd, dirp, count, true);
}

/** Runs `op` on one path argument. */
function p1(op: (t: FileTask, dirfd: number, path: string, a: number, b: number) => number, atArg: boolean) {
  return (t: FileTask, a0: number, a1: number, a2: number, a3: number): number => {
    const dirfd = atArg ? int(a0) : AT_FDCWD;
    const path = readPath(t, atArg ? a1 : a0);
    if (typeof path === "number") return path;
    return atArg ? op(t, dirfd, path, a2, a3) : op(t, dirfd, path, a1, a2);
  };
}

const mkdir = (t: FileTask, d: number, p: string, mode: number) => mkdirAt(t, d, p, mode >>> 0);
const mknod = (t: FileTask, d: number, p: string, mode: number, dev: number) =>
  mknodAt(t, d, p, mode >>> 0, dev >>> 0);
const rmdir = (t: FileTask, d: number, p: string) => rmdirAt(t, d, p);
const unlink = (t: FileTask, d: number, p: string) => unlinkAt(t, d, p);

function sysUnlinkat(t: FileTask, dirfd: number, path: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~AT_REMOVEDIR) !== 0) return -E.EINVAL;
  const p = readPath(t, path);
  if (typeof p === "number") return p;
  return (flags & AT_REMOVEDIR) !== 0 ? rmdirAt(t, int(dirfd), p) : unlinkAt(t, int(dirfd), p);
}

function two(t: FileTask, a: number, b: number): [string, string] | number {
  const x = readPath(t, a);
  if (typeof x === "number") return x;
  const y = readPath(t, b);
  if (typeof y === "number") return y;
  return [x, y];
}

function sysRename(t: FileTask, oldp: number, newp: number): number {
  const p = two(t, oldp, newp);
  return typeof p === "number" ? p : renameAt(t, AT_FDCWD, p[0], AT_FDCWD, p[1], 0);
}

function sysRenameat2(
  t: FileTask,
  od: number,
  oldp: number,
  nd: number,
  newp: number,
  flags: number,
): number {
  const p = two(t, oldp, newp);
  return typeof p === "number" ? p : renameAt(t, int(od), p[0], int(nd), p[1], int(flags));
}

function sysRenameat(t: FileTask, od: number, oldp: number, nd: number, newp: number): number {
  return sysRenameat2(t, od, oldp, nd, newp, 0);
}

function sysLink(t: FileTask, oldp: number, newp: number): number {
  const p = two(t, oldp, newp);
  return typeof p === "number" ? p : linkAt(t, AT_FDCWD, p[0], AT_FDCWD, p[1], AT_SYMLINK_NOFOLLOW);
}

function sysLinkat(t: FileTask, od: number, oldp: number, nd: number, newp: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const p = two(t, oldp, newp);
  if (typeof p === "number") return p;
  const at = ((flags & AT_SYMLINK_FOLLOW) !== 0 ? 0 : AT_SYMLINK_NOFOLLOW) | (flags & AT_EMPTY_PATH);
  return linkAt(t, int(od), p[0], int(nd), p[1], at);
}

function sysSymlink(t: FileTask, target: number, linkp: number): number {
  const p = two(t, target, linkp);
  return typeof p === "number" ? p : symlinkAt(t, p[0], AT_FDCWD, p[1]);
}

function sysSymlinkat(t: FileTask, target: number, nd: number, linkp: number): number {
  const p = two(t, target, linkp);
  return typeof p === "number" ? p : symlinkAt(t, p[0], int(nd), p[1]);
}

/** Rows of the directory syscalls. */
export const DIR_SYSCALLS: SyscallEntry[] = [
  row(SYS.getdents64, "getdents64", "full", "", sysGetdents64),
  row(SYS.getdents, "getdents", "full", "", sysGetdents),
  row(SYS.mkdir, "mkdir", "full", "", p1(mkdir, false)),
  row(SYS.mkdirat, "mkdirat", "full", "", p1(mkdir, true)),
  row(SYS.mknod, "mknod", "partial", "sockets are created but cannot be opened", p1(mknod, false)),
  row(
    SYS.mknodat,
    "mknodat",
    "partial",
    "sockets are created but cannot be opened",
    p1(mknod, true),
  ),
  row(SYS.rmdir, "rmdir", "full", "", p1(rmdir, false)),
  row(SYS.unlink, "unlink", "full", "", p1(unlink, false)),
  row(SYS.unlinkat, "unlinkat", "full", "", sysUnlinkat),
  row(SYS.rename, "rename", "full", "", sysRename),
  row(SYS.renameat, "renameat", "full", "", sysRenameat),
  row(SYS.renameat2, "renameat2", "partial", "RENAME_EXCHANGE and RENAME_WHITEOUT: EINVAL", sysRenameat2),
  row(SYS.link, "link", "full", "", sysLink),
  row(SYS.linkat, "linkat", "full", "", sysLinkat),
  row(SYS.symlink, "symlink", "full", "", sysSymlink),
  row(SYS.symlinkat, "symlinkat", "full", "", sysSymlinkat),
];
