// Resource and scheduler queries runtimes make at start-up: sysinfo (JVM, nginx, redis size
// heaps and caches from it), getrusage and times (host CPU time, kernel/cputime.ts), the sched_* policy calls (only SCHED_OTHER/BATCH/IDLE at
// priority 0, as an unprivileged Linux task sees them) and ioprio_* (recorded per process).
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import { processCpu, threadCpu } from "../kernel/cputime.ts";
import { setTimeval } from "./itimer.ts";
import { CAP, capable } from "../kernel/caps.ts";

/** Memory shown without a container limit; same default as /proc/meminfo. */
const DEFAULT_TOTAL = 2 * 1024 * 1024 * 1024;
const CLK_TCK = 100;

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5;
const SCHED_RESET_ON_FORK = 0x40000000;

function sysSysinfo(t: Task, addr: number): number {
  const k = t.kernel;
  const b = new Uint8Array(112);
  const v = new DataView(b.buffer);
  const limit = k.limits?.limits.memoryBytes;
  const total = limit ?? DEFAULT_TOTAL;
  const free = limit !== undefined && k.limits !== null
    ? Math.max(0, limit - k.limits.memoryUsage())
    : Math.floor(total / 2);
  v.setBigInt64(0, BigInt(Math.floor((monotonicNs() - k.bootNs) / 1e9)), true);
  v.setBigUint64(32, BigInt(total), true);
  v.setBigUint64(40, BigInt(free), true);
  v.setUint16(80, Math.min(0xffff, k.tasks.size), true);
  v.setUint32(104, 1, true);
  return t.mem.write(addr, b);
}

const cpu = new Float64Array(2);
const rusage = new Uint8Array(144);
const rusageView = new DataView(rusage.buffer);

/** Writes a struct rusage with CPU times `user`/`sys` ns (faults, switches: not counted). */
export function writeRusage(t: Task, addr: number, user: number, sys: number): number {
  setTimeval(rusageView, 0, user, false);
  setTimeval(rusageView, 16, sys, false);
  return t.mem.write(addr, rusage) < 0 ? -E.EFAULT : 0;
}

function sysGetrusage(t: Task, who: number, addr: number): number {
  who = who | 0;
  if (who === RUSAGE_SELF) processCpu(t.tg, cpu);
  else if (who === RUSAGE_THREAD) threadCpu(t, cpu);
  else if (who === RUSAGE_CHILDREN) {
    cpu[0] = t.tg.cpu.childUser;
    cpu[1] = t.tg.cpu.childSys;
  } else return -E.EINVAL;
  return writeRusage(t, addr, cpu[0], cpu[1]);
}

function sysTimes(t: Task, addr: number): number {
  if (addr !== 0) {
    processCpu(t.tg, cpu);
    const tms = new BigInt64Array(4);
    const ticks = (ns: number) => BigInt(Math.floor((ns * CLK_TCK) / 1e9));
    tms[0] = ticks(cpu[0]);
    tms[1] = ticks(cpu[1]);
    tms[2] = ticks(t.tg.cpu.childUser);
    tms[3] = ticks(t.tg.cpu.childSys);
    if (t.mem.write(addr, new Uint8Array(tms.buffer)) < 0) return -E.EFAULT;
  }
  // clock_t ticks since boot (Linux starts this counter near -5 min; any origin is allowed).
  return Math.floor(((monotonicNs() - t.kernel.bootNs) / 1e9) * CLK_TCK);
}

/** The task `pid` names for sched_* (0: the caller), or -ESRCH. */
function target(t: Task, pid: number): Task | number {
  pid = pid | 0;
  if (pid < 0) return -E.EINVAL;
  if (pid === 0) return t;
  return t.kernel.tasks.get(pid) ?? -E.ESRCH;
}

function policyOf(x: Task): number {
  return (x.ext.schedPolicy as number | undefined) ?? SCHED_OTHER;
}

function sysSchedGetscheduler(t: Task, pid: number): number {
  const x = target(t, pid);
  return typeof x === "number" ? x : policyOf(x);
}

function sysSchedSetscheduler(t: Task, pid: number, policy: number, param: number): number {
  const x = target(t, pid);
  if (typeof x === "number") return x;
  const p = (policy | 0) & ~SCHED_RESET_ON_FORK;
  const prio = new Uint8Array(4);
  if (param === 0 || t.mem.readInto(param, prio) < 0) return -E.EFAULT;
  const v = new DataView(prio.buffer).getInt32(0, true);
  if (p === SCHED_FIFO || p === SCHED_RR) return v < 1 || v > 99 ? -E.EINVAL : -E.EPERM;
  if (p !== SCHED_OTHER && p !== SCHED_BATCH && p !== SCHED_IDLE) return -E.EINVAL;
  if (v !== 0) return -E.EINVAL;
  x.ext.schedPolicy = p;
  return 0;
}

