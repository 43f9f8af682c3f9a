// koffi for the single executable: the native addon is an SEA asset, extracted once to a
// content-addressed file and loaded with process.dlopen. Only used by the bundled binary
// (scripts/build.ts aliases ffi/koffi.ts to this file).
//
// Extraction must be safe in shared temp directories: a private 0700 directory that we own
// (checked with lstat, so a planted symlink or someone else's directory is refused), a file
// named by its SHA-256, written to a unique temp name with O_EXCL and renamed into place, and
// verified before every load by comparing it byte for byte with the copy embedded in the
// executable (at least as strong as re-hashing it, and cheaper: no node:crypto, whose loading
// alone costs every start ~8 ms). The digest in the name is computed at build time
// (scripts/build.ts defines __RUNSC_ADDON_SHA256__).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { startupTrace } from "../src/runtime.ts";

// node:sea exists only in Node (not in Deno's type universe); this module only runs there.
declare const require: (id: string) => unknown;
const sea = require("node:sea") as {
  getAsset(key: string): ArrayBuffer;
  getRawAsset?(key: string): ArrayBuffer;
};
/** SHA-256 (hex) of the embedded addon, computed by scripts/build.ts. */
declare const __RUNSC_ADDON_SHA256__: string;

/** Returns a private directory for extracted addons, creating it if needed. */
function privateDir(): string {
  const uid = process.getuid?.() ?? 0;
  const base = process.env.RUNSC_CACHE_DIR ??
    (process.env.XDG_RUNTIME_DIR && fs.existsSync(process.env.XDG_RUNTIME_DIR)
      ? process.env.XDG_RUNTIME_DIR
      : os.tmpdir());
  const dir = path.join(base, `runsc-ts-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(
      `refusing unsafe addon cache directory ${dir} (must be a 0700 directory owned by uid ${uid})`,
    );
  }
  return dir;
}

/** True if `file` is a regular file of ours whose content is exactly `want`. */
function verified(file: string, want: Uint8Array): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== (process.getuid?.() ?? 0)) return false;
    if (st.size !== want.byteLength) return false;
    return Buffer.compare(fs.readFileSync(fd), want) === 0;
  } finally {
    fs.closeSync(fd);
  }
}

function extractAddon(): string {
  const digest = __RUNSC_ADDON_SHA256__;
  const dir = privateDir();
  const file = path.join(dir, `koffi-${digest}.node`);
  // getRawAsset (Node >= 20.12) views the asset inside the executable's own mapping (read-only:
  // never written to); getAsset copies it first, ~1 MB on every start.
  const data = new Uint8Array(sea.getRawAsset?.("koffi.node") ?? sea.getAsset("koffi.node"));
  if (verified(file, data)) return file;
  const tmp = path.join(dir, `.koffi-${process.pid}-${Date.now()}.tmp`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    0o500,
  );
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (!verified(file, data)) throw new Error(`extracted addon ${file} failed verification`);
  return file;
}

function load(): typeof import("koffi").default {
  try {
    const mod = { exports: {} as Record<string, unknown> };
    process.dlopen(mod, extractAddon());
    return mod.exports as unknown as typeof import("koffi").default;
  } catch (e) {
    // Runs while modules load, before the CLI's error handling exists: one line, no stack.
    console.error(`runsc: loading the FFI addon: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

const t0 = performance.now();
/** The koffi module, loaded from the extracted addon. */
export const koffi = load();
startupTrace(`koffi: addon loaded in ${(performance.now() - t0).toFixed(1)}ms`);
