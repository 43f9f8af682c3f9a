// `runsc do [flags] CMD [ARGS...]`: run a command in a throwaway sandbox whose root is the
// host "/" (or --root-dir), served read-only by the gofer; cwd and environment carried over,
// stdio passed straight through, exit status propagated (128+N when killed by signal N).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import * as v from "valibot";
import type { GlobalFlags } from "./globals.ts";
import type { BootSpec } from "../boot/spec.ts";
import { SANDBOX_FAILURE_EXIT } from "../boot/status.ts";
import { parseFlags, UsageError } from "../sandbox/flags.ts";
import { runSandbox } from "../sandbox/sandbox.ts";

const FLAGS = {
  "root-dir": "string",
  root: "string", // gVisor's name for the same flag (after `do`, so no clash with the global --root)
  cwd: "string",
  env: "list",
  uid: "string",
  gid: "string",
  help: "bool",
  h: "bool",
} as const;

const USAGE =
  "usage: runsc do [--root-dir DIR] [--cwd DIR] [--env K=V]... [--uid N --gid N] [--] CMD [ARGS...]";

const HELP = `${USAGE}

Runs CMD in a throwaway sandbox whose root is the host "/" (or DIR), served read-only by the
gofer; writes go to an in-memory overlay. The environment and working directory are carried
over, stdio is passed through, and the exit status is CMD's (128+N if killed by signal N).

  --root-dir DIR   directory to use as the sandbox's root (default "/"; alias: --root)
  --cwd DIR        working directory inside the sandbox (default: the current one)
  --env K=V        set an environment variable (repeatable)
  --uid N, --gid N user and group the command runs as (default: the caller's)`;

const IdFlag = v.pipe(
  v.string(),
  v.regex(/^\d{1,10}$/, "must be a number"),
  v.transform(Number),
  v.maxValue(0xfffffffe, "out of range"),
);
const EnvFlag = v.pipe(v.string(), v.regex(/^[^=\0]+=[^\0]*$/, 'must look like "KEY=VALUE"'));

/** Parses `runsc do` arguments into the root directory and the boot spec; throws UsageError. */
export function parseDoArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { rootDir: string; spec: BootSpec } {
  const { values, rest } = parseFlags(argv, FLAGS);
  if (rest.length === 0) throw new UsageError(`no command given (${USAGE})`);
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const id = (k: string, dflt: number): number => {
    const raw = str(k);
    if (raw === undefined) return dflt;
    const r = v.safeParse(IdFlag, raw);
    if (!r.success) {
      throw new UsageError(`invalid value ${JSON.stringify(raw)} for -${k}: ${r.issues[0].message}`);
    }
    return r.output;
  };
  const rootDir = path.resolve(str("root-dir") ?? str("root") ?? "/");
  const merged = new Map<string, string>();
  for (const [k, val] of Object.entries(env)) if (val !== undefined) merged.set(k, val);
  for (const e of (values.env as string[] | undefined) ?? []) {
    const r = v.safeParse(EnvFlag, e);
    if (!r.success) {
      throw new UsageError(`invalid value ${JSON.stringify(e)} for -env: ${r.issues[0].message}`);
    }
    const eq = e.indexOf("=");
    merged.set(e.slice(0, eq), e.slice(eq + 1));
  }
  // gVisor's `do` keeps the caller's cwd; with another root that path rarely exists: use "/".
  const dir = str("cwd") ?? (rootDir === "/" ? cwd : "/");
  if (!dir.startsWith("/")) {
    throw new UsageError(`invalid value ${JSON.stringify(dir)} for -cwd: must be absolute`);
  }
  if (rest.some((a) => a.includes("\0"))) throw new UsageError("arguments must not contain NUL bytes");
  const spec: BootSpec = {
    version: 1,
    argv: rest,
    env: [...merged].map(([k, val]) => `${k}=${val}`),
    cwd: dir,
    uid: id("uid", process.getuid?.() ?? 0),
    gid: id("gid", process.getgid?.() ?? 0),
    hostname: os.hostname().slice(0, 64),
  };
  return { rootDir, spec };
}

/** Entry of `runsc do`; returns the exit status (the command's, 2 for usage, 128 on failure). */
export async function doMain(argv: string[], globals: GlobalFlags): Promise<number> {
  let parsed: { rootDir: string; spec: BootSpec };
  try {
    const { values } = parseFlags(argv, FLAGS);
    if (values.help === true || values.h === true) {
      console.log(HELP);
      return 0;
    }
    parsed = parseDoArgs(argv, process.env, process.cwd());
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(parsed.rootDir);
    } catch {
      st = undefined;
    }
    if (!st?.isDirectory()) {
      throw new UsageError(`invalid value ${JSON.stringify(parsed.rootDir)} for -root-dir: not a directory`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`runsc do: ${e.message}`);
    return 2;
  }
  const r = await runSandbox({ rootDir: parsed.rootDir, spec: parsed.spec, globals });
  if ("error" in r) {
    console.error(`runsc do: starting sandbox: ${r.error}`);
    return SANDBOX_FAILURE_EXIT;
  }
  return r.status;
}
