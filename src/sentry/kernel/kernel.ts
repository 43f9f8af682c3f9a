// The kernel object and its scheduler loop. One synchronous loop runs everything: it resumes
// tasks, then blocks in exactly one place, Platform.wait(), which returns when an application
// thread stops (syscall, fault, interrupt), when a watched host fd is ready or when the
// earliest timer deadline passes (see docs/architecture-sentry.md). Woken tasks re-run their
// syscall from the start (handlers are restartable).
import type { Platform } from "../../platform/platform.ts";
import { EV_EXIT, EV_HOST, EV_INTERRUPT, EV_SIGNAL, EV_SYSCALL } from "../../platform/platform.ts";
import type { MemoryFile } from "../mm/memfile.ts";
import { REG } from "../../../ffi/regs.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../syscalls/abi.ts";
import { WaitQueue } from "./waitqueue.ts";
import { Timers } from "./timers.ts";
import { TS_BLOCKED, TS_DEAD, TS_RUNNING, TS_SYSCALL } from "./task.ts";
import type { Task } from "./task.ts";
import type { ThreadGroup } from "./thread-group.ts";
import { KEEPREGS, NORESUME } from "./control.ts";
import { FAULT_COW, FAULT_STALE } from "../mm/mm.ts";
import type { SyscallTable } from "../syscalls/table.ts";
import { deliverPending, forceFault, hasDeliverable, interruptedResult } from "../signal/deliver.ts";
import { logger } from "../../log/log.ts";
import type { LimitsState } from "./limits.ts";

const SIGSEGV = 11, SEGV_MAPERR = 1, SEGV_ACCERR = 2;

/** Identity the application sees (uname, /proc/version). */
export interface KernelIdentity {
  readonly sysname: string;
  readonly release: string;
  readonly version: string;
  readonly machine: string;
  hostname: string;
  domainname: string;
}

/** The Sentry's kernel: tasks, processes, the scheduler loop. */
export class Kernel {
  readonly platform: Platform;
  readonly mf: MemoryFile;
  readonly timers: Timers = new Timers();
  readonly tasks: Map<number, Task> = new Map();
  readonly groups: Map<number, ThreadGroup> = new Map();
  readonly table: SyscallTable;
  readonly identity: KernelIdentity;
  readonly bootNs: number = monotonicNs();
  /** The init process (pid 1) once created. */
  init: ThreadGroup | null = null;
  /**
   * Pid-namespace init semantics (containers): init gets no signal whose action is the
   * default, except SIGKILL/SIGSTOP from the host (signal/send.ts initDiscards).
   */
  protectInit = false;
  /** Resource limits of the container (kernel/limits.ts), or null when unlimited. */
  limits: LimitsState | null = null;
  private nextPid = 1;
  private readonly runQueue: Task[] = [];
  private readonly hostQueues = new Map<number, WaitQueue>();
  /** Set by a fatal condition (deadlock) to end run(). */
  private halted = false;

  /** A kernel on `platform` with memory file `mf` and syscall table `table`. */
  constructor(platform: Platform, mf: MemoryFile, table: SyscallTable, identity: KernelIdentity) {
    this.platform = platform;
    this.mf = mf;
    this.table = table;
    this.identity = identity;
  }

  /** Allocates a pid/tid (never reused within a sandbox run, like a large pid_max). */
  allocPid(): number {
    while (this.tasks.has(this.nextPid) || this.groups.has(this.nextPid)) this.nextPid++;
    return this.nextPid++;
  }

  /** Queues a woken task to re-run its syscall. */
  runnable(t: Task): void {
    this.runQueue.push(t);
  }

  /** The wait queue for host fd readiness; watching starts now (one-shot per call). */
  hostReadiness(fd: number, events: number): WaitQueue {
    let q = this.hostQueues.get(fd);
    if (q === undefined) {
      q = new WaitQueue();
      this.hostQueues.set(fd, q);
    }
    this.platform.watchFd(fd, events & 0xffff);
    return q;
  }

  /** Forgets a host fd the Sentry is closing. */
  forgetHostFd(fd: number): void {
    this.hostQueues.delete(fd);
    this.platform.unwatchFd(fd);
  }

