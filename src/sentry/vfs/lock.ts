// Advisory record locks (fcntl F_SETLK/F_SETLKW/F_GETLK and the OFD variants). As on Linux,
// the owner of a POSIX lock is the fd table (files_struct) of the caller, so a close of any fd
// for the file drops the process's locks there and fork does not inherit them; the owner of an
// OFD lock is the open file description. Blocked F_SETLKW callers park on the inode's queue.
import { WaitQueue } from "../kernel/waitqueue.ts";
import type { Inode } from "./inode.ts";

/** l_type values. */
export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** A held lock on [start, end) (end = Infinity: to end of file). */
export interface RecordLock {
  readonly owner: object;
  readonly pid: number;
  readonly type: number;
  readonly start: number;
  readonly end: number;
}

/** Locks of one inode. */
class LockList {
  locks: RecordLock[] = [];
  readonly queue: WaitQueue = new WaitQueue();
}

const lists = new WeakMap<Inode, LockList>();

/** The first lock of another owner conflicting with `type` on [start, end), or null. */
export function testLock(
  inode: Inode,
  owner: object,
  type: number,
  start: number,
  end: number,
): RecordLock | null {
  const l = lists.get(inode);
  if (l === undefined) return null;
  for (const k of l.locks) {
    if (k.owner === owner || k.end <= start || k.start >= end) continue;
    if (type === F_WRLCK || k.type === F_WRLCK) return k;
  }
  return null;
}

/** The queue F_SETLKW waits on for `inode`. */
export function lockQueue(inode: Inode): WaitQueue {
  let l = lists.get(inode);
  if (l === undefined) {
    l = new LockList();
    lists.set(inode, l);
  }
  return l.queue;
}

/**
 * Sets (or with F_UNLCK clears) `owner`'s lock on [start, end) after the caller checked for
 * conflicts: the owner's overlapping locks are cut, then the new range is added and merged
 * with adjacent ones of the same type.
 */
export function setLock(
  inode: Inode,
  owner: object,
  pid: number,
  type: number,
  start: number,
  end: number,
): void {
  let l = lists.get(inode);
  if (l === undefined) {
    if (type === F_UNLCK) return;
    l = new LockList();
    lists.set(inode, l);
  }
  const next: RecordLock[] = [];
  let s = start, e = end;
  for (const k of l.locks) {
    if (k.owner !== owner) {
      next.push(k);
      continue;
    }
    const touches = k.end >= s && k.start <= e;
    if (!touches) {
      next.push(k);
      continue;
    }
    if (k.type === type && type !== F_UNLCK) {
      // Same type, overlapping or adjacent: merge into the new range.
      s = Math.min(s, k.start);
      e = Math.max(e, k.end);
      continue;
    }
    // Different type (or unlock): keep the parts outside [start, end).
    if (k.start < start) next.push({ ...k, end: start });
    if (k.end > end) next.push({ ...k, start: end });
  }
  if (type !== F_UNLCK) next.push({ owner, pid, type, start: s, end: e });
  next.sort((a, b) => a.start - b.start);
  l.locks = next;
  l.queue.notify();
}

/** Drops every lock `owner` holds on `inode` (close by a POSIX owner, release of an OFD). */
export function releaseLocks(inode: Inode, owner: object): void {
  const l = lists.get(inode);
  if (l === undefined || l.locks.length === 0) return;
  const before = l.locks.length;
  l.locks = l.locks.filter((k) => k.owner !== owner);
  if (l.locks.length !== before) l.queue.notify();
}
