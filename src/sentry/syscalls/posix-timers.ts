// timer_create/settime/gettime/getoverrun/delete over kernel/posix-timers. glibc serves
// SIGEV_THREAD itself (a helper thread receiving SIGEV_THREAD_ID signals whose sigval points
// at its bookkeeping), so the kernel only sees SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD_ID.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { clockGettime, monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import {
  freeTimerId,
  PosixTimer,
  posixTimersOf,
  SIGEV_NONE,
  SIGEV_SIGNAL,
  SIGEV_THREAD_ID,
  type TimerNotify,
} from "../kernel/posix-timers.ts";
import { NSIG, SIGALRM } from "../signal/state.ts";
import { cpuClockSource } from "../kernel/cputime.ts";
import { CAP, capable } from "../kernel/caps.ts";

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_BOOTTIME = 7;
const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
const TIMER_ABSTIME = 1;
const MAX_SEC = 10n ** 11n;
/** Linux's default RLIMIT_SIGPENDING-like cap on timers per process is large; keep one. */
const MAX_TIMERS = 32768;

const ts = new BigInt64Array(2);
const b = new Uint8Array(64);
const v = new DataView(b.buffer);

function validClock(t: Task, c: number): number {
  if (c < 0) return cpuClockSource(t, c) === null ? -E.EINVAL : 0;
  if (c === CLOCK_REALTIME_ALARM || c === CLOCK_BOOTTIME_ALARM) {
    return capable(t.creds, CAP.WAKE_ALARM) ? 0 : -E.EPERM;
  }
  const ok = [
    CLOCK_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_THREAD_CPUTIME_ID,
    CLOCK_BOOTTIME,
    CLOCK_TAI,
  ];
  return ok.includes(c) ? 0 : -E.EINVAL;
}

function timerCreate(t: Task, clockId: number, sevp: number, idAddr: number): number {
  const c = clockId | 0;
  const ce = validClock(t, c);
  if (ce < 0) return ce;
  const timers = posixTimersOf(t.tg);
  const id = freeTimerId(timers);
  let notify: TimerNotify = { kind: SIGEV_SIGNAL, signo: SIGALRM, value: BigInt(id), target: null };
  if (sevp !== 0) {
    if (t.mem.readInto(sevp, b) < 0) return -E.EFAULT;
    const value = v.getBigUint64(0, true);
    const signo = v.getInt32(8, true), kind = v.getInt32(12, true), tid = v.getInt32(16, true);
    if (kind !== SIGEV_SIGNAL && kind !== SIGEV_NONE && kind !== SIGEV_THREAD_ID) return -E.EINVAL;
    if (kind !== SIGEV_NONE && (signo <= 0 || signo > NSIG)) return -E.EINVAL;
    let target: Task | null = null;
    if (kind === SIGEV_THREAD_ID) {
      target = t.kernel.tasks.get(tid) ?? null;
      if (target === null || target.tg !== t.tg) return -E.EINVAL;
    }
    notify = { kind, signo, value, target };
  }
  if (timers.size >= MAX_TIMERS) return -E.EAGAIN;
  v.setInt32(0, id, true);
  if (t.mem.write(idAddr, b.subarray(0, 4)) < 0) return -E.EFAULT;
  const cpu = c === CLOCK_PROCESS_CPUTIME_ID || c === CLOCK_THREAD_CPUTIME_ID || c < 0
    ? cpuClockSource(t, c)
    : null;
  timers.set(id, new PosixTimer(t.kernel, t.tg, id, c, notify, cpu));
  return 0;
}

function timerOf(t: Task, id: number): PosixTimer | number {
  return posixTimersOf(t.tg).get(id | 0) ?? -E.EINVAL;
}

