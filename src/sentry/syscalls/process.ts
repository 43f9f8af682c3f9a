// Process identity and small process-wide syscalls: ids, exit, uname, arch_prctl, prctl,
// set_tid_address, robust lists, process groups and sessions, rlimits, affinity, getrandom.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { REG } from "../../../ffi/regs.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { exitTask, killGroup } from "../kernel/exit.ts";
import { NORESUME } from "../kernel/control.ts";
import { fillRandom } from "../../../ffi/random.ts";
import { USER_END } from "../mm/layout.ts";
import { CAP, capable, capsAfterSetuid } from "../kernel/caps.ts";
import { capget, capset } from "./caps.ts";

const enc = new TextEncoder();

function uname(t: Task, buf: number): number {
  const id = t.kernel.identity;
  const out = new Uint8Array(65 * 6);
  [id.sysname, id.hostname, id.release, id.version, id.machine, id.domainname].forEach((s, i) => {
    out.set(enc.encode(s).subarray(0, 64), i * 65);
  });
  return t.mem.write(buf, out);
}

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
const ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;

function archPrctl(t: Task, code: number, addr: number): number {
  const regs = t.ctx.regs;
  switch (code) {
    case ARCH_SET_FS:
      if (addr >= USER_END) return -E.EPERM;
      regs.set(REG.fs_base, addr);
      return 0;
    case ARCH_GET_FS:
      return t.mem.writeU64(addr, regs.get(REG.fs_base));
    case ARCH_SET_GS:
      if (addr >= USER_END) return -E.EPERM;
      regs.set(REG.gs_base, addr);
      return 0;
    case ARCH_GET_GS:
      return t.mem.writeU64(addr, regs.get(REG.gs_base));
    case ARCH_GET_CPUID:
      return 1;
    case ARCH_SET_CPUID:
      return -E.ENODEV;
    default:
      return -E.EINVAL;
  }
}

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4;
const PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
const PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37, PR_CAPBSET_READ = 23;

function prctl(t: Task, op: number, a1: number): number {
  switch (op) {
    case PR_SET_NAME: {
      const s = t.mem.readCString(a1, 16);
      if (typeof s === "number") {
        if (s !== -E.ENAMETOOLONG) return s;
        const b = new Uint8Array(15);
        if (t.mem.readInto(a1, b) < 0) return -E.EFAULT;
        t.comm = new TextDecoder().decode(b);
        return 0;
      }
      t.comm = s.slice(0, 15);
      return 0;
    }
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      b.set(enc.encode(t.comm).subarray(0, 15));
      return t.mem.write(a1, b);
    }
    case PR_SET_PDEATHSIG:
      if (a1 < 0 || a1 > 64) return -E.EINVAL;
      t.ext.pdeathsig = a1;
      return 0;
    case PR_GET_PDEATHSIG:
      return t.mem.writeU32(a1, (t.ext.pdeathsig as number | undefined) ?? 0);
    case PR_GET_DUMPABLE:
      return 1;
    case PR_SET_DUMPABLE:
      return a1 === 0 || a1 === 1 ? 0 : -E.EINVAL;
    case PR_SET_NO_NEW_PRIVS:
      t.ext.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      return t.ext.noNewPrivs === true ? 1 : 0;
    case PR_SET_CHILD_SUBREAPER:
      return 0;
    case PR_GET_CHILD_SUBREAPER:
      return t.mem.writeU32(a1, 0);
    case PR_CAPBSET_READ:
      return a1 >= 0 && a1 <= 40 ? 1 : -E.EINVAL;
    default:
      return -E.EINVAL;
  }
}

