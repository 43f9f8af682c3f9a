// Process lifecycle syscalls: clone/fork/vfork, execve, wait4/waitid.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import { BLOCK } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { CLONE, type CloneExtra, cloneTask, execTask, readStringArray, startTask } from "../kernel/clone.ts";
import { readCloneArgs } from "./clone3.ts";
import { PidFile } from "../fs/pidfd/pidfd.ts";
import { pidfdTarget } from "../fs/pidfd/syscalls.ts";
import { writeRusage } from "./resource.ts";
import { cpuReap } from "../kernel/cputime.ts";
import { KEEPREGS } from "../kernel/control.ts";
import { reap } from "../kernel/exit.ts";
import type { ThreadGroup } from "../kernel/thread-group.ts";
import { SIGCHLD } from "../signal/state.ts";
import { pathOf } from "../vfs/dentry.ts";
import { resolve } from "../vfs/walk.ts";

function doClone(
  t: Task,
  flags: number,
  sp: number,
  ptid: number,
  ctid: number,
  tls: number,
  extra?: CloneExtra,
  pidfdAddr = -1,
): number {
  if ((flags & CLONE.VFORK) !== 0) {
    const pending = t.ext.vforkChild as ThreadGroup | undefined;
    if (pending !== undefined) {
      if (pending.vforkParent !== null && !pending.zombie) {
        t.blockOn([pending.vforkDone]);
        return BLOCK;
      }
      t.ext.vforkChild = undefined;
      return pending.tgid;
    }
  }
  const child = pidfdAddr >= 0
    ? cloneWithPidfd(t, flags, pidfdAddr, () => cloneTask(t, flags, sp, ptid, ctid, tls, extra))
    : cloneTask(t, flags, sp, ptid, ctid, tls, extra);
  if (typeof child === "number") return child;
  startTask(child);
  if ((flags & CLONE.VFORK) !== 0 && child.tg.vforkParent !== null) {
    t.ext.vforkChild = child.tg;
    t.blockOn([child.tg.vforkDone]);
    return BLOCK;
  }
  return child.tid;
}

/**
 * CLONE_PIDFD: the parent gets a close-on-exec pidfd of the child, its number written at
 * `addr`; a fault fails the clone (EFAULT) and no child is made. The fd is taken before
 * cloning (so EMFILE fails cleanly too) and kept out of a forked child's copied table.
 */
function cloneWithPidfd(t: Task, flags: number, addr: number, clone: () => Task | number): Task | number {
  if ((flags & (CLONE.THREAD | CLONE.DETACHED)) !== 0) return -E.EINVAL;
  const f = new PidFile(null, 0);
  const fd = t.fds.install(f, true);
  if (fd < 0) {
    f.decRef();
    return fd;
  }
  const child = t.mem.writeU32(addr, fd) < 0 ? -E.EFAULT : clone();
  if (typeof child === "number") {
    t.fds.close(fd);
    return child;
  }
  if (child.fds !== t.fds) child.fds.close(fd);
  f.tg = child.tg;
  return child;
}

function clone3(t: Task, addr: number, size: number): number {
  // A vfork parent re-runs this call when its child is done: the struct is read again, but the
  // child is already recorded in ext.vforkChild.
  if (t.ext.vforkChild !== undefined) return doClone(t, CLONE.VFORK, 0, 0, 0, 0);
  const a = readCloneArgs(t, addr, size);
  if (typeof a === "number") return a;
  // clone3 has its own pidfd field, which must not alias parent_tid when both are asked for.
  const pidfd = (a.flags & CLONE.PIDFD) !== 0 ? a.pidfd : -1;
  if (pidfd >= 0 && (a.flags & CLONE.PARENT_SETTID) !== 0 && pidfd === a.ptid) return -E.EINVAL;
  return doClone(t, a.flags, a.sp, a.ptid, a.ctid, a.tls, a, pidfd);
}

const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;

