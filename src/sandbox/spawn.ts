// Host side: starting this same program again in a role (`boot`, `gofer`) with chosen fds at
// 3..N. Uses node:child_process, which can place fds through the `stdio` array (Deno's own
// APIs cannot). Only the CLI may use this: the sandbox process must never use child_process
// (the runtime would reap the Sentry's ptrace children).
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import type { GlobalFlags } from "../cli/globals.ts";
import { DEFAULT_GLOBALS } from "../cli/globals.ts";
import { selfCommand, selfPath } from "../runtime.ts";

/** How a role ended: exit code, or the signal that killed it. */
export interface RoleExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started role process. */
export interface RoleProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<RoleExit>;
}

/**
 * What each of the role's fds 0, 1, 2 is: the CLI's own ("inherit"), /dev/null, a pipe, or
 * an fd of the CLI (a pty replica).
 */
export type StdioChoice = "inherit" | "ignore" | "pipe" | number;

/** Options of {@link spawnRole}. */
export interface SpawnRoleOptions {
  /** Fds of this process to place at 3, 4, 5... in the child, in order. */
  readonly fds: readonly number[];
  readonly stdio: readonly [StdioChoice, StdioChoice, StdioChoice];
  /**
   * False for roles that must outlive the CLI (`runsc create`): no --parent-pid (so no death
   * signal), and the CLI does not keep its event loop alive for them. Default true.
   */
  readonly attached?: boolean;
}

/**
 * The global flags as command-line arguments, so a role sees the same configuration as the
 * CLI that started it (only flags that differ from the defaults are written).
 */
export function globalsToArgs(g: GlobalFlags): string[] {
  const out: string[] = [];
  const d = DEFAULT_GLOBALS;
  if (g.root !== d.root) out.push(`--root=${g.root}`);
  if (g.log !== d.log) out.push(`--log=${g.log}`);
  if (g.logFormat !== d.logFormat) out.push(`--log-format=${g.logFormat}`);
  if (g.debug) out.push("--debug");
  if (g.debugLog !== d.debugLog) out.push(`--debug-log=${g.debugLog}`);
  if (g.strace) out.push("--strace");
  if (g.platform !== d.platform) out.push(`--platform=${g.platform}`);
  if (g.network !== d.network) out.push(`--network=${g.network}`);
  if (g.systemdCgroup) out.push("--systemd-cgroup");
  if (g.rootless) out.push("--rootless");
  return out;
}

/**
 * Starts `runsc [globals] ROLE ARGS... --parent-pid=<our pid>` with `opts.fds` at 3..N.
 * The child gets its own session (setsid): a terminal's ^C / ^Z reach only the CLI, which
 * forwards what it must to boot — as gVisor's runsc does. The child dies with us
 * (PR_SET_PDEATHSIG, set by the role at start; see lifetime.ts).
 */
export function spawnRole(
  role: string,
  globals: GlobalFlags,
  args: readonly string[],
  opts: SpawnRoleOptions,
): RoleProcess {
  const [cmd, ...prefix] = selfCommand();
  const attached = opts.attached ?? true;
  const argv = [...prefix, ...globalsToArgs(globals), role, ...args];
  if (attached) argv.push(`--parent-pid=${process.pid}`);
  const stdio: StdioOptions = [...opts.stdio, ...opts.fds];
  // argv[0] names the binary as users know it (ps), not the /proc/self/exe that re-executes it.
  const argv0 = cmd === "/proc/self/exe" ? selfPath() : undefined;
  const child = spawn(cmd, argv, { argv0, stdio, detached: true, env: roleEnv(process.env) });
  if (!attached) child.unref();
  const exited = new Promise<RoleExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // spawn failures (ENOENT of our own binary...) arrive as 'error' without 'exit'.
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  return { child, pid: child.pid ?? -1, exited };
}

/**
 * Variables the roles must not inherit because Node acts on them before any of our code runs:
 * NODE_EXTRA_CA_CERTS makes Node read and parse a whole CA bundle at start-up (~80 ms for
 * Debian's ca-certificates.crt, measured; docs/benchmarks.md), and no role makes TLS
 * connections. NODE_OPTIONS would hand the sandbox process whatever the caller's shell holds
 * (`--inspect`, `--require`...), and any V8 flag in it makes V8 reject the binary's code cache
 * (+~28 ms per role, measured with --max-semi-space-size).
 */
const NOT_FOR_ROLES = ["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"];

/** The environment a role starts with: ours, minus {@link NOT_FOR_ROLES}. */
export function roleEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of NOT_FOR_ROLES) delete out[k];
  return out;
}

/** Signal number of a Node signal name (for 128+N statuses). */
export function signalNumber(sig: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[sig] ?? 0;
}
