// Signal syscalls: dispositions, masks, sigreturn, alternate stacks, sending, waiting.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { REG } from "../../../ffi/regs.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import { BLOCK } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { KEEPREGS } from "../kernel/control.ts";
import { FP_SIZE, FRAME_SIZE, restoreFrame } from "../signal/frame.ts";
import { NSIG, SIGKILL, SIGSTOP, UNBLOCKABLE } from "../signal/state.ts";
import { sendToGroup, sendToTask } from "../signal/send.ts";

const SI_USER = 0, SI_TKILL = -6;

function readSet(t: Task, addr: number): bigint | null {
  const b = new Uint8Array(8);
  if (t.mem.readInto(addr, b) < 0) return null;
  return new DataView(b.buffer).getBigUint64(0, true);
}

function writeSet(t: Task, addr: number, v: bigint): number {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return t.mem.write(addr, b);
}

function sigaction(t: Task, sig: number, act: number, old: number, size: number): number {
  if (size !== 8) return -E.EINVAL;
  if (sig < 1 || sig > NSIG) return -E.EINVAL;
  const a = t.tg.handlers.actions[sig];
  if (old !== 0) {
    const b = new Uint8Array(32);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(a.handler), true);
    dv.setBigUint64(8, BigInt(a.flags >>> 0), true);
    dv.setBigUint64(16, BigInt(a.restorer), true);
    dv.setBigUint64(24, BigInt.asUintN(64, a.mask), true);
    if (t.mem.write(old, b) < 0) return -E.EFAULT;
  }
  if (act !== 0) {
    if (sig === SIGKILL || sig === SIGSTOP) return -E.EINVAL;
    const b = new Uint8Array(32);
    if (t.mem.readInto(act, b) < 0) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const h = dv.getBigUint64(0, true), r = dv.getBigUint64(16, true);
    if (h >= 2n ** 53n || r >= 2n ** 53n) return -E.EFAULT;
    a.handler = Number(h);
    a.flags = Number(dv.getBigUint64(8, true) & 0xffffffffn);
    a.restorer = Number(r);
    a.mask = dv.getBigUint64(24, true) & ~UNBLOCKABLE;
  }
  return 0;
}

function sigprocmask(t: Task, how: number, set: number, old: number, size: number): number {
  if (size !== 8) return -E.EINVAL;
  const s = t.sig;
  if (old !== 0 && writeSet(t, old, s.mask) < 0) return -E.EFAULT;
  if (set === 0) return 0;
  const v = readSet(t, set);
  if (v === null) return -E.EFAULT;
  if (how === 0) s.mask |= v;
  else if (how === 1) s.mask &= ~v;
  else if (how === 2) s.mask = v;
  else return -E.EINVAL;
  s.mask &= ~UNBLOCKABLE;
  return 0;
}

function sigreturn(t: Task): number {
  const regs = t.ctx.regs;
  const frame = regs.get(REG.rsp) - 8;
  const b = new Uint8Array(FRAME_SIZE);
  if (t.mem.readInto(frame, b) < 0) return forceSegv(t);
  const { mask, fpAddr } = restoreFrame(regs, b);
  t.sig.mask = mask & ~UNBLOCKABLE;
  if (fpAddr > 0) {
    const fp = new Uint8Array(FP_SIZE);
    if (t.mem.readInto(fpAddr, fp) === 0) t.ctx.setFpregs(fp);
  }
  return KEEPREGS;
}

function forceSegv(t: Task): number {
  sendToTask(t, { signo: 11, code: 128, pid: 0, uid: 0, status: 0, addr: 0 });
  return KEEPREGS;
}

function kill(t: Task, pid: number, sig: number): number {
  pid = pid | 0;
  if (sig < 0 || sig > NSIG) return -E.EINVAL;
  const info = { signo: sig, code: SI_USER, pid: t.tgid, uid: t.creds.uid, status: 0, addr: 0 };
  const k = t.kernel;
  if (pid > 0) {
    const tg = k.groups.get(pid);
    if (tg === undefined || tg.zombie) return tg?.zombie === true ? 0 : -E.ESRCH;
    if (sig !== 0) sendToGroup(tg, info);
    return 0;
  }
  const pgid = pid === 0 ? t.tg.pgid : pid === -1 ? -1 : -pid;
  let found = false;
  for (const tg of [...k.groups.values()]) {
    if (tg.zombie) continue;
    if (pgid === -1 ? tg.tgid === 1 || tg === t.tg : tg.pgid !== pgid) continue;
    found = true;
    if (sig !== 0) sendToGroup(tg, info);
  }
  return found ? 0 : -E.ESRCH;
}

