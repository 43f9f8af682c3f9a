// A task: one application thread. Its life is an explicit state machine driven by the
// scheduler (kernel.ts):
//
//   RUNNING (in application code on its platform context)
//     └─ syscall trap ─> SYSCALL (handler runs) ─┬─> RUNNING (result in rax, resumed)
//                                                ├─> BLOCKED (parked on wait queues/deadline;
//                                                │    woken → SYSCALL again, restartable)
//                                                └─> DEAD (exit, or killed)
//   signals are checked on every SYSCALL → RUNNING transition and interrupt BLOCKED.
import type { MemoryAccess, SyscallTask } from "../syscalls/abi.ts";
import type { Waiter, WaitQueue } from "./waitqueue.ts";
import type { Context } from "../../platform/platform.ts";
import type { MmAccess } from "../mm/access.ts";
import type { MemoryManager } from "../mm/mm.ts";
import type { Kernel } from "./kernel.ts";
import type { ThreadGroup } from "./thread-group.ts";
import type { Timed } from "./timers.ts";
import type { Creds } from "./creds.ts";
import type { SignalState } from "../signal/state.ts";
import type { FdTable } from "../vfs/fdtable.ts";
import type { FsContext } from "../vfs/context.ts";
import type { FileTask } from "../vfs/task.ts";
import { sendToTask } from "../signal/send.ts";
import { monotonicNs } from "../../../ffi/time.ts";

/** Task states. */
export const TS_RUNNING = 0;
export const TS_SYSCALL = 1;
export const TS_BLOCKED = 2;
export const TS_STOPPED = 3;
export const TS_DEAD = 4;

/** One application thread. */
export class Task implements SyscallTask, FileTask, Waiter, Timed {
  readonly kernel: Kernel;
  readonly tid: number;
  tg: ThreadGroup;
  ctx: Context;
  readonly mem: MmAccess;
  state: number = TS_SYSCALL;
  creds: Creds;
  /** Signal mask, pending set and alt stack of this thread. */
  readonly sig: SignalState;
  /** The command name (comm), set from argv[0] basename on exec. */
  comm = "";
  /** CLONE_CHILD_CLEARTID address (set_tid_address). */
  clearChildTid = 0;
  robustList = 0;
  /** Address of the last stale copy-on-write fault re-run (-1: none), see Kernel.run. */
  lastFault = -1;
  /** Wait bookkeeping. */
  private queues: readonly WaitQueue[] = [];
  deadline = 0;
  timedOut = false;
  /** Set when a wait was ended by a signal rather than the condition. */
  interrupted = false;
  /**
   * Set by a blocking handler that must see its own interruption (rt_sigtimedwait): the
   * scheduler then re-runs it instead of answering EINTR/restart itself.
   */
  rerunOnSignal = false;
  /** Called when the current blocking syscall ends with EINTR (nanosleep's remaining time). */
  eintr: ((t: Task) => void) | null = null;
  /** The fd table (shared by CLONE_FILES tasks); set by the files layer before the task runs. */
  fds!: FdTable;
  /** Root, cwd and umask (shared by CLONE_FS tasks); set with `fds`. */
  fsctx!: FsContext;
  /** CPU ns this thread ran on contexts it left (exec); see kernel/cputime.ts. */
  cpuDone = 0;
  /** When it was created (CLOCK_MONOTONIC ns; CPU time fallback where it is not measured). */
  readonly startNs: number = monotonicNs();
  /** Extra per-task state other subsystems hang here. */
  readonly ext: Record<string, unknown> = {};

  /** Creates a task; the caller registers it with the kernel. */
  constructor(
    kernel: Kernel,
    tid: number,
    tg: ThreadGroup,
    ctx: Context,
    mem: MmAccess,
    creds: Creds,
    sig: SignalState,
  ) {
    this.kernel = kernel;
    this.tid = tid;
    this.tg = tg;
    this.ctx = ctx;
    this.mem = mem;
    this.creds = creds;
    this.sig = sig;
    ctx.owner = this;
  }

  /** Thread-group id (the pid the application sees). */
  get tgid(): number {
    return this.tg.tgid;
  }

  /** The address space this task runs in. */
  get mm(): MemoryManager {
    return this.mem.mm;
  }

  /** True once the files layer gave this task its fd table. */
  get fdsReady(): boolean {
    return this.fds !== undefined;
  }

  /** FileTask.sendSignal: a signal the file layer raises for this thread (SIGPIPE). */
  sendSignal(sig: number): void {
    sendToTask(this, { signo: sig, code: 0, pid: this.tgid, uid: this.creds.uid, status: 0, addr: 0 });
  }

  /** See SyscallTask.blockOn. */
  blockOn(queues: readonly WaitQueue[], deadlineNs?: number): void {
    this.queues = queues;
    for (const q of queues) q.add(this);
    this.deadline = deadlineNs !== undefined && deadlineNs > 0 ? deadlineNs : 0;
    if (this.deadline > 0) this.kernel.timers.add(this);
    this.state = TS_BLOCKED;
  }

  /** See SyscallTask.hostReadiness. */
  hostReadiness(fd: number, events: number): WaitQueue {
    return this.kernel.hostReadiness(fd, events);
  }

  /** Ends the current wait (condition, timeout or signal) and queues the task to re-run. */
  private endWait(): void {
    for (const q of this.queues) q.remove(this);
    this.queues = [];
    if (this.deadline > 0) this.kernel.timers.remove(this);
    this.deadline = 0;
    this.state = TS_SYSCALL;
    this.kernel.runnable(this);
  }

  /** Waiter.wake: a queue the task waits on was notified. */
  wake(): void {
    if (this.state !== TS_BLOCKED) return;
    this.timedOut = false;
    this.endWait();
  }

  /** Timed.expire: the deadline passed. */
  expire(): void {
    if (this.state !== TS_BLOCKED) return;
    this.deadline = 0;
    this.timedOut = true;
    this.endWait();
  }

  /** A signal arrived while blocked: end the wait; the scheduler answers EINTR or restarts. */
  interruptWait(): void {
    if (this.state !== TS_BLOCKED) return;
    this.interrupted = true;
    this.timedOut = false;
    // Futex waits start over if the call is restarted (the value is checked again); sleeps
    // keep their deadline until the scheduler knows whether the call restarts (Kernel).
    this.ext.futex = undefined;
    this.ext.futexDeadline = undefined;
    this.endWait();
  }

  /** Drops wait registrations of a dying task. */
  cancelWait(): void {
    for (const q of this.queues) q.remove(this);
    this.queues = [];
    if (this.deadline > 0) this.kernel.timers.remove(this);
    this.deadline = 0;
  }
}

/** Narrows a SyscallTask handed to a handler to the kernel's Task. */
export function asTask(t: SyscallTask): Task {
  return t as Task;
}

/** Re-export for handlers that only need memory. */
export type { MemoryAccess };
