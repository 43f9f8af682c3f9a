// Attribute syscalls: chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat
// utimensat utimes utime futimesat truncate ftruncate fallocate fsync fdatasync sync syncfs.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW } from "../../vfs/consts.ts";
import { chmodVd, chownVd, truncateVd, UTIME_NOW, UTIME_OMIT, utimesVd } from "../../vfs/attr.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import { resolveAt } from "../../vfs/open.ts";
import { IN, notifiedIf } from "../../vfs/fsnotify.ts";
import type { FileTask } from "../../vfs/task.ts";
import { readPath } from "./path.ts";
import { int, row, small } from "./util.ts";

/** The target of a path-or-fd call: path at dirfd, or the fd itself for AT_EMPTY_PATH / NULL. */
function target(t: FileTask, dirfd: number, pathAddr: number, flags: number): VirtualDentry | number {
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  return resolveAt(t, dirfd, path, flags);
}

function fdTarget(t: FileTask, fd: number): VirtualDentry | number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  return f.vd ?? -E.EBADF;
}

const chmodPath = (t: FileTask, p: number, mode: number) => {
  const vd = target(t, AT_FDCWD, p, 0);
  return typeof vd === "number" ? vd : chmodVd(t, vd, mode >>> 0);
};

function sysFchmod(t: FileTask, fd: number, mode: number): number {
  const vd = fdTarget(t, fd);
  return typeof vd === "number" ? vd : chmodVd(t, vd, mode >>> 0);
}

function sysFchmodat2(t: FileTask, dirfd: number, p: number, mode: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const vd = target(t, int(dirfd), p, flags);
  return typeof vd === "number" ? vd : chmodVd(t, vd, mode >>> 0);
}

function sysFchmodat(t: FileTask, dirfd: number, p: number, mode: number): number {
  return sysFchmodat2(t, dirfd, p, mode, 0);
}

/** uid_t/gid_t arguments: 0xffffffff (-1) means "unchanged". */
const id = (v: number) => int(v);

function chownAt(t: FileTask, dirfd: number, p: number, uid: number, gid: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const vd = target(t, dirfd, p, flags);
  return typeof vd === "number" ? vd : chownVd(t, vd, id(uid), id(gid));
}

function sysFchown(t: FileTask, fd: number, uid: number, gid: number): number {
  const vd = fdTarget(t, fd);
  return typeof vd === "number" ? vd : chownVd(t, vd, id(uid), id(gid));
}

const NS = 1_000_000_000n;

/** Reads two timespecs: [atime, mtime] or -errno. */
function readTimespecs(
  t: FileTask,
  addr: number,
): [bigint | "now" | "omit", bigint | "now" | "omit"] | number {
  if (addr === 0) return ["now", "now"];
  if (t.mem.readInto(addr, small.buf.subarray(0, 32)) < 0) return -E.EFAULT;
  const r: (bigint | "now" | "omit")[] = [];
  for (let i = 0; i < 2; i++) {
    const sec = small.view.getBigInt64(i * 16, true);
    const nsec = small.view.getBigInt64(i * 16 + 8, true);
    if (nsec === BigInt(UTIME_NOW)) r.push("now");
    else if (nsec === BigInt(UTIME_OMIT)) r.push("omit");
    else if (nsec < 0n || nsec >= NS) return -E.EINVAL;
    else r.push(sec * NS + nsec);
  }
  return [r[0], r[1]];
}

/** Reads two timevals (utimes): [atime, mtime] or -errno. */
function readTimevals(t: FileTask, addr: number): [bigint | "now", bigint | "now"] | number {
  if (addr === 0) return ["now", "now"];
  if (t.mem.readInto(addr, small.buf.subarray(0, 32)) < 0) return -E.EFAULT;
  const r: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    const sec = small.view.getBigInt64(i * 16, true);
    const usec = small.view.getBigInt64(i * 16 + 8, true);
    if (usec < 0n || usec >= 1_000_000n) return -E.EINVAL;
    r.push(sec * NS + usec * 1000n);
  }
  return [r[0], r[1]];
}

function sysUtimensat(t: FileTask, dirfd: number, p: number, times: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const ts = readTimespecs(t, times);
  if (typeof ts === "number") return ts;
  // A NULL path means the file open at dirfd (futimens).
  const vd = p === 0 ? fdTarget(t, dirfd) : target(t, int(dirfd), p, flags);
  return typeof vd === "number" ? vd : utimesVd(t, vd, ts[0], ts[1]);
}

