// poll ppoll select pselect6: readiness from each file, and when nothing is ready, one wait
// on all the files' queues with the deadline. The handler is re-run when woken and simply
// re-checks; a re-run after the deadline (t.timedOut) reports what is ready, usually 0.
// The deadline is kept across re-runs and SA_RESTART restarts (keptDeadline); the signal
// masks of ppoll/pselect6 are not applied.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import { monotonicNs } from "../../../../ffi/time.ts";
import { BLOCK, type SyscallEntry } from "../abi.ts";
import type { WaitQueue } from "../../kernel/waitqueue.ts";
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from "../../vfs/consts.ts";
import type { FileTask } from "../../vfs/task.ts";
import { endDeadline, int, keptDeadline, row, small } from "./util.ts";

/** No deadline (wait forever). */
const FOREVER = -1;

let pollBuf = new Uint8Array(64 * 8);
const queues: WaitQueue[] = [];

function addQueue(q: WaitQueue | null): void {
  if (q !== null && !queues.includes(q)) queues.push(q);
}

/** Parks `t` on the collected queues until `deadline` (ns, FOREVER, or 0 = don't). */
function park(t: FileTask, deadline: number): number {
  const qs = queues.slice();
  queues.length = 0;
  t.blockOn(qs, deadline === FOREVER ? undefined : deadline);
  return BLOCK;
}

function doPoll(t: FileTask, addr: number, nfds: number, deadline: number): number {
  const r = pollOnce(t, addr, nfds, keptDeadline(t, deadline));
  if (r !== BLOCK) endDeadline(t);
  return r;
}

function pollOnce(t: FileTask, addr: number, nfds: number, deadline: number): number {
  if (nfds < 0 || nfds > t.fds.limit) return -E.EINVAL;
  const len = nfds * 8;
  if (pollBuf.length < len) pollBuf = new Uint8Array(len);
  const b = pollBuf.subarray(0, len);
  if (nfds > 0 && t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const v = new DataView(b.buffer, 0, len);
  let count = 0;
  queues.length = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getUint16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) {
      const f = t.fds.get(fd);
      if (f === undefined) rev = POLLNVAL;
      else {
        const want = events | POLLERR | POLLHUP;
        rev = f.readiness(t, want) & want;
        if (rev === 0) addQueue(f.waitQueue(t, events));
      }
    }
    v.setUint16(i * 8 + 6, rev, true);
    if (rev !== 0) count++;
  }
  if (count > 0 || deadline === 0 || t.timedOut) {
    queues.length = 0;
    if (nfds > 0 && t.mem.write(addr, b) < 0) return -E.EFAULT;
    return count;
  }
  return park(t, deadline);
}

function msDeadline(ms: number): number {
  if (ms < 0) return FOREVER;
  if (ms === 0) return 0;
  return monotonicNs() + ms * 1e6;
}

/** Reads a timespec (ppoll, pselect6) into a deadline; NULL is FOREVER. */
function tsDeadline(t: FileTask, addr: number, usec: boolean): number {
  if (addr === 0) return FOREVER;
  if (t.mem.readInto(addr, small.buf.subarray(0, 16)) < 0) return -E.EFAULT;
  const sec = Number(small.view.getBigInt64(0, true));
  const frac = Number(small.view.getBigInt64(8, true));
  if (sec < 0 || frac < 0 || frac >= (usec ? 1e6 : 1e9)) return -E.EINVAL;
  const ns = sec * 1e9 + (usec ? frac * 1000 : frac);
  return ns === 0 ? 0 : monotonicNs() + ns;
}

function sysPoll(t: FileTask, fds: number, nfds: number, timeout: number): number {
  return doPoll(t, fds, nfds >>> 0, msDeadline(int(timeout)));
}

function sysPpoll(t: FileTask, fds: number, nfds: number, tsp: number): number {
  const d = tsDeadline(t, tsp, false);
  if (d < 0 && d !== FOREVER) return d;
  return doPoll(t, fds, nfds >>> 0, d);
}

let setBuf = new Uint8Array(3 * 128);

function doSelect(
  t: FileTask,
  n: number,
  r: number,
  w: number,
  e: number,
  deadline: number,
  tvAddr: number,
): number {
  n = int(n);
  if (n < 0) return -E.EINVAL;
  if (n > t.fds.limit) n = t.fds.limit;
  const bytes = Math.ceil(n / 64) * 8;
  if (setBuf.length < bytes * 6) setBuf = new Uint8Array(bytes * 6);
  const addrs = [r, w, e];
  const inSets = [0, 1, 2].map((k) => setBuf.subarray(k * bytes, (k + 1) * bytes));
  const outSets = [3, 4, 5].map((k) => setBuf.subarray(k * bytes, (k + 1) * bytes));
  for (let k = 0; k < 3; k++) {
    outSets[k].fill(0);
    if (addrs[k] === 0) inSets[k].fill(0);
    else if (t.mem.readInto(addrs[k], inSets[k]) < 0) return -E.EFAULT;
  }
  const masks = [POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI];
  let count = 0;
  queues.length = 0;
  for (let fd = 0; fd < n; fd++) {
    const byte = fd >> 3, bit = 1 << (fd & 7);
    const want = [0, 1, 2].filter((k) => (inSets[k][byte] & bit) !== 0);
    if (want.length === 0) continue;
    const f = t.fds.get(fd);
    if (f === undefined) return -E.EBADF;
    let events = 0;
    for (const k of want) events |= masks[k];
    const rev = f.readiness(t, events | POLLERR | POLLHUP);
    let hit = false;
    for (const k of want) {
      if ((rev & masks[k]) !== 0) {
        outSets[k][byte] |= bit;
        count++;
        hit = true;
      }
    }
    if (!hit) addQueue(f.waitQueue(t, events & (POLLIN | POLLOUT | POLLPRI)));
  }
  if (count > 0 || deadline === 0 || t.timedOut) {
    queues.length = 0;
    for (let k = 0; k < 3; k++) {
      if (addrs[k] !== 0 && t.mem.write(addrs[k], outSets[k]) < 0) return -E.EFAULT;
    }
    if (count === 0 && tvAddr !== 0) {
      small.buf.fill(0, 0, 16);
      t.mem.write(tvAddr, small.buf.subarray(0, 16));
    }
    return count;
  }
  return park(t, deadline);
}

function sysSelect(t: FileTask, n: number, r: number, w: number, e: number, tv: number): number {
  const d = tsDeadline(t, tv, true);
  if (d < 0 && d !== FOREVER) return d;
  return doSelect(t, n, r, w, e, d, tv);
}

function sysPselect6(t: FileTask, n: number, r: number, w: number, e: number, ts: number): number {
  const d = tsDeadline(t, ts, false);
  if (d < 0 && d !== FOREVER) return d;
  return doSelect(t, n, r, w, e, d, ts);
}

/** Rows of the poll family. */
export const POLL_SYSCALLS: SyscallEntry[] = [
  row(SYS.poll, "poll", "full", "", sysPoll),
  row(SYS.ppoll, "ppoll", "partial", "signal mask not applied; timeout not updated", sysPpoll),
  row(SYS.select, "select", "full", "", sysSelect),
  row(SYS.pselect6, "pselect6", "partial", "signal mask not applied", sysPselect6),
];
