// Shared by the tests that run one OCI bundle under Debian's runc (the reference) and under
// ours: the binaries, a busybox-static bundle, and a bounded runtime call whose container
// stdio goes to files (a pipe would stay open as long as the container runs).
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
/** Our binary (RUNSC_BIN, else the Deno entry). */
export const OURS: string = process.env.RUNSC_BIN
  ? path.resolve(process.env.RUNSC_BIN)
  : path.join(repo, "bin/runsc-dev");
export const RUNC = "/usr/sbin/runc";
const BUSYBOX = "/bin/busybox";

/** Fails with the fix when runc or busybox-static is missing. */
export function requireRuncAndBusybox(): void {
  assert.ok(fs.existsSync(RUNC), `${RUNC} missing: apt-get install runc (scripts/setup.sh does)`);
  assert.ok(
    fs.existsSync(BUSYBOX),
    `${BUSYBOX} missing: apt-get install busybox-static (scripts/setup.sh does)`,
  );
}

/** Writes a bundle in `dir` whose rootfs holds /bin/busybox; `config` is merged over the base. */
export function busyboxBundle(dir: string, args: string[], config: Record<string, unknown> = {}): string {
  fs.mkdirSync(path.join(dir, "rootfs/bin"), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, "rootfs/bin/busybox"));
  fs.chmodSync(path.join(dir, "rootfs/bin/busybox"), 0o755);
  fs.writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({
      ociVersion: "1.0.2",
      process: { user: { uid: 0, gid: 0 }, args: ["/bin/busybox", ...args], env: ["PATH=/bin"], cwd: "/" },
      root: { path: "rootfs" },
      hostname: "oci",
      // runc needs /proc to start a container; ours provides it anyway.
      mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
      linux: { namespaces: [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }] },
      ...config,
    }),
  );
  return dir;
}

/** The result of one runtime call. */
export interface OciCall {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rt` (argv prefix, with --root) with `args`; stdio through files in `tmp`. */
export function ociCall(rt: string[], args: string[], tmp: string): OciCall {
  const out = path.join(tmp, "out"), err = path.join(tmp, "err");
  const [o, e] = [fs.openSync(out, "w"), fs.openSync(err, "w")];
  try {
    const r = spawnSync(rt[0], [...rt.slice(1), ...args], { timeout: 60_000, stdio: ["ignore", o, e] });
    return { status: r.status, stdout: fs.readFileSync(out, "utf8"), stderr: fs.readFileSync(err, "utf8") };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
  }
}

/**
 * Deletes (--force) every container left in the runtimes' --root directories under `tmp` (each
 * `root*` directory of ours, `root-runc*` or `runc` of runc's), so a failed assertion leaves no
 * sandbox running; call it in `after` before removing `tmp`.
 */
export function deleteLeftovers(tmp: string): void {
  if (!tmp || !fs.existsSync(tmp)) return;
  for (const name of fs.readdirSync(tmp)) {
    if (!/^(root|runc|ours)/.test(name)) continue;
    const root = path.join(tmp, name);
    for (const bin of [OURS, RUNC]) {
      const ids = spawnSync(bin, ["--root", root, "list", "-q"], { encoding: "utf8", timeout: 60_000 });
      for (const id of (ids.stdout ?? "").split("\n").filter(Boolean)) {
        spawnSync(bin, ["--root", root, "delete", "--force", id], { timeout: 60_000 });
      }
    }
  }
}

/**
 * Registers, in the calling describe, the prerequisite check and a fresh temp directory (given
 * to `use`) before the tests, and afterwards the deletion of every container left in it and of
 * the directory.
 */
export function ociFixture(prefix: string, use: (dir: string) => void): void {
  let dir = "";
  before(() => {
    requireRuncAndBusybox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    use(dir);
  });
  after(() => {
    deleteLeftovers(dir);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
}
