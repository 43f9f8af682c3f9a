// Futexes. A futex word in shared memory is identified by its memory-file offset (the same in
// every mapping of it); in private memory by (address space, address), like Linux: the file
// offset of a private page changes when copy-on-write gives it its own copy. Waiters are tasks parked with blockOn([]) and kept
// in per-key lists; FUTEX_WAKE marks and wakes up to N of them.
import type { Task } from "./task.ts";
import { TS_BLOCKED } from "./task.ts";
import { E } from "../../../ffi/errno.ts";

/** Per-task futex wait state, kept in Task.ext. */
interface FutexWait {
  key: FutexKey;
  bitset: number;
  woken: boolean;
}

/** A futex identity: "s<offset>" for shared memory, "<mm id>:<address>" for private. */
export type FutexKey = string;

const waiters = new Map<FutexKey, Task[]>();

/**
 * The key of the futex word at `addr`, or -EFAULT (unmapped) / -EINVAL (not 4-byte aligned):
 * errors are numbers, keys strings.
 */
export function futexKey(t: Task, addr: number): FutexKey | number {
  if (!Number.isSafeInteger(addr) || addr % 4 !== 0) return -E.EINVAL;
  const v = t.mm.find(addr);
  if (v === null) return -E.EFAULT;
  if (v.segment !== null) return `s${v.off + (addr - v.start)}`;
  return `${t.mm.id}:${addr}`;
}

function state(t: Task): FutexWait | undefined {
  return t.ext.futex as FutexWait | undefined;
}

/**
 * Starts or finishes FUTEX_WAIT: first call parks the task (returns null: caller returns
 * BLOCK); a re-run after a wake returns 0, after the deadline -ETIMEDOUT.
 */
export function futexWaitResult(t: Task, key: FutexKey, bitset: number, deadline: number): number | null {
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

function remove(key: FutexKey, t: Task): void {
  const list = waiters.get(key);
  if (list === undefined) return;
  const i = list.indexOf(t);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) waiters.delete(key);
}

/** Wakes up to `n` waiters on `key` whose bitset matches `bitset`; returns how many. */
export function futexWakeKey(key: FutexKey, n: number, bitset: number): number {
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
  if (typeof key === "number") return key;
  return futexWakeKey(key, n, bitset);
}

/** Moves up to `n` waiters from `from` to `to` (FUTEX_REQUEUE); returns how many moved. */
export function futexRequeue(from: FutexKey, to: FutexKey, n: number): number {
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
