// Robust futex lists (set_robust_list): when a thread exits or execs, every futex on its list
// that it still owns gets FUTEX_OWNER_DIED and one waiter is woken, so pthread robust mutexes
// held by a dead thread report EOWNERDEAD instead of hanging. The list lives in application
// memory and is hostile: bounded walk, every read checked.
import type { Task } from "./task.ts";
import { futexWake } from "./futex.ts";

const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
/** Linux's ROBUST_LIST_LIMIT: a cycle in the list ends the walk. */
const LIMIT = 2048;

/** Marks futex word at `addr` dead if `t` owns it; wakes a waiter when there are some. */
function handleFutex(t: Task, addr: number, pending: boolean): void {
  const word = t.mem.readI32(addr);
  if (word === null) return;
  const w = word >>> 0;
  if ((w & FUTEX_TID_MASK) !== t.tid) {
    // An op pending on an unowned lock may have left waiters without a wake-up.
    if (pending && w === 0) futexWake(t, addr, 1, -1);
    return;
  }
  const nw = (w & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
  if (t.mem.writeU32(addr, nw) < 0) return;
  if ((w & FUTEX_WAITERS) !== 0) futexWake(t, addr, 1, -1);
}

/** Walks `t`'s robust list (if any) and releases what it owns; clears the registration. */
export function exitRobustList(t: Task): void {
  const head = t.robustList;
  t.robustList = 0;
  if (head === 0) return;
  const next = t.mem.readU64(head);
  const pending = t.mem.readU64(head + 16);
  // futex_offset is a signed long (negative for glibc's mutexes) and small: its low half.
  const off = t.mem.readI32(head + 8);
  if (next < 0 || pending < 0 || off === null) return;
  // Bit 0 of an entry flags a PI futex; addresses are 47-bit, so no 32-bit `&` here.
  const clear = (p: number) => p - (p % 2);
  let entry = next;
  for (let i = 0; i < LIMIT && entry !== head && entry !== 0; i++) {
    const nextEntry = t.mem.readU64(clear(entry));
    // The entry being locked right now (list_op_pending) is handled last, once.
    if (entry !== pending) handleFutex(t, clear(entry) + off, false);
    if (nextEntry < 0) break;
    entry = nextEntry;
  }
  if (pending !== 0) handleFutex(t, clear(pending) + off, true);
}
