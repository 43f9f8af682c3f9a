// procfs: /proc/self, /proc/[pid]/..., and the system files tools read (cpuinfo, meminfo,
// uptime, loadavg, version, filesystems, mounts, stat, sys/kernel/*).
import { allocDev, type Filesystem, type FsStats, type Inode } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { pidDir } from "./pid.ts";
import type { ProcProvider } from "./provider.ts";
import { type GenFn, SynthDir, SynthFile, SynthLink } from "./synth.ts";

/** statfs f_type of procfs. */
export const PROC_SUPER_MAGIC = 0x9fa0;

const FILESYSTEMS =
  "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\toverlay\n";

/** A procfs instance over `prov`. */
export class Procfs implements Filesystem {
  readonly name = "proc";
  readonly dev: number = allocDev();
  readonly readonly = false;
  readonly root: Inode;
  private readonly prov: ProcProvider;

  /** /proc for the processes `prov` knows. */
  constructor(prov: ProcProvider) {
    this.prov = prov;
    let ino = 1;
    const file = (gen: GenFn) => new SynthFile(this, ++ino, gen);
    const sysKernel = new Map<string, Inode>([
      ["hostname", file(() => prov.identity().hostname + "\n")],
      ["ostype", file(() => prov.identity().sysname + "\n")],
      ["osrelease", file(() => prov.identity().release + "\n")],
      ["version", file(() => prov.identity().version + "\n")],
      ["pid_max", file(() => "4194304\n")],
      ["ngroups_max", file(() => "65536\n")],
      ["cap_last_cap", file(() => "40\n")],
      ["random", staticDir(this, ++ino, new Map([["boot_id", file(() => BOOT_ID + "\n")]]))],
    ]);
    const sys = staticDir(this, ++ino, new Map([["kernel", staticDir(this, ++ino, sysKernel)]]));
    const fixed = new Map<string, Inode>([
      ["self", new SynthLink(this, ++ino, (t) => String(t.tgid))],
      ["thread-self", new SynthLink(this, ++ino, (t) => `${t.tgid}/task/${t.tid}`)],
      ["mounts", new SynthLink(this, ++ino, () => "self/mounts")],
      ["cpuinfo", file(() => cpuinfo(prov.cpus ?? 1))],
      ["meminfo", file(() => meminfo(prov))],
      ["uptime", file(() => uptime(prov.uptimeNs()))],
      ["loadavg", file(() => `0.00 0.00 0.00 1/${prov.pids().length} ${Math.max(0, ...prov.pids())}\n`)],
      ["version", file(() => versionText(prov))],
      ["filesystems", file(() => FILESYSTEMS)],
      ["stat", file(() => procStat(prov))],
      ["sys", sys],
    ]);
    this.root = new SynthDir(
      this,
      1,
      0o555,
      () => [...fixed.keys(), ...prov.pids().map(String)],
      (_t, name) => {
        const f = fixed.get(name);
        if (f !== undefined) return f;
        if (!/^[1-9][0-9]*$/.test(name)) return null;
        return pidDir(this, prov, Number(name));
      },
    );
  }

  /** statfs of procfs. */
  statfs(): FsStats {
    return {
      type: PROC_SUPER_MAGIC,
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

  /** The provider (for tests and the Sentry). */
  get provider(): ProcProvider {
    return this.prov;
  }
}

const BOOT_ID = "6f1c2a6e-5d0b-4c3e-9b8a-2f7d1e0c4b3a";

function staticDir(fs: Filesystem, ino: number, m: Map<string, Inode>): Inode {
  return new SynthDir(fs, ino, 0o555, () => [...m.keys()], (_t: FileTask, n: string) => m.get(n) ?? null);
}

function cpuinfo(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += `processor\t: ${i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n` +
      `model name\t: runsc virtual CPU\nstepping\t: 7\ncpu MHz\t\t: 2000.000\ncache size\t: 4096 KB\n` +
      `physical id\t: 0\nsiblings\t: ${n}\ncore id\t\t: ${i}\ncpu cores\t: ${n}\napicid\t\t: ${i}\n` +
      `fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n` +
      `flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr ` +
      `sse sse2 ss ht syscall nx lm constant_tsc rep_good nopl pni pclmulqdq ssse3 cx16 sse4_1 sse4_2 ` +
      `popcnt aes xsave avx hypervisor lahf_lm\nbogomips\t: 4000.00\nclflush size\t: 64\n` +
      `cache_alignment\t: 64\naddress sizes\t: 46 bits physical, 48 bits virtual\npower management:\n\n`;
  }
  return s;
}

function meminfo(p: ProcProvider): string {
  const total = p.memTotalKb ?? 2 * 1024 * 1024;
  const free = p.memFreeKb ?? Math.floor(total / 2);
  const kb = (k: string, v: number) => `${(k + ":").padEnd(16)}${String(v).padStart(8)} kB\n`;
  return kb("MemTotal", total) + kb("MemFree", free) + kb("MemAvailable", free) + kb("Buffers", 0) +
    kb("Cached", 0) + kb("SwapCached", 0) + kb("Active", 0) + kb("Inactive", 0) + kb("SwapTotal", 0) +
    kb("SwapFree", 0) + kb("Dirty", 0) + kb("Shmem", 0) + kb("Mapped", 0) + kb("Slab", 0);
}

function uptime(ns: number): string {
  const s = (ns / 1e9).toFixed(2);
  return `${s} ${s}\n`;
}

function versionText(p: ProcProvider): string {
  const id = p.identity();
  return `${id.sysname} version ${id.release} (runsc@sandbox) (gcc version 12) ${id.version}\n`;
}

function procStat(p: ProcProvider): string {
  const boot = Math.floor(Date.now() / 1000 - p.uptimeNs() / 1e9);
  return `cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime ${boot}\n` +
    `processes ${p.pids().length}\nprocs_running 1\nprocs_blocked 0\n`;
}
