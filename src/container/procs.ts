// Host processes of a sandbox: signalling them safely (pid + start time, so a reused pid is
// never hit), waiting for them to be gone, listing the sandbox's descendants (the platform's
// stub processes, one per application address space) and reading their resource usage.
import * as fs from "node:fs";
import process from "node:process";
import { isAlive, processStartTime } from "./state.ts";

/** A host process we started: pid plus start time (pid-reuse check). */
export interface HostProc {
  readonly pid: number;
  readonly startTime: number;
}

/** Sends `sig` to `p` if it is still the process we started; true if sent. */
export function signalProc(p: HostProc, sig: number): boolean {
  if (!isAlive(p.pid, p.startTime)) return false;
  try {
    process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Polls until none of `procs` is alive (zombies count as gone); false after `timeoutMs`. */
export async function waitGone(procs: readonly HostProc[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (procs.every((p) => !isAlive(p.pid, p.startTime))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Direct children of `pid` (all its threads'), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (text) { for (const c of text.split(/\s+/)) out.push(Number(c)); }
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

/** All descendants of `pid`, breadth first, each as a HostProc. */
export function descendantsOf(pid: number): HostProc[] {
  const out: HostProc[] = [];
  const queue = childrenOf(pid);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    const st = processStartTime(p);
    if (st < 0) continue;
    out.push({ pid: p, startTime: st });
    queue.push(...childrenOf(p));
  }
  return out;
}

/** Fields of /proc/PID/stat after the command name (index 0 = state, field 3). */
export function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).trim().split(" ");
  } catch {
    return null;
  }
}

/** Usage of a set of host processes: CPU time (ns) and resident memory (bytes). */
export interface Usage {
  cpuNs: number;
  rssBytes: number;
  processes: number;
}

const TICK_NS = 1e9 / 100; // USER_HZ is 100 on Linux/x86_64
const PAGE = 4096;

/** Sums utime+stime and RSS of `pids` (processes that vanished meanwhile are skipped). */
export function usageOf(pids: readonly number[]): Usage {
  const u: Usage = { cpuNs: 0, rssBytes: 0, processes: 0 };
  for (const pid of pids) {
    const f = statFields(pid);
    if (f === null) continue;
    u.processes++;
    u.cpuNs += (Number(f[11]) + Number(f[12])) * TICK_NS;
    u.rssBytes += Number(f[21]) * PAGE;
  }
  return u;
}
