// Editing Docker's daemon.json for `runsc install` / `uninstall`: add or remove one
// `runtimes.<name>` entry and keep every other key as it was. The file is replaced atomically
// (temp file in the same directory, fsync, rename), so dockerd never reads half a file, and
// a file we cannot parse is left untouched.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import * as v from "valibot";
import { CliError } from "./errors.ts";
import { fsErrorText } from "../oci/load.ts";
import { mkdirs } from "../log/mkdirs.ts";

/** A daemon.json document: a JSON object whose keys we keep as they are. */
export type DaemonConfig = Record<string, unknown>;

/** A runtimes entry, as Docker reads it. */
export interface RuntimeEntry {
  path: string;
  runtimeArgs?: string[];
}

const ConfigSchema = v.record(v.string(), v.unknown());
const RuntimesSchema = v.optional(v.record(v.string(), v.unknown()));
const ExecOptsSchema = v.optional(v.array(v.string()));

/** What to register (`runsc install` flags). */
export interface AddOptions {
  readonly runtime: string;
  readonly path: string;
  readonly runtimeArgs: readonly string[];
  /** Replace an existing, different entry of the same name (gVisor's --clobber, default true). */
  readonly clobber: boolean;
  /** Set `"experimental": true` (gVisor's --experimental). */
  readonly experimental: boolean;
  /** Put `native.cgroupdriver=<driver>` into exec-opts ("" = leave exec-opts alone). */
  readonly cgroupDriver: string;
}

function runtimesOf(config: DaemonConfig, file: string): Record<string, unknown> {
  const r = v.safeParse(RuntimesSchema, config.runtimes);
  // valibot's record accepts arrays too; Docker wants a name → entry map.
  if (!r.success || Array.isArray(config.runtimes)) {
    throw new CliError(`${file}: "runtimes" is not an object`);
  }
  return { ...(r.output ?? {}) };
}

/** Returns `config` with the runtime added (a new object; `config` is not modified). */
export function addRuntime(config: DaemonConfig, opts: AddOptions, file = "daemon.json"): DaemonConfig {
  const runtimes = runtimesOf(config, file);
  const entry: RuntimeEntry = { path: opts.path };
  if (opts.runtimeArgs.length > 0) entry.runtimeArgs = [...opts.runtimeArgs];
  const old = runtimes[opts.runtime];
  if (old !== undefined && !opts.clobber && JSON.stringify(old) !== JSON.stringify(entry)) {
    throw new CliError(
      `${file}: runtime ${JSON.stringify(opts.runtime)} already exists (use --clobber to replace it)`,
    );
  }
  runtimes[opts.runtime] = entry;
  const out: DaemonConfig = { ...config, runtimes };
  if (opts.experimental) out.experimental = true;
  if (opts.cgroupDriver) {
    const eo = v.safeParse(ExecOptsSchema, config["exec-opts"]);
    if (!eo.success) throw new CliError(`${file}: "exec-opts" is not an array of strings`);
    const rest = (eo.output ?? []).filter((o) => !o.startsWith("native.cgroupdriver="));
    out["exec-opts"] = [...rest, `native.cgroupdriver=${opts.cgroupDriver}`];
  }
  return out;
}

/** Returns `config` without `runtimes.<name>`, and whether there was such an entry. */
export function removeRuntime(
  config: DaemonConfig,
  name: string,
  file = "daemon.json",
): { config: DaemonConfig; removed: boolean } {
  if (config.runtimes === undefined) return { config, removed: false };
  const runtimes = runtimesOf(config, file);
  if (!(name in runtimes)) return { config, removed: false };
  delete runtimes[name];
  return { config: { ...config, runtimes }, removed: true };
}

/**
 * Reads daemon.json: a missing or empty file is `{}` (existed: false for missing). Anything
 * that is not a JSON object is a CliError naming the file.
 */
export function readDaemonConfig(file: string): { config: DaemonConfig; existed: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { config: {}, existed: false };
    throw new CliError(`reading ${file}: ${fsErrorText(e)}`);
  }
  if (text.trim() === "") return { config: {}, existed: true };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(
      `${file}: malformed JSON (${e instanceof Error ? e.message : String(e)}); file left unchanged`,
    );
  }
  const r = v.safeParse(ConfigSchema, doc);
  if (!r.success || Array.isArray(doc)) throw new CliError(`${file}: not a JSON object; file left unchanged`);
  return { config: r.output, existed: true };
}

/**
 * Writes `config` to `file` atomically: a new file in the same directory (so rename stays on
 * one filesystem), flushed, then renamed over the old one. Keeps the old file's mode and
 * owner; writes through a symlinked daemon.json to its target. Creates the directory if needed.
 */
export function writeDaemonConfig(file: string, config: DaemonConfig): void {
  let target = path.resolve(file);
  let mode = 0o644;
  let owner: { uid: number; gid: number } | undefined;
  try {
    target = fs.realpathSync(target);
    const st = fs.statSync(target);
    mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new CliError(`reading ${file}: ${fsErrorText(e)}`);
    }
  }
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.runsc-${process.pid}-${Date.now()}.tmp`);
  try {
    mkdirs(dir);
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
    try {
      fs.writeSync(fd, JSON.stringify(config, null, 4) + "\n");
      fs.fchmodSync(fd, mode); // the umask may have narrowed the mode given to open
      if (owner && process.getuid?.() === 0) fs.fchownSync(fd, owner.uid, owner.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch { /* not created, or already renamed */ }
    throw new CliError(`writing ${file}: ${fsErrorText(e)}`);
  }
}