/**
 * The path execveat runs: `path` itself when absolute or relative to the cwd, else the path of
 * the directory open at `dirfd` joined with it (AT_EMPTY_PATH: the file open at `dirfd`).
 */
function execPath(t: Task, dirfd: number, path: string, flags: number): string | number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  let full = path;
  if (!path.startsWith("/") && dirfd !== AT_FDCWD) {
    const f = t.fds.get(dirfd);
    if (f === undefined) return -E.EBADF;
    if (f.vd === null) return path === "" ? -E.EACCES : -E.ENOTDIR;
    const base = pathOf(f.vd, t.fsctx.root);
    if (path === "") {
      if ((flags & AT_EMPTY_PATH) === 0) return -E.ENOENT;
      full = base;
    } else {
      if (!f.vd.inode.isDir) return -E.ENOTDIR;
      full = base === "/" ? "/" + path : `${base}/${path}`;
    }
  }
  if (full === "") return -E.ENOENT;
  if ((flags & AT_SYMLINK_NOFOLLOW) !== 0) {
    const vd = resolve(t, t.fsctx.cwd, full, { follow: false });
    if (typeof vd !== "number" && vd.inode.isSymlink) return -E.ELOOP;
  }
  return full;
}

function execve(
  t: Task,
  pathAddr: number,
  argvAddr: number,
  envAddr: number,
  dirfd = AT_FDCWD,
  flags = 0,
): number {
  const path0 = t.mem.readCString(pathAddr, 4096);
  if (typeof path0 === "number") return path0;
  const argv = readStringArray(t, argvAddr);
  if (typeof argv === "number") return argv;
  const envp = readStringArray(t, envAddr);
  if (typeof envp === "number") return envp;
  const path = execPath(t, dirfd, path0, flags);
  if (typeof path === "number") return path;
  const r = execTask(t, path, argv, envp);
  return r < 0 ? r : KEEPREGS;
}

const P_PIDFD = 3;
const WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000;

function matches(t: Task, c: ThreadGroup, pid: number): boolean {
  if (pid > 0) return c.tgid === pid;
  if (pid === 0) return c.pgid === t.tg.pgid;
  if (pid === -1) return true;
  return c.pgid === -pid;
}

/** Finds a reportable child; returns [child, status, code] or null, or -ECHILD. */
function findChild(t: Task, pid: number, options: number): [ThreadGroup, number, number] | null | number {
  let any = false;
  for (const c of t.tg.children) {
    if (!matches(t, c, pid)) continue;
    any = true;
    if (c.zombie && (options & WEXITED) !== 0) {
      const s = c.exitStatus;
      const code = (s & 0x7f) === 0 ? 1 : (s & 0x80) !== 0 ? 3 : 2;
      return [c, s, code];
    }
    if (c.stopReport !== 0 && (options & WUNTRACED) !== 0) return [c, (c.stopReport << 8) | 0x7f, 5];
    if (c.continuedReport && (options & WCONTINUED) !== 0) return [c, 0xffff, 6];
  }
  return any ? null : -E.ECHILD;
}

function consume(t: Task, c: ThreadGroup, code: number, options: number): void {
  if ((options & WNOWAIT) !== 0) return;
  if (code === 5) c.stopReport = 0;
  else if (code === 6) c.continuedReport = false;
  else {
    cpuReap(t.tg, c);
    reap(c, t.kernel);
  }
}

function wait4(t: Task, pid: number, statusAddr: number, options: number, rusage: number): number {
  pid = pid | 0;
  if (
    (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOWAIT | 0x40000000 | 0x80000000 | 0x20000000)) !== 0
  ) {
    return -E.EINVAL;
  }
  const f = findChild(t, pid, options | WEXITED);
  if (typeof f === "number") return f;
  if (f === null) {
    if ((options & WNOHANG) !== 0) return 0;
    t.blockOn([t.tg.childEvents]);
    return BLOCK;
  }
  const [c, status, code] = f;
  if (statusAddr !== 0 && t.mem.writeU32(statusAddr, status) < 0) return -E.EFAULT;
  if (rusage !== 0) {
    const x = c.cpu; // a zombie's own time is final; a stopped child's is not reported
    const r = writeRusage(t, rusage, x.doneUser + x.childUser, x.doneSys + x.childSys);
    if (r < 0) return r;
  }
  consume(t, c, code, options);
  return c.tgid;
}