/** Writes struct itimerspec {interval, value} of `tm` to `addr`. */
function writeSpec(t: Task, tm: PosixTimer, addr: number): number {
  const rem = tm.remaining(), period = tm.period();
  v.setBigInt64(0, BigInt(Math.floor(period / 1e9)), true);
  v.setBigInt64(8, BigInt(period % 1e9), true);
  v.setBigInt64(16, BigInt(Math.floor(rem / 1e9)), true);
  v.setBigInt64(24, BigInt(rem % 1e9), true);
  return t.mem.write(addr, b.subarray(0, 32)) < 0 ? -E.EFAULT : 0;
}

/** A timespec at `off` of `v` as ns, or -EINVAL when out of range. */
function specNs(off: number): number {
  const s = v.getBigInt64(off, true), ns = v.getBigInt64(off + 8, true);
  if (s < 0n || ns < 0n || ns >= 1000000000n) return -E.EINVAL;
  return Number(s > MAX_SEC ? MAX_SEC : s) * 1e9 + Number(ns);
}

function timerSettime(t: Task, id: number, flags: number, newAddr: number, oldAddr: number): number {
  const tm = timerOf(t, id);
  if (typeof tm === "number") return tm;
  if (newAddr === 0) return -E.EINVAL;
  if (t.mem.readInto(newAddr, b.subarray(0, 32)) < 0) return -E.EFAULT;
  const interval = specNs(0), value = specNs(16);
  if (interval < 0 || value < 0) return -E.EINVAL;
  if (oldAddr !== 0) {
    const r = writeSpec(t, tm, oldAddr);
    if (r < 0) return r;
  }
  if (tm.cpu !== null) {
    if ((flags & TIMER_ABSTIME) !== 0) tm.cpu.setAt(value, value > 0 ? interval : 0);
    else tm.cpu.set(value, value > 0 ? interval : 0);
    return 0;
  }
  let deadline = 0;
  if (value > 0) {
    if ((flags & TIMER_ABSTIME) !== 0) {
      // Convert the clock's absolute time to a monotonic deadline.
      const clock = tm.clockId === CLOCK_REALTIME_ALARM
        ? CLOCK_REALTIME
        : tm.clockId === CLOCK_BOOTTIME_ALARM
        ? CLOCK_BOOTTIME
        : tm.clockId;
      clockGettime(clock, ts);
      const now = Number(ts[0]) * 1e9 + Number(ts[1]);
      deadline = monotonicNs() + Math.max(0, value - now);
      if (value <= now) deadline = monotonicNs();
    } else deadline = monotonicNs() + value;
  }
  tm.arm(deadline, value > 0 ? interval : 0);
  return 0;
}

function timerGettime(t: Task, id: number, addr: number): number {
  const tm = timerOf(t, id);
  if (typeof tm === "number") return tm;
  return writeSpec(t, tm, addr);
}

function timerGetoverrun(t: Task, id: number): number {
  const tm = timerOf(t, id);
  return typeof tm === "number" ? tm : tm.lastOverrun;
}

function timerDelete(t: Task, id: number): number {
  const timers = posixTimersOf(t.tg);
  const tm = timers.get(id | 0);
  if (tm === undefined) return -E.EINVAL;
  tm.destroy();
  timers.delete(id | 0);
  return 0;
}

/** Rows of this module. */
export const POSIX_TIMER_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.timer_create,
    "timer_create",
    "partial",
    "SIGEV_SIGNAL/NONE/THREAD_ID; CPU-time clocks on host CPU time, checked every few ms",
    (t, c, s, i) => timerCreate(t, c, s, i),
  ),
  def(SYS.timer_settime, "timer_settime", "full", "", (t, i, f, n, o) => timerSettime(t, i, f, n, o)),
  def(SYS.timer_gettime, "timer_gettime", "full", "", (t, i, a) => timerGettime(t, i, a)),
  def(
    SYS.timer_getoverrun,
    "timer_getoverrun",
    "partial",
    "overruns of the last queued signal, counted until it is delivered",
    (t, i) => timerGetoverrun(t, i),
  ),
  def(SYS.timer_delete, "timer_delete", "full", "", (t, i) => timerDelete(t, i)),
];
