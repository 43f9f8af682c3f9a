// The kernel as procfs sees it (ProcProvider): live processes, their ids, credentials, memory
// map text (/proc/[pid]/maps from the VMAs), argv/envp, executable, fd table and fs context.
import { processCpu } from "./cputime.ts";
import type { ProcIdentity, ProcProcess, ProcProvider } from "../fs/procfs/provider.ts";
import type { Kernel } from "./kernel.ts";
import type { ThreadGroup } from "./thread-group.ts";
import { TS_RUNNING } from "./task.ts";
import type { Vma } from "../mm/vma.ts";
import type { MemoryManager } from "../mm/mm.ts";
import type { HostMapping } from "../../platform/platform.ts";
import { monotonicNs } from "../../../ffi/time.ts";

const enc = new TextEncoder();

/** NUL-terminated strings, as argv/envp sit on the stack. */
function nulJoined(xs: readonly string[]): Uint8Array {
  return enc.encode(xs.length === 0 ? "" : xs.join("\0") + "\0");
}

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, "0");
}

/** One /proc/[pid]/maps line (Linux's show_map_vma format). */
export function mapsLine(
  v: Pick<Vma, "start" | "end" | "prot" | "name" | "fileOff" | "dev" | "ino">,
  shared: boolean,
): string {
  const perms = ((v.prot & 1) !== 0 ? "r" : "-") + ((v.prot & 2) !== 0 ? "w" : "-") +
    ((v.prot & 4) !== 0 ? "x" : "-") + (shared ? "s" : "p");
  const major = Number((BigInt(v.dev) >> 8n) & 0xfffn), minor = v.dev & 0xff;
  const head = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(v.fileOff, 8)} ` +
    `${hex(major, 2)}:${hex(minor, 2)} ${v.ino} `;
  return v.name === "" ? head + "\n" : head.padEnd(73) + v.name + "\n";
}

/** /proc/[pid]/maps of address space `mm`. */
export function mapsText(mm: MemoryManager): string {
  let s = "";
  let k = 0;
  const special = mm.special;
  for (const v of mm.vmas) {
    for (; k < special.length && special[k].start < v.start; k++) s += specialLine(special[k]);
    s += mapsLine(v, v.segment !== null);
  }
  for (; k < special.length; k++) s += specialLine(special[k]);
  return s;
}

/** A platform host mapping ([vvar], [vdso]) as Linux shows it: private, anonymous, named. */
function specialLine(h: HostMapping): string {
  return mapsLine(
    { start: h.start, end: h.end, prot: h.prot, name: h.name, fileOff: 0, dev: 0, ino: 0 },
    false,
  );
}

function state(tg: ThreadGroup): string {
  if (tg.zombie) return "Z";
  if (tg.stopped) return "T";
  for (const t of tg.tasks) if (t.state === TS_RUNNING) return "R";
  return "S";
}

/** procfs's view of process `tg`. */
function procProcess(k: Kernel, tg: ThreadGroup): ProcProcess {
  const leader = tg.leader();
  const mm = leader?.mm ?? null;
  let vsize = 0;
  if (mm !== null) { for (const v of mm.vmas) vsize += v.end - v.start; }
  return {
    pid: tg.tgid,
    ppid: tg.parent?.tgid ?? 0,
    pgid: tg.pgid,
    sid: tg.sid,
    comm: leader?.comm ?? "",
    state: state(tg),
    threads: tg.tasks.size,
    tids: () => [...tg.tasks].map((t) => t.tid).sort((a, b) => a - b),
    creds: () => leader?.creds ?? { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, groups: [] },
    cpuTicks: () => {
      const out = new Float64Array(2);
      processCpu(tg, out);
      const ticks = (ns: number) => Math.floor(ns / 1e7); // USER_HZ 100
      return [ticks(out[0]), ticks(out[1]), ticks(tg.cpu.childUser), ticks(tg.cpu.childSys)];
    },
    startNs: tg.startNs - k.bootNs,
    vsizeBytes: vsize,
    rssPages: 0,
    cmdline: () => nulJoined(tg.argv),
    environ: () => nulJoined(tg.envp),
    exe: () => (tg.exe === "" ? null : tg.exe),
    maps: () => (mm === null ? "" : mapsText(mm)),
    rlimits: () => tg.rlimits,
    fds: () => (leader !== null && leader.fdsReady ? leader.fds : null),
    fsctx: () => (leader !== null && leader.fdsReady ? leader.fsctx : null),
  };
}

/** The ProcProvider of kernel `k`. */
export function kernelProcProvider(k: Kernel): ProcProvider {
  return {
    pids: () => [...k.groups.keys()].sort((a, b) => a - b),
    process: (pid: number) => {
      const tg = k.groups.get(pid);
      return tg === undefined ? null : procProcess(k, tg);
    },
    uptimeNs: () => monotonicNs() - k.bootNs,
    identity: (): ProcIdentity => ({ ...k.identity }),
    cpus: 1,
    // With a memory limit, /proc/meminfo shows it as the machine's memory (as LXCFS does), so
    // programs sizing caches from MemTotal stay under it.
    get memTotalKb(): number | undefined {
      const m = k.limits?.limits.memoryBytes;
      return m === undefined ? undefined : Math.floor(m / 1024);
    },
    get memFreeKb(): number | undefined {
      const l = k.limits;
      const m = l?.limits.memoryBytes;
      return l == null || m === undefined ? undefined : Math.floor(Math.max(0, m - l.memoryUsage()) / 1024);
    },
  };
}
