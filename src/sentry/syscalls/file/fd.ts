// Descriptor syscalls: close dup dup2 dup3 fcntl lseek ioctl pipe pipe2 close_range.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import type { FileTask } from "../../vfs/task.ts";
import {
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_GETLK,
  F_GETOWN,
  F_GETPIPE_SZ,
  F_OFD_GETLK,
  F_OFD_SETLK,
  F_OFD_SETLKW,
  F_SETFD,
  F_SETFL,
  F_SETLK,
  F_SETLKW,
  F_SETOWN,
  F_SETPIPE_SZ,
  FD_CLOEXEC,
  O_ASYNC,
  O_CLOEXEC,
  O_NONBLOCK,
} from "../../vfs/consts.ts";
import { newPipe, PIPE_CAPACITY, PipeFile } from "../../fs/pipe/pipe.ts";
import { FIOCLEX, FIONBIO, FIONCLEX } from "../../fs/host/tty.ts";
import { getI32, int, row, small } from "./util.ts";
import { fcntlLock } from "./lock.ts";

function sysClose(t: FileTask, fd: number): number {
  return t.fds.close(int(fd));
}

function sysDup(t: FileTask, fd: number): number {
  return t.fds.dup(int(fd), 0, false);
}

function dupTo(t: FileTask, oldfd: number, newfd: number, cloexec: boolean): number {
  const f = t.fds.get(oldfd);
  if (f === undefined) return -E.EBADF;
  f.incRef();
  const r = t.fds.installAt(newfd, f, cloexec);
  if (r < 0) f.decRef();
  return r;
}

function sysDup2(t: FileTask, oldfd: number, newfd: number): number {
  oldfd = int(oldfd);
  newfd = int(newfd);
  if (oldfd === newfd) return t.fds.get(oldfd) === undefined ? -E.EBADF : newfd;
  return dupTo(t, oldfd, newfd, false);
}

function sysDup3(t: FileTask, oldfd: number, newfd: number, flags: number): number {
  oldfd = int(oldfd);
  newfd = int(newfd);
  flags = int(flags);
  if ((flags & ~O_CLOEXEC) !== 0 || oldfd === newfd) return -E.EINVAL;
  return dupTo(t, oldfd, newfd, (flags & O_CLOEXEC) !== 0);
}

function sysFcntl(t: FileTask, fdArg: number, cmdArg: number, arg: number): number {
  const fd = int(fdArg);
  const cmd = int(cmdArg);
  const f = t.fds.get(fd);
  if (f === undefined) return -E.EBADF;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const min = int(arg);
      if (min < 0 || min >= t.fds.limit) return -E.EINVAL;
      return t.fds.dup(fd, min, cmd === F_DUPFD_CLOEXEC);
    }
    case F_GETFD:
      return t.fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      return t.fds.setCloexec(fd, (int(arg) & FD_CLOEXEC) !== 0);
    case F_GETFL:
      return f.flags;
    case F_SETFL:
      return f.setStatusFlags(int(arg));
    case F_GETLK:
    case F_OFD_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
      return fcntlLock(t, f, cmd, arg);
    case F_GETOWN:
      return 0;
    case F_SETOWN:
      return 0;
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
      return f instanceof PipeFile ? PIPE_CAPACITY : -E.EBADF;
    default:
      return -E.EINVAL;
  }
}

function sysLseek(t: FileTask, fd: number, off: number, whence: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (!Number.isSafeInteger(off)) return -E.EINVAL;
  return f.seek(off, int(whence));
}

/** ioctl FIOASYNC: sets or clears O_ASYNC. */
const FIOASYNC = 0x5452;

function sysIoctl(t: FileTask, fdArg: number, cmdArg: number, arg: number): number {
  const fd = int(fdArg);
  const cmd = cmdArg >>> 0;
  const f = t.fds.get(fd);
  if (f === undefined) return -E.EBADF;
  switch (cmd) {
    case FIOCLEX:
      return t.fds.setCloexec(fd, true);
    case FIONCLEX:
      return t.fds.setCloexec(fd, false);
    case FIONBIO: {
      const v = getI32(t, arg);
      if (v === null) return -E.EFAULT;
      return f.setStatusFlags(v !== 0 ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK);
    }
    case FIOASYNC: {
      // Recorded as O_ASYNC like fcntl(F_SETFL); SIGIO is not sent (nginx only checks it is
      // accepted on its master/worker channel before spawning workers).
      const v = getI32(t, arg);
      if (v === null) return -E.EFAULT;
      return f.setStatusFlags(v !== 0 ? f.flags | O_ASYNC : f.flags & ~O_ASYNC);
    }
  }
  return f.ioctl(t, cmd, arg);
}