function waitid(t: Task, idtype: number, id: number, infop: number, options: number): number {
  let pid: number;
  if (idtype === 0) pid = -1;
  else if (idtype === 1) pid = id | 0;
  else if (idtype === 2) pid = id === 0 ? 0 : -(id | 0);
  else if (idtype === P_PIDFD) {
    const tg = pidfdTarget(t, id | 0);
    if (typeof tg === "number") return tg;
    pid = tg.tgid;
  } else return -E.EINVAL;
  if ((options & (WEXITED | WUNTRACED | WCONTINUED)) === 0) return -E.EINVAL;
  const f = findChild(t, pid, options);
  if (typeof f === "number") return f;
  const info = new Uint8Array(128);
  const dv = new DataView(info.buffer);
  if (f === null) {
    if ((options & WNOHANG) !== 0) return infop === 0 ? 0 : t.mem.write(infop, info);
    t.blockOn([t.tg.childEvents]);
    return BLOCK;
  }
  const [c, status, code] = f;
  dv.setInt32(0, SIGCHLD, true);
  dv.setInt32(8, code, true);
  dv.setInt32(16, c.tgid, true);
  dv.setInt32(20, 0, true);
  dv.setInt32(
    24,
    code === 1 ? (status >> 8) & 0xff : code === 5 ? status >> 8 : code === 6 ? 18 : status & 0x7f,
    true,
  );
  if (infop !== 0 && t.mem.write(infop, info) < 0) return -E.EFAULT;
  consume(t, c, code, options);
  return 0;
}

/** Rows of this module. */
export const CLONE_SYSCALLS: SyscallEntry[] = [
  def(
    SYS.clone,
    "clone",
    "partial",
    "no namespaces (EPERM)",
    (t, f, sp, pt, ct, tls) => {
      // Legacy clone returns the pidfd through parent_tid, so it cannot also get the tid.
      if ((f & CLONE.PIDFD) === 0) return doClone(t, f, sp, pt, ct, tls);
      if ((f & CLONE.PARENT_SETTID) !== 0) return -E.EINVAL;
      return doClone(t, f, sp, pt, ct, tls, undefined, pt);
    },
  ),
  def(
    SYS.fork,
    "fork",
    "full",
    "private memory copy-on-write",
    (t) => doClone(t, SIGCHLD, 0, 0, 0, 0),
  ),
  def(SYS.vfork, "vfork", "full", "", (t) => doClone(t, CLONE.VM | CLONE.VFORK | SIGCHLD, 0, 0, 0, 0)),
  def(
    SYS.clone3,
    "clone3",
    "partial",
    "set_tid (one pid level), CLONE_CLEAR_SIGHAND, CLONE_PIDFD; CLONE_INTO_CGROUP: EBADF (no cgroup2)",
    (t, addr, size) => clone3(t, addr, size),
  ),
  def(SYS.execve, "execve", "full", "static, PT_INTERP and #! programs", (t, p, a, e) => execve(t, p, a, e)),
  def(
    SYS.execveat,
    "execveat",
    "partial",
    "dirfd, AT_EMPTY_PATH (fexecve) and AT_SYMLINK_NOFOLLOW; a script run through a dirfd sees a path, not /dev/fd/N",
    (t, dfd, p, a, e, fl) => execve(t, p, a, e, dfd | 0, fl),
  ),
  def(SYS.wait4, "wait4", "full", "rusage: CPU times only", (t, p, s, o, r) => wait4(t, p, s, o, r)),
  def(
    SYS.waitid,
    "waitid",
    "partial",
    "P_ALL, P_PID, P_PGID, P_PIDFD",
    (t, ty, id, i, o) => waitid(t, ty, id, i, o),
  ),
];
