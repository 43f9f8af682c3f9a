// Extended attributes: no filesystem stores any yet. Reads answer ENODATA and lists are
// empty (what ls, cp -a and tar expect from a filesystem without xattrs); sets answer
// EOPNOTSUPP, as tmpfs does for the user namespace.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW } from "../../vfs/consts.ts";
import { resolveAt } from "../../vfs/open.ts";
import type { FileTask } from "../../vfs/task.ts";
import { readPath } from "./path.ts";
import { int, row } from "./util.ts";

const XATTR_NAME_MAX = 255;

/** Checks the target (path or fd) exists; 0 or -errno. */
function target(t: FileTask, pathOrFd: number, kind: "path" | "lpath" | "fd"): number {
  if (kind === "fd") return t.fds.get(int(pathOrFd)) === undefined ? -E.EBADF : 0;
  const p = readPath(t, pathOrFd);
  if (typeof p === "number") return p;
  const vd = resolveAt(t, AT_FDCWD, p, kind === "lpath" ? AT_SYMLINK_NOFOLLOW : 0);
  return typeof vd === "number" ? vd : 0;
}

function name(t: FileTask, addr: number): number {
  const n = t.mem.readCString(addr, XATTR_NAME_MAX + 1);
  if (typeof n === "number") return n === -E.ENAMETOOLONG ? -E.ERANGE : n;
  return n.length === 0 || n.length > XATTR_NAME_MAX ? -E.ERANGE : 0;
}

function get(kind: "path" | "lpath" | "fd") {
  return (t: FileTask, p: number, n: number): number => {
    const r = target(t, p, kind);
    if (r < 0) return r;
    const c = name(t, n);
    return c < 0 ? c : -E.ENODATA;
  };
}

function list(kind: "path" | "lpath" | "fd") {
  return (t: FileTask, p: number): number => {
    const r = target(t, p, kind);
    return r < 0 ? r : 0;
  };
}

function set(kind: "path" | "lpath" | "fd") {
  return (t: FileTask, p: number, n: number): number => {
    const r = target(t, p, kind);
    if (r < 0) return r;
    const c = name(t, n);
    return c < 0 ? c : -E.EOPNOTSUPP;
  };
}

/** Rows of the xattr syscalls. */
export const XATTR_SYSCALLS: SyscallEntry[] = [
  row(SYS.getxattr, "getxattr", "partial", "no xattrs stored: ENODATA", get("path")),
  row(SYS.lgetxattr, "lgetxattr", "partial", "no xattrs stored: ENODATA", get("lpath")),
  row(SYS.fgetxattr, "fgetxattr", "partial", "no xattrs stored: ENODATA", get("fd")),
  row(SYS.listxattr, "listxattr", "partial", "no xattrs stored: empty list", list("path")),
  row(SYS.llistxattr, "llistxattr", "partial", "no xattrs stored: empty list", list("lpath")),
  row(SYS.flistxattr, "flistxattr", "partial", "no xattrs stored: empty list", list("fd")),
  row(SYS.setxattr, "setxattr", "partial", "EOPNOTSUPP", set("path")),
  row(SYS.lsetxattr, "lsetxattr", "partial", "EOPNOTSUPP", set("lpath")),
  row(SYS.fsetxattr, "fsetxattr", "partial", "EOPNOTSUPP", set("fd")),
  row(SYS.removexattr, "removexattr", "partial", "no xattrs stored: ENODATA", get("path")),
  row(SYS.lremovexattr, "lremovexattr", "partial", "no xattrs stored: ENODATA", get("lpath")),
  row(SYS.fremovexattr, "fremovexattr", "partial", "no xattrs stored: ENODATA", get("fd")),
];
