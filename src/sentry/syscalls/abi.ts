// The contract between the syscall table and its handlers. Handlers are small synchronous
// functions grouped by subsystem (fs.ts, mm.ts, signal.ts, ...). They return the value the
// application sees in rax: >= 0 on success, -errno on failure, or BLOCK to park the task.
import type { WaitQueue } from "../kernel/waitqueue.ts";

/**
 * Returned by a handler that cannot complete now. Before returning it the handler must have
 * called `t.blockOn(...)`; the syscall is re-run from the start when a queue is notified or
 * the deadline passes (handlers are therefore written to be restartable). A pending signal
 * ends the wait with -EINTR, or restarts the call when the handler is SA_RESTART-eligible.
 */
export const BLOCK = -0x10000;

/** Returned by a handler whose wait was cut short by its deadline (e.g. nanosleep done). */
export const ETIMEDOUT_INTERNAL = -0x10001;

/**
 * Access to one task's address space. Every address comes from the application and is
 * hostile: implementations check bounds and mappings and return -EFAULT, never throw.
 */
export interface MemoryAccess {
  /** Copies `dst.length` bytes from application address `addr`; returns 0 or -EFAULT. */
  readInto(addr: number, dst: Uint8Array): number;
  /** Copies `src` to application address `addr`; returns 0 or -EFAULT. */
  write(addr: number, src: Uint8Array): number;
  /** Reads a NUL-terminated string of at most `max` bytes; -EFAULT or -ENAMETOOLONG on error. */
  readCString(addr: number, max: number): string | number;
}

/** What a handler may ask of the task that made the call. */
export interface SyscallTask {
  /** Thread id and thread-group id as the application sees them. */
  readonly tid: number;
  readonly tgid: number;
  readonly mem: MemoryAccess;
  /**
   * Parks the task until one of `queues` is notified, or until `deadlineNs` (CLOCK_MONOTONIC,
   * host nanoseconds; omit for no deadline). The handler then returns BLOCK.
   */
  blockOn(queues: readonly WaitQueue[], deadlineNs?: number): void;
  /** True when this invocation is a re-run after a timed-out wait (the deadline passed). */
  readonly timedOut: boolean;
  /**
   * A queue notified when host fd `fd` becomes ready for `events` (POLLIN/POLLOUT bits). The
   * Sentry's single wait point polls such fds together with platform events, so a handler
   * that gets EAGAIN from a host fd blocks on this queue instead of blocking the Sentry.
   */
  hostReadiness(fd: number, events: number): WaitQueue;
}

/** How far a syscall is supported; drives docs/compatibility.md and the unsupported report. */
export type Support = "full" | "partial" | "errno";

/**
 * A handler: receives the task and the six argument registers as numbers (addresses fit in
 * 2^53 on x86_64 user space; handlers needing full 64-bit values take them via `argsBig`).
 */
export type SyscallHandler = (
  t: SyscallTask,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
) => number;

/** One row of the syscall table. */
export interface SyscallEntry {
  readonly nr: number;
  readonly name: string;
  readonly support: Support;
  /** What is and is not implemented, for the docs. */
  readonly note: string;
  readonly handler: SyscallHandler;
}
