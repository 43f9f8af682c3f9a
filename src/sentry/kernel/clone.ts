// Creating tasks: threads (CLONE_THREAD), processes with a copied address space (fork) or a
// shared one (vfork), and execve replacing a process image.
import type { Task } from "./task.ts";
import { Task as TaskClass, TS_DEAD, TS_SYSCALL } from "./task.ts";
import { ThreadGroup } from "./thread-group.ts";
import { MemoryManager } from "../mm/mm.ts";
import { MmAccess } from "../mm/access.ts";
import { REG } from "../../../ffi/regs.ts";
import { E } from "../../../ffi/errno.ts";
import { copyCreds } from "./creds.ts";
import { filesHooks } from "./hooks.ts";
import { exitRobustList } from "./robust.ts";
import { exitTask } from "./exit.ts";
import { loadProgram } from "../loader/load.ts";
import { fillRandom } from "../../../ffi/random.ts";
import { cpuEnter, cpuLeave, threadLeave } from "./cputime.ts";
import { capsAfterExec } from "./caps.ts";

/** clone flags. */
export const CLONE = {
  VM: 0x100,
  FS: 0x200,
  FILES: 0x400,
  SIGHAND: 0x800,
  PIDFD: 0x1000,
  PTRACE: 0x2000,
  VFORK: 0x4000,
  PARENT: 0x8000,
  THREAD: 0x10000,
  NEWNS: 0x20000,
  SYSVSEM: 0x40000,
  SETTLS: 0x80000,
  PARENT_SETTID: 0x100000,
  CHILD_CLEARTID: 0x200000,
  DETACHED: 0x400000,
  UNTRACED: 0x800000,
  CHILD_SETTID: 0x01000000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
  IO: 0x80000000,
} as const;

const NAMESPACES = CLONE.NEWNS | CLONE.NEWCGROUP | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWUSER |
  CLONE.NEWPID |
  CLONE.NEWNET;

/** What clone3 adds to clone's arguments. */
export interface CloneExtra {
  /** The pid set_tid asked for (free, checked by the caller), or 0. */
  pid: number;
  /** CLONE_CLEAR_SIGHAND: the child's handlers go back to SIG_DFL (ignored stay ignored). */
  clearSighand: boolean;
}

/** Creates the child of `parent`; returns it, or -errno. The child is not yet running. */
export function cloneTask(
  parent: Task,
  flags: number,
  newsp: number,
  ptid: number,
  ctid: number,
  tls: number,
  extra?: CloneExtra,
): Task | number {
  const k = parent.kernel;
  if ((flags & CLONE.THREAD) !== 0 && (flags & CLONE.SIGHAND) === 0) return -E.EINVAL;
  if ((flags & CLONE.SIGHAND) !== 0 && (flags & CLONE.VM) === 0) return -E.EINVAL;
  if ((flags & NAMESPACES) !== 0) return -E.EPERM;
  // A TLS base outside user space (do_set_thread_area_64).
  if ((flags & CLONE.SETTLS) !== 0 && !(tls >= 0 && tls < 2 ** 47 - 4096)) return -E.EPERM;
  if (k.limits !== null && !k.limits.pidsAllowed()) return -E.EAGAIN; // pids.limit (kernel/limits.ts)
  const tid = extra !== undefined && extra.pid !== 0 ? extra.pid : k.allocPid();
  let mm: MemoryManager;
  if ((flags & CLONE.VM) !== 0) {
    mm = parent.mm;
    if ((flags & CLONE.THREAD) === 0) mm.users++;
  } else {
    mm = new MemoryManager(k.mf, k.platform.newAddressSpace());
    const r = parent.mm.copyInto(mm);
    if (r < 0) {
      mm.destroy();
      return r;
    }
  }
  const ctx = k.platform.newContext(mm.as);
  ctx.regs.copyFrom(parent.ctx.regs);
  ctx.regs.set(REG.rax, 0);
  if (newsp !== 0) ctx.regs.set(REG.rsp, newsp);
  if ((flags & CLONE.SETTLS) !== 0) ctx.regs.set(REG.fs_base, tls);
  let tg: ThreadGroup;
  if ((flags & CLONE.THREAD) !== 0) tg = parent.tg;
  else {
    const ptg = (flags & CLONE.PARENT) !== 0 && parent.tg.parent !== null ? parent.tg.parent : parent.tg;
    const handlers = (flags & CLONE.SIGHAND) !== 0 ? parent.tg.handlers : parent.tg.handlers.clone();
    if (extra?.clearSighand === true) handlers.resetForExec();
    tg = new ThreadGroup(tid, ptg, handlers, parent.tg.rlimits, k.bootNs);
    tg.pgid = parent.tg.pgid;
    tg.sid = parent.tg.sid;
    tg.exitSignal = flags & 0xff;
    tg.ctty = parent.tg.ctty;
    tg.exe = parent.tg.exe;
    tg.argv = parent.tg.argv;
    tg.envp = parent.tg.envp;
    ptg.children.add(tg);
    k.groups.set(tid, tg);
    cpuEnter(tg, mm);
  }
  const mem = new MmAccess(mm);
  const child = new TaskClass(k, tid, tg, ctx, mem, copyCreds(parent.creds), parent.sig.fork());
  child.comm = parent.comm;
  tg.tasks.add(child);
  k.tasks.set(tid, child);
  filesHooks().clone(parent, child, (flags & CLONE.FILES) !== 0, (flags & CLONE.FS) !== 0);
  if ((flags & CLONE.CHILD_SETTID) !== 0) child.mem.writeU32(ctid, tid);
  if ((flags & CLONE.PARENT_SETTID) !== 0) parent.mem.writeU32(ptid, tid);
  if ((flags & CLONE.CHILD_CLEARTID) !== 0) child.clearChildTid = ctid;
  if ((flags & CLONE.VFORK) !== 0) tg.vforkParent = parent;
  return child;
}

