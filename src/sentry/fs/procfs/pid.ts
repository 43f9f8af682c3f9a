// /proc/[pid]: per-process files from a ProcProcess.
import { E } from "../../../../ffi/errno.ts";
import { pathOf } from "../../vfs/dentry.ts";
import type { Filesystem, Inode } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import type { ProcProcess, ProcProvider } from "./provider.ts";
import { fileTarget, SynthDir, SynthFile, SynthLink } from "./synth.ts";
import { capHex, type CapSets, defaultCaps } from "../../kernel/caps.ts";

const TICKS = 100; // USER_HZ

/** Inode numbers for /proc/[pid]/<name>: stable per (pid, file). */
function pidIno(pid: number, slot: number): number {
  return 0x10000 + pid * 64 + slot;
}

/** RLIMIT_* rows of /proc/[pid]/limits: name and unit ("" for none), in RLIMIT_* order. */
const LIMIT_ROWS: readonly (readonly [string, string])[] = [
  ["Max cpu time", "seconds"],
  ["Max file size", "bytes"],
  ["Max data size", "bytes"],
  ["Max stack size", "bytes"],
  ["Max core file size", "bytes"],
  ["Max resident set", "bytes"],
  ["Max processes", "processes"],
  ["Max open files", "files"],
  ["Max locked memory", "bytes"],
  ["Max address space", "bytes"],
  ["Max file locks", "locks"],
  ["Max pending signals", "signals"],
  ["Max msgqueue size", "bytes"],
  ["Max nice priority", ""],
  ["Max realtime priority", ""],
  ["Max realtime timeout", "us"],
];

/** /proc/[pid]/limits in Linux's layout (proc_pid_limits). */
export function limitsText(rlimits: readonly (readonly [number, number])[]): string {
  const v = (n: number): string => (n === Infinity ? "unlimited" : String(n)).padEnd(20);
  let s = `${"Limit".padEnd(25)} ${"Soft Limit".padEnd(20)} ${"Hard Limit".padEnd(20)} ${
    "Units".padEnd(10)
  }\n`;
  LIMIT_ROWS.forEach(([name, unit], i) => {
    const [soft, hard] = rlimits[i] ?? [Infinity, Infinity];
    s += `${name.padEnd(25)} ${v(soft)} ${v(hard)} ${unit === "" ? "" : unit.padEnd(10)}\n`;
  });
  return s;
}

/** Formats /proc/[pid]/stat. */
export function statLine(p: ProcProcess): string {
  const start = Math.floor((p.startNs / 1e9) * TICKS);
  const [ut, st, cut, cst] = p.cpuTicks?.() ?? [0, 0, 0, 0];
  const f = [
    p.pid,
    `(${p.comm.slice(0, 15)})`,
    p.state,
    p.ppid,
    p.pgid,
    p.sid,
    0, // tty_nr
    -1, // tpgid
    0, // flags
    0,
    0,
    0,
    0, // minflt cminflt majflt cmajflt
    ut,
    st,
    cut,
    cst, // utime stime cutime cstime
    20,
    0, // priority nice
    p.threads,
    0, // itrealvalue
    start,
    p.vsizeBytes,
    p.rssPages,
    "18446744073709551615", // rsslim
    0,
    0,
    0,
    0,
    0, // startcode endcode startstack kstkesp kstkeip
    0,
    0,
    0,
    0, // signal blocked sigignore sigcatch
    0,
    0,
    0, // wchan nswap cnswap
    17, // exit_signal
    0,
    0,
    0,
    0,
    0, // processor rt_priority policy delayacct_blkio_ticks guest_time
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // cguest_time start_data end_data start_brk arg_start arg_end env_start env_end
    0, // exit_code
  ];
  return f.join(" ") + "\n";
}

const STATE_NAMES: Record<string, string> = {
  R: "R (running)",
  S: "S (sleeping)",
  T: "T (stopped)",
  Z: "Z (zombie)",
  D: "D (disk sleep)",
};

