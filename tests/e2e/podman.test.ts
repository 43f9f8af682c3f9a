// podman (Debian's, a second real OCI client) with our binary as `--runtime` (issue 5 item 6).
// Prerequisites: `apt-get install podman` and the test image loaded into podman, both done by
// `DOCKER_SETUP_PODMAN=1 scripts/docker-setup.sh`; missing ones FAIL with that hint.
// PODMAN_TEST_RUNTIME: runtime binary (default RUNSC_BIN, else dist/runsc; /usr/sbin/runc
// validates the expectations). Cases that do not pass with our runtime yet, and the `ctr run`
// cases, wait in podman-ctr-pending.test.ts.pending.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { leftovers, waitFor } from "./docker-lib.ts";
import { PODMAN_RUNTIME, podmanPrerequisites, PodmanRuns } from "./podman-lib.ts";

const p = new PodmanRuns();

describe(`podman --runtime ${PODMAN_RUNTIME}`, () => {
  after(() => p.dispose());

  it("a podman run, whether it succeeds or not, leaves no process, state or cgroup behind", () => {
    podmanPrerequisites();
    const r = p.run(["--rm"], ["/bin/busybox", "true"]);
    assert.ok(p.ids.length > 0, `podman did not even create a container: ${r.what}`);
    p.removeAll();
    let left: string[] = [];
    waitFor(
      () => (left = leftovers(p.ids)).length === 0,
      () => `cleanup after ${r.what}\n${left.join("\n")}`,
    );
  });
});
