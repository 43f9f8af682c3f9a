// What procfs asks of the kernel: the Sentry's process objects implement ProcProcess and the
// kernel implements ProcProvider; procfs formats everything itself.
import type { FsContext } from "../../vfs/context.ts";
import type { FdTable } from "../../vfs/fdtable.ts";
import type { Credentials } from "../../vfs/task.ts";

/** The identity the application sees (uname, /proc/version). */
export interface ProcIdentity {
  readonly sysname: string;
  readonly release: string;
  readonly version: string;
  readonly machine: string;
  readonly hostname: string;
}

/** One process (thread group) as /proc/[pid] shows it. */
export interface ProcProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Command name (at most 15 bytes are shown). */
  readonly comm: string;
  /** One-letter state: R running, S sleeping, T stopped, Z zombie. */
  readonly state: string;
  readonly threads: number;
  /** Thread ids, for /proc/[pid]/task. */
  tids(): readonly number[];
  creds(): Credentials;
  /** utime, stime, cutime, cstime in clock ticks (absent: zeros). */
  cpuTicks?(): readonly [number, number, number, number];
  /** Start time in ns since boot (for /proc/[pid]/stat starttime). */
  readonly startNs: number;
  /** Virtual size in bytes and resident pages (0 when unknown). */
  readonly vsizeBytes: number;
  readonly rssPages: number;
  /** argv as NUL-separated bytes (as stored on the stack). */
  cmdline(): Uint8Array;
  /** envp as NUL-separated bytes. */
  environ(): Uint8Array;
  /** Absolute path of the executable, or null. */
  exe(): string | null;
  /** /proc/[pid]/maps text. */
  maps(): string;
  /** Resource limits (soft, hard) by RLIMIT_* index; Infinity = unlimited. */
  rlimits(): readonly (readonly [number, number])[];
  /** The fd table and fs context (null for zombies). */
  fds(): FdTable | null;
  fsctx(): FsContext | null;
}

/** Kernel-wide data for procfs. */
export interface ProcProvider {
  /** Thread-group ids of live processes, ascending. */
  pids(): readonly number[];
  /** The process with thread-group id `pid`, or null. */
  process(pid: number): ProcProcess | null;
  /** Nanoseconds since the sandbox booted. */
  uptimeNs(): number;
  identity(): ProcIdentity;
  /** CPUs shown in /proc/cpuinfo (default 1). */
  readonly cpus?: number;
  /** Memory shown in /proc/meminfo, in KiB. */
  readonly memTotalKb?: number;
  readonly memFreeKb?: number;
}