/** RLIMIT_* defaults (soft, hard); Infinity is RLIM_INFINITY. */
export const DEFAULT_RLIMITS: [number, number][] = [
  [Infinity, Infinity], // CPU
  [Infinity, Infinity], // FSIZE
  [Infinity, Infinity], // DATA
  [8 << 20, Infinity], // STACK
  [0, Infinity], // CORE
  [Infinity, Infinity], // RSS
  [4096, 4096], // NPROC
  [1024, 1048576], // NOFILE
  [8 << 20, 8 << 20], // MEMLOCK
  [Infinity, Infinity], // AS
  [Infinity, Infinity], // LOCKS
  [4096, 4096], // SIGPENDING
  [819200, 819200], // MSGQUEUE
  [0, 0], // NICE
  [0, 0], // RTPRIO
  [Infinity, Infinity], // RTTIME
];

function writeRlimit(t: Task, addr: number, v: [number, number]): number {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, v[0] === Infinity ? 0xffffffffffffffffn : BigInt(v[0]), true);
  dv.setBigUint64(8, v[1] === Infinity ? 0xffffffffffffffffn : BigInt(v[1]), true);
  return t.mem.write(addr, b);
}

function readRlimit(t: Task, addr: number): [number, number] | number {
  const b = new Uint8Array(16);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  const conv = (x: bigint) => (x >= 2n ** 53n ? Infinity : Number(x));
  return [conv(dv.getBigUint64(0, true)), conv(dv.getBigUint64(8, true))];
}

function prlimit(t: Task, pid: number, res: number, nw: number, old: number): number {
  const tg = pid === 0 ? t.tg : t.kernel.groups.get(pid);
  if (tg === undefined) return -E.ESRCH;
  if (res < 0 || res >= DEFAULT_RLIMITS.length) return -E.EINVAL;
  if (old !== 0) {
    const r = writeRlimit(t, old, tg.rlimits[res]);
    if (r < 0) return r;
  }
  if (nw !== 0) {
    const v = readRlimit(t, nw);
    if (typeof v === "number") return v;
    if (v[0] > v[1]) return -E.EINVAL;
    if (v[1] > tg.rlimits[res][1] && !capable(t.creds, CAP.SYS_RESOURCE)) return -E.EPERM;
    tg.rlimits[res] = v;
    if (res === RLIMIT_NOFILE) {
      // The fd tables of the process's threads enforce the soft limit.
      const lim = Math.min(v[0], 1 << 20);
      for (const x of tg.tasks) if (x.fdsReady) x.fds.limit = lim;
    }
  }
  return 0;
}

export const RLIMIT_NOFILE = 7;

function setpgid(t: Task, pid: number, pgid: number): number {
  if (pgid < 0) return -E.EINVAL;
  const tg = pid === 0 ? t.tg : t.kernel.groups.get(pid);
  if (tg === undefined || (tg !== t.tg && tg.parent !== t.tg)) return -E.ESRCH;
  if (tg.sid === tg.tgid) return -E.EPERM; // a session leader cannot move
  if (tg.sid !== t.tg.sid) return -E.EPERM;
  const target = pgid === 0 ? tg.tgid : pgid;
  if (target !== tg.tgid) {
    let found = false;
    for (const g of t.kernel.groups.values()) if (g.pgid === target && g.sid === t.tg.sid) found = true;
    if (!found) return -E.EPERM;
  }
  tg.pgid = target;
  return 0;
}

function setsid(t: Task): number {
  for (const g of t.kernel.groups.values()) if (g.pgid === t.tgid) return -E.EPERM;
  t.tg.sid = t.tgid;
  t.tg.pgid = t.tgid;
  t.tg.ctty = null;
  return t.tgid;
}

function getpgid(t: Task, pid: number): number {
  const tg = pid === 0 ? t.tg : t.kernel.groups.get(pid);
  return tg === undefined ? -E.ESRCH : tg.pgid;
}

function getsid(t: Task, pid: number): number {
  const tg = pid === 0 ? t.tg : t.kernel.groups.get(pid);
  return tg === undefined ? -E.ESRCH : tg.sid;
}

