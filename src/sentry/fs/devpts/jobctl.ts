// Controlling terminals for in-sandbox ptys (Linux's tty_jobctrl.c): a session leader takes a
// slave with TIOCSCTTY (or by opening it without O_NOCTTY); its foreground process group gets
// the line discipline's ISIG signals; a background group reading (or writing with TOSTOP, or
// changing the terminal) gets SIGTTIN/SIGTTOU, EIO when ignored or orphaned; closing the master
// hangs the session leader up (SIGHUP, SIGCONT), and a leader's exit sends SIGHUP to the
// foreground group. The terminal a process controls is ThreadGroup.ctty (inherited by fork).
import { E } from "../../../../ffi/errno.ts";
import type { Kernel } from "../../kernel/kernel.ts";
import type { Task } from "../../kernel/task.ts";
import type { ThreadGroup } from "../../kernel/thread-group.ts";
import { exitHooks } from "../../kernel/exit.ts";
import { sendToGroup } from "../../signal/send.ts";
import { SIG_IGN, sigbit, SIGCONT, SIGHUP } from "../../signal/state.ts";
import type { FileTask } from "../../vfs/task.ts";
import { PtyPair, PtySlave } from "./pty.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import type { FileDescription } from "../../vfs/file.ts";
import { CAP, capable } from "../../kernel/caps.ts";

const SI_KERNEL = 0x80;
const SIGTTIN = 21;
/** jobControl's answer when the caller's group was signalled: wait, the signal ends the wait. */
export const JOBCTL_WAIT = 1;

/**
 * The kernel task behind a file task, or null for stand-ins without processes (unit tests of
 * the file layer): those have no controlling terminal and pass every check.
 */
function taskOf(t: FileTask): Task | null {
  const x = t as unknown as Partial<Task>;
  return x.tg !== undefined && x.kernel !== undefined ? (x as Task) : null;
}

function kernelSignal(tg: ThreadGroup, sig: number): void {
  sendToGroup(tg, { signo: sig, code: SI_KERNEL, pid: 0, uid: 0, status: 0, addr: 0 });
}

/** Sends `sig` from the kernel to every live process of group `pgid`. */
function signalPgrp(k: Kernel, pgid: number, sig: number): void {
  if (pgid <= 0) return;
  for (const tg of k.groups.values()) if (tg.pgid === pgid && !tg.zombie) kernelSignal(tg, sig);
}

/** A group is orphaned when no member has a parent in another group of the same session. */
function orphaned(k: Kernel, pgid: number): boolean {
  for (const tg of k.groups.values()) {
    const p = tg.parent;
    if (tg.pgid === pgid && !tg.zombie && p !== null && p.pgid !== pgid && p.sid === tg.sid) return false;
  }
  return true;
}

/**
 * Linux's job-control check before a terminal read (SIGTTIN) or a write/attribute change
 * (SIGTTOU) by `t`: 0 to go on, -EIO, or JOBCTL_WAIT after signalling the caller's group.
 */
export function jobControl(t: FileTask, p: PtyPair, sig: number): number {
  const task = taskOf(t);
  if (task === null) return 0;
  const tg = task.tg;
  if (tg.ctty !== p || p.fgPgrp === 0 || tg.pgid === p.fgPgrp) return 0;
  const ignored = tg.handlers.actions[sig].handler === SIG_IGN || (task.sig.mask & sigbit(sig)) !== 0n;
  if (ignored) return sig === SIGTTIN ? -E.EIO : 0;
  if (orphaned(task.kernel, tg.pgid)) return -E.EIO;
  signalPgrp(task.kernel, tg.pgid, sig);
  return JOBCTL_WAIT;
}

/** Makes `p` the controlling terminal of `tg`'s session. */
function attach(tg: ThreadGroup, p: PtyPair): void {
  p.sid = tg.sid;
  p.fgPgrp = tg.pgid;
  tg.ctty = p;
}

/** Ends `p`'s session: no process controls it any more. */
function detachAll(k: Kernel, p: PtyPair): void {
  for (const tg of k.groups.values()) if (tg.ctty === p) tg.ctty = null;
  p.sid = 0;
  p.fgPgrp = 0;
}

