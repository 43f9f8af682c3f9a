// Resource limits of the container (config.json linux.resources), enforced inside the Sentry:
// the host cgroup cannot hold them, since the sandbox's own processes (boot, gofer: two Node
// runtimes) already use ~140 MiB and a dozen threads.
//
// pids: clone/fork/vfork answer EAGAIN once the sandbox has `pids` tasks (threads count, as in
// the pids controller). memory: the application's pages live in the memory file, populated by
// the host kernel on first touch (no Sentry trap), so usage is the file's allocated blocks
// (fstat st_blocks) minus the shared page cache of read-only files: anonymous memory plus
// private copies. It is checked after each syscall that can grow it (mmap, brk, mremap, clone,
// execve) and every CHECK_NS while application code runs; past the limit the container is
// killed as the OOM killer would (SIGKILL from outside: exit status 137), and it is logged.
import { libc } from "../../../ffi/libc.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { logger } from "../../log/log.ts";
import { sendToGroup } from "../signal/send.ts";
import type { Timed } from "./timers.ts";
import { TS_RUNNING } from "./task.ts";
import type { Kernel } from "./kernel.ts";
import type { CgroupView } from "../fs/sysfs/sysfs.ts";

/** The limits of a sandbox (absent: unlimited). */
export interface SandboxLimits {
  /** memory.limit in bytes. */
  readonly memoryBytes?: number;
  /** pids.limit: tasks (threads) the sandbox may hold. */
  readonly pids?: number;
  /** CPU bandwidth (shown in /sys/fs/cgroup/cpu; not enforced by the Sentry). */
  readonly cpuQuotaUs?: number;
  readonly cpuPeriodUs?: number;
  /** cpu.shares (shown only). */
  readonly cpuShares?: number;
}

/** Syscalls after which memory use is measured (they can map or copy memory). */
const GROWING = new Set([9, 12, 25, 56, 57, 58, 59, 322, 435]);
/** Period of the background check while application code runs. */
const CHECK_NS = 20_000_000;
const SIGKILL = 9;
/** struct stat (x86_64): 144 bytes, st_blocks at 64. */
const statBuf = new Uint8Array(144);
const ST_BLOCKS_OFF = 64;
let hostFstat: ((fd: number, st: Uint8Array) => number) | undefined;

/** A kernel's limits and their accounting. */
export class LimitsState implements Timed {
  readonly limits: SandboxLimits;
  deadline = 0;
  /** Set once the container was killed for memory (logged once). */
  oomKilled = false;
  private readonly k: Kernel;

  /** Limits `limits` for kernel `k`. */
  constructor(k: Kernel, limits: SandboxLimits) {
    this.k = k;
    this.limits = limits;
  }

  /** True when one more task may be created (pids limit). */
  pidsAllowed(): boolean {
    return this.limits.pids === undefined || this.k.tasks.size < this.limits.pids;
  }

  /** Tasks the sandbox holds (pids.current). */
  pidsCurrent(): number {
    return this.k.tasks.size;
  }

  /** Bytes of application memory: the memory file's pages minus the shared file page cache. */
  memoryUsage(): number {
    // A raw host fd: node:fs under Deno knows only its own resource ids, so libc's fstat.
    hostFstat ??= libc.func("int fstat(int, void *)") as (fd: number, st: Uint8Array) => number;
    if (hostFstat(this.k.mf.fd, statBuf) !== 0) return 0;
    const blocks = Number(new DataView(statBuf.buffer).getBigInt64(ST_BLOCKS_OFF, true));
    return Math.max(0, blocks * 512 - this.k.mf.fileCacheBytes);
  }

  /** After syscall `nr`: measures memory when the call can grow it. */
  afterSyscall(nr: number): void {
    if (this.limits.memoryBytes === undefined) return;
    if (GROWING.has(nr)) this.check();
    this.arm();
  }

  /** Measures memory now; past the limit, kills the container (true). */
  check(): boolean {
    const limit = this.limits.memoryBytes;
    if (limit === undefined || this.oomKilled) return this.oomKilled;
    const used = this.memoryUsage();
    if (used <= limit) return false;
    this.oomKilled = true;
    logger.warning(
      `sentry: out of memory: the application uses ${used} bytes, over its limit of ${limit}; ` +
        `killing the container (SIGKILL)`,
    );
    const info = { signo: SIGKILL, code: 0, pid: 0, uid: 0, status: 0, addr: 0 };
    for (const tg of [...this.k.groups.values()]) sendToGroup(tg, info);
    return true;
  }

  /** Timed.expire: the periodic check, re-armed while some task runs application code. */
  expire(): void {
    this.deadline = 0;
    if (this.check()) return;
    for (const t of this.k.tasks.values()) {
      if (t.state === TS_RUNNING) return this.arm();
    }
  }

  /**
   * Arms the periodic check. Syscalls and running tasks arm it, so a sandbox whose tasks all
   * block forever still lets the kernel see its deadlock (no endless timer).
   */
  private arm(): void {
    if (this.deadline !== 0 || this.oomKilled) return;
    this.deadline = monotonicNs() + CHECK_NS;
    this.k.timers.add(this);
  }
}

/** The /sys/fs/cgroup view of `l` (fs/sysfs). */
export function cgroupView(l: LimitsState): CgroupView {
  const lim = l.limits;
  return {
    memoryLimit: () => lim.memoryBytes ?? null,
    memoryUsage: () => l.memoryUsage(),
    pidsMax: () => lim.pids ?? null,
    pidsCurrent: () => l.pidsCurrent(),
    cpuQuotaUs: () => lim.cpuQuotaUs ?? null,
    cpuPeriodUs: () => lim.cpuPeriodUs ?? null,
    cpuShares: () => lim.cpuShares ?? null,
  };
}
