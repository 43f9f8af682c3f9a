// Helpers for the Docker (and podman) end-to-end tests: a bounded `docker` call, the
// prerequisite check that names the fix (scripts/docker-setup.sh), and a registry of the
// containers a test file started so they are removed even when a test fails.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

/** The docker client: Debian's, which matches its dockerd (another client may be first in PATH). */
export const DOCKER: string = process.env.DOCKER_BIN ?? "/usr/bin/docker";
/** The runtime under test (`--runtime=`): ours by default; `runc` validates the expectations. */
export const RUNTIME: string = process.env.DOCKER_TEST_RUNTIME ?? "runsc-test";
/** The local test image built by scripts/docker-setup.sh. */
export const IMAGE: string = process.env.DOCKER_TEST_IMAGE ?? "runsc-test-busybox";
/** Where runc and runsc keep per-container state for Docker (`--root` of every call). */
export const RUNTIME_ROOT = "/var/run/docker/runtime-runc/moby";
/** Upper bound of every docker call, so CI can never hang on a stuck container. */
export const CALL_TIMEOUT_MS = 60_000;

const SETUP_HINT = "run scripts/docker-setup.sh (as root, after building dist/runsc)";

/** The result of one docker call. */
export interface CallResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Command line and outcome, for assertion messages. */
  readonly what: string;
}

/** Runs `cmd args` with a timeout (SIGKILL on expiry); never throws. */
export function call(
  cmd: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): CallResult {
  const timeout = opts.timeoutMs ?? CALL_TIMEOUT_MS;
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout,
    killSignal: "SIGKILL",
    input: opts.input ?? "",
    maxBuffer: 16 << 20,
  });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
  const outcome = r.error
    ? (timedOut ? `TIMED OUT after ${timeout} ms` : `failed: ${r.error.message}`)
    : `exit ${r.status}${r.signal ? ` signal ${r.signal}` : ""}`;
  const what = `\`${[cmd, ...args].join(" ")}\` ${outcome}\nstdout: ${r.stdout ?? ""}\nstderr: ${
    r.stderr ?? ""
  }`;
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", what };
}

/** Runs `docker args` (bounded). */
export function docker(
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): CallResult {
  return call(DOCKER, args, opts);
}

/** Asserts `r` exited with `status`, showing the whole call when it did not. */
export function assertStatus(r: CallResult, status: number): void {
  assert.equal(r.status, status, r.what);
}

/**
 * Fails (never skips) with the fix when docker, dockerd, the runtime or the image is missing.
 */
export function checkPrerequisites(runtime: string = RUNTIME, image: string = IMAGE): void {
  assert.ok(fs.existsSync(DOCKER), `${DOCKER} is missing: ${SETUP_HINT}`);
  const info = docker(["info", "--format", "{{json .Runtimes}}"], { timeoutMs: 20_000 });
  assert.equal(info.status, 0, `dockerd is not reachable: ${SETUP_HINT}\n${info.what}`);
  assert.ok(
    info.stdout.includes(`"${runtime}"`),
    `docker runtime ${JSON.stringify(runtime)} is not registered (have ${info.stdout.trim()}): ${SETUP_HINT}`,
  );
  const img = docker(["image", "inspect", "-f", "{{.Id}}", image], { timeoutMs: 20_000 });
  assert.equal(img.status, 0, `test image ${image} is missing: ${SETUP_HINT}\n${img.what}`);
}

/** Sleeps synchronously (the tests drive docker with synchronous calls). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls `probe` every 100 ms until it returns true or `timeoutMs` passes; then fails with `what()`. */
export function waitFor(probe: () => boolean, what: () => string, timeoutMs = 20_000): void {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    sleepMs(100);
  }
}

/**
 * The containers one test file starts: every `run` goes through here with a label and a
 * cidfile, so `removeAll` finds them (also the `--rm` ones that failed to remove themselves)
 * and `ids` lists every container id for the leftover checks.
 */
export class Containers {
  /** Label value unique to this test file run. */
  readonly tag: string = `runsc-e2e-${process.pid}-${Date.now()}`;
  /** Every container id seen, in start order. */
  readonly ids: string[] = [];
  readonly #dir: string = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-docker-e2e-"));
  #n = 0;

  constructor(readonly runtime: string = RUNTIME, readonly image: string = IMAGE) {}

