// timerfd_create/settime/gettime over fs/timerfd. Clocks: REALTIME, MONOTONIC, BOOTTIME and
// the *_ALARM ones (root only, as without CAP_WAKE_ALARM Linux answers EPERM).
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { clockGettime, monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { TimerFd } from "../fs/timerfd/timerfd.ts";
import { O_CLOEXEC, O_NONBLOCK } from "../vfs/consts.ts";
import { CAP, capable } from "../kernel/caps.ts";

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7;
const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;
const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;
const MAX_SEC = 10n ** 11n;

const ts = new BigInt64Array(2);

function sysTimerfdCreate(t: Task, clockId: number, flags: number): number {
  const c = clockId | 0;
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -E.EINVAL;
  if (c === CLOCK_REALTIME_ALARM || c === CLOCK_BOOTTIME_ALARM) {
    if (!capable(t.creds, CAP.WAKE_ALARM)) return -E.EPERM;
  } else if (c !== CLOCK_REALTIME && c !== CLOCK_MONOTONIC && c !== CLOCK_BOOTTIME) return -E.EINVAL;
  const f = new TimerFd(t.kernel.timers, c, flags);
  const fd = t.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) f.decRef();
  return fd;
}

function timerOf(t: Task, fd: number): TimerFd | number {
  const f = t.fds.get(fd | 0);
  if (f === undefined) return -E.EBADF;
  return f instanceof TimerFd ? f : -E.EINVAL;
}

/** Writes struct itimerspec {interval, value} of `f` to `addr`. */
function writeSpec(t: Task, f: TimerFd, addr: number): number {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  const rem = f.remaining();
  v.setBigInt64(0, BigInt(Math.floor(f.intervalNs / 1e9)), true);
  v.setBigInt64(8, BigInt(f.intervalNs % 1e9), true);
  v.setBigInt64(16, BigInt(Math.floor(rem / 1e9)), true);
  v.setBigInt64(24, BigInt(rem % 1e9), true);
  return t.mem.write(addr, b);
}

/** A timespec as ns, or -EINVAL when out of range. */
function specNs(v: DataView, off: number): number {
  const s = v.getBigInt64(off, true), ns = v.getBigInt64(off + 8, true);
  if (s < 0n || ns < 0n || ns >= 1000000000n) return -E.EINVAL;
  return Number(s > MAX_SEC ? MAX_SEC : s) * 1e9 + Number(ns);
}

function sysTimerfdSettime(t: Task, fd: number, flags: number, newAddr: number, oldAddr: number): number {
  const f = timerOf(t, fd);
  if (typeof f === "number") return f;
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return -E.EINVAL;
  const b = new Uint8Array(32);
  if (t.mem.readInto(newAddr, b) < 0) return -E.EFAULT;
  const v = new DataView(b.buffer);
  const interval = specNs(v, 0), value = specNs(v, 16);
  if (interval < 0 || value < 0) return -E.EINVAL;
  if (oldAddr !== 0 && writeSpec(t, f, oldAddr) < 0) return -E.EFAULT;
  let deadline = 0;
  if (value > 0) {
    if ((flags & TFD_TIMER_ABSTIME) !== 0) {
      const host = f.clockId === CLOCK_REALTIME_ALARM
        ? CLOCK_REALTIME
        : f.clockId === CLOCK_BOOTTIME_ALARM
        ? CLOCK_BOOTTIME
        : f.clockId;
      if (clockGettime(host, ts) !== 0) return -E.EINVAL;
      const now = Number(ts[0]) * 1e9 + Number(ts[1]);
      deadline = monotonicNs() + Math.max(0, value - now);
    } else deadline = monotonicNs() + value;
  }
  f.arm(deadline, interval);
  return 0;
}

function sysTimerfdGettime(t: Task, fd: number, addr: number): number {
  const f = timerOf(t, fd);
  if (typeof f === "number") return f;
  return writeSpec(t, f, addr);
}

/** Rows of timerfd. */
export const TIMERFD_SYSCALLS: SyscallEntry[] = [
  def(SYS.timerfd_create, "timerfd_create", "full", "", sysTimerfdCreate),
  def(
    SYS.timerfd_settime,
    "timerfd_settime",
    "partial",
    "absolute realtime deadlines do not follow later clock changes; CANCEL_ON_SET never fires",
    sysTimerfdSettime,
  ),
  def(SYS.timerfd_gettime, "timerfd_gettime", "full", "", sysTimerfdGettime),
];
