// rt_sigtimedwait: synchronous signal acceptance. While waiting, the signals of the set are
// unblocked for the waiting thread only (so sending one wakes it, as Linux does), and the
// handler is re-run on every wake-up (Task.rerunOnSignal) to take a signal of the set, time
// out (EAGAIN) or give up with EINTR when some other signal interrupted it.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import { BLOCK } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { takeSignal } from "../signal/deliver.ts";
import { writeSiginfo } from "../signal/frame.ts";
import { UNBLOCKABLE } from "../signal/state.ts";

/** Wait state kept in Task.ext between runs. */
interface SigWait {
  readonly oldMask: bigint;
  readonly deadline: number;
}

const info = new Uint8Array(128);
const infoView = new DataView(info.buffer);

function end(t: Task, w: SigWait): void {
  t.sig.mask = w.oldMask;
  t.rerunOnSignal = false;
  t.ext.sigwait = undefined;
}

function sigtimedwait(t: Task, setAddr: number, infoAddr: number, tsAddr: number, size: number): number {
  const w = t.ext.sigwait as SigWait | undefined;
  if (size !== 8) return -E.EINVAL;
  const b = new Uint8Array(16);
  if (t.mem.readInto(setAddr, b.subarray(0, 8)) < 0) return -E.EFAULT;
  const set = new DataView(b.buffer).getBigUint64(0, true) & ~UNBLOCKABLE;
  const got = takeSignal(t, set);
  if (got !== null) {
    if (w !== undefined) end(t, w);
    t.interrupted = false;
    if (infoAddr !== 0) {
      info.fill(0);
      writeSiginfo(infoView, 0, got);
      if (t.mem.write(infoAddr, info) < 0) return -E.EFAULT;
    }
    return got.signo;
  }
  if (w !== undefined) {
    end(t, w);
    if (t.interrupted) {
      t.interrupted = false;
      return -E.EINTR;
    }
    if (t.timedOut) return -E.EAGAIN;
  }
  let deadline = w !== undefined ? w.deadline : 0;
  if (w === undefined && tsAddr !== 0) {
    if (t.mem.readInto(tsAddr, b) < 0) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const s = dv.getBigInt64(0, true), ns = dv.getBigInt64(8, true);
    if (s < 0n || ns < 0n || ns >= 1000000000n) return -E.EINVAL;
    const d = Number(s > 10n ** 11n ? 10n ** 11n : s) * 1e9 + Number(ns);
    if (d === 0) return -E.EAGAIN;
    deadline = monotonicNs() + d;
  }
  const wait: SigWait = { oldMask: t.sig.mask, deadline };
  t.ext.sigwait = wait;
  t.sig.mask &= ~set;
  t.rerunOnSignal = true;
  t.blockOn([], deadline);
  return BLOCK;
}

/** Rows of this module. */
export const SIGWAIT_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.rt_sigtimedwait,
    "rt_sigtimedwait",
    "full",
    "",
    (t, set, inf, ts, size) => sigtimedwait(t, set, inf, ts, size),
  ),
];