  /**
   * `docker run <opts> --runtime=R --network=none --label .. --cidfile .. IMAGE <cmd>`.
   * Options go before the image; the command after it.
   */
  run(
    opts: readonly string[],
    cmd: readonly string[],
    call?: { input?: string; timeoutMs?: number },
  ): CallResult {
    const cid = path.join(this.#dir, `cid${this.#n++}`);
    const r = docker([
      "run",
      `--runtime=${this.runtime}`,
      "--network=none",
      "--label",
      `runsc-e2e=${this.tag}`,
      "--cidfile",
      cid,
      ...opts,
      this.image,
      ...cmd,
    ], call);
    try {
      const id = fs.readFileSync(cid, "utf8").trim();
      if (id) this.ids.push(id);
    } catch {
      // No cidfile: docker failed before creating the container.
    }
    return r;
  }

  /** `docker run -d`: asserts it started and returns the container id. */
  start(opts: readonly string[], cmd: readonly string[]): string {
    const r = this.run(["-d", ...opts], cmd);
    assertStatus(r, 0);
    return r.stdout.trim();
  }

  /** `docker inspect -f FORMAT id` (trimmed stdout; "" when the container is gone). */
  inspect(id: string, format: string): string {
    return docker(["inspect", "-f", format, id]).stdout.trim();
  }

  /** Removes (rm -f) every container with this file's label. */
  removeAll(): void {
    const ps = docker(["ps", "-aq", "--no-trunc", "--filter", `label=runsc-e2e=${this.tag}`]);
    const left = ps.stdout.split("\n").filter(Boolean);
    if (left.length) docker(["rm", "-f", ...left], { timeoutMs: 120_000 });
  }

  /** Removes every container (see removeAll) and the cidfile directory; `run` is over after this. */
  dispose(): void {
    this.removeAll();
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * What is left on the host of containers that are gone: processes whose command line or cgroup
 * names the id, runtime state entries under RUNTIME_ROOT, and cgroup directories. Empty = clean.
 */
export function leftovers(ids: readonly string[]): string[] {
  const found: string[] = [];
  if (ids.length === 0) return found;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmdline = "";
    let cgroup = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    for (const id of ids) {
      if (cmdline.includes(id) || cgroup.includes(id)) {
        found.push(`process ${pid} (${cmdline.trim().slice(0, 160)}) still refers to ${id.slice(0, 12)}`);
      }
    }
  }
  const state = fs.existsSync(RUNTIME_ROOT) ? fs.readdirSync(RUNTIME_ROOT) : [];
  for (const name of state) {
    for (const id of ids) {
      if (name.includes(id)) found.push(`runtime state ${RUNTIME_ROOT}/${name} left behind`);
    }
  }
  for (const ctl of ["memory", "pids", "cpu", "freezer"]) {
    for (const id of ids) {
      const dir = `/sys/fs/cgroup/${ctl}/docker/${id}`;
      if (fs.existsSync(dir)) found.push(`cgroup ${dir} left behind`);
    }
  }
  return found;
}

/**
 * One docker test file's fixture: `require()` runs the prerequisite check once (every test
 * fails with its message when it failed), `withContainer` runs a body against a detached
 * container it always removes, `cleanup()` belongs in `after`.
 */
export class DockerSuite {
  /** The containers this file started. */
  readonly c: Containers;
  #checked: Error | null | undefined;

  constructor(runtime: string = RUNTIME, image: string = IMAGE) {
    this.c = new Containers(runtime, image);
  }

  /** Throws the prerequisite failure (with the fix), if any. */
  require(): void {
    if (this.#checked === undefined) {
      try {
        checkPrerequisites(this.c.runtime, this.c.image);
        this.#checked = null;
      } catch (e) {
        this.#checked = e as Error;
      }
    }
    if (this.#checked) throw this.#checked;
  }

  /** Starts a detached container, runs `fn` with its id, and removes it whatever happens. */
  withContainer(opts: readonly string[], cmd: readonly string[], fn: (id: string) => void): void {
    this.require();
    const id = this.c.start(opts, cmd);
    try {
      fn(id);
    } finally {
      docker(["rm", "-f", id]);
    }
  }

  /** Removes every container of this file (when docker was reachable at all). */
  cleanup(): void {
    if (this.#checked === null) this.c.dispose();
  }
}
