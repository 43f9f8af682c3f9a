// Helpers for the podman and ctr end-to-end tests: bounded calls with the flags this machine
// needs (no systemd: cgroupfs manager, file events; no CAP_SYS_RESOURCE: rlimits at or below
// the host's), containers labelled and removed afterwards.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { call, type CallResult, IMAGE } from "./docker-lib.ts";

const repo = path.resolve(import.meta.dirname!, "../..");
const HINT = "run DOCKER_SETUP_PODMAN=1 scripts/docker-setup.sh (as root, after building dist/runsc)";

/** The runtime binary podman and ctr are given (ours by default). */
export const PODMAN_RUNTIME: string = path.resolve(
  process.env.PODMAN_TEST_RUNTIME ?? process.env.RUNSC_BIN ?? path.join(repo, "dist/runsc"),
);
/** True when the runtime under test is ours (it gets our global flags). */
const OURS = !/(^|\/)(runc|crun)$/.test(PODMAN_RUNTIME);
/** podman's global flags: no systemd here. */
export const PODMAN_GLOBAL: string[] = ["--cgroup-manager=cgroupfs", "--events-backend=file"];
/** The podman image name of the test image (scripts/docker-setup.sh loads it). */
export const PODMAN_IMAGE = `localhost/${IMAGE}`;
/** ctr talks to dockerd's containerd, in its own namespace. */
export const CTR = ["--address", "/var/run/docker/containerd/containerd.sock", "-n", "runsc-test"];
/** The test image as containerd names it. */
export const CTR_IMAGE = `docker.io/library/${IMAGE}:latest`;

/** `podman GLOBAL args` (bounded). */
export function podman(
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): CallResult {
  return call("podman", [...PODMAN_GLOBAL, ...args], opts);
}

/** Fails with the fix when podman, the image or the runtime binary is missing. */
export function podmanPrerequisites(): void {
  assert.ok(fs.existsSync(PODMAN_RUNTIME), `runtime binary ${PODMAN_RUNTIME} is missing (build dist/runsc)`);
  const v = podman(["--version"], { timeoutMs: 20_000 });
  assert.equal(v.status, 0, `podman is not installed: ${HINT}\n${v.what}`);
  const img = podman(["image", "exists", PODMAN_IMAGE], { timeoutMs: 20_000 });
  assert.equal(img.status, 0, `podman lacks the test image ${PODMAN_IMAGE}: ${HINT}\n${img.what}`);
}

/** Fails with the fix when ctr, dockerd's containerd or the image in namespace runsc-test is missing. */
export function ctrPrerequisites(): void {
  const r = call("ctr", [...CTR, "images", "ls", "-q"], { timeoutMs: 20_000 });
  assert.equal(r.status, 0, `ctr cannot reach dockerd's containerd: run scripts/docker-setup.sh\n${r.what}`);
  assert.ok(
    r.stdout.split("\n").includes(CTR_IMAGE),
    `containerd lacks ${CTR_IMAGE}: run scripts/docker-setup.sh`,
  );
}

/** The podman containers of one test file (labelled, with cidfiles), removed by `dispose`. */
export class PodmanRuns {
  readonly tag: string = `runsc-e2e-${process.pid}-${Date.now()}`;
  readonly ids: string[] = [];
  readonly #dir: string = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-podman-e2e-"));
  #n = 0;

  /** `podman run --runtime R [our flags] --network=none --ulimit .. opts IMAGE cmd`. */
  run(
    opts: readonly string[],
    cmd: readonly string[],
    o?: { input?: string; timeoutMs?: number },
  ): CallResult {
    const cid = path.join(this.#dir, `cid${this.#n++}`);
    const flags = OURS ? ["--runtime-flag", "platform=ptrace", "--runtime-flag", "network=none"] : [];
    const r = podman([
      "run",
      "--runtime",
      PODMAN_RUNTIME,
      ...flags,
      "--network=none",
      // podman raises RLIMIT_NOFILE/NPROC above the host's hard limits by default, which this
      // machine refuses (no CAP_SYS_RESOURCE) for runc as well.
      "--ulimit",
      "nofile=1024:1024",
      "--ulimit",
      "nproc=1024:1024",
      "--label",
      `runsc-e2e=${this.tag}`,
      "--cidfile",
      cid,
      ...opts,
      PODMAN_IMAGE,
      ...cmd,
    ], o);
    try {
      const id = fs.readFileSync(cid, "utf8").trim();
      if (id) this.ids.push(id);
    } catch {
      // podman failed before creating the container.
    }
    return r;
  }

  /** Removes every container with this file's label. */
  removeAll(): void {
    const ps = podman(["ps", "-aq", "--no-trunc", "--filter", `label=runsc-e2e=${this.tag}`]);
    const left = ps.stdout.split("\n").filter(Boolean);
    if (left.length) podman(["rm", "-f", ...left], { timeoutMs: 120_000 });
  }

  /** removeAll and the cidfile directory. */
  dispose(): void {
    if (podman(["--version"]).status === 0) this.removeAll();
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}