function sysFutimesat(t: FileTask, dirfd: number, p: number, times: number): number {
  const tv = readTimevals(t, times);
  if (typeof tv === "number") return tv;
  const vd = p === 0 ? fdTarget(t, dirfd) : target(t, int(dirfd), p, 0);
  return typeof vd === "number" ? vd : utimesVd(t, vd, tv[0], tv[1]);
}

function sysUtimes(t: FileTask, p: number, times: number): number {
  return sysFutimesat(t, AT_FDCWD, p, times);
}

function sysUtime(t: FileTask, p: number, buf: number): number {
  let a: bigint | "now" = "now", m: bigint | "now" = "now";
  if (buf !== 0) {
    if (t.mem.readInto(buf, small.buf.subarray(0, 16)) < 0) return -E.EFAULT;
    a = small.view.getBigInt64(0, true) * NS;
    m = small.view.getBigInt64(8, true) * NS;
  }
  const vd = target(t, AT_FDCWD, p, 0);
  return typeof vd === "number" ? vd : utimesVd(t, vd, a, m);
}

function sysTruncate(t: FileTask, p: number, len: number): number {
  const vd = target(t, AT_FDCWD, p, 0);
  return typeof vd === "number" ? vd : truncateVd(t, vd, len);
}

function sysFtruncate(t: FileTask, fd: number, len: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (len < 0 || !Number.isSafeInteger(len)) return -E.EINVAL;
  if (!f.writable) return -E.EINVAL;
  const i = f.inode;
  if (i === null || !i.isRegular) return -E.EINVAL;
  return notifiedIf(f.vd, i.setattr({ size: len }), IN.MODIFY);
}

function sysFallocate(t: FileTask, fd: number, mode: number, off: number, len: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (int(mode) !== 0) return -E.EOPNOTSUPP;
  if (off < 0 || len <= 0 || !Number.isSafeInteger(off + len)) return -E.EINVAL;
  if (!f.writable) return -E.EBADF;
  const i = f.inode;
  if (i === null || !i.isRegular) return -E.ENODEV;
  return off + len > i.size() ? i.setattr({ size: off + len }) : 0;
}

function sysFsync(t: FileTask, fd: number): number {
  const f = t.fds.get(int(fd));
  return f === undefined ? -E.EBADF : f.sync();
}

function sysSync(): number {
  return 0;
}

/** Rows of the attribute syscalls. */
export const ATTR_SYSCALLS: SyscallEntry[] = [
  row(SYS.chmod, "chmod", "full", "", chmodPath),
  row(SYS.fchmod, "fchmod", "full", "", sysFchmod),
  row(SYS.fchmodat, "fchmodat", "full", "", sysFchmodat),
  row(SYS.fchmodat2, "fchmodat2", "full", "", sysFchmodat2),
  row(SYS.chown, "chown", "full", "", (t, p, u, g) => chownAt(t, AT_FDCWD, p, u, g, 0)),
  row(SYS.lchown, "lchown", "full", "", (t, p, u, g) => chownAt(t, AT_FDCWD, p, u, g, AT_SYMLINK_NOFOLLOW)),
  row(SYS.fchown, "fchown", "full", "", sysFchown),
  row(SYS.fchownat, "fchownat", "full", "", (t, d, p, u, g, f) => chownAt(t, int(d), p, u, g, int(f))),
  row(SYS.utimensat, "utimensat", "full", "", sysUtimensat),
  row(SYS.futimesat, "futimesat", "full", "", sysFutimesat),
  row(SYS.utimes, "utimes", "full", "", sysUtimes),
  row(SYS.utime, "utime", "full", "", sysUtime),
  row(SYS.truncate, "truncate", "full", "", sysTruncate),
  row(SYS.ftruncate, "ftruncate", "full", "", sysFtruncate),
  row(SYS.fallocate, "fallocate", "partial", "mode 0 only (extends the size)", sysFallocate),
  row(SYS.fsync, "fsync", "full", "memory-backed: nothing to flush", sysFsync),
  row(SYS.fdatasync, "fdatasync", "full", "memory-backed: nothing to flush", sysFsync),
  row(SYS.syncfs, "syncfs", "full", "memory-backed: nothing to flush", sysFsync),
  row(SYS.sync, "sync", "full", "memory-backed: nothing to flush", sysSync),
];
