// futex(2): WAIT/WAKE with bitsets and timeouts, REQUEUE/CMP_REQUEUE, WAKE_OP.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import { BLOCK } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { futexKey, futexRequeue, futexWaitResult, futexWakeKey } from "../kernel/futex.ts";

const WAIT = 0, WAKE = 1, REQUEUE = 3, CMP_REQUEUE = 4, WAKE_OP = 5, WAIT_BITSET = 9, WAKE_BITSET = 10;
const CLOCK_REALTIME_FLAG = 256;

function timeout(t: Task, addr: number, absolute: boolean, realtime: boolean): number {
  if (addr === 0) return 0;
  const b = new Uint8Array(16);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  const s = dv.getBigInt64(0, true), ns = dv.getBigInt64(8, true);
  if (s < 0n || ns < 0n || ns >= 1000000000n) return -E.EINVAL;
  const d = Number(s) * 1e9 + Number(ns);
  if (!absolute) return monotonicNs() + d;
  if (realtime) return monotonicNs() + Math.max(0, d - Date.now() * 1e6);
  return Math.max(1, d);
}

function futex(
  t: Task,
  addr: number,
  op: number,
  val: number,
  a3: number,
  addr2: number,
  val3: number,
): number {
  const cmd = op & 127;
  const realtime = (op & CLOCK_REALTIME_FLAG) !== 0;
  switch (cmd) {
    case WAIT:
    case WAIT_BITSET: {
      const bitset = cmd === WAIT ? -1 : val3 | 0;
      if (bitset === 0) return -E.EINVAL;
      const key = futexKey(t, addr);
      if (typeof key === "number") return key;
      if (t.ext.futex === undefined) {
        const cur = t.mem.readI32(addr);
        if (cur === null) return -E.EFAULT;
        if (cur !== (val | 0)) return -E.EAGAIN;
      }
      let deadline = t.ext.futexDeadline as number | undefined;
      if (deadline === undefined) {
        deadline = timeout(t, a3, cmd === WAIT_BITSET, realtime);
        if (deadline < 0) return deadline;
      }
      const r = futexWaitResult(t, key, bitset, deadline);
      if (r === null) {
        t.ext.futexDeadline = deadline;
        return BLOCK;
      }
      t.ext.futexDeadline = undefined;
      return r;
    }
    case WAKE:
    case WAKE_BITSET: {
      const bitset = cmd === WAKE ? -1 : val3 | 0;
      if (bitset === 0) return -E.EINVAL;
      const key = futexKey(t, addr);
      return typeof key === "number" ? key : futexWakeKey(key, val, bitset);
    }
    case REQUEUE:
    case CMP_REQUEUE: {
      const k1 = futexKey(t, addr), k2 = futexKey(t, addr2);
      if (typeof k1 === "number") return k1;
      if (typeof k2 === "number") return k2;
      if (cmd === CMP_REQUEUE) {
        const cur = t.mem.readI32(addr);
        if (cur === null) return -E.EFAULT;
        if (cur !== (val3 | 0)) return -E.EAGAIN;
      }
      const woken = futexWakeKey(k1, val, -1);
      return woken + futexRequeue(k1, k2, a3);
    }
    case WAKE_OP: {
      const k1 = futexKey(t, addr), k2 = futexKey(t, addr2);
      if (typeof k1 === "number") return k1;
      if (typeof k2 === "number") return k2;
      const old = t.mem.readI32(addr2);
      if (old === null) return -E.EFAULT;
      const opType = (val3 >>> 28) & 7, cmp = (val3 >>> 24) & 15;
      let oparg = (val3 << 8) >> 20;
      const cmparg = (val3 << 20) >> 20;
      if ((val3 >>> 31) !== 0) oparg = 1 << (oparg & 31);
      const nv = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opType];
      if (nv === undefined) return -E.ENOSYS;
      if (t.mem.writeU32(addr2, nv) < 0) return -E.EFAULT;
      let n = futexWakeKey(k1, val, -1);
      const c =
        [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg][cmp];
      if (c) n += futexWakeKey(k2, a3, -1);
      return n;
    }
    default:
      return -E.ENOSYS;
  }
}

/** Rows of this module. */
export const FUTEX_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.futex,
    "futex",
    "partial",
    "no PI futexes (FUTEX_LOCK_PI etc.: ENOSYS)",
    (t, a, op, v, a3, a2, v3) => futex(t, a, op, v, a3, a2, v3),
  ),
];