/** Formats /proc/[pid]/status. */
export function statusText(p: ProcProcess): string {
  const c = p.creds();
  // Sets of credentials that carry them (the Sentry's tasks), else root's or none by euid.
  const caps: CapSets = { ...defaultCaps(c.euid), ...(c as Partial<CapSets>) };
  const fsu = c.fsuid ?? c.euid;
  const fsg = c.fsgid ?? c.egid;
  return [
    `Name:\t${p.comm.slice(0, 15)}`,
    `Umask:\t${(p.fsctx()?.umask ?? 0o22).toString(8).padStart(4, "0")}`,
    `State:\t${STATE_NAMES[p.state] ?? p.state}`,
    `Tgid:\t${p.pid}`,
    `Ngid:\t0`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `TracerPid:\t0`,
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${fsu}`,
    `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${fsg}`,
    `FDSize:\t64`,
    `Groups:\t${c.groups.join(" ")}`,
    `VmSize:\t${Math.floor(p.vsizeBytes / 1024)} kB`,
    `VmRSS:\t${p.rssPages * 4} kB`,
    `Threads:\t${p.threads}`,
    `SigQ:\t0/127431`,
    `CapInh:\t${capHex(caps.capInh)}`,
    `CapPrm:\t${capHex(caps.capPrm)}`,
    `CapEff:\t${capHex(caps.capEff)}`,
    `CapBnd:\t${capHex(caps.capBnd)}`,
    `CapAmb:\t${capHex(caps.capAmb)}`,
    `NoNewPrivs:\t0`,
    `Seccomp:\t0`,
    `voluntary_ctxt_switches:\t0`,
    `nonvoluntary_ctxt_switches:\t0`,
  ].join("\n") + "\n";
}

const FILES = [
  "cgroup",
  "cmdline",
  "comm",
  "cwd",
  "environ",
  "exe",
  "fd",
  "limits",
  "maps",
  "mounts",
  "root",
  "stat",
  "status",
  "task",
];

/**
 * /proc/[pid]/cgroup: every process sits at the root of the v1 hierarchies that /sys/fs/cgroup
 * shows (fs/sysfs), which is where libuv and JVMs then look for memory/pids/cpu limits.
 */
const CGROUP_TEXT = "3:pids:/\n2:memory:/\n1:cpu,cpuacct:/\n";

/** The /proc/[pid] directory for `pid`. */
export function pidDir(fs: Filesystem, prov: ProcProvider, pid: number): Inode | null {
  const proc = () => prov.process(pid);
  const p0 = proc();
  if (p0 === null) return null;
  const c = p0.creds();
  const uid = c.euid, gid = c.egid;
  const gen = (
    slot: number,
    f: (p: ProcProcess, t: FileTask) => string | Uint8Array | number,
    mode = 0o444,
  ) =>
    new SynthFile(
      fs,
      pidIno(pid, slot),
      (t) => {
        const p = proc();
        return p === null ? -E.ESRCH : f(p, t);
      },
      mode,
      uid,
      gid,
    );
  const ctxLink = (slot: number, which: "cwd" | "root") =>
    new SynthLink(
      fs,
      pidIno(pid, slot),
      (t) => {
        const ctx = proc()?.fsctx();
        return ctx == null ? -E.ENOENT : pathOf(ctx[which], t.fsctx.root);
      },
      (_t) => {
        const ctx = proc()?.fsctx();
        return ctx == null ? -E.ENOENT : ctx[which];
      },
      uid,
      gid,
    );
  const child = (t: FileTask, name: string): Inode | null => {
    switch (name) {
      case "cgroup":
        return gen(13, () => CGROUP_TEXT);
      case "cmdline":
        return gen(1, (p) => p.cmdline());
      case "comm":
        return gen(2, (p) => p.comm.slice(0, 15) + "\n", 0o644);
      case "cwd":
        return ctxLink(3, "cwd");
      case "environ":
        return gen(4, (p) => p.environ(), 0o400);
      case "exe":
        return new SynthLink(fs, pidIno(pid, 5), () => proc()?.exe() ?? -E.ENOENT, null, uid, gid);
      case "fd":
        return fdDir(fs, prov, pid, uid, gid);
      case "limits":
        return gen(14, (p) => limitsText(p.rlimits()));
      case "maps":
        return gen(7, (p) => p.maps());
      case "mounts":
        return gen(8, (p, tt) => {
          const ctx = p.fsctx();
          return ctx === null ? "" : ctx.ns.procMounts(tt.fsctx.root);
        });
      case "root":
        return ctxLink(9, "root");
      case "stat":
        return gen(10, (p) => statLine(p));
      case "status":
        return gen(11, (p) => statusText(p));
      case "task":
        return new SynthDir(
          fs,
          pidIno(pid, 12),
          0o555,
          () => (proc()?.tids() ?? []).map(String),
          (_t, n) => (proc()?.tids().includes(Number(n)) ? pidDir(fs, prov, pid) : null),
          uid,
          gid,
        );
    }
    void t;
    return null;
  };
  return new SynthDir(fs, pidIno(pid, 0), 0o555, () => FILES, child, uid, gid);
}

/** /proc/[pid]/fd: one magic link per open fd. */
function fdDir(fs: Filesystem, prov: ProcProvider, pid: number, uid: number, gid: number): Inode {
  const table = () => prov.process(pid)?.fds() ?? null;
  return new SynthDir(
    fs,
    pidIno(pid, 6),
    0o500,
    () => (table()?.fds() ?? []).map(String),
    (_t, name) => {
      if (!/^(0|[1-9][0-9]*)$/.test(name)) return null;
      const fd = Number(name);
      const f0 = table()?.get(fd);
      if (f0 === undefined) return null;
      return new SynthLink(
        fs,
        0x4000_0000 + pid * 4096 + (fd % 4096),
        (t) => {
          const f = table()?.get(fd);
          if (f === undefined) return -E.ENOENT;
          return f.vd !== null ? pathOf(f.vd, t.fsctx.root) : f.anonName();
        },
        (_t, at) => {
          const f = table()?.get(fd);
          return f === undefined ? -E.ENOENT : fileTarget(fs, f, at);
        },
        uid,
        gid,
      );
    },
    uid,
    gid,
  );
}