function tgkill(t: Task, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > NSIG || tid <= 0) return -E.EINVAL;
  const target = t.kernel.tasks.get(tid);
  if (target === undefined || (tgid > 0 && target.tgid !== tgid)) return -E.ESRCH;
  if (sig !== 0) {
    sendToTask(target, { signo: sig, code: SI_TKILL, pid: t.tgid, uid: t.creds.uid, status: 0, addr: 0 });
  }
  return 0;
}

function sigaltstack(t: Task, ss: number, old: number): number {
  const s = t.sig;
  const sp = t.ctx.regs.get(REG.rsp);
  const onStack = s.altSize > 0 && sp > s.altSp && sp <= s.altSp + s.altSize;
  if (old !== 0) {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(s.altSp), true);
    dv.setInt32(8, onStack ? 1 : s.altFlags, true);
    dv.setBigUint64(16, BigInt(s.altSize), true);
    if (t.mem.write(old, b) < 0) return -E.EFAULT;
  }
  if (ss !== 0) {
    if (onStack) return -E.EPERM;
    const b = new Uint8Array(24);
    if (t.mem.readInto(ss, b) < 0) return -E.EFAULT;
    const dv = new DataView(b.buffer);
    const flags = dv.getInt32(8, true);
    if (flags !== 0 && flags !== 2) return -E.EINVAL;
    if (flags === 2) {
      s.altFlags = 2;
      s.altSp = 0;
      s.altSize = 0;
      return 0;
    }
    const size = Number(dv.getBigUint64(16, true) & 0xffffffffffffn);
    if (size < 2048) return -E.ENOMEM;
    s.altSp = Number(dv.getBigUint64(0, true) & 0xffffffffffffn);
    s.altSize = size;
    s.altFlags = 0;
  }
  return 0;
}

/** rt_sigsuspend/pause: wait with a temporary mask until a signal is delivered. */
function sigsuspend(t: Task, mask: bigint | null): number {
  if (mask !== null) {
    t.sig.savedMask = t.sig.mask;
    t.sig.mask = mask & ~UNBLOCKABLE;
  } else t.sig.savedMask = t.sig.mask;
  t.blockOn([]);
  return BLOCK;
}

/** Rows of this module. */
export const SIGNAL_SYSCALLS: SyscallEntry[] = [
  def(SYS.rt_sigaction, "rt_sigaction", "full", "", (t, s, a, o, z) => sigaction(t, s, a, o, z)),
  def(SYS.rt_sigprocmask, "rt_sigprocmask", "full", "", (t, h, s, o, z) => sigprocmask(t, h, s, o, z)),
  def(SYS.rt_sigreturn, "rt_sigreturn", "full", "", (t) => sigreturn(t)),
  def(SYS.rt_sigpending, "rt_sigpending", "full", "", (t, set, size) => {
    if (size !== 8) return -E.EINVAL;
    let p = t.sig.pendingSet;
    for (const i of t.tg.pending) p |= 1n << BigInt(i.signo - 1);
    return writeSet(t, set, p & t.sig.mask);
  }),
  def(SYS.rt_sigsuspend, "rt_sigsuspend", "full", "", (t, set, size) => {
    if (size !== 8) return -E.EINVAL;
    const m = readSet(t, set);
    return m === null ? -E.EFAULT : sigsuspend(t, m);
  }),
  def(SYS.pause, "pause", "full", "", (t) => sigsuspend(t, null)),
  def(SYS.sigaltstack, "sigaltstack", "full", "", (t, ss, old) => sigaltstack(t, ss, old)),
  def(SYS.kill, "kill", "full", "", (t, pid, sig) => kill(t, pid, sig)),
  def(SYS.tgkill, "tgkill", "full", "", (t, tg, tid, sig) => tgkill(t, tg | 0, tid | 0, sig)),
  def(SYS.tkill, "tkill", "full", "", (t, tid, sig) => tgkill(t, -1, tid | 0, sig)),
];