function sysSchedGetparam(t: Task, pid: number, param: number): number {
  const x = target(t, pid);
  if (typeof x === "number") return x;
  if (param === 0) return -E.EINVAL;
  return t.mem.write(param, new Uint8Array(4));
}

function sysSchedSetparam(t: Task, pid: number, param: number): number {
  const x = target(t, pid);
  if (typeof x === "number") return x;
  return sysSchedSetscheduler(t, pid, policyOf(x), param);
}

function sysPrioMax(_t: Task, policy: number): number {
  const p = policy | 0;
  if (p === SCHED_FIFO || p === SCHED_RR) return 99;
  return p === SCHED_OTHER || p === SCHED_BATCH || p === SCHED_IDLE ? 0 : -E.EINVAL;
}

function sysPrioMin(_t: Task, policy: number): number {
  const p = policy | 0;
  if (p === SCHED_FIFO || p === SCHED_RR) return 1;
  return p === SCHED_OTHER || p === SCHED_BATCH || p === SCHED_IDLE ? 0 : -E.EINVAL;
}

function sysSchedRrGetInterval(t: Task, pid: number, addr: number): number {
  const x = target(t, pid);
  if (typeof x === "number") return x;
  const b = new Uint8Array(16);
  // CFS reports its timeslice (sched_rr_timeslice for SCHED_RR; 0..~100 ms otherwise).
  new DataView(b.buffer).setBigInt64(8, 100000000n, true);
  return t.mem.write(addr, b);
}

const IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP = 2, IOPRIO_WHO_USER = 3;
/** What ioprio_get answers for a task that never set one (IOPRIO_CLASS_NONE). */
const IOPRIO_DEFAULT = 0;

function sysIoprioGet(t: Task, which: number, who: number): number {
  if (which === IOPRIO_WHO_PROCESS) {
    const x = target(t, who);
    return typeof x === "number" ? x : (x.ext.ioprio as number | undefined) ?? IOPRIO_DEFAULT;
  }
  return which === IOPRIO_WHO_PGRP || which === IOPRIO_WHO_USER ? IOPRIO_DEFAULT : -E.EINVAL;
}

function sysIoprioSet(t: Task, which: number, who: number, prio: number): number {
  const cls = (prio >>> 13) & 7;
  if (cls > 3) return -E.EINVAL;
  // The realtime class needs CAP_SYS_NICE or CAP_SYS_ADMIN (inside the sandbox only).
  if (cls === 1 && !capable(t.creds, CAP.SYS_NICE) && !capable(t.creds, CAP.SYS_ADMIN)) return -E.EPERM;
  if (which === IOPRIO_WHO_PROCESS) {
    const x = target(t, who);
    if (typeof x === "number") return x;
    x.ext.ioprio = prio & 0xffff;
    return 0;
  }
  return which === IOPRIO_WHO_PGRP || which === IOPRIO_WHO_USER ? 0 : -E.EINVAL;
}

/** Rows of the resource and scheduler queries. */
export const RESOURCE_SYSCALLS: SyscallEntry[] = [
  def(SYS.sysinfo, "sysinfo", "partial", "memory from the container limit (or 2 GiB); loads 0", sysSysinfo),
  def(
    SYS.getrusage,
    "getrusage",
    "partial",
    "host CPU time of the application; other counters zero",
    sysGetrusage,
  ),
  def(SYS.times, "times", "full", "host CPU time of the application", sysTimes),
  def(SYS.sched_getscheduler, "sched_getscheduler", "full", "", sysSchedGetscheduler),
  def(
    SYS.sched_setscheduler,
    "sched_setscheduler",
    "partial",
    "OTHER/BATCH/IDLE recorded, not applied; FIFO/RR: EPERM",
    sysSchedSetscheduler,
  ),
  def(SYS.sched_getparam, "sched_getparam", "full", "", sysSchedGetparam),
  def(SYS.sched_setparam, "sched_setparam", "partial", "priority 0 only (no realtime)", sysSchedSetparam),
  def(SYS.sched_get_priority_max, "sched_get_priority_max", "full", "", sysPrioMax),
  def(SYS.sched_get_priority_min, "sched_get_priority_min", "full", "", sysPrioMin),
  def(SYS.sched_rr_get_interval, "sched_rr_get_interval", "partial", "always 100 ms", sysSchedRrGetInterval),
  def(SYS.ioprio_get, "ioprio_get", "partial", "per-task value recorded, not applied", sysIoprioGet),
  def(SYS.ioprio_set, "ioprio_set", "partial", "per-task value recorded, not applied", sysIoprioSet),
];
