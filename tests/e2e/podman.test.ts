// podman (Debian's, a second real OCI client) with our binary as `--runtime` (issue 5 item 6).
// Prerequisites: `apt-get install podman` and the test image loaded into podman, both done by
// `DOCKER_SETUP_PODMAN=1 scripts/docker-setup.sh`; missing ones FAIL with that hint.
// PODMAN_TEST_RUNTIME: runtime binary (default RUNSC_BIN, else dist/runsc; /usr/sbin/runc
// validates the expectations). Cases that do not pass with our runtime yet wait in
// podman-ctr-pending.test.ts.pending; the `ctr run` cases are in ctr.test.ts.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { assertStatus, leftovers, waitFor } from "./docker-lib.ts";
import { podman, PODMAN_GLOBAL, PODMAN_RUNTIME, podmanPrerequisites, PodmanRuns } from "./podman-lib.ts";

const p = new PodmanRuns();

describe(`podman --runtime ${PODMAN_RUNTIME}`, () => {
  after(() => p.dispose());

  it("runs a command and passes its exit code", () => {
    podmanPrerequisites();
    const r = p.run(["--rm"], ["sh", "-c", "echo hi; exit 3"]);
    assertStatus(r, 3);
    assert.equal(r.stdout, "hi\n");
  });

  it("-i: piped stdin reaches the program", () => {
    podmanPrerequisites();
    const r = p.run(["--rm", "-i"], ["cat"], { input: "piped\n" });
    assertStatus(r, 0);
    assert.equal(r.stdout, "piped\n");
  });

  it("-t: tty(1) names the terminal /dev/pts/0", () => {
    podmanPrerequisites();
    const r = p.run(["--rm", "-t"], ["tty"]);
    assertStatus(r, 0);
    assert.equal(r.stdout, "/dev/pts/0\r\n");
  });

  it("run -d, exec (output and exit code), logs, stop, rm", () => {
    podmanPrerequisites();
    const d = p.run(["-d"], ["sh", "-c", "echo started; exec sleep 1000"]);
    assertStatus(d, 0);
    const id = d.stdout.trim();
    try {
      const e = podman(["exec", id, "echo", "hi"]);
      assertStatus(e, 0);
      assert.equal(e.stdout, "hi\n");
      assertStatus(podman(["exec", id, "sh", "-c", "exit 5"]), 5);
      waitFor(() => podman(["logs", id]).stdout === "started\n", () => `"started" in logs of ${id}`);
      assertStatus(podman(["stop", "-t", "1", id]), 0);
      assert.match(podman(["inspect", "-f", "{{.State.Status}}", id]).stdout, /exited/);
    } finally {
      podman(["rm", "-f", id]);
    }
  });

  it("--user, --workdir, -e, --hostname reach the process", () => {
    podmanPrerequisites();
    const r = p.run(
      ["--rm", "--user", "1000:1001", "--workdir", "/tmp", "-e", "FOO=bar", "--hostname", "hh"],
      ["sh", "-c", "id -u; id -g; pwd; echo $FOO; hostname"],
    );
    assertStatus(r, 0);
    assert.equal(r.stdout, "1000\n1001\n/tmp\nbar\nhh\n");
  });

  it("exec -t, pause, unpause, kill -s KILL (exit 137)", () => {
    podmanPrerequisites();
    const d = p.run(["-d"], ["sleep", "1000"]);
    assertStatus(d, 0);
    const id = d.stdout.trim();
    const status = () => podman(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim();
    try {
      const e = podman(["exec", "-t", id, "sh", "-c", "test -t 0 && test -t 1 && echo tty"]);
      assertStatus(e, 0);
      assert.equal(e.stdout, "tty\r\n");
      assertStatus(podman(["pause", id]), 0);
      assert.match(status(), /^paused/);
      assertStatus(podman(["unpause", id]), 0);
      assert.match(status(), /^running/);
      assertStatus(podman(["kill", "-s", "KILL", id]), 0);
      waitFor(() => status() === "exited 137", () => `exited 137 after kill, got ${status()}`);
    } finally {
      podman(["rm", "-f", "-t", "0", id]);
    }
  });

  it("--read-only: the root refuses writes (EROFS), podman's tmpfs /tmp, /run and /dev/shm take them", () => {
    podmanPrerequisites();
    const r = p.run(["--rm", "--read-only"], [
      "sh",
      "-c",
      "touch /x || echo refused; touch /tmp/a /run/b /dev/shm/c && echo tmpfs-ok",
    ]);
    assertStatus(r, 0);
    assert.match(r.stdout, /^refused\ntmpfs-ok\n$/);
    assert.match(r.stderr, /Read-only file system/);
  });

  it("exec --preserve-fds 1: fd 3 reaches the exec'd process", () => {
    podmanPrerequisites();
    const d = p.run(["-d"], ["sleep", "1000"]);
    assertStatus(d, 0);
    const id = d.stdout.trim();
    try {
      // podman passes its own fd 3 on: give it one (a file the program reads).
      const file = path.join(os.tmpdir(), `runsc-e2e-fd3-${process.pid}`);
      fs.writeFileSync(file, "through fd 3\n");
      const fd = fs.openSync(file, "r");
      try {
        const args = [...PODMAN_GLOBAL, "exec", "--preserve-fds", "1", id, "cat", "/proc/self/fd/3"];
        const e = spawnSync("podman", args, {
          encoding: "utf8",
          timeout: 60_000,
          killSignal: "SIGKILL",
          stdio: ["pipe", "pipe", "pipe", fd],
        });
        assert.equal(e.status, 0, `podman exec --preserve-fds: ${e.status} ${e.stderr}`);
        assert.equal(e.stdout, "through fd 3\n");
      } finally {
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
      }
    } finally {
      podman(["rm", "-f", "-t", "0", id]);
    }
  });

  it("exec -t: tty(1) names the exec's terminal", () => {
    podmanPrerequisites();
    const d = p.run(["-d"], ["sleep", "1000"]);
    assertStatus(d, 0);
    const id = d.stdout.trim();
    try {
      const e = podman(["exec", "-t", id, "tty"]);
      assertStatus(e, 0);
      assert.match(e.stdout, /^\/dev\/pts\/\d+\r\n$/);
    } finally {
      podman(["rm", "-f", "-t", "0", id]);
    }
  });

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
