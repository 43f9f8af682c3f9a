// A small sysfs for containers: /sys/fs/cgroup as cgroup v1 hierarchies (memory, pids,
// cpu,cpuacct with cpu and cpuacct links, as Docker shows them) holding the files runtimes read
// to learn their limits (libuv's uv_get_constrained_memory, JVM container support, nproc-like
// tools): memory.limit_in_bytes, memory.usage_in_bytes, pids.max, pids.current,
// cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares. Values come from the Sentry's own limits
// (kernel/limits.ts); everything is read-only.
import { allocDev, type Filesystem, type FsStats, type Inode } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { type GenFn, SynthDir, SynthFile, SynthLink } from "../procfs/synth.ts";

/** statfs f_type of sysfs. */
export const SYSFS_MAGIC = 0x62656572;

/** What /sys/fs/cgroup shows. */
export interface CgroupView {
  /** memory.limit in bytes, or null (unlimited). */
  memoryLimit(): number | null;
  /** Bytes of application memory in use. */
  memoryUsage(): number;
  /** pids.limit, or null (unlimited: "max"). */
  pidsMax(): number | null;
  /** Tasks in the sandbox. */
  pidsCurrent(): number;
  /** CFS quota in µs (null: -1, unlimited), period in µs (null: 100000), shares (null: 1024). */
  cpuQuotaUs(): number | null;
  cpuPeriodUs(): number | null;
  cpuShares(): number | null;
}

/** What cgroup v1 reports as "no memory limit" on x86_64 (LONG_MAX rounded down to a page). */
export const MEMORY_UNLIMITED = "9223372036854771712";

/** A sysfs instance whose /sys/fs/cgroup shows `view`. */
export class Sysfs implements Filesystem {
  readonly name = "sysfs";
  readonly dev: number = allocDev();
  readonly readonly = true;
  readonly root: Inode;

  /** /sys with fs/cgroup over `view`. */
  constructor(view: CgroupView) {
    let ino = 1;
    const file = (gen: GenFn) => new SynthFile(this, ++ino, gen);
    const line = (v: number | string) => `${v}\n`;
    const memory = dir(this, ++ino, [
      ["memory.limit_in_bytes", file(() => line(view.memoryLimit() ?? MEMORY_UNLIMITED))],
      ["memory.usage_in_bytes", file(() => line(view.memoryUsage()))],
      ["memory.max_usage_in_bytes", file(() => line(view.memoryUsage()))],
      ["memory.soft_limit_in_bytes", file(() => line(MEMORY_UNLIMITED))],
      ["memory.memsw.limit_in_bytes", file(() => line(view.memoryLimit() ?? MEMORY_UNLIMITED))],
      ["memory.use_hierarchy", file(() => line(1))],
    ]);
    const pids = dir(this, ++ino, [
      ["pids.max", file(() => line(view.pidsMax() ?? "max"))],
      ["pids.current", file(() => line(view.pidsCurrent()))],
    ]);
    const cpu = dir(this, ++ino, [
      ["cpu.cfs_quota_us", file(() => line(view.cpuQuotaUs() ?? -1))],
      ["cpu.cfs_period_us", file(() => line(view.cpuPeriodUs() ?? 100000))],
      ["cpu.shares", file(() => line(view.cpuShares() ?? 1024))],
      ["cpuacct.usage", file(() => line(0))],
    ]);
    const cgroup = dir(this, ++ino, [
      ["cpu", new SynthLink(this, ++ino, () => "cpu,cpuacct")],
      ["cpu,cpuacct", cpu],
      ["cpuacct", new SynthLink(this, ++ino, () => "cpu,cpuacct")],
      ["memory", memory],
      ["pids", pids],
    ]);
    const fsDir = dir(this, ++ino, [["cgroup", cgroup]]);
    this.root = dir(this, 1, [["fs", fsDir]]);
  }

  /** statfs of sysfs. */
  statfs(): FsStats {
    return {
      type: SYSFS_MAGIC,
      bsize: 4096,
      blocks: 0,
      bfree: 0,
      bavail: 0,
      files: 0,
      ffree: 0,
      namelen: 255,
      flags: 0,
    };
  }
}

function dir(fs: Filesystem, ino: number, entries: [string, Inode][]): Inode {
  const m = new Map(entries);
  return new SynthDir(fs, ino, 0o555, () => [...m.keys()], (_t: FileTask, n: string) => m.get(n) ?? null);
}