/** Lets a freshly cloned task run. */
export function startTask(child: Task): void {
  child.state = TS_SYSCALL;
  child.kernel.resumeTask(child);
}

/** Reads a NULL-terminated array of strings (argv/envp) from application memory. */
export function readStringArray(t: Task, addr: number): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  let total = 0;
  for (let i = 0;; i++) {
    if (i > 0x20000) return -E.E2BIG;
    const p = t.mem.readU64(addr + 8 * i);
    if (p < 0) return -E.EFAULT;
    if (p === 0) return out;
    const s = t.mem.readCString(p, 131072);
    if (typeof s === "number") return s === -E.ENAMETOOLONG ? -E.E2BIG : s;
    total += s.length + 1;
    if (total > 2 << 20) return -E.E2BIG;
    out.push(s);
  }
}

/** Hooks run once an execve succeeded (per-process state that does not survive it). */
export const execHooks: ((t: Task) => void)[] = [];

/** Replaces `t`'s process image with `path`; returns 0 or -errno (the old image is intact). */
export function execTask(t: Task, path: string, argv: string[], envp: string[]): number {
  const k = t.kernel;
  const mm = new MemoryManager(k.mf, k.platform.newAddressSpace());
  const mem = new MmAccess(mm);
  const random = new Uint8Array(16);
  fillRandom(random);
  const res = loadProgram(mm, mem, filesHooks().opener(t), path, argv, envp, t.creds, random);
  if (typeof res === "number") {
    mm.destroy();
    return res;
  }
  // Point of no return: other threads die, the new image takes over this task.
  for (const o of [...t.tg.tasks]) if (o !== t && o.state !== TS_DEAD) exitTask(o, 0);
  exitRobustList(t);
  const old = t.mm;
  const oldCtx = t.ctx;
  const ctx = k.platform.newContext(mm.as);
  ctx.regs.set(REG.rip, res.entry);
  ctx.regs.set(REG.rsp, res.sp);
  cpuLeave(t.tg, old);
  cpuEnter(t.tg, mm);
  threadLeave(t, oldCtx);
  if (--old.users === 0) old.destroy();
  else oldCtx.release();
  (k.platform as unknown as { forget?: (c: unknown) => void }).forget?.(oldCtx);
  t.ctx = ctx;
  ctx.owner = t;
  t.mem.mm = mm;
  if (t.tg.handlers.actions.length > 0) {
    t.tg.handlers = t.tg.handlers.clone();
    t.tg.handlers.resetForExec();
  }
  t.sig.altFlags = 2;
  t.sig.altSp = 0;
  t.sig.altSize = 0;
  t.clearChildTid = 0;
  t.robustList = 0;
  const base = path.slice(path.lastIndexOf("/") + 1);
  t.comm = base.slice(0, 15);
  t.tg.exe = res.path;
  t.tg.argv = res.argv;
  t.tg.envp = envp;
  filesHooks().exec(t);
  t.creds = { ...t.creds, ...capsAfterExec(t.creds) };
  for (const h of execHooks) h(t);
  if (t.tg.vforkParent !== null) {
    t.tg.vforkParent = null;
    t.tg.vforkDone.notify();
  }
  return 0;
}
