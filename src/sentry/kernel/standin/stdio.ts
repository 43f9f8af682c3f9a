// STAND-IN until the VFS lands: a per-process table of application fds that map to host fds
// (only the sandbox's stdio), with read/write/readv/writev/close/dup/fcntl/fstat/ioctl/lseek.
// Reads and writes never block the Sentry: readiness is polled first and the task parks on
// the host fd's readiness queue. Replaced by FILE_SYSCALLS from src/sentry/syscalls/file/.
import { SYS } from "../../../../ffi/sysno.ts";
import { E } from "../../../../ffi/errno.ts";
import { libc, read as hostRead, sys, write as hostWrite } from "../../../../ffi/libc.ts";
import { def } from "../../syscalls/table.ts";
import type { SyscallEntry } from "../../syscalls/abi.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import type { Task } from "../task.ts";
import type { FilesHooks } from "../hooks.ts";
import type { GoferClient } from "../../../lisafs/api.ts";
import { goferOpener } from "./gofer-open.ts";

/** One application fd. */
interface Fd {
  host: number;
  cloexec: boolean;
}

/** The fd table of the stand-in. */
class FdTable {
  readonly fds = new Map<number, Fd>();
  fork(): FdTable {
    const t = new FdTable();
    for (const [k, v] of this.fds) t.fds.set(k, { ...v });
    return t;
  }
  lowest(from: number): number {
    let i = from;
    while (this.fds.has(i)) i++;
    return i;
  }
}

function table(t: Task): FdTable {
  return t.ext.standinFds as FdTable;
}

const _poll = libc.func("int poll(_Inout_ void *, int, int)") as (
  p: Uint8Array,
  n: number,
  ms: number,
) => number;
const pfd = new Uint8Array(8);
const pfdView = new DataView(pfd.buffer);

/** Polls host fd `fd` for `events` without blocking; returns revents. */
function ready(fd: number, events: number): number {
  pfdView.setInt32(0, fd, true);
  pfdView.setInt16(4, events, true);
  pfdView.setInt16(6, 0, true);
  if (_poll(pfd, 1, 0) <= 0) return 0;
  return pfdView.getInt16(6, true);
}

const POLLIN = 1, POLLOUT = 4;

function rw(t: Task, fd: number, buf: number, len: number, isWrite: boolean): number {
  const f = table(t).fds.get(fd | 0);
  if (f === undefined) return -E.EBADF;
  if (len < 0 || len > 0x7ffff000) return -E.EINVAL;
  if (len === 0) return 0;
  const ev = isWrite ? POLLOUT : POLLIN;
  if (ready(f.host, ev) === 0) {
    t.blockOn([t.hostReadiness(f.host, ev)]);
    return BLOCK;
  }
  const n = Math.min(len, 1 << 20);
  const b = new Uint8Array(n);
  if (isWrite) {
    if (t.mem.readInto(buf, b) < 0) return -E.EFAULT;
    return hostWrite(f.host, b);
  }
  const r = hostRead(f.host, b);
  if (r <= 0) return r === -E.EAGAIN ? (t.blockOn([t.hostReadiness(f.host, ev)]), BLOCK) : r;
  return t.mem.write(buf, b.subarray(0, r)) < 0 ? -E.EFAULT : r;
}

function rwv(t: Task, fd: number, iov: number, cnt: number, isWrite: boolean): number {
  if (cnt < 0 || cnt > 1024) return -E.EINVAL;
  const vec = new Uint8Array(16 * cnt);
  if (t.mem.readInto(iov, vec) < 0) return -E.EFAULT;
  const dv = new DataView(vec.buffer);
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = Number(dv.getBigUint64(16 * i, true) & 0xffffffffffffn);
    const len = Number(dv.getBigUint64(16 * i + 8, true) & 0x7fffffffn);
    if (len === 0) continue;
    const r = rw(t, fd, base, len, isWrite);
    if (r === BLOCK) {
      if (total > 0) {
        t.cancelWait();
        t.state = 1; // TS_SYSCALL: the partial result is returned instead
        return total;
      }
      return BLOCK;
    }
    if (r < 0) return total > 0 ? total : r;
    total += r;
    if (r < len) break;
  }
  return total;
}

const _fstat = libc.func("int fstat(int, _Out_ void *)") as (fd: number, b: Uint8Array) => number;
const _ioctl = libc.func("int ioctl(int, unsigned long, void *)") as (
  fd: number,
  req: number,
  b: Uint8Array,
) => number;

function fstat(t: Task, fd: number, addr: number): number {
  const f = table(t).fds.get(fd | 0);
  if (f === undefined) return -E.EBADF;
  const b = new Uint8Array(144);
  if (_fstat(f.host, b) !== 0) return -E.EIO;
  return t.mem.write(addr, b);
}

const TCGETS = 0x5401, TIOCGWINSZ = 0x5413, TIOCGPGRP = 0x540f, FIONREAD = 0x541b;

function ioctl(t: Task, fd: number, req: number, arg: number): number {
  const f = table(t).fds.get(fd | 0);
  if (f === undefined) return -E.EBADF;
  const sizes: Record<number, number> = { [TCGETS]: 60, [TIOCGWINSZ]: 8, [FIONREAD]: 4 };
  if (req === TIOCGPGRP) {
    return ready(f.host, 0) >= 0 && _ioctl(f.host, TCGETS, new Uint8Array(60)) === 0
      ? t.mem.writeU32(arg, t.tg.pgid)
      : -E.ENOTTY;
  }
  const size = sizes[req];
  if (size === undefined) return -E.ENOTTY;
  const b = new Uint8Array(size);
  const r = _ioctl(f.host, req, b);
  if (r !== 0) return -E.ENOTTY;
  return t.mem.write(arg, b);
}

