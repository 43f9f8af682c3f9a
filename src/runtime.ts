// Everything that differs between Deno (development: `deno run -A src/main.ts`) and the Node
// single-executable binary lives here, so the rest of the code is plain TypeScript over node:*.
import process from "node:process";
import * as path from "node:path";
import { writeSync } from "node:fs";

/** Version of this runtime and of the OCI runtime spec it implements. */
export const VERSION = "0.1.0";
export const OCI_SPEC_VERSION = "1.1.0";

declare const Deno: { execPath(): string; mainModule?: string } | undefined;

/** True when running as the bundled single executable (Node SEA). */
export function isSingleExecutable(): boolean {
  return (globalThis as { __RUNSC_SEA__?: boolean }).__RUNSC_SEA__ === true;
}

/** Arguments after the program name. */
export function args(): string[] {
  return process.argv.slice(2);
}

/**
 * The command line that starts this same program again, for re-exec into the `boot` and
 * `gofer` roles: the binary itself, or Deno running our main module.
 */
export function selfCommand(): string[] {
  // /proc/self/exe, not process.execPath: a binary replaced while starting (an upgrade, a
  // rebuild during the test suite) reads back as "<path> (deleted)", which spawn cannot find
  // ("could not start the sandbox process"); /proc/self/exe runs the very file we run.
  if (isSingleExecutable()) return ["/proc/self/exe"];
  if (typeof Deno !== "undefined") {
    const main = process.argv[1];
    return [Deno.execPath(), "run", "-A", "--quiet", path.resolve(main)];
  }
  throw new Error("cannot re-exec: not running as the runsc binary or under Deno");
}

/** Path of the runsc binary users should register (the executable, or the dev wrapper). */
export function selfPath(): string {
  // A binary replaced in place while running (an upgrade, a rebuild) reads back from Linux as
  // "<path> (deleted)"; the path to register is the file's name, which now holds the new one.
  if (isSingleExecutable()) return process.execPath.replace(/ \(deleted\)$/, "");
  return path.resolve(path.dirname(process.argv[1]), "..", "bin", "runsc-dev");
}

/** Exits the process now with `code`, after flushing nothing asynchronous. */
export function exit(code: number): never {
  process.exit(code);
}

const TRACE = process.env.RUNSC_STARTUP_TRACE === "1";
// The global (Node and Deno): importing node:perf_hooks would cost every start a module load.
declare const performance: { now(): number; timeOrigin: number };

/**
 * Start-up timing trace (RUNSC_STARTUP_TRACE=1): one stderr line per milestone with the
 * wall-clock time (ms, comparable across the CLI, gofer and boot processes) and the time since
 * this process started. Written with fs.writeSync, not process.stderr: boot must not make its
 * stdio non-blocking (docs/gofer.md). Costs one env lookup when off.
 */
export function startupTrace(what: string): void {
  if (!TRACE) return;
  const now = performance.now();
  const wall = (performance.timeOrigin + now).toFixed(1);
  writeSync(2, `[trace ${process.pid} ${wall} +${now.toFixed(1)}ms] ${what}\n`);
}
