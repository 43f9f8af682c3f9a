// Exit paths: a thread exits, a whole process exits (exit_group, fatal signal), a process
// becomes a zombie and its parent is told (SIGCHLD, wait queues), orphans go to init.
import type { Task } from "./task.ts";
import { TS_DEAD, TS_RUNNING } from "./task.ts";
import type { ThreadGroup } from "./thread-group.ts";
import type { Kernel } from "./kernel.ts";
import { sendToGroup } from "../signal/send.ts";
import { SA_NOCLDWAIT, SIG_IGN, SIGCHLD } from "../signal/state.ts";
import { futexWake } from "./futex.ts";
import { exitRobustList } from "./robust.ts";
import { cpuLeave } from "./cputime.ts";

/** CLD_* codes for SIGCHLD siginfo. */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/** Hooks other subsystems register to release per-process resources (files, ...). */
export const exitHooks: ((tg: ThreadGroup, k: Kernel) => void)[] = [];
/** Hooks run for every exiting thread (before it is removed). */
export const taskExitHooks: ((t: Task) => void)[] = [];

/** Ends thread `t`. When it was the last thread, the process exits with `status`. */
export function exitTask(t: Task, status: number): void {
  if (t.state === TS_DEAD) return;
  const k = t.kernel;
  const wasRunning = t.state === TS_RUNNING;
  t.state = TS_DEAD;
  t.cancelWait();
  for (const h of taskExitHooks) h(t);
  if (t.robustList !== 0 && t.mm.users > 0) exitRobustList(t);
  if (t.clearChildTid !== 0 && t.mm.users > 0) {
    if (t.mem.writeU32(t.clearChildTid, 0) === 0) futexWake(t, t.clearChildTid, 1, -1);
  }
  k.tasks.delete(t.tid);
  const tg = t.tg;
  tg.tasks.delete(t);
  const mm = t.mm;
  const lastUserOfMm = tg.tasks.size === 0 && mm.users === 1;
  if (!lastUserOfMm && !wasRunning) t.ctx.release();
  forgetContext(k, t);
  if (tg.tasks.size === 0) {
    cpuLeave(tg, mm);
    if (--mm.users === 0) mm.destroy();
    processExit(tg, k, status);
  }
}

/** Lets the platform drop a context (platform-specific bookkeeping). */
function forgetContext(k: Kernel, t: Task): void {
  const p = k.platform as unknown as { forget?: (c: unknown) => void };
  p.forget?.(t.ctx);
}

/** Kills every thread of `tg` (exit_group or a fatal signal); `status` is the wait status. */
export function killGroup(tg: ThreadGroup, status: number): void {
  if (tg.zombie) return;
  tg.exiting = true;
  tg.exitStatus = status;
  for (const t of [...tg.tasks]) exitTask(t, status);
}

/** The last thread of `tg` is gone: release its resources and notify the parent. */
function processExit(tg: ThreadGroup, k: Kernel, status: number): void {
  if (tg.zombie) return;
  tg.zombie = true;
  if (!tg.exiting) tg.exitStatus = status;
  for (const h of exitHooks) h(tg, k);
  // Orphans go to init (pid 1), whose wait reaps them.
  const init = k.init;
  for (const c of tg.children) {
    c.parent = init !== null && init !== tg ? init : null;
    if (c.parent !== null) {
      c.parent.children.add(c);
      if (c.zombie) c.parent.childEvents.notify();
    } else k.groups.delete(c.tgid);
  }
  tg.children.clear();
  if (tg.vforkParent !== null) {
    tg.vforkParent = null;
    tg.vforkDone.notify();
  }
  const p = tg.parent;
  if (p === null) return;
  const act = p.handlers.actions[SIGCHLD];
  if (tg.exitSignal === SIGCHLD && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT) !== 0)) {
    reap(tg, k); // auto-reap, as Linux does when SIGCHLD is ignored
    p.childEvents.notify();
    return;
  }
  if (tg.exitSignal > 0) {
    const s = tg.exitStatus;
    const killed = (s & 0x7f) !== 0;
    sendToGroup(p, {
      signo: tg.exitSignal,
      code: killed ? ((s & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED,
      pid: tg.tgid,
      uid: 0,
      status: killed ? s & 0x7f : (s >> 8) & 0xff,
      addr: 0,
    });
  }
  p.childEvents.notify();
}

/** Removes a zombie from the process tree (wait4 collected it). */
export function reap(tg: ThreadGroup, k: Kernel): void {
  tg.parent?.children.delete(tg);
  tg.parent = null;
  k.groups.delete(tg.tgid);
}
