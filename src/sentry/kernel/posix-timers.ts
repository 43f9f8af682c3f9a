// POSIX per-process timers (timer_create & co.): each timer sits on the kernel's timer list
// and, when it expires, queues its signal (SI_TIMER, the sigval, the timer id) to the process
// or, for SIGEV_THREAD_ID, to one thread. While its signal is still pending, further
// expirations only count overruns (Linux queues one preallocated siginfo per timer).
// Deadlines are kept on CLOCK_MONOTONIC; timers on CPU-time clocks delegate to a CpuTimer
// (kernel/cputime.ts), which counts host CPU time.
import { monotonicNs } from "../../../ffi/time.ts";
import { sendToGroup, sendToTask } from "../signal/send.ts";
import type { SigInfo } from "../signal/state.ts";
import type { Kernel } from "./kernel.ts";
import { exitHooks } from "./exit.ts";
import { execHooks } from "./clone.ts";
import type { Task } from "./task.ts";
import type { ThreadGroup } from "./thread-group.ts";
import type { Timed } from "./timers.ts";
import { type CpuSource, CpuTimer } from "./cputime.ts";

/** sigev_notify values. */
export const SIGEV_SIGNAL = 0;
export const SIGEV_NONE = 1;
export const SIGEV_THREAD_ID = 4;
/** si_code of timer signals. */
export const SI_TIMER = -2;
/** Linux caps overrun counts at DELAYTIMER_MAX. */
const DELAYTIMER_MAX = 0x7fffffff;

/** How a timer notifies. */
export interface TimerNotify {
  kind: number;
  signo: number;
  value: bigint;
  /** SIGEV_THREAD_ID: the receiving thread. */
  target: Task | null;
}

/** One POSIX timer of a process. */
export class PosixTimer implements Timed {
  /** Timed.deadline: next expiration (CLOCK_MONOTONIC ns), 0 when disarmed. */
  deadline = 0;
  /** Period in ns (0: one-shot). */
  intervalNs = 0;
  /** The siginfo queued last; while still pending, expirations count as overruns. */
  private info: SigInfo | null = null;
  /** Overrun count of the last signal queued (timer_getoverrun). */
  lastOverrun = 0;
  /** Set for CPU-time clocks: arming, reading and expiring go through it. */
  readonly cpu: CpuTimer | null;

  /** A disarmed timer `id` of `tg` on clock `clockId` (CPU-time clocks: read from `cpu`). */
  constructor(
    private readonly k: Kernel,
    private readonly tg: ThreadGroup,
    readonly id: number,
    readonly clockId: number,
    readonly notify: TimerNotify,
    cpu: CpuSource | null = null,
  ) {
    this.cpu = cpu === null ? null : new CpuTimer(k, cpu, (missed) => this.fire(missed));
  }

  /** Period in ns of whichever clock the timer runs on. */
  period(): number {
    return this.cpu !== null ? this.cpu.intervalNs : this.intervalNs;
  }

  /** Timed.expire: signal (or count an overrun), then the next period. */
  expire(): void {
    let missed = 0;
    if (this.intervalNs > 0) {
      const now = monotonicNs();
      this.deadline += this.intervalNs;
      if (this.deadline <= now) {
        missed = Math.floor((now - this.deadline) / this.intervalNs) + 1;
        this.deadline += missed * this.intervalNs;
      }
      this.k.timers.add(this);
    } else this.deadline = 0;
    this.fire(missed);
  }

  /** Queues the timer's signal, or counts overruns while the last one is still pending. */
  fire(missed: number): void {
    const n = this.notify;
    if (n.kind === SIGEV_NONE || this.tg.zombie) return;
    const prev = this.info;
    if (prev !== null && this.stillPending(prev)) {
      prev.overrun = Math.min(DELAYTIMER_MAX, (prev.overrun ?? 0) + 1 + missed);
      this.lastOverrun = prev.overrun;
      return;
    }
    const info: SigInfo = {
      signo: n.signo,
      code: SI_TIMER,
      pid: 0,
      uid: 0,
      status: 0,
      addr: 0,
      value: n.value,
      timerId: this.id,
      overrun: Math.min(DELAYTIMER_MAX, missed),
    };
    this.info = info;
    this.lastOverrun = info.overrun ?? 0;
    if (n.kind === SIGEV_THREAD_ID && n.target !== null) sendToTask(n.target, info);
    else sendToGroup(this.tg, info);
  }

  private stillPending(info: SigInfo): boolean {
    for (const t of this.tg.tasks) if (t.sig.pending.includes(info)) return true;
    return false;
  }

  /** Arms at monotonic `deadline` (0 disarms) with period `intervalNs`. */
  arm(deadline: number, intervalNs: number): void {
    this.k.timers.remove(this);
    this.intervalNs = intervalNs;
    this.deadline = deadline;
    if (deadline <= 0) {
      this.deadline = 0;
      return;
    }
    if (deadline <= monotonicNs()) this.expire();
    else this.k.timers.add(this);
  }

  /** Remaining ns until the next expiration (0 when disarmed). */
  remaining(): number {
    if (this.cpu !== null) return this.cpu.remaining();
    return this.deadline === 0 ? 0 : Math.max(1, this.deadline - monotonicNs());
  }

  /** Disarms for good (timer_delete, exit). */
  destroy(): void {
    this.cpu?.destroy();
    this.k.timers.remove(this);
    this.deadline = 0;
  }
}

const byGroup = new WeakMap<ThreadGroup, Map<number, PosixTimer>>();
let hookInstalled = false;

/** The timers of `tg` (created on first use; destroyed when the process exits). */
export function posixTimersOf(tg: ThreadGroup): Map<number, PosixTimer> {
  let m = byGroup.get(tg);
  if (m === undefined) {
    m = new Map();
    byGroup.set(tg, m);
    if (!hookInstalled) {
      hookInstalled = true;
      // Timers die with the process and, as Linux's exit_itimers, on execve.
      const dropAll = (g: ThreadGroup) => {
        const x = byGroup.get(g);
        if (x === undefined) return;
        for (const tm of x.values()) tm.destroy();
        x.clear();
      };
      exitHooks.push(dropAll);
      execHooks.push((t) => dropAll(t.tg));
    }
  }
  return m;
}

/** The lowest free timer id of `tg` (Linux hands them out from 0). */
export function freeTimerId(timers: Map<number, PosixTimer>): number {
  let id = 0;
  while (timers.has(id)) id++;
  return id;
}
