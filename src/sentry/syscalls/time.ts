// Clocks and sleeps. Time is the host's. On ptrace the host vDSO answers most clock reads
// without a trap (src/platform/ptrace/stubs.ts); its syscall fallback and kvm come here.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { clockGettime, monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import { BLOCK } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { cpuClockSource, isSchedClock } from "../kernel/cputime.ts";

const ts = new BigInt64Array(2);
const out = new Uint8Array(16);
const outView = new DataView(out.buffer);

function clockGet(t: Task, id: number, addr: number): number {
  id = id | 0;
  if (id === 2 || id === 3 || id < 0) {
    const src = cpuClockSource(t, id);
    if (src === null) return -E.EINVAL;
    const ns = src.now();
    outView.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
    outView.setBigInt64(8, BigInt(Math.floor(ns % 1e9)), true);
    return t.mem.write(addr, out);
  }
  if (id > 11 || clockGettime(id, ts) !== 0) return -E.EINVAL;
  outView.setBigInt64(0, ts[0], true);
  outView.setBigInt64(8, ts[1], true);
  return t.mem.write(addr, out);
}

/** clock_getres: 1 ns, except CPU clocks counted in ticks (PROF/VIRT: 1/HZ, HZ 250). */
function clockGetres(t: Task, id: number, a: number): number {
  id = id | 0;
  if (id > 11 || (id < 0 && cpuClockSource(t, id) === null)) return -E.EINVAL;
  if (a === 0) return 0;
  outView.setBigInt64(0, 0n, true);
  outView.setBigInt64(8, id < 0 && !isSchedClock(id) ? 4000000n : 1n, true);
  return t.mem.write(a, out);
}

function readTimespec(t: Task, addr: number): number {
  const b = new Uint8Array(16);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  const sec = dv.getBigInt64(0, true), nsec = dv.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1000000000n) return -E.EINVAL;
  if (sec > 10n ** 9n * 100n) return Number.MAX_SAFE_INTEGER;
  return Number(sec) * 1e9 + Number(nsec);
}

/** Writes the time left until `deadline` to timespec `rem` (EINTR of a relative sleep). */
function writeRemaining(t: Task, rem: number, deadline: number): void {
  const left = Math.max(0, deadline - monotonicNs());
  outView.setBigInt64(0, BigInt(Math.floor(left / 1e9)), true);
  outView.setBigInt64(8, BigInt(left % 1e9), true);
  t.mem.write(rem, out);
}

/**
 * nanosleep/clock_nanosleep: block until the deadline (a restart after a stop or an ignored
 * signal keeps the saved deadline). When a handler interrupts a relative sleep, the time left
 * goes to `rem` (if non-zero) with EINTR.
 */
function sleep(t: Task, durNs: number, absolute: boolean, clock: number, rem: number): number {
  if (t.timedOut) {
    t.ext.sleepDeadline = undefined;
    t.eintr = null;
    return 0;
  }
  let deadline = t.ext.sleepDeadline as number | undefined;
  if (deadline === undefined) {
    if (absolute) {
      if (clockGettime(clock, ts) !== 0) return -E.EINVAL;
      const now = Number(ts[0]) * 1e9 + Number(ts[1]);
      deadline = monotonicNs() + Math.max(0, durNs - now);
    } else deadline = monotonicNs() + durNs;
  }
  if (monotonicNs() >= deadline) {
    t.ext.sleepDeadline = undefined;
    t.eintr = null;
    return 0;
  }
  t.ext.sleepDeadline = deadline;
  const end = deadline;
  t.eintr = !absolute && rem !== 0 ? (tk) => writeRemaining(tk, rem, end) : null;
  t.blockOn([], deadline);
  return BLOCK;
}

/** Rows of this module. */
export const TIME_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.clock_gettime,
    "clock_gettime",
    "full",
    "CPU-time clocks (process, thread, clock_getcpuclockid ids) from host CPU time",
    (t, id, a) => clockGet(t, id, a),
  ),
  def(SYS.clock_getres, "clock_getres", "full", "", clockGetres),
  def(SYS.gettimeofday, "gettimeofday", "full", "", (t, tv, tz) => {
    if (tv !== 0) {
      clockGettime(0, ts);
      outView.setBigInt64(0, ts[0], true);
      outView.setBigInt64(8, ts[1] / 1000n, true);
      if (t.mem.write(tv, out) < 0) return -E.EFAULT;
    }
    if (tz !== 0 && t.mem.write(tz, new Uint8Array(8)) < 0) return -E.EFAULT;
    return 0;
  }),
  def(SYS.time, "time", "full", "", (t, a) => {
    clockGettime(0, ts);
    const s = Number(ts[0]);
    if (a !== 0 && t.mem.writeU64(a, s) < 0) return -E.EFAULT;
    return s;
  }),
  def(SYS.nanosleep, "nanosleep", "full", "", (t, req, rem) => {
    const d = readTimespec(t, req);
    return d < 0 ? d : sleep(t, d, false, 1, rem);
  }),
  def(
    SYS.clock_nanosleep,
    "clock_nanosleep",
    "partial",
    "the process CPU clock sleeps on the monotonic clock",
    (t, clock, flags, req, rem) => {
      if (clock < 0 || clock > 11 || clock === 3) return -E.EINVAL; // thread CPU clock: EINVAL
      const d = readTimespec(t, req);
      return d < 0 ? d : sleep(t, d, (flags & 1) !== 0, clock, rem);
    },
  ),
];