/** TIOCSCTTY: a session leader without a terminal takes `p` (`steal`: root takes it over). */
export function setCtty(t: FileTask, p: PtyPair, steal: boolean): number {
  const task = taskOf(t);
  if (task === null) return 0;
  const tg = task.tg;
  const leader = tg.sid === tg.tgid;
  if (leader && p.sid === tg.sid) return 0;
  if (!leader || tg.ctty !== null) return -E.EPERM;
  if (p.sid !== 0) {
    if (!steal || !capable(task.creds, CAP.SYS_ADMIN)) return -E.EPERM;
    detachAll(task.kernel, p);
  }
  attach(tg, p);
  return 0;
}

/** Opening a slave without O_NOCTTY: a session leader without a terminal takes a free one. */
export function openCtty(t: FileTask, p: PtyPair): void {
  const tg = taskOf(t)?.tg;
  if (tg !== undefined && tg.sid === tg.tgid && tg.ctty === null && p.sid === 0) attach(tg, p);
}

/** TIOCNOTTY: the caller gives its terminal up; a session leader ends the session's hold. */
export function dropCtty(t: FileTask, p: PtyPair): number {
  const task = taskOf(t);
  if (task === null) return 0;
  const tg = task.tg;
  if (tg.ctty !== p) return -E.ENOTTY;
  if (tg.sid !== tg.tgid) {
    tg.ctty = null;
    return 0;
  }
  signalPgrp(task.kernel, p.fgPgrp, SIGHUP);
  signalPgrp(task.kernel, p.fgPgrp, SIGCONT);
  detachAll(task.kernel, p);
  return 0;
}

/**
 * /dev/tty for a process whose controlling terminal is a pty made inside: a new slave file
 * of it at the /dev/tty node (EIO once hung up); null when it controls no such pty.
 */
export function openPtyCtty(t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number | null {
  const p = taskOf(t)?.tg.ctty;
  if (!(p instanceof PtyPair)) return null;
  return p.masterOpen ? new PtySlave(p, vd, flags) : -E.EIO;
}

/** Whether `t` may query `p` from its slave side (it must be its controlling terminal). */
export function isCtty(t: FileTask, p: PtyPair): boolean {
  const task = taskOf(t);
  return task === null || task.tg.ctty === p;
}

/** TIOCSPGRP's checks and effect: pgid `pg` becomes the foreground group. */
export function setForeground(t: FileTask, p: PtyPair, pg: number): number {
  const task = taskOf(t);
  if (task === null) {
    p.fgPgrp = pg;
    return 0;
  }
  const tg = task.tg, k = task.kernel;
  if (tg.ctty !== p || p.sid !== tg.sid) return -E.ENOTTY;
  if (pg < 0) return -E.EINVAL;
  let found: ThreadGroup | null = null;
  for (const g of k.groups.values()) if (g.pgid === pg && !g.zombie) found = g;
  if (found === null) return -E.ESRCH;
  if (found.sid !== tg.sid) return -E.EPERM;
  p.fgPgrp = pg;
  return 0;
}

/** Wires the pair `t` opened to its kernel: ISIG characters signal its foreground group. */
export function connectPair(t: FileTask, p: PtyPair): void {
  const k = taskOf(t)?.kernel;
  if (k === undefined) return;
  p.ld.onSignal = (sig) => signalPgrp(k, p.fgPgrp, sig);
  p.onHangup = () => {
    // The master is gone (__tty_hangup): the session leader gets SIGHUP and SIGCONT.
    for (const tg of k.groups.values()) {
      if (p.sid !== 0 && tg.sid === p.sid && tg.tgid === tg.sid && !tg.zombie) {
        kernelSignal(tg, SIGHUP);
        kernelSignal(tg, SIGCONT);
      }
    }
    detachAll(k, p);
  };
  installExitHook();
}

let hooked = false;

/** A session leader's exit sends SIGHUP to its pty's foreground group and frees the pty. */
function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  exitHooks.push((tg, k) => {
    const p = tg.ctty;
    if (!(p instanceof PtyPair) || tg.sid !== tg.tgid || p.sid !== tg.sid) return;
    signalPgrp(k, p.fgPgrp, SIGHUP);
    detachAll(k, p);
  });
}