function getrandom(t: Task, buf: number, len: number, flags: number): number {
  if ((flags & ~7) !== 0) return -E.EINVAL;
  const n = Math.min(len, 1 << 25);
  const b = new Uint8Array(n);
  fillRandom(b);
  const r = t.mem.write(buf, b);
  return r < 0 ? r : n;
}

function schedGetaffinity(t: Task, pid: number, len: number, mask: number): number {
  if (pid !== 0 && !t.kernel.tasks.has(pid)) return -E.ESRCH;
  if (len < 8 || len % 8 !== 0) return -E.EINVAL;
  const b = new Uint8Array(8);
  b[0] = 0x3; // two CPUs, like the machine (see docs)
  const r = t.mem.write(mask, b);
  return r < 0 ? r : 8;
}

function getresid(t: Task, a: number, b: number, c: number, v: [number, number, number]): number {
  if (t.mem.writeU32(a, v[0]) < 0 || t.mem.writeU32(b, v[1]) < 0 || t.mem.writeU32(c, v[2]) < 0) {
    return -E.EFAULT;
  }
  return 0;
}

/** Rows of this module. */
export const PROCESS_SYSCALLS: SyscallEntry[] = [
  def(SYS.exit, "exit", "full", "", (t, code) => {
    exitTask(t, (code & 0xff) << 8);
    return NORESUME;
  }),
  def(SYS.exit_group, "exit_group", "full", "", (t, code) => {
    killGroup(t.tg, (code & 0xff) << 8);
    return NORESUME;
  }),
  def(SYS.getpid, "getpid", "full", "", (t) => t.tgid),
  def(SYS.gettid, "gettid", "full", "", (t) => t.tid),
  def(SYS.getppid, "getppid", "full", "", (t) => t.tg.parent?.tgid ?? 0),
  def(SYS.getuid, "getuid", "full", "", (t) => t.creds.uid),
  def(SYS.geteuid, "geteuid", "full", "", (t) => t.creds.euid),
  def(SYS.getgid, "getgid", "full", "", (t) => t.creds.gid),
  def(SYS.getegid, "getegid", "full", "", (t) => t.creds.egid),
  def(
    SYS.getresuid,
    "getresuid",
    "full",
    "",
    (t, a, b, c) => getresid(t, a, b, c, [t.creds.uid, t.creds.euid, t.creds.suid]),
  ),
  def(
    SYS.getresgid,
    "getresgid",
    "full",
    "",
    (t, a, b, c) => getresid(t, a, b, c, [t.creds.gid, t.creds.egid, t.creds.sgid]),
  ),
  def(SYS.getgroups, "getgroups", "full", "", (t, n, list) => {
    const g = t.creds.groups;
    if (n === 0) return g.length;
    if (n < g.length) return -E.EINVAL;
    for (let i = 0; i < g.length; i++) if (t.mem.writeU32(list + 4 * i, g[i]) < 0) return -E.EFAULT;
    return g.length;
  }),
  def(SYS.setuid, "setuid", "partial", "CAP_SETUID may set any id; others only their own", (t, uid) => {
    if (!capable(t.creds, CAP.SETUID) && uid !== t.creds.uid) return -E.EPERM;
    const now = { ...t.creds, uid, euid: uid, suid: uid };
    t.creds = { ...now, ...capsAfterSetuid(t.creds, now) };
    return 0;
  }),
  def(SYS.setgid, "setgid", "partial", "CAP_SETGID may set any id; others only their own", (t, gid) => {
    if (!capable(t.creds, CAP.SETGID) && gid !== t.creds.gid) return -E.EPERM;
    t.creds = { ...t.creds, gid, egid: gid, sgid: gid };
    return 0;
  }),
  def(SYS.setgroups, "setgroups", "partial", "", (t, n, list) => {
    if (!capable(t.creds, CAP.SETGID)) return -E.EPERM;
    if (n > 65536) return -E.EINVAL;
    const groups: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = t.mem.readI32(list + 4 * i);
      if (v === null) return -E.EFAULT;
      groups.push(v >>> 0);
    }
    t.creds = { ...t.creds, groups };
    return 0;
  }),
  def(SYS.uname, "uname", "full", "identity of our choosing (see docs)", (t, buf) => uname(t, buf)),
  def(
    SYS.arch_prctl,
    "arch_prctl",
    "partial",
    "ARCH_SET/GET_FS/GS; no CPUID faulting",
    (t, c, a) => archPrctl(t, c, a),
  ),
  def(
    SYS.prctl,
    "prctl",
    "partial",
    "names, pdeathsig, dumpable, no_new_privs",
    (t, op, a1) => prctl(t, op, a1),
  ),
  def(SYS.set_tid_address, "set_tid_address", "full", "", (t, addr) => {
    t.clearChildTid = addr;
    return t.tid;
  }),
  def(SYS.set_robust_list, "set_robust_list", "full", "walked on exit and exec", (t, head, len) => {
    if (len !== 24) return -E.EINVAL;
    t.robustList = head;
    return 0;
  }),
  def(SYS.get_robust_list, "get_robust_list", "full", "", (t, _pid, head, len) => {
    if (t.mem.writeU64(head, t.robustList) < 0 || t.mem.writeU64(len, 24) < 0) return -E.EFAULT;
    return 0;
  }),
  def(SYS.rseq, "rseq", "errno", "ENOSYS: glibc then runs without restartable sequences", () => -E.ENOSYS),
  def(SYS.getpgid, "getpgid", "full", "", (t, pid) => getpgid(t, pid)),
  def(SYS.getpgrp, "getpgrp", "full", "", (t) => t.tg.pgid),
  def(SYS.setpgid, "setpgid", "full", "", (t, pid, pgid) => setpgid(t, pid, pgid)),
  def(SYS.setsid, "setsid", "full", "", (t) => setsid(t)),
  def(SYS.getsid, "getsid", "full", "", (t, pid) => getsid(t, pid)),
  def(
    SYS.prlimit64,
    "prlimit64",
    "partial",
    "limits recorded; few enforced",
    (t, pid, r, n, o) => prlimit(t, pid, r, n, o),
  ),
  def(SYS.getrlimit, "getrlimit", "partial", "", (t, r, o) => prlimit(t, 0, r, 0, o)),
  def(SYS.setrlimit, "setrlimit", "partial", "", (t, r, n) => prlimit(t, 0, r, n, 0)),
  def(SYS.getrandom, "getrandom", "full", "", (t, b, l, f) => getrandom(t, b, l, f)),
  def(
    SYS.sched_getaffinity,
    "sched_getaffinity",
    "partial",
    "two CPUs",
    (t, p, l, m) => schedGetaffinity(t, p, l, m),
  ),
  def(SYS.sched_setaffinity, "sched_setaffinity", "partial", "accepted, not applied", () => 0),
  def(SYS.sched_yield, "sched_yield", "full", "", () => 0),
  def(SYS.getcpu, "getcpu", "partial", "always CPU 0", (t, cpu, node) => {
    if (cpu !== 0 && t.mem.writeU32(cpu, 0) < 0) return -E.EFAULT;
    if (node !== 0 && t.mem.writeU32(node, 0) < 0) return -E.EFAULT;
    return 0;
  }),
  def(
    SYS.personality,
    "personality",
    "partial",
    "only PER_LINUX",
    (_t, p) => (p === 0xffffffff || p === 0 ? 0 : -E.EINVAL),
  ),
  def(SYS.getpriority, "getpriority", "partial", "", () => 20),
  def(SYS.setpriority, "setpriority", "partial", "accepted, not applied", () => 0),
  def(SYS.capget, "capget", "full", "this task's sets (other pids: ESRCH unless own)", capget),
  def(SYS.capset, "capset", "full", "own sets, with Linux's subset rules", capset),
];
