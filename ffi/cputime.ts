// CPU time of other host processes and threads: the process CPU clocks clock_gettime accepts
// for any pid (MAKE_PROCESS_CPUCLOCK), and a thread's runtime from /proc/PID/task/TID/schedstat
// (thread CPU clocks are only readable from inside the thread's own process).
import { clockGettime } from "./time.ts";
import { close, errno, libc } from "./libc.ts";
import { pread } from "./memfd.ts";

/** CPUCLOCK_* kinds: user+system (ticks), user (ticks), scheduler runtime (ns precise). */
export const CPUCLOCK_PROF = 0;
export const CPUCLOCK_VIRT = 1;
export const CPUCLOCK_SCHED = 2;

const ts = new BigInt64Array(2);

/** CPU time of kind `which` consumed by host process `pid` (dead threads included), or -errno. */
export function processCpuNs(pid: number, which: number): number {
  // MAKE_PROCESS_CPUCLOCK: ~pid in the bits above 3, as an int.
  if (clockGettime((~pid << 3) | which, ts) !== 0) return -errno();
  return Number(ts[0]) * 1e9 + Number(ts[1]);
}

const _open = libc.func("int open(const char *, int)") as (path: string, flags: number) => number;
const O_RDONLY_CLOEXEC = 0o2000000;
const buf = new Uint8Array(96);

/** Runtime in ns of host thread `tid` of process `pid` (its first schedstat field), or -errno. */
export function threadCpuNs(pid: number, tid: number): number {
  const fd = _open(`/proc/${pid}/task/${tid}/schedstat`, O_RDONLY_CLOEXEC);
  if (fd < 0) return -errno();
  const n = pread(fd, buf, 0);
  close(fd);
  if (n <= 0) return n < 0 ? n : -5;
  let v = 0;
  for (let i = 0; i < n && buf[i] >= 48 && buf[i] <= 57; i++) v = v * 10 + buf[i] - 48;
  return v;
}
