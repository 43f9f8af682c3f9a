// Signal delivery: on the way back to application code the task takes its pending signals —
// default actions (ignore, stop, terminate, core), or a handler frame on the user or
// alternate stack. Also how an interrupted blocking syscall ends (EINTR or restart) and how
// hardware faults are forced.
import type { Task } from "../kernel/task.ts";
import { TS_DEAD, TS_STOPPED } from "../kernel/task.ts";
import { killGroup } from "../kernel/exit.ts";
import { REG } from "../../../ffi/regs.ts";
import { E } from "../../../ffi/errno.ts";
import { KEEPREGS } from "../kernel/control.ts";
import { stopGroup } from "./jobctl.ts";
import { defaultIgnored, initDiscards } from "./send.ts";
import {
  SA_NODEFER,
  SA_ONSTACK,
  SA_RESETHAND,
  SA_RESTART,
  SA_RESTORER,
  SIG_DFL,
  SIG_IGN,
  sigbit,
  SIGCONT,
  SIGKILL,
  SIGSEGV,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  UNBLOCKABLE,
} from "./state.ts";
import type { SigAction, SigInfo } from "./state.ts";
import { buildFrame, FP_SIZE, FRAME_INFO_OFF, FRAME_SIZE, FRAME_UC_OFF } from "./frame.ts";

const CORE_SIGNALS = new Set([3, 4, 5, 6, 7, 8, 11, 24, 25, 31]);
const STOP_SIGNALS = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
/** Syscalls that return EINTR after a handler even with SA_RESTART (signal(7)). */
const NO_RESTART = new Set([7, 23, 34, 35, 128, 130, 230, 232, 270, 271, 281, 441]);

/** Takes the next deliverable signal of `t` (thread-directed first), or null. */
function take(t: Task): SigInfo | null {
  const s = t.sig;
  const mask = s.mask & ~UNBLOCKABLE;
  for (let i = 0; i < s.pending.length; i++) {
    const info = s.pending[i];
    const bit = sigbit(info.signo);
    if ((mask & bit) !== 0n) continue;
    s.pending.splice(i, 1);
    if (!s.pending.some((p) => p.signo === info.signo)) s.pendingSet &= ~bit;
    return info;
  }
  const g = t.tg.pending;
  for (let i = 0; i < g.length; i++) {
    if ((mask & sigbit(g[i].signo)) !== 0n) continue;
    return g.splice(i, 1)[0];
  }
  return null;
}

/**
 * Takes the lowest-numbered pending signal of `t` that is in `set` (thread-directed first),
 * whether blocked or not (rt_sigtimedwait), or null.
 */
export function takeSignal(t: Task, set: bigint): SigInfo | null {
  const s = t.sig;
  let best = -1;
  for (let i = 0; i < s.pending.length; i++) {
    const sig = s.pending[i].signo;
    if ((set & sigbit(sig)) !== 0n && (best < 0 || sig < s.pending[best].signo)) best = i;
  }
  if (best >= 0) {
    const info = s.pending.splice(best, 1)[0];
    if (!s.pending.some((p) => p.signo === info.signo)) s.pendingSet &= ~sigbit(info.signo);
    return info;
  }
  const g = t.tg.pending;
  for (let i = 0; i < g.length; i++) {
    if ((set & sigbit(g[i].signo)) !== 0n && (best < 0 || g[i].signo < g[best].signo)) best = i;
  }
  return best >= 0 ? g.splice(best, 1)[0] : null;
}

/** True when `t` has a pending signal it does not block (SIGKILL is never blocked). */
export function hasDeliverable(t: Task): boolean {
  const mask = t.sig.mask & ~UNBLOCKABLE;
  if ((t.sig.pendingSet & ~mask) !== 0n) return true;
  for (const info of t.tg.pending) if ((mask & sigbit(info.signo)) === 0n) return true;
  return false;
}

/** The next deliverable signal without taking it. */
function peek(t: Task): SigInfo | null {
  const mask = t.sig.mask & ~UNBLOCKABLE;
  for (const info of t.sig.pending) if ((mask & sigbit(info.signo)) === 0n) return info;
  for (const info of t.tg.pending) if ((mask & sigbit(info.signo)) === 0n) return info;
  return null;
}

