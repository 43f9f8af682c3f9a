// Building the kernel and its init process (pid 1) from a configuration.
import { cpuEnter } from "./cputime.ts";
import { Kernel } from "./kernel.ts";
import type { KernelIdentity } from "./kernel.ts";
import { Task, TS_SYSCALL } from "./task.ts";
import { ThreadGroup } from "./thread-group.ts";
import { type Creds, makeCreds } from "./creds.ts";
import { MemoryManager } from "../mm/mm.ts";
import { MmAccess } from "../mm/access.ts";
import { SignalHandlers, SignalState } from "../signal/state.ts";
import { loadProgram } from "../loader/load.ts";
import type { ExecOpener } from "../loader/load.ts";
import { REG } from "../../../ffi/regs.ts";
import { E } from "../../../ffi/errno.ts";
import { DEFAULT_RLIMITS, RLIMIT_NOFILE } from "../syscalls/process.ts";
import { NR_OPEN } from "../vfs/fdtable.ts";
import { fillRandom } from "../../../ffi/random.ts";
import { capsAfterExec, type CapSets } from "./caps.ts";

/** The Linux we present. */
export function defaultIdentity(hostname: string): KernelIdentity {
  return {
    sysname: "Linux",
    release: "5.15.0",
    version: "#1 SMP PREEMPT runsc",
    machine: "x86_64",
    hostname,
    domainname: "(none)",
  };
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** execvp-like lookup of `name` in PATH from `env`; returns a path that opens, or -errno. */
export function lookPath(opener: ExecOpener, name: string, env: readonly string[]): string | number {
  if (name.includes("/")) return name;
  const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  let err = -E.ENOENT;
  for (const dir of pathVar.split(":")) {
    const p = `${dir === "" ? "." : dir}/${name}`;
    const f = opener.open(p);
    if (typeof f !== "number") {
      f.close();
      return p;
    }
    if (f === -E.EACCES) err = f;
  }
  return err;
}

/** What the runtime sets up for a new process beyond its ids (init, or an exec'd process). */
export interface SentryProcessCreds {
  /** Supplementary groups. */
  readonly groups?: readonly number[];
  /** Capability sets before its execve (the runtime's execve applies its rules); absent: root has all. */
  readonly caps?: CapSets;
  /** [RLIMIT_* index, soft, hard] replacing the defaults (Infinity: unlimited). */
  readonly rlimits?: readonly (readonly [number, number, number])[];
}

/** The credentials and resource limits of a process the runtime starts. */
export function processCreds(spec: SentryProcessCreds & { uid: number; gid: number }): {
  creds: Creds;
  rlimits: [number, number][];
} {
  const rlimits = DEFAULT_RLIMITS.map(([s, h]) => [s, h] as [number, number]);
  for (const [r, soft, hard] of spec.rlimits ?? []) rlimits[r] = [soft, hard];
  const creds = makeCreds(spec.uid, spec.gid, spec.caps);
  if (spec.caps !== undefined) Object.assign(creds, capsAfterExec(creds));
  creds.groups = [...(spec.groups ?? [])].sort((a, b) => a - b); // the kernel sorts setgroups' list
  return { creds, rlimits };
}

/** Makes `t`'s fd table enforce its process's RLIMIT_NOFILE (after its files are set up). */
export function applyNofile(t: Task): void {
  t.fds.limit = Math.min(t.tg.rlimits[RLIMIT_NOFILE][0], NR_OPEN);
}

/** What creating init needs. */
export interface InitSpec extends SentryProcessCreds {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly uid: number;
  readonly gid: number;
  /** Gives the task its files (fd table, cwd) before loading. */
  readonly setupFiles: (t: Task) => void;
  readonly opener: (t: Task) => ExecOpener;
}

/** Creates pid 1 running `spec.argv` and makes it runnable; returns it or -errno. */
export function createInit(k: Kernel, spec: InitSpec): Task | number {
  const pid = k.allocPid();
  const { creds, rlimits } = processCreds(spec);
  const tg = new ThreadGroup(pid, null, new SignalHandlers(), rlimits, k.bootNs);
  k.groups.set(pid, tg);
  k.init = tg;
  const mm = new MemoryManager(k.mf, k.platform.newAddressSpace());
  cpuEnter(tg, mm);
  const ctx = k.platform.newContext(mm.as);
  const mem = new MmAccess(mm);
  const t = new Task(k, pid, tg, ctx, mem, creds, new SignalState());
  tg.tasks.add(t);
  k.tasks.set(pid, t);
  spec.setupFiles(t);
  applyNofile(t);
  const opener = spec.opener(t);
  const path = lookPath(opener, spec.argv[0] ?? "", spec.env);
  if (typeof path === "number") return path;
  const random = new Uint8Array(16);
  fillRandom(random);
  const r = loadProgram(mm, mem, opener, path, spec.argv, spec.env, t.creds, random);
  if (typeof r === "number") return r;
  ctx.regs.set(REG.rip, r.entry);
  ctx.regs.set(REG.rsp, r.sp);
  t.comm = path.slice(path.lastIndexOf("/") + 1).slice(0, 15);
  tg.exe = r.path;
  tg.argv = r.argv;
  tg.envp = spec.env;
  t.state = TS_SYSCALL;
  k.resumeTask(t);
  return t;
}
