// Wait queues: how a syscall that would block parks its task without blocking the Sentry's
// single thread. A handler that cannot complete registers the task on one or more queues
// (Task.blockOn) and returns BLOCK; whoever changes the state (a pipe write, a futex wake, a
// child exit) calls notify(), and the scheduler re-runs the syscall from the start.

/** Something that can be woken: the scheduler's task, or a test double. */
export interface Waiter {
  /** Called when a queue the waiter sleeps on is notified. Must be cheap and not reenter. */
  wake(): void;
}

/** A set of waiters for one condition (readable, writable, child exited, futex word, ...). */
export class WaitQueue {
  private readonly waiters = new Set<Waiter>();

  /** Adds `w`; adding twice is harmless. */
  add(w: Waiter): void {
    this.waiters.add(w);
  }

  /** Removes `w` (when its wait ends for another reason). */
  remove(w: Waiter): void {
    this.waiters.delete(w);
  }

  /** Wakes every waiter; they re-check their condition when they next run. */
  notify(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w.wake();
  }

  /** Number of waiters (for tests and /proc). */
  get size(): number {
    return this.waiters.size;
  }
}
