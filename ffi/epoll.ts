// epoll and timerfd bindings: the Sentry's single wait point watches host fds and the next
// timer deadline through one epoll instance that a parked stub waits on (see src/platform).
import { SYS } from "./sysno.ts";
import { errno, libc, sys } from "./libc.ts";
import { SysError } from "./errno.ts";

/** epoll_ctl ops and event bits. */
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDHUP = 0x2000;
export const EPOLLONESHOT = 1 << 30;
/** sizeof(struct epoll_event) on x86_64 (packed: u32 events, u64 data). */
export const EPOLL_EVENT_SIZE = 12;

const _ctl = libc.func("int epoll_ctl(int, int, int, void *)") as (
  ep: number,
  op: number,
  fd: number,
  ev: Uint8Array,
) => number;
const evBuf = new Uint8Array(EPOLL_EVENT_SIZE);
const evView = new DataView(evBuf.buffer);

/** epoll_create1(EPOLL_CLOEXEC); throws on failure. */
export function epollCreate(): number {
  const r = sys(SYS.epoll_create1, 0o2000000);
  if (r < 0) throw new SysError("epoll_create1", -r);
  return r;
}

/** epoll_ctl with `data` = the fd itself; returns 0 or -errno. */
export function epollCtl(ep: number, op: number, fd: number, events: number): number {
  evView.setUint32(0, events >>> 0, true);
  evView.setUint32(4, fd, true);
  evView.setUint32(8, 0, true);
  return _ctl(ep, op, fd, evBuf) === 0 ? 0 : -errno();
}

/** timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC|TFD_NONBLOCK); throws on failure. */
export function timerfdCreate(): number {
  const r = sys(SYS.timerfd_create, 1, 0o2000000 | 0o4000);
  if (r < 0) throw new Error(`timerfd_create: errno ${-r}`);
  return r;
}

const spec = new BigInt64Array(4);
const _settime = libc.func("int timerfd_settime(int, int, void *, void *)") as (
  fd: number,
  flags: number,
  nv: BigInt64Array,
  old: null,
) => number;

/** Arms `fd` to fire once at absolute CLOCK_MONOTONIC `deadlineNs` (0 disarms). */
export function timerfdSetAbs(fd: number, deadlineNs: number): number {
  spec[0] = 0n;
  spec[1] = 0n;
  const d = deadlineNs <= 0 ? 0 : Math.max(1, Math.floor(deadlineNs));
  spec[2] = BigInt(Math.floor(d / 1e9));
  spec[3] = BigInt(d % 1e9);
  return _settime(fd, 1, /* TFD_TIMER_ABSTIME */ spec, null) === 0 ? 0 : -errno();
}