/** Delivers what is pending and deliverable for `t` (may stop or kill it). */
export function deliverPending(t: Task): void {
  for (;;) {
    if (t.state === TS_DEAD) return;
    if (t.tg.stopped) {
      t.state = TS_STOPPED;
      return;
    }
    const info = take(t);
    if (info === null) return;
    const sig = info.signo;
    if (sig === SIGKILL) return killGroup(t.tg, SIGKILL);
    // Queued while blocked or while init had a handler: init gets no signal it does not want.
    if (initDiscards(t.tg, info, t.kernel.protectInit)) continue;
    const act = t.tg.handlers.actions[sig];
    if (act.handler === SIG_IGN) continue;
    if (act.handler === SIG_DFL) {
      if (defaultIgnored(sig) || sig === SIGCONT) continue;
      if (STOP_SIGNALS.has(sig)) {
        stopGroup(t.tg, sig);
        t.state = TS_STOPPED;
        return;
      }
      return killGroup(t.tg, CORE_SIGNALS.has(sig) ? sig | 0x80 : sig);
    }
    if (!setupFrame(t, info, act)) return killGroup(t.tg, SIGSEGV);
    return; // one frame at a time; the rest go out at the next return to the application
  }
}

/** Pushes a handler frame and points the registers at the handler. False if impossible. */
function setupFrame(t: Task, info: SigInfo, act: SigAction): boolean {
  if ((act.flags & SA_RESTORER) === 0) return false;
  const regs = t.ctx.regs;
  const s = t.sig;
  let sp = regs.get(REG.rsp);
  const onAlt = s.altSize > 0 && sp > s.altSp && sp <= s.altSp + s.altSize;
  if ((act.flags & SA_ONSTACK) !== 0 && s.altFlags === 0 && !onAlt) sp = s.altSp + s.altSize;
  else sp -= 128; // red zone
  sp = Math.floor((sp - FP_SIZE) / 64) * 64;
  const fpAddr = sp;
  const frameAddr = Math.floor((sp - FRAME_SIZE) / 16) * 16 - 8;
  const fp = new Uint8Array(FP_SIZE);
  t.ctx.getFpregs(fp);
  const oldMask = s.savedMask ?? s.mask;
  s.savedMask = null;
  const alt = { sp: s.altSp, size: s.altSize, flags: onAlt ? 1 : s.altFlags };
  const frame = buildFrame(regs, info, act.restorer, oldMask, fpAddr, alt);
  if (t.mem.write(fpAddr, fp) < 0 || t.mem.write(frameAddr, frame) < 0) return false;
  regs.set(REG.rip, act.handler);
  regs.set(REG.rsp, frameAddr);
  regs.set(REG.rdi, info.signo);
  regs.set(REG.rsi, frameAddr + FRAME_INFO_OFF);
  regs.set(REG.rdx, frameAddr + FRAME_UC_OFF);
  regs.set(REG.rax, 0);
  regs.set(REG.eflags, regs.lo(REG.eflags) & ~(0x400 | 0x100));
  s.mask = (s.mask | act.mask | ((act.flags & SA_NODEFER) !== 0 ? 0n : sigbit(info.signo))) & ~UNBLOCKABLE;
  if ((act.flags & SA_RESETHAND) !== 0) act.handler = SIG_DFL;
  return true;
}

/** Rewinds `t` to re-execute its syscall instruction. */
function rewind(t: Task): number {
  const regs = t.ctx.regs;
  regs.set(REG.rip, regs.get(REG.rip) - 2);
  regs.set(REG.rax, regs.get(REG.orig_rax));
  return KEEPREGS;
}

/** The result of a blocking syscall whose wait a signal cut short: -EINTR or a restart. */
export function interruptedResult(t: Task): number {
  const nr = t.ctx.regs.get(REG.orig_rax);
  if (t.sig.savedMask !== null) return -E.EINTR; // rt_sigsuspend-style waits
  const info = peek(t);
  if (info === null) return rewind(t);
  const act = t.tg.handlers.actions[info.signo];
  if (info.signo === SIGKILL) return -E.EINTR;
  if (act.handler === SIG_IGN || initDiscards(t.tg, info, t.kernel.protectInit)) return rewind(t);
  if (act.handler === SIG_DFL) {
    if (defaultIgnored(info.signo) || info.signo === SIGCONT || STOP_SIGNALS.has(info.signo)) {
      return rewind(t);
    }
    return -E.EINTR;
  }
  if ((act.flags & SA_RESTART) !== 0 && !NO_RESTART.has(nr)) return rewind(t);
  return -E.EINTR;
}

/** A hardware fault: the signal cannot be ignored or blocked (force_sig_fault). */
export function forceFault(t: Task, signo: number, code: number, addr: number): void {
  const act = t.tg.handlers.actions[signo];
  const bit = sigbit(signo);
  if (act.handler === SIG_IGN || (t.sig.mask & bit) !== 0n) {
    act.handler = SIG_DFL;
    t.sig.mask &= ~bit;
  }
  t.sig.pending.unshift({ signo, code, pid: 0, uid: 0, status: 0, addr });
  t.sig.pendingSet |= bit;
}
