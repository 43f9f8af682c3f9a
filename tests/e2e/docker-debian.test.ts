// A Debian image (debootstrap minbase of this host's release, built by scripts/docker-setup.sh)
// under Docker: what users run most is a glibc distribution, not busybox. The same script runs
// under runc (the truth) and under our runtime, and prints the same: dpkg's database, bash,
// perl, tar+gzip, useradd + su (PAM, credentials, /etc/shadow written), a background job.
// `docker exec` into a running Debian container too. Prerequisites missing → the tests fail.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { assertStatus, docker, DockerSuite, leftovers, RUNTIME, waitFor } from "./docker-lib.ts";

const IMAGE = process.env.DOCKER_TEST_DEBIAN_IMAGE ?? "runsc-test-debian";
const ours = new DockerSuite(RUNTIME, IMAGE);
const runc = new DockerSuite("runc", IMAGE);

const SCRIPT = fs.readFileSync(path.join(import.meta.dirname!, "docker-debian.sh"), "utf8");

describe(`docker: a Debian image under ${RUNTIME} and runc`, () => {
  after(() => {
    ours.cleanup();
    runc.cleanup();
  });

  it("a bash script prints what it prints under runc", () => {
    ours.require();
    runc.require();
    const want = runc.c.run(["--rm"], ["bash", "-c", SCRIPT], { timeoutMs: 120_000 });
    assertStatus(want, 0);
    const got = ours.c.run(["--rm"], ["bash", "-c", SCRIPT], { timeoutMs: 120_000 });
    assertStatus(got, 0);
    assert.equal(got.stdout, want.stdout);
    assert.match(got.stdout, /^debian /);
  });

  it("docker exec runs bash in the running container", () => {
    ours.withContainer([], ["sleep", "1000"], (id) => {
      const r = docker([
        "exec",
        id,
        "bash",
        "-c",
        "tr '\\0' ' ' </proc/1/cmdline; echo; cat /etc/debian_version | cut -c1-2",
      ]);
      assertStatus(r, 0);
      assert.equal(
        r.stdout,
        `sleep 1000 \n${runc.c.run(["--rm"], ["cut", "-c1-2", "/etc/debian_version"]).stdout}`,
      );
    });
  });

  it("leaves nothing behind", () => {
    ours.require();
    ours.c.removeAll();
    runc.c.removeAll();
    const ids = [...ours.c.ids, ...runc.c.ids];
    assert.ok(ids.length > 0, "no container ids were recorded: the cases above did not run");
    let left: string[] = [];
    waitFor(() => (left = leftovers(ids)).length === 0, () => `cleanup:\n${left.join("\n")}`);
  });
});
