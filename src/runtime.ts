// Everything that differs between Deno (development: `deno run -A src/main.ts`) and the Node
// single-executable binary lives here, so the rest of the code is plain TypeScript over node:*.
import process from "node:process";
import * as path from "node:path";

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
  if (isSingleExecutable()) return [process.execPath];
  if (typeof Deno !== "undefined") {
    const main = process.argv[1];
    return [Deno.execPath(), "run", "-A", "--quiet", path.resolve(main)];
  }
  throw new Error("cannot re-exec: not running as the runsc binary or under Deno");
}

/** Path of the runsc binary users should register (the executable, or the dev wrapper). */
export function selfPath(): string {
  if (isSingleExecutable()) return process.execPath;
  return path.resolve(path.dirname(process.argv[1]), "..", "bin", "runsc-dev");
}

/** Exits the process now with `code`, after flushing nothing asynchronous. */
export function exit(code: number): never {
  process.exit(code);
}
