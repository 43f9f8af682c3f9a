// Interval timers: setitimer/getitimer/alarm. ITIMER_REAL counts wall time on the kernel's
// timer list and sends SIGALRM to the process (re-armed when periodic); it survives execve and
// is not inherited by fork children, as on Linux. ITIMER_VIRTUAL (user time, SIGVTALRM) and
// ITIMER_PROF (user+system, SIGPROF) are CpuTimers on the process's host CPU time
// (kernel/cputime.ts), checked at the Sentry's wait points a few ms late at worst.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import type { Timed } from "../kernel/timers.ts";
import type { ThreadGroup } from "../kernel/thread-group.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { exitHooks } from "../kernel/exit.ts";
import { sendToGroup } from "../signal/send.ts";
import { SIGALRM } from "../signal/state.ts";
import { CpuTimer, processSource } from "../kernel/cputime.ts";

const SIGVTALRM = 26, SIGPROF = 27;

const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
const SI_KERNEL = 0x80;

/** A process's ITIMER_REAL. */
class RealTimer implements Timed {
  deadline = 0;
  intervalNs = 0;
  constructor(readonly k: Kernel, readonly tg: ThreadGroup) {}

  /** Timed.expire: SIGALRM, then the next period. */
  expire(): void {
    sendToGroup(this.tg, { signo: SIGALRM, code: SI_KERNEL, pid: 0, uid: 0, status: 0, addr: 0 });
    if (this.intervalNs > 0 && !this.tg.zombie) {
      const now = monotonicNs();
      this.deadline += this.intervalNs;
      if (this.deadline <= now) this.deadline = now + this.intervalNs;
      this.k.timers.add(this);
    } else this.deadline = 0;
  }

  /** Arms (value > 0) or disarms the timer. */
  set(valueNs: number, intervalNs: number): void {
    this.k.timers.remove(this);
    this.intervalNs = intervalNs;
    this.deadline = valueNs > 0 ? monotonicNs() + valueNs : 0;
    if (this.deadline > 0) this.k.timers.add(this);
  }

  /** Remaining ns (0 when disarmed). */
  remaining(): number {
    return this.deadline === 0 ? 0 : Math.max(1000, this.deadline - monotonicNs());
  }
}

/** Per-process timers, kept off the ThreadGroup class (only processes that use them pay). */
interface ProcTimers {
  real: RealTimer;
  /** ITIMER_VIRTUAL and ITIMER_PROF. */
  cpu: [CpuTimer, CpuTimer];
}

function cpuTimer(t: Task, userOnly: boolean, signo: number): CpuTimer {
  const tg = t.tg;
  const info = () => ({ signo, code: SI_KERNEL, pid: 0, uid: 0, status: 0, addr: 0 });
  return new CpuTimer(t.kernel, processSource(tg, userOnly), () => sendToGroup(tg, info()));
}

const byGroup = new WeakMap<ThreadGroup, ProcTimers>();
let hookInstalled = false;

function timersOf(t: Task): ProcTimers {
  let p = byGroup.get(t.tg);
  if (p === undefined) {
    p = {
      real: new RealTimer(t.kernel, t.tg),
      cpu: [cpuTimer(t, true, SIGVTALRM), cpuTimer(t, false, SIGPROF)],
    };
    byGroup.set(t.tg, p);
    if (!hookInstalled) {
      hookInstalled = true;
      exitHooks.push((tg, k) => {
        const x = byGroup.get(tg);
        if (x === undefined) return;
        k.timers.remove(x.real);
        for (const c of x.cpu) c.destroy();
      });
    }
  }
  return p;
}

const buf = new Uint8Array(32);
const view = new DataView(buf.buffer);

/** Reads a struct itimerval (two timevals); [value, interval] in ns, or -errno. */
function readItimerval(t: Task, addr: number): [number, number] | number {
  if (t.mem.readInto(addr, buf) < 0) return -E.EFAULT;
  const out: number[] = [];
  for (const off of [16, 0]) {
    const s = view.getBigInt64(off, true), us = view.getBigInt64(off + 8, true);
    if (s < 0n || us < 0n || us >= 1000000n) return -E.EINVAL;
    out.push(Number(s > 10n ** 11n ? 10n ** 11n : s) * 1e9 + Number(us) * 1000);
  }
  return [out[0], out[1]];
}

/** Stores `ns` as a struct timeval at `off` of `dv`, whole microseconds rounded up or down. */
export function setTimeval(dv: DataView, off: number, ns: number, roundUp: boolean): void {
  const us = roundUp ? Math.ceil(ns / 1000) : Math.floor(ns / 1000);
  dv.setBigInt64(off, BigInt(Math.floor(us / 1e6)), true);
  dv.setBigInt64(off + 8, BigInt(us % 1e6), true);
}

/** Writes a struct itimerval from ns values (rounded up to whole microseconds). */
function writeItimerval(t: Task, addr: number, valueNs: number, intervalNs: number): number {
  setTimeval(view, 0, intervalNs, true);
  setTimeval(view, 16, valueNs, true);
  return t.mem.write(addr, buf) < 0 ? -E.EFAULT : 0;
}

function current(p: ProcTimers, which: number): [number, number] {
  if (which === ITIMER_REAL) return [p.real.remaining(), p.real.intervalNs];
  const c = p.cpu[which - 1];
  return [c.remaining(), c.intervalNs];
}

function getitimer(t: Task, which: number, addr: number): number {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -E.EINVAL;
  const [v, i] = current(timersOf(t), which);
  return writeItimerval(t, addr, v, i);
}

function setitimer(t: Task, which: number, newAddr: number, oldAddr: number): number {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -E.EINVAL;
  let nv: [number, number] = [0, 0];
  if (newAddr !== 0) {
    const r = readItimerval(t, newAddr);
    if (typeof r === "number") return r;
    nv = r;
  }
  const p = timersOf(t);
  const [ov, oi] = current(p, which);
  if (which === ITIMER_REAL) p.real.set(nv[0], nv[1]);
  else p.cpu[which - 1].set(nv[0], nv[0] > 0 ? nv[1] : 0);
  return oldAddr !== 0 ? writeItimerval(t, oldAddr, ov, oi) : 0;
}

/** alarm(2): seconds left on the previous alarm (rounded to nearest, at least 1 if armed). */
function alarm(t: Task, secs: number): number {
  const p = timersOf(t);
  const left = p.real.remaining();
  p.real.set((secs >>> 0) * 1e9, 0);
  if (left === 0) return 0;
  const us = Math.ceil(left / 1000);
  let s = Math.floor(us / 1e6);
  if (us % 1e6 >= 500000 || s === 0) s++;
  return s;
}

/** Rows of this module. */
export const ITIMER_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.setitimer,
    "setitimer",
    "partial",
    "ITIMER_VIRTUAL/ITIMER_PROF on host CPU time, checked every few ms",
    (t, w, n, o) => setitimer(t, w | 0, n, o),
  ),
  def(SYS.getitimer, "getitimer", "full", "", (t, w, a) => getitimer(t, w | 0, a)),
  def(SYS.alarm, "alarm", "full", "", (t, s) => alarm(t, s)),
];