  /** Runs until the init process has exited; returns its wait status. */
  run(): number {
    const init = this.init;
    if (init === null) throw new Error("no init process");
    for (;;) {
      while (this.runQueue.length > 0) {
        const t = this.runQueue.shift()!;
        if (t.state === TS_SYSCALL) this.doSyscall(t);
      }
      if (init.zombie || this.halted) break;
      this.platform.setDeadline(this.timers.earliest());
      if (!this.platform.canWait()) {
        logger.warning("sentry: every task is blocked forever; stopping the sandbox");
        this.halted = true;
        break;
      }
      const ev = this.platform.wait();
      switch (ev.kind) {
        case EV_SYSCALL: {
          const t = ev.ctx!.owner as Task;
          // The thread made progress: a stale fault at the same address later is a new one.
          t.lastFault = -1;
          this.doSyscall(t);
          break;
        }
        case EV_HOST: {
          const r = this.platform.readyFds();
          for (let i = 0; i < r.count; i++) this.hostQueues.get(r.fds[i])?.notify();
          this.timers.fire(monotonicNs());
          break;
        }
        case EV_SIGNAL: {
          const t = ev.ctx!.owner as Task;
          if (t.state === TS_DEAD) break;
          // A write to a copy-on-write page, or a first touch of a file mapping not read in
          // yet, is the Sentry's business, not the application's.
          if (ev.signo === SIGSEGV && (ev.code === SEGV_ACCERR || ev.code === SEGV_MAPERR)) {
            const f = ev.code === SEGV_ACCERR ? t.mm.writeFault(ev.addr) : t.mm.mapFault(ev.addr);
            // A stale fault (another thread copied the page first) is re-run once per address,
            // so a real fault there (e.g. executing non-exec memory) still ends in SIGSEGV.
            if (f === FAULT_COW || (f === FAULT_STALE && t.lastFault !== ev.addr)) {
              t.lastFault = f === FAULT_COW ? -1 : ev.addr;
              t.state = TS_RUNNING;
              t.ctx.resume();
              break;
            }
          }
          t.lastFault = -1;
          t.state = TS_SYSCALL;
          forceFault(t, ev.signo, ev.code, ev.addr);
          this.resumeTask(t);
          break;
        }
        case EV_INTERRUPT: {
          const t = ev.ctx!.owner as Task;
          if (t.state === TS_DEAD) break;
          t.state = TS_SYSCALL;
          this.resumeTask(t);
          break;
        }
        case EV_EXIT: {
          const t = ev.ctx!.owner as Task | null;
          if (t !== null && t.state !== TS_DEAD) this.onContextLost(t);
          break;
        }
      }
    }
    return init.zombie ? init.exitStatus : 0x80 | 9;
  }

  /** Hook set by the process module: a task whose host context vanished is reaped. */
  onContextLost: (t: Task) => void = () => {};

  /** Runs the syscall `t` is stopped at (or finishes an interrupted wait), then resumes it. */
  doSyscall(t: Task): void {
    const regs = t.ctx.regs;
    t.state = TS_SYSCALL;
    let r: number;
    if (t.interrupted && !t.rerunOnSignal) {
      t.interrupted = false;
      r = interruptedResult(t);
      if (r !== KEEPREGS) {
        // Not restarted: the sleep is over; nanosleep reports what was left.
        t.ext.sleepDeadline = undefined;
        if (r === -E.EINTR && t.eintr !== null) t.eintr(t);
      }
      t.eintr = null;
    } else {
      const nr = regs.hi(REG.orig_rax) === 0 ? regs.lo(REG.orig_rax) : -1;
      r = this.table.dispatch(t, nr);
      t.timedOut = false;
      if (this.limits !== null) this.limits.afterSyscall(nr);
    }
    if (r === BLOCK) {
      if ((t.state as number) !== TS_BLOCKED) {
        logger.warning(`sentry: a handler returned BLOCK without waiting; answering EAGAIN`);
        regs.set(REG.rax, -E.EAGAIN);
        this.resumeTask(t);
      } else if (hasDeliverable(t)) {
        // A signal that arrived while the task ran toward this syscall (its interrupt stop
        // comes only after the next resume) must end the wait now, as Linux checks
        // signal_pending() before sleeping.
        t.interruptWait();
      }
      return;
    }
    if (r === NORESUME || (t.state as number) === TS_DEAD) return;
    if (r !== KEEPREGS) regs.set(REG.rax, r);
    this.resumeTask(t);
  }

  /** Delivers pending signals (which may kill the task) and lets the task run. */
  resumeTask(t: Task): void {
    if ((t.sig.pendingSet & ~t.sig.mask) !== 0n || t.tg.pending.length > 0 || t.tg.stopped) deliverPending(t);
    if ((t.state as number) === TS_DEAD || (t.state as number) === TS_BLOCKED) return;
    if (t.state === TS_SYSCALL) {
      t.state = TS_RUNNING;
      t.ctx.resume();
    }
  }

  /** Kills every remaining stub. */
  shutdown(): void {
    this.platform.close();
  }
}
