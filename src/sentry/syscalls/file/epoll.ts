// epoll_create(1) epoll_ctl epoll_wait epoll_pwait epoll_pwait2 (with their signal masks) eventfd eventfd2.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import { monotonicNs } from "../../../../ffi/time.ts";
import { BLOCK, type SyscallEntry } from "../abi.ts";
import { EPOLL_CTL_DEL, type EpollEvent, EpollFile } from "../../fs/epoll/epoll.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EventFd } from "../../fs/eventfd/eventfd.ts";
import { O_CLOEXEC } from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import type { Task } from "../../kernel/task.ts";
import { UNBLOCKABLE } from "../../signal/state.ts";
import { endDeadline, int, keptDeadline, row, small } from "./util.ts";

const EVENT_SIZE = 12; // struct epoll_event is packed on x86_64
const MAX_EVENTS = Math.floor(0x7fffffff / EVENT_SIZE);
const ready: EpollEvent[] = [];
let outBuf = new Uint8Array(64 * EVENT_SIZE);

function install(t: FileTask, f: FileDescription, cloexec: boolean): number {
  const fd = t.fds.install(f, cloexec);
  if (fd < 0) f.decRef();
  return fd;
}

function sysEpollCreate(t: FileTask, size: number): number {
  if (int(size) <= 0) return -E.EINVAL;
  return install(t, new EpollFile(), false);
}

function sysEpollCreate1(t: FileTask, flags: number): number {
  flags = int(flags);
  if ((flags & ~O_CLOEXEC) !== 0) return -E.EINVAL;
  return install(t, new EpollFile(), (flags & O_CLOEXEC) !== 0);
}

function sysEpollCtl(t: FileTask, epfd: number, op: number, fd: number, ev: number): number {
  const ep = t.fds.get(int(epfd));
  if (ep === undefined) return -E.EBADF;
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (!(ep instanceof EpollFile)) return -E.EINVAL;
  let events = 0, data = 0n;
  if (int(op) !== EPOLL_CTL_DEL) {
    if (t.mem.readInto(ev, small.buf.subarray(0, EVENT_SIZE)) < 0) return -E.EFAULT;
    events = small.view.getUint32(0, true);
    data = small.view.getBigUint64(4, true);
  }
  return ep.ctl(int(op), int(fd), f, events, data);
}

function wait(t: FileTask, epfd: number, evAddr: number, max: number, deadline: number): number {
  const r = waitOnce(t, epfd, evAddr, max, keptDeadline(t, deadline));
  if (r !== BLOCK) endDeadline(t);
  return r;
}

function waitOnce(t: FileTask, epfd: number, evAddr: number, max: number, deadline: number): number {
  const ep = t.fds.get(int(epfd));
  if (ep === undefined) return -E.EBADF;
  if (!(ep instanceof EpollFile)) return -E.EINVAL;
  max = int(max);
  if (max <= 0 || max > MAX_EVENTS) return -E.EINVAL;
  const n = ep.collect(t, max, ready);
  if (n > 0) {
    if (outBuf.length < n * EVENT_SIZE) outBuf = new Uint8Array(n * EVENT_SIZE);
    const v = new DataView(outBuf.buffer);
    for (let i = 0; i < n; i++) {
      v.setUint32(i * EVENT_SIZE, ready[i].events, true);
      v.setBigUint64(i * EVENT_SIZE + 4, ready[i].data, true);
    }
    return t.mem.write(evAddr, outBuf.subarray(0, n * EVENT_SIZE)) < 0 ? -E.EFAULT : n;
  }
  if (deadline === 0 || t.timedOut) return 0;
  t.blockOn(ep.queues(t), deadline < 0 ? undefined : deadline);
  return BLOCK;
}

function msDeadline(ms: number): number {
  ms = int(ms);
  return ms < 0 ? -1 : ms === 0 ? 0 : monotonicNs() + ms * 1e6;
}

function sysEpollWait(t: FileTask, epfd: number, ev: number, max: number, timeout: number): number {
  return wait(t, epfd, ev, max, msDeadline(timeout));
}

/**
 * Runs a wait with the temporary signal mask at `maskAddr` (epoll_pwait/pwait2), installed
 * like rt_sigsuspend's: the saved mask is restored on return, or by the handler frame when a
 * signal cut the wait short (-EINTR). On re-runs of a parked wait the mask is already in place.
 */
function withMask(t: FileTask, maskAddr: number, size: number, run: () => number): number {
  const s = (t as unknown as Task).sig;
  if (maskAddr !== 0 && s.savedMask === null) {
    if (int(size) !== 8) return -E.EINVAL;
    if (t.mem.readInto(maskAddr, small.buf.subarray(0, 8)) < 0) return -E.EFAULT;
    s.savedMask = s.mask;
    s.mask = small.view.getBigUint64(0, true) & ~UNBLOCKABLE;
  }
  const r = run();
  if (r !== BLOCK && r !== -E.EINTR && maskAddr !== 0 && s.savedMask !== null) {
    s.mask = s.savedMask;
    s.savedMask = null;
  }
  return r;
}

function sysEpollPwait(
  t: FileTask,
  epfd: number,
  ev: number,
  max: number,
  timeout: number,
  mask: number,
  size: number,
): number {
  return withMask(t, mask, size, () => sysEpollWait(t, epfd, ev, max, timeout));
}

function sysEpollPwait2Masked(
  t: FileTask,
  epfd: number,
  ev: number,
  max: number,
  tsp: number,
  mask: number,
  size: number,
): number {
  return withMask(t, mask, size, () => sysEpollPwait2(t, epfd, ev, max, tsp));
}

function sysEpollPwait2(t: FileTask, epfd: number, ev: number, max: number, tsp: number): number {
  let deadline = -1;
  if (tsp !== 0) {
    if (t.mem.readInto(tsp, small.buf.subarray(0, 16)) < 0) return -E.EFAULT;
    const sec = Number(small.view.getBigInt64(0, true));
    const nsec = Number(small.view.getBigInt64(8, true));
    if (sec < 0 || nsec < 0 || nsec >= 1e9) return -E.EINVAL;
    const ns = sec * 1e9 + nsec;
    deadline = ns === 0 ? 0 : monotonicNs() + ns;
  }
  return wait(t, epfd, ev, max, deadline);
}

function sysEventfd2(t: FileTask, initval: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) !== 0) return -E.EINVAL;
  return install(t, new EventFd(initval, flags), (flags & EFD_CLOEXEC) !== 0);
}

function sysEventfd(t: FileTask, initval: number): number {
  return sysEventfd2(t, initval, 0);
}

/** Rows of epoll and eventfd. */
export const EPOLL_SYSCALLS: SyscallEntry[] = [
  row(SYS.epoll_create, "epoll_create", "full", "", sysEpollCreate),
  row(SYS.epoll_create1, "epoll_create1", "full", "", sysEpollCreate1),
  row(
    SYS.epoll_ctl,
    "epoll_ctl",
    "full",
    "EPOLLEXCLUSIVE accepted (every waiter is woken)",
    sysEpollCtl,
  ),
  row(SYS.epoll_wait, "epoll_wait", "full", "", sysEpollWait),
  row(SYS.epoll_pwait, "epoll_pwait", "full", "", sysEpollPwait),
  row(SYS.epoll_pwait2, "epoll_pwait2", "full", "", sysEpollPwait2Masked),
  row(SYS.eventfd, "eventfd", "full", "", sysEventfd),
  row(SYS.eventfd2, "eventfd2", "full", "", sysEventfd2),
];
