// Posting signals: to one thread (tgkill, faults) or to a process (kill), waking or
// interrupting the receiving thread so the signal is delivered promptly.
import type { Task } from "../kernel/task.ts";
import { TS_BLOCKED, TS_DEAD, TS_RUNNING, TS_STOPPED } from "../kernel/task.ts";
import type { ThreadGroup } from "../kernel/thread-group.ts";
import {
  SIG_DFL,
  SIG_IGN,
  sigbit,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  SIGURG,
  SIGWINCH,
} from "./state.ts";
import type { SigInfo } from "./state.ts";
import { continueGroup } from "./jobctl.ts";

/** True when the default action of `sig` is to ignore it. */
export function defaultIgnored(sig: number): boolean {
  return sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH;
}

/** True when delivering `sig` to `tg` would do nothing (ignored and not blocked matters not). */
function ignored(tg: ThreadGroup, sig: number): boolean {
  if (sig === SIGKILL || sig === SIGSTOP) return false;
  const a = tg.handlers.actions[sig];
  return a.handler === SIG_IGN || (a.handler === SIG_DFL && defaultIgnored(sig));
}

const SI_USER = 0;
/** Synchronous fault signals: a fault forced on init kills it (force_sig clears unkillable). */
const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11, 31]);
const SI_KERNEL = 0x80;

/**
 * True when `info` is lost on `tg` because `tg` is a protected init (pid 1 of a container) and
 * the signal's action is the default: Linux discards such signals (SIGNAL_UNKILLABLE), except
 * SIGKILL/SIGSTOP sent from outside the pid namespace (sender pid 0, SI_USER: the host) and
 * faults the kernel forces. A handler installed by init gets every signal as usual.
 */
export function initDiscards(tg: ThreadGroup, info: SigInfo, protect: boolean): boolean {
  if (!protect || tg.tgid !== 1) return false;
  const sig = info.signo;
  if (tg.handlers.actions[sig].handler !== SIG_DFL) return false;
  if ((sig === SIGKILL || sig === SIGSTOP) && info.pid === 0 && info.code === SI_USER) return false;
  if (FAULT_SIGNALS.has(sig) && (info.code === SI_KERNEL || (info.code > 0 && info.pid === 0))) return false;
  return true;
}

/**
 * Called after a signal became pending on a task (signalfd wakes its readers and pollers
 * here: a blocked signal does not interrupt anyone, so nothing else would notice it).
 */
export const pendingHooks: ((t: Task) => void)[] = [];

/** Makes `t` notice a deliverable signal now. */
function kick(t: Task): void {
  if (t.state === TS_BLOCKED) t.interruptWait();
  else if (t.state === TS_RUNNING) t.ctx.interrupt();
}

/** Queues `info` for thread `t`. Standard signals already pending are not queued twice. */
export function sendToTask(t: Task, info: SigInfo): void {
  if (t.state === TS_DEAD) return;
  const sig = info.signo;
  // Blocked signals are queued and judged again at delivery (Linux: sig_ignored).
  if ((t.sig.mask & sigbit(sig)) === 0n && initDiscards(t.tg, info, t.kernel.protectInit)) return;
  if (sig === SIGCONT || sig === SIGKILL) continueGroup(t.tg);
  if (sig === SIGCONT || sig === SIGKILL) dropStops(t.tg);
  if (ignored(t.tg, sig) && (t.sig.mask & sigbit(sig)) === 0n) return;
  const bit = sigbit(sig);
  if (sig < 32 && (t.sig.pendingSet & bit) !== 0n) return;
  t.sig.pending.push(info);
  t.sig.pendingSet |= bit;
  for (const h of pendingHooks) h(t);
  if ((t.sig.mask & bit) === 0n || sig === SIGKILL || sig === SIGSTOP) kick(t);
}

/** SIGCONT/SIGKILL discard pending stop signals. */
function dropStops(tg: ThreadGroup): void {
  const stops = sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);
  for (const t of tg.tasks) {
    if ((t.sig.pendingSet & stops) === 0n) continue;
    for (let i = t.sig.pending.length - 1; i >= 0; i--) {
      if ((sigbit(t.sig.pending[i].signo) & stops) !== 0n) t.sig.pending.splice(i, 1);
    }
    t.sig.pendingSet &= ~stops;
  }
}

/** Sends `info` to process `tg`: to a thread that does not block it, else the leader. */
export function sendToGroup(tg: ThreadGroup, info: SigInfo): void {
  if (tg.zombie) return;
  const bit = sigbit(info.signo);
  let target: Task | null = null;
  for (const t of tg.tasks) {
    if (t.state === TS_DEAD) continue;
    if ((t.sig.mask & bit) === 0n) {
      target = t;
      break;
    }
    if (target === null) target = t;
  }
  if (target === null) return;
  if (target.state === TS_STOPPED && info.signo !== SIGCONT && info.signo !== SIGKILL) {
    // Delivered when the group continues.
  }
  sendToTask(target, info);
}
