// Job control: stopping a whole process on SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU and continuing it on
// SIGCONT, with the parent told through SIGCHLD (unless SA_NOCLDSTOP) and wait(WUNTRACED).
import type { ThreadGroup } from "../kernel/thread-group.ts";
import { TS_RUNNING, TS_STOPPED, TS_SYSCALL } from "../kernel/task.ts";
import { SA_NOCLDSTOP, SIGCHLD } from "./state.ts";
import type { SigInfo } from "./state.ts";

type Sender = (tg: ThreadGroup, info: SigInfo) => void;
let send: Sender = () => {};

/** Wires the process-directed sender (breaks the import cycle with send.ts). */
export function setJobctlSender(s: Sender): void {
  send = s;
}

function notifyParent(tg: ThreadGroup, code: number, status: number): void {
  const p = tg.parent;
  if (p === null) return;
  const act = p.handlers.actions[SIGCHLD];
  if ((act.flags & SA_NOCLDSTOP) === 0) {
    send(p, { signo: SIGCHLD, code, pid: tg.tgid, uid: 0, status, addr: 0 });
  }
  p.childEvents.notify();
}

/** Stops every thread of `tg` because of `sig`. */
export function stopGroup(tg: ThreadGroup, sig: number): void {
  if (tg.stopped || tg.zombie) return;
  tg.stopped = true;
  tg.stopReport = sig;
  tg.continuedReport = false;
  for (const t of tg.tasks) {
    if (t.state === TS_RUNNING) t.ctx.interrupt();
  }
  notifyParent(tg, 5, /* CLD_STOPPED */ sig);
}

/** Continues a stopped `tg` (SIGCONT, SIGKILL). */
export function continueGroup(tg: ThreadGroup): void {
  if (!tg.stopped) return;
  tg.stopped = false;
  tg.stopReport = 0;
  tg.continuedReport = true;
  for (const t of [...tg.tasks]) {
    if (t.state === TS_STOPPED) {
      t.state = TS_SYSCALL;
      t.kernel.resumeTask(t);
    }
  }
  notifyParent(tg, 6, /* CLD_CONTINUED */ 18);
}