function doPipe(t: FileTask, addr: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -E.EINVAL;
  const [r, w] = newPipe(flags);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = t.fds.install(r, cloexec);
  if (rfd < 0) {
    r.decRef();
    w.decRef();
    return rfd;
  }
  const wfd = t.fds.install(w, cloexec);
  if (wfd < 0) {
    t.fds.close(rfd);
    w.decRef();
    return wfd;
  }
  small.view.setInt32(0, rfd, true);
  small.view.setInt32(4, wfd, true);
  if (t.mem.write(addr, small.buf.subarray(0, 8)) < 0) {
    t.fds.close(rfd);
    t.fds.close(wfd);
    return -E.EFAULT;
  }
  return 0;
}

function sysPipe(t: FileTask, addr: number): number {
  return doPipe(t, addr, 0);
}

function sysPipe2(t: FileTask, addr: number, flags: number): number {
  return doPipe(t, addr, flags);
}

const CLOSE_RANGE_CLOEXEC = 4;
const CLOSE_RANGE_UNSHARE = 2;

function sysCloseRange(t: FileTask, first: number, last: number, flags: number): number {
  flags = int(flags);
  first = first >>> 0;
  last = last >>> 0;
  if ((flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)) !== 0 || first > last) return -E.EINVAL;
  for (const fd of t.fds.fds()) {
    if (fd < first || fd > last) continue;
    if ((flags & CLOSE_RANGE_CLOEXEC) !== 0) t.fds.setCloexec(fd, true);
    else t.fds.close(fd);
  }
  return 0;
}

const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

/** flock(2): accepted and not enforced (one sandbox, cooperative processes). */
function sysFlock(t: FileTask, fd: number, op: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  const kind = int(op) & ~LOCK_NB;
  return kind === LOCK_SH || kind === LOCK_EX || kind === LOCK_UN ? 0 : -E.EINVAL;
}

/** fadvise64(2): advice is only a hint; validated, then ignored. */
function sysFadvise64(t: FileTask, fd: number, _off: number, _len: number, advice: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (!f.seekable) return -E.ESPIPE;
  const a = int(advice);
  return a < 0 || a > 5 ? -E.EINVAL : 0;
}

/** readahead(2): nothing to prefetch into; regular files only. */
function sysReadahead(t: FileTask, fd: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined || !f.readable) return -E.EBADF;
  return f.inode?.isRegular ? 0 : -E.EINVAL;
}

/** Rows of the descriptor syscalls. */
export const FD_SYSCALLS: SyscallEntry[] = [
  row(SYS.close, "close", "full", "", sysClose),
  row(SYS.dup, "dup", "full", "", sysDup),
  row(SYS.dup2, "dup2", "full", "", sysDup2),
  row(SYS.dup3, "dup3", "full", "", sysDup3),
  row(SYS.fcntl, "fcntl", "partial", "F_SETOWN/F_GETOWN ignored; lock deadlocks not detected", sysFcntl),
  row(SYS.lseek, "lseek", "full", "", sysLseek),
  row(
    SYS.ioctl,
    "ioctl",
    "partial",
    "terminal ioctls on host ttys, FIONREAD, FIONBIO, FIOCLEX, FIOASYNC (no SIGIO)",
    sysIoctl,
  ),
  row(SYS.pipe, "pipe", "full", "", sysPipe),
  row(SYS.pipe2, "pipe2", "partial", "O_DIRECT (packet mode) not supported", sysPipe2),
  row(SYS.close_range, "close_range", "full", "", sysCloseRange),
  row(SYS.flock, "flock", "partial", "accepted, not enforced", sysFlock),
  row(SYS.fadvise64, "fadvise64", "full", "hint ignored", sysFadvise64),
  row(SYS.readahead, "readahead", "full", "nothing to prefetch", sysReadahead),
];
