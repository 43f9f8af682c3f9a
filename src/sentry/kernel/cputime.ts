// CPU time of application processes and threads, measured on the host: a process is the sum
// of the address spaces it ran in (the platform reads a stub's process clocks, dead threads
// included), a thread its context's runtime. Sampled only when asked (clocks, getrusage,
// times, wait4) and by CPU timers, never per syscall. Platforms without measurements (KVM)
// fall back to elapsed time.
import { monotonicNs } from "../../../ffi/time.ts";
import { availableParallelism } from "node:os";
import type { Context } from "../../platform/platform.ts";
import type { MemoryManager } from "../mm/mm.ts";
import type { Kernel } from "./kernel.ts";
import type { Task } from "./task.ts";
import type { ThreadGroup } from "./thread-group.ts";
import type { Timed } from "./timers.ts";

/** CPU accounting of one process, in ns. */
export class ProcessCpu {
  /** Address spaces this process left (exec, exit): user, system. */
  doneUser = 0;
  doneSys = 0;
  /** The current address space's reading when this process began to use it. */
  baseUser = 0;
  baseSys = 0;
  /** Children it waited for, with their own waited-for descendants (cutime/cstime). */
  childUser = 0;
  childSys = 0;
}

const tmp = new Float64Array(2);

function sampleMm(mm: MemoryManager, out: Float64Array): void {
  const as = mm.as;
  if (as.cpuTime !== undefined) as.cpuTime(out);
  else {
    out[0] = monotonicNs();
    out[1] = 0;
  }
}

function liveMm(tg: ThreadGroup): MemoryManager | null {
  for (const t of tg.tasks) return t.mm;
  return null;
}

/** `tg` starts running in `mm` (a new process, exec): its readings count from now. */
export function cpuEnter(tg: ThreadGroup, mm: MemoryManager): void {
  sampleMm(mm, tmp);
  tg.cpu.baseUser = tmp[0];
  tg.cpu.baseSys = tmp[1];
}

/** `tg` stops running in `mm` (exec, exit): what it used there becomes final. */
export function cpuLeave(tg: ThreadGroup, mm: MemoryManager): void {
  sampleMm(mm, tmp);
  const c = tg.cpu;
  c.doneUser += Math.max(0, tmp[0] - c.baseUser);
  c.doneSys += Math.max(0, tmp[1] - c.baseSys);
  c.baseUser = tmp[0];
  c.baseSys = tmp[1];
}

/** CPU time of process `tg` so far: out[0] user ns, out[1] system ns. */
export function processCpu(tg: ThreadGroup, out: Float64Array): void {
  const c = tg.cpu;
  out[0] = c.doneUser;
  out[1] = c.doneSys;
  const mm = tg.zombie ? null : liveMm(tg);
  if (mm === null) return;
  sampleMm(mm, tmp);
  out[0] += Math.max(0, tmp[0] - c.baseUser);
  out[1] += Math.max(0, tmp[1] - c.baseSys);
}

/** A waited-for child's time (its own and its children's) goes to the parent's cutime. */
export function cpuReap(parent: ThreadGroup, child: ThreadGroup): void {
  const c = child.cpu;
  parent.cpu.childUser += c.doneUser + c.childUser;
  parent.cpu.childSys += c.doneSys + c.childSys;
}

/** Runtime (user+system ns) of thread `t`: earlier images' contexts plus the current one. */
export function threadCpuNs(t: Task): number {
  return t.cpuDone + contextNs(t.ctx, t);
}

function contextNs(ctx: Context, t: Task): number {
  return ctx.cpuNs !== undefined ? ctx.cpuNs() : monotonicNs() - t.startNs;
}

/** Thread `t` leaves context `ctx` (exec): keep what it ran there. */
export function threadLeave(t: Task, ctx: Context): void {
  t.cpuDone += contextNs(ctx, t);
}

/** Splits a thread's runtime like its process's (the host gives the ratio per process only). */
export function threadCpu(t: Task, out: Float64Array): void {
  const total = threadCpuNs(t);
  processCpu(t.tg, out);
  const all = out[0] + out[1];
  out[0] = all > 0 ? Math.round((total * out[0]) / all) : total;
  out[1] = total - out[0];
}

/** How a CPU-time clock is read: ns now, and how many of them can pass per wall ns at most. */
export interface CpuSource {
  now(): number;
  rate(): number;
}

const HOST_CPUS = Math.max(1, availableParallelism());
const MIN_POLL_NS = 2e6;

/** User (`userOnly`) or user+system time of process `tg`. */
export function processSource(tg: ThreadGroup, userOnly: boolean): CpuSource {
  const out = new Float64Array(2);
  return {
    now() {
      processCpu(tg, out);
      return userOnly ? out[0] : out[0] + out[1];
    },
    rate: () => Math.min(HOST_CPUS, Math.max(1, tg.tasks.size)),
  };
}