function dupTo(t: Task, old: number, nfd: number, cloexec: boolean): number {
  const tab = table(t);
  const f = tab.fds.get(old | 0);
  if (f === undefined) return -E.EBADF;
  if (nfd < 0 || nfd >= 1024) return -E.EBADF;
  tab.fds.set(nfd, { host: f.host, cloexec });
  return nfd;
}

function fcntl(t: Task, fd: number, cmd: number, arg: number): number {
  const tab = table(t);
  const f = tab.fds.get(fd | 0);
  if (f === undefined) return -E.EBADF;
  switch (cmd) {
    case 0: // F_DUPFD
    case 1030: // F_DUPFD_CLOEXEC
      return dupTo(t, fd, tab.lowest(arg), cmd === 1030);
    case 1: // F_GETFD
      return f.cloexec ? 1 : 0;
    case 2: // F_SETFD
      f.cloexec = (arg & 1) !== 0;
      return 0;
    case 3: // F_GETFL
      return sys(SYS.fcntl, f.host, 3, 0);
    case 4: // F_SETFL
      return 0;
    default:
      return -E.EINVAL;
  }
}

/** The stand-in files layer over the sandbox's stdio and the gofer. */
export function standinFiles(gofer: GoferClient): FilesHooks {
  return {
    clone(parent: Task, child: Task, shareFiles: boolean): void {
      child.ext.standinFds = shareFiles ? table(parent) : table(parent).fork();
      child.ext.cwd = parent.ext.cwd;
    },
    exec(t: Task): void {
      const tab = table(t);
      for (const [k, v] of [...tab.fds]) if (v.cloexec) tab.fds.delete(k);
    },
    opener(t: Task) {
      return goferOpener(gofer, () => (t.ext.cwd as string | undefined) ?? "/");
    },
  };
}

/** Gives the init task fds 0, 1, 2 on the sandbox's stdio. */
export function standinInitFiles(t: Task, stdio: readonly [number, number, number], cwd: string): void {
  const tab = new FdTable();
  stdio.forEach((h, i) => tab.fds.set(i, { host: h, cloexec: false }));
  t.ext.standinFds = tab;
  t.ext.cwd = cwd;
}

/** Rows of the stand-in. */
export const STANDIN_FILE_SYSCALLS: SyscallEntry[] = [
  def(SYS.read, "read", "partial", "stand-in: stdio only", (t, fd, b, l) => rw(t, fd, b, l, false)),
  def(SYS.write, "write", "partial", "stand-in: stdio only", (t, fd, b, l) => rw(t, fd, b, l, true)),
  def(SYS.readv, "readv", "partial", "stand-in: stdio only", (t, fd, v, c) => rwv(t, fd, v, c, false)),
  def(SYS.writev, "writev", "partial", "stand-in: stdio only", (t, fd, v, c) => rwv(t, fd, v, c, true)),
  def(SYS.close, "close", "partial", "stand-in", (t, fd) => (table(t).fds.delete(fd | 0) ? 0 : -E.EBADF)),
  def(SYS.fstat, "fstat", "partial", "stand-in: host fstat of stdio", (t, fd, a) => fstat(t, fd, a)),
  def(SYS.newfstatat, "newfstatat", "partial", "stand-in: AT_EMPTY_PATH only", (t, fd, p, a, fl) => {
    if ((fl & 0x1000) === 0) return -E.ENOENT;
    void p;
    return fstat(t, fd, a);
  }),
  def(
    SYS.ioctl,
    "ioctl",
    "partial",
    "stand-in: TCGETS, TIOCGWINSZ, FIONREAD on host stdio",
    (t, fd, r, a) => ioctl(t, fd, r, a),
  ),
  def(
    SYS.lseek,
    "lseek",
    "partial",
    "stand-in",
    (t, fd) => (table(t).fds.has(fd | 0) ? -E.ESPIPE : -E.EBADF),
  ),
  def(SYS.dup, "dup", "partial", "stand-in", (t, fd) => dupTo(t, fd, table(t).lowest(0), false)),
  def(
    SYS.dup2,
    "dup2",
    "partial",
    "stand-in",
    (t, o, n) => (table(t).fds.has(o | 0) && o === n ? n : dupTo(t, o, n | 0, false)),
  ),
  def(
    SYS.dup3,
    "dup3",
    "partial",
    "stand-in",
    (t, o, n, f) => (o === n ? -E.EINVAL : dupTo(t, o, n | 0, (f & 0o2000000) !== 0)),
  ),
  def(SYS.fcntl, "fcntl", "partial", "stand-in", (t, fd, c, a) => fcntl(t, fd, c, a)),
  def(SYS.getcwd, "getcwd", "partial", "stand-in", (t, buf, size) => {
    const b = new TextEncoder().encode(((t.ext.cwd as string | undefined) ?? "/") + "\0");
    if (size < b.length) return -E.ERANGE;
    return t.mem.write(buf, b) < 0 ? -E.EFAULT : b.length;
  }),
];
