// Confinement of the sandbox's host processes (docs/gofer.md, "Confinement"): boot, the gofer
// and boot's ptrace stubs run with no_new_privs and the seccomp denylist, boot and the stubs
// without capabilities, for `runsc do` and for a `runsc create`d container (before `start`:
// boot confines itself first thing).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { descendantsOf } from "../../src/container/procs.ts";
import { busyboxBundle, ociCall, OURS, requireRuncAndBusybox } from "./oci-lib.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-confine-"));
const root = path.join(tmp, "root");
const read = (pid: number, f: string): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/${f}`, "utf8");
  } catch {
    return "";
  }
};
const role = (pid: number): string | undefined =>
  read(pid, "cmdline").split("\0").find((a) => a === "boot" || a === "gofer");

/**
 * Fails unless `pid` runs with no_new_privs and a seccomp filter (mode 2), and, with `noCaps`,
 * with empty permitted, effective and bounding capability sets.
 */
function assertConfined(pid: number, what: string, noCaps = false): void {
  const status = read(pid, "status");
  assert.match(status, /^NoNewPrivs:\s+1$/m, `${what} (${pid}) without no_new_privs`);
  assert.match(status, /^Seccomp:\s+2$/m, `${what} (${pid}) without a seccomp filter`);
  if (!noCaps) return;
  for (const set of ["CapPrm", "CapEff", "CapBnd"]) {
    assert.match(status, new RegExp(`^${set}:\\s+0+$`, "m"), `${what} (${pid}) keeps capabilities`);
  }
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("confinement of boot, gofer and stubs", () => {
  after(() => {
    ociCall([OURS, "--root", root], ["delete", "--force", "c1"], tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("runsc do: boot, the gofer and the stubs", async () => {
    const cli = spawn(OURS, ["do", "sleep", "30"], { stdio: "ignore" });
    try {
      const pids = () => descendantsOf(cli.pid!).map((p) => p.pid);
      await waitFor(() => pids().some((p) => read(p, "comm") === "sleep\n"), "the sleep stub");
      const boot = pids().find((p) => role(p) === "boot"), gofer = pids().find((p) => role(p) === "gofer");
      assert.ok(boot !== undefined && gofer !== undefined, `no boot/gofer among ${pids()}`);
      assertConfined(boot, "boot", true);
      assertConfined(gofer, "gofer");
      const stubs = descendantsOf(boot).map((p) => p.pid);
      assert.ok(stubs.length >= 3, `stubs: ${stubs}`); // master, waiter, sleep
      for (const s of stubs) assertConfined(s, "stub", true);
    } finally {
      cli.kill("SIGKILL");
      await new Promise((r) => cli.once("exit", r));
    }
  });

  it("runsc create: the created container's boot and gofer, before start", () => {
    requireRuncAndBusybox();
    const bundle = busyboxBundle(path.join(tmp, "b"), ["sleep", "30"]);
    const c = ociCall([OURS, "--root", root], ["create", "--bundle", bundle, "c1"], tmp);
    assert.equal(c.status, 0, c.stderr);
    const s = ociCall([OURS, "--root", root], ["state", "c1"], tmp);
    const boot = JSON.parse(s.stdout).pid as number;
    assert.equal(role(boot), "boot");
    assertConfined(boot, "boot", true);
    const gofers = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number)
      .filter((p) => role(p) === "gofer" && read(p, "cmdline").includes(root));
    assert.equal(gofers.length, 1, `gofer of c1: ${gofers}`);
    assertConfined(gofers[0], "gofer");
    const d = ociCall([OURS, "--root", root], ["delete", "--force", "c1"], tmp);
    assert.equal(d.status, 0, d.stderr);
  });
});
