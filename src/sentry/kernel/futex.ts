// Futexes. A futex is identified by the memory-file offset of its word, which is unique for
// private memory and shared by every mapping of shared memory, so one key works for both
// FUTEX_PRIVATE_FLAG and shared futexes. Waiters are tasks parked with blockOn([]) and kept
// in per-key lists; FUTEX_WAKE marks and wakes up to N of them.
import type { Task } from "./task.ts";
import { TS_BLOCKED } from "./task.ts";
import { E } from "../../../ffi/errno.ts";

/** Per-task futex wait state, kept in Task.ext. */
interface FutexWait {
  key: number;
  bitset: number;
  woken: boolean;
}

const waiters = new Map<number, Task[]>();

/** The key of the futex word at `addr`, or -EFAULT. Requires 4-byte alignment (-EINVAL). */
export function futexKey(t: Task, addr: number): number {
  if (!Number.isSafeInteger(addr) || addr % 4 !== 0) return -E.EINVAL;
  const v = t.mm.find(addr);
  if (v === null) return -E.EFAULT;
  return v.off + (addr - v.start);
}

function state(t: Task): FutexWait | undefined {
  return t.ext.futex as FutexWait | undefined;
}

/**
 * Starts or finishes FUTEX_WAIT: first call parks the task (returns null: caller returns
 * BLOCK); a re-run after a wake returns 0, after the deadline -ETIMEDOUT.
 */
export function futexWaitResult(t: Task, key: number, bitset: number, deadline: number): number | null {
  const w = state(t);
  if (w !== undefined) {
    t.ext.futex = undefined;
    remove(w.key, t);
    if (w.woken) return 0;
    if (t.timedOut) return -E.ETIMEDOUT;
  }
  const list = waiters.get(key) ?? [];
  list.push(t);
  waiters.set(key, list);
  t.ext.futex = { key, bitset, woken: false } satisfies FutexWait;
  t.blockOn([], deadline);
  return null;
}

function remove(key: number, t: Task): void {
  const list = waiters.get(key);
  if (list === undefined) return;
  const i = list.indexOf(t);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) waiters.delete(key);
}

/** Wakes up to `n` waiters on `key` whose bitset matches `bitset`; returns how many. */
export function futexWakeKey(key: number, n: number, bitset: number): number {
  const list = waiters.get(key);
  if (list === undefined) return 0;
  let woken = 0;
  for (const t of [...list]) {
    if (woken >= n) break;
    const w = state(t);
    if (w === undefined || w.key !== key || t.state !== TS_BLOCKED) {
      remove(key, t);
      continue;
    }
    if ((w.bitset & bitset) === 0) continue;
    w.woken = true;
    remove(key, t);
    t.wake();
    woken++;
  }
  return woken;
}

/** FUTEX_WAKE on application address `addr` of `t`'s address space. */
export function futexWake(t: Task, addr: number, n: number, bitset: number): number {
  const key = futexKey(t, addr);
  if (key < 0) return key;
  return futexWakeKey(key, n, bitset);
}

/** Moves up to `n` waiters from `from` to `to` (FUTEX_REQUEUE); returns how many moved. */
export function futexRequeue(from: number, to: number, n: number): number {
  const list = waiters.get(from);
  if (list === undefined) return 0;
  let moved = 0;
  for (const t of [...list]) {
    if (moved >= n) break;
    const w = state(t);
    if (w === undefined) continue;
    remove(from, t);
    w.key = to;
    const l2 = waiters.get(to) ?? [];
    l2.push(t);
    waiters.set(to, l2);
    moved++;
  }
  return moved;
}
