// `ctr run` through containerd's runc shim (io.containerd.runc.v2) with our binary as
// --runc-binary: the setup docs/kubernetes.md documents for a RuntimeClass (issue 5 item 6).
// Our defaults (ptrace, no network) apply since the shim passes no extra flags.
// Prerequisites: dockerd's containerd and the test image in containerd namespace runsc-test,
// both done by `DOCKER_SETUP_PODMAN=1 scripts/docker-setup.sh`; missing ones FAIL with that hint.
// PODMAN_TEST_RUNTIME: runtime binary (default RUNSC_BIN, else dist/runsc; /usr/sbin/runc
// validates the expectations).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { assertStatus, call } from "./docker-lib.ts";
import { CTR, CTR_IMAGE, ctrPrerequisites, PODMAN_RUNTIME } from "./podman-lib.ts";

const RUNTIME = ["--runtime", "io.containerd.runc.v2", "--runc-binary", PODMAN_RUNTIME];

describe(`ctr run --runtime io.containerd.runc.v2 --runc-binary ${PODMAN_RUNTIME}`, () => {
  const id = `runsc-e2e-ctr-${process.pid}`;
  after(() => {
    call("ctr", [...CTR, "task", "kill", "-s", "SIGKILL", id]);
    call("ctr", [...CTR, "task", "rm", "-f", id]);
    call("ctr", [...CTR, "containers", "rm", id]);
  });

  it("runs a command, output and exit code through the runc shim, and removes the container (--rm)", () => {
    ctrPrerequisites();
    const r = call("ctr", [...CTR, "run", "--rm", ...RUNTIME, CTR_IMAGE, id, "sh", "-c", "echo hi; exit 3"]);
    assertStatus(r, 3);
    assert.equal(r.stdout, "hi\n");
    const ls = call("ctr", [...CTR, "containers", "ls", "-q"]);
    assert.ok(!ls.stdout.split("\n").includes(id), `container ${id} left after --rm: ${ls.what}`);
  });
});