/** Runtime of thread `t`. */
export function threadSource(t: Task): CpuSource {
  return { now: () => threadCpuNs(t), rate: () => 1 };
}

/**
 * A timer on a CPU-time clock: `expiry` is in the clock's ns. It sits on the kernel's timer
 * list with the earliest wall time the clock could get there (all threads running), so it is
 * checked at the Sentry's wait points, a few ms late at worst, and costs nothing in between.
 */
export class CpuTimer implements Timed {
  deadline = 0;
  /** Clock value at which it fires (0: disarmed). */
  expiry = 0;
  intervalNs = 0;

  constructor(
    private readonly k: Kernel,
    private readonly src: CpuSource,
    private readonly fire: (missed: number) => void,
  ) {}

  /** Arms to fire after `valueNs` more of the clock (0 disarms), then every `intervalNs`. */
  set(valueNs: number, intervalNs: number): void {
    this.setAt(valueNs > 0 ? this.src.now() + valueNs : 0, intervalNs);
  }

  /** Arms at clock value `expiry` (0 disarms). */
  setAt(expiry: number, intervalNs: number): void {
    this.k.timers.remove(this);
    this.intervalNs = intervalNs;
    this.expiry = expiry;
    this.deadline = 0;
    if (expiry > 0) this.schedule(this.src.now());
  }

  private schedule(now: number): void {
    if (now >= this.expiry) {
      this.deadline = monotonicNs();
      this.expire();
      return;
    }
    this.deadline = monotonicNs() + Math.max(MIN_POLL_NS, (this.expiry - now) / this.src.rate());
    this.k.timers.add(this);
  }

  /** Timed.expire: fires when the clock got there, else checks again later. */
  expire(): void {
    const now = this.src.now();
    if (now < this.expiry) {
      this.schedule(now);
      return;
    }
    let missed = 0;
    if (this.intervalNs > 0) {
      this.expiry += this.intervalNs;
      if (this.expiry <= now) {
        missed = Math.floor((now - this.expiry) / this.intervalNs) + 1;
        this.expiry += missed * this.intervalNs;
      }
      this.deadline = monotonicNs() + Math.max(MIN_POLL_NS, (this.expiry - now) / this.src.rate());
      this.k.timers.add(this);
    } else {
      this.expiry = 0;
      this.deadline = 0;
    }
    this.fire(missed);
  }

  /** Clock ns left until it fires (0 when disarmed). */
  remaining(): number {
    return this.expiry === 0 ? 0 : Math.max(1, this.expiry - this.src.now());
  }

  /** Disarms for good. */
  destroy(): void {
    this.k.timers.remove(this);
    this.expiry = 0;
    this.deadline = 0;
  }
}

/** CPUCLOCK_* kinds in a CPU clock id's low bits, and the per-thread bit. */
const CPUCLOCK_VIRT = 1, CPUCLOCK_SCHED = 2, CPUCLOCK_PERTHREAD = 4;

/**
 * The source a CPU-time clock id names for `t`: CLOCK_PROCESS_CPUTIME_ID (2),
 * CLOCK_THREAD_CPUTIME_ID (3) or a clock_getcpuclockid/pthread_getcpuclockid id (negative:
 * ~pid << 3 | perthread | kind), or null when it names no clock `t` may read (EINVAL). Threads
 * must be of the caller's process, processes named by their leader (Linux's lookup_task).
 */
export function cpuClockSource(t: Task, id: number): CpuSource | null {
  if (id === 2) return processSource(t.tg, false);
  if (id === 3) return threadSource(t);
  if (id >= 0 || (id & 3) === 3) return null;
  const pid = ~(id >> 3), perThread = (id & CPUCLOCK_PERTHREAD) !== 0;
  const userOnly = (id & 3) === CPUCLOCK_VIRT;
  if (perThread) {
    const x = pid === 0 ? t : t.kernel.tasks.get(pid);
    if (x === undefined || x.tg !== t.tg) return null;
    if (!userOnly) return threadSource(x);
    const out = new Float64Array(2);
    return { now: () => (threadCpu(x, out), out[0]), rate: () => 1 };
  }
  const tg = pid === 0 ? t.tg : t.kernel.groups.get(pid);
  if (tg === undefined || tg.zombie || tg.leader()?.tid !== pid && pid !== 0) return null;
  return processSource(tg, userOnly);
}

/** Whether CPU clock id `id` counts in scheduler ns (else in ticks, as PROF/VIRT do). */
export function isSchedClock(id: number): boolean {
  return id === 2 || id === 3 || (id < 0 && (id & 3) === CPUCLOCK_SCHED);
}
