// Deadlines of blocked tasks. Small and simple: tasks with a deadline are few, so a scan for
// the earliest is cheaper than maintaining a heap, and it never allocates on the hot path.

/** Something with a deadline that can be woken by timeout. */
export interface Timed {
  /** CLOCK_MONOTONIC ns, 0 when none. */
  deadline: number;
  /** Called when the deadline passed. */
  expire(): void;
}

/** The set of pending deadlines. */
export class Timers {
  private readonly items = new Set<Timed>();

  /** Adds `t` (its deadline must be set). */
  add(t: Timed): void {
    this.items.add(t);
  }

  /** Removes `t`. */
  remove(t: Timed): void {
    this.items.delete(t);
  }

  /** The earliest deadline, or 0 when there is none. */
  earliest(): number {
    let e = 0;
    for (const t of this.items) if (e === 0 || t.deadline < e) e = t.deadline;
    return e;
  }

  /** Expires every item whose deadline is <= now. */
  fire(now: number): void {
    if (this.items.size === 0) return;
    for (const t of [...this.items]) {
      if (t.deadline <= now) {
        this.items.delete(t);
        t.expire();
      }
    }
  }

  /** Number of pending deadlines. */
  get size(): number {
    return this.items.size;
  }
}
