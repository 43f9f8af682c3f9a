// From a bundle's config.json to what the sandbox runs: the parts of the OCI spec the Sentry
// honours today (process args/env/cwd/user, root.path, hostname, terminal), each checked with
// an error that names the field. Everything else in the spec is accepted and not applied yet
// (docs/lifecycle.md lists it).
import * as fs from "node:fs";
import * as path from "node:path";
import type { BootSpec, ProcessCreds } from "../boot/spec.ts";
import { loadSpec } from "../oci/load.ts";
import type { Spec } from "../oci/spec.ts";
import { ContainerError } from "./state.ts";
import { checkHooks } from "./hooks.ts";
import { capsFromNames } from "../sentry/kernel/caps.ts";

/** What `create` needs from the bundle. */
export interface BundlePlan {
  readonly spec: Spec;
  /** Absolute host path of the root filesystem (root.path, relative to the bundle). */
  readonly rootDir: string;
  readonly boot: BootSpec;
  readonly terminal: boolean;
}

const NUL = "\0";

/** Loads and checks `<bundle>/config.json`; throws SpecError or ContainerError (one line). */
export function planBundle(bundleDir: string, id: string): BundlePlan {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(bundleDir);
  } catch {
    st = undefined;
  }
  if (!st?.isDirectory()) throw new ContainerError(`bundle ${bundleDir}: not a directory`);
  const spec = loadSpec(bundleDir);
  checkHooks(spec);
  const proc = spec.process;
  if (proc === undefined) throw new ContainerError("loading spec: process: required");
  const args = proc.args ?? [];
  if (args.length === 0) throw new ContainerError("loading spec: process.args: must not be empty");
  if ([...args, ...(proc.env ?? [])].some((a) => a.includes(NUL))) {
    throw new ContainerError("loading spec: process.args/env: must not contain NUL bytes");
  }
  const badEnv = (proc.env ?? []).find((e) => !e.includes("=") || e.startsWith("="));
  if (badEnv !== undefined) {
    throw new ContainerError(`loading spec: process.env: ${JSON.stringify(badEnv)} is not KEY=VALUE`);
  }
  if (!proc.cwd.startsWith("/")) {
    throw new ContainerError(
      `loading spec: process.cwd: must be an absolute path, got ${JSON.stringify(proc.cwd)}`,
    );
  }
  if (spec.root === undefined) throw new ContainerError("loading spec: root: required");
  const rootDir = path.resolve(bundleDir, spec.root.path);
  let rst: fs.Stats | undefined;
  try {
    rst = fs.statSync(rootDir);
  } catch {
    rst = undefined;
  }
  if (!rst?.isDirectory()) {
    throw new ContainerError(`loading spec: root.path: ${rootDir} is not a directory`);
  }
  const hostname = spec.hostname ?? id.slice(0, 12);
  if (hostname.length > 64 || hostname.includes(NUL)) {
    throw new ContainerError("loading spec: hostname: longer than 64 bytes");
  }
  const boot: { -readonly [K in keyof BootSpec]: BootSpec[K] } = {
    version: 1,
    argv: args,
    env: proc.env ?? [],
    cwd: proc.cwd,
    uid: proc.user.uid,
    gid: proc.user.gid,
    ...planProcessCreds(proc, "loading spec: process"),
    hostname,
  };
  if (spec.root.readonly === true) {
    const tmpfs = (spec.mounts ?? []).filter((m) => m.type === "tmpfs").map((m) => m.destination);
    boot.readonlyRoot = { tmpfs: tmpfs.filter((d) => d.startsWith("/") && !d.includes(NUL)) };
  }
  return { spec, rootDir, boot, terminal: proc.terminal ?? false };
}

/** RLIMIT_* names by index, as config.json's process.rlimits[].type spells them. */
const RLIMITS = [
  "CPU",
  "FSIZE",
  "DATA",
  "STACK",
  "CORE",
  "RSS",
  "NPROC",
  "NOFILE",
  "MEMLOCK",
  "AS",
  "LOCKS",
  "SIGPENDING",
  "MSGQUEUE",
  "NICE",
  "RTPRIO",
  "RTTIME",
];

/**
 * process.rlimits as the boot spec carries them: [index, soft, hard], null for unlimited (2^64-1
 * does not survive JSON as a number). The Sentry applies them in its own kernel, so a hard
 * limit above the host's (which this machine's runc cannot set) is kept there as given.
 */
function planRlimits(
  list: readonly { type: string; soft: number; hard: number }[],
  where: string,
): [number, number | null, number | null][] {
  return list.map((r, i) => {
    const index = RLIMITS.indexOf(r.type.replace(/^RLIMIT_/, ""));
    if (!r.type.startsWith("RLIMIT_") || index < 0) {
      throw new ContainerError(
        `${where}.rlimits[${i}].type: unknown limit ${JSON.stringify(r.type)}`,
      );
    }
    if (r.soft > r.hard) {
      throw new ContainerError(`${where}.rlimits[${i}]: soft limit above the hard one`);
    }
    const v = (n: number): number | null => (n >= 2 ** 63 ? null : n);
    return [index, v(r.soft), v(r.hard)];
  });
}

/** process.capabilities as hex sets for the boot spec; an unknown name is an error naming it. */
function planCaps(
  c: NonNullable<Spec["process"]>["capabilities"] & object,
  where: string,
): NonNullable<BootSpec["caps"]> {
  const set = (field: string, names: readonly string[] | undefined): string => {
    const s = capsFromNames(names ?? []);
    if (typeof s === "string") {
      throw new ContainerError(
        `${where}.capabilities.${field}: unknown capability ${JSON.stringify(s)}`,
      );
    }
    return s.toString(16);
  };
  return {
    inh: set("inheritable", c.inheritable),
    prm: set("permitted", c.permitted),
    eff: set("effective", c.effective),
    bnd: set("bounding", c.bounding),
    amb: set("ambient", c.ambient),
  };
}

/**
 * The credentials of config.json's `process` (or of `exec --process`) beyond its ids, as the
 * boot spec and exec requests carry them; errors name the field after `where`.
 */
export function planProcessCreds(proc: NonNullable<Spec["process"]>, where: string): ProcessCreds {
  return {
    groups: proc.user.additionalGids,
    caps: proc.capabilities === undefined ? undefined : planCaps(proc.capabilities, where),
    rlimits: planRlimits(proc.rlimits ?? [], where),
  };
}
