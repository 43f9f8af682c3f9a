import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import {
  type ContainerState,
  isAlive,
  ociState,
  processStartTime,
  StateStore,
  validateId,
} from "../../../src/container/state.ts";

function tmpRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "runsc-state-"));
}

function sample(id: string): ContainerState {
  return {
    ociVersion: "1.1.0",
    id,
    status: "created",
    pid: process.pid,
    bundle: "/b",
    created: new Date(0).toISOString(),
    sandbox: { startTime: processStartTime(process.pid), goferPid: 0, controlSocket: "/x.sock" },
  };
}

describe("container ids", () => {
  it("accepts runc's alphabet and rejects the rest", () => {
    validateId("abc-1.2_3+x");
    for (const bad of ["", ".", "..", "a/b", "a b", "../x", "x\n"]) {
      assert.throws(() => validateId(bad), /container id/, bad);
    }
  });
});

describe("state store", () => {
  it("creates, loads, saves and removes a container, leaving --root empty", () => {
    const root = tmpRoot();
    try {
      const store = new StateStore(root);
      store.create(sample("c1"));
      assert.deepEqual(store.ids(), ["c1"]);
      const s = store.load("c1");
      assert.equal(s.status, "created");
      store.save({ ...s, status: "running" });
      assert.equal(store.load("c1").status, "running");
      const l = store.lock("c1");
      l.release();
      store.remove("c1");
      assert.deepEqual(fs.readdirSync(root), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses a duplicate id and names it", () => {
    const root = tmpRoot();
    try {
      const store = new StateStore(root);
      store.create(sample("dup"));
      assert.throws(() => store.create(sample("dup")), /container with id dup already exists/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("reports unknown and corrupt containers clearly", () => {
    const root = tmpRoot();
    try {
      const store = new StateStore(root);
      assert.throws(() => store.load("nope"), /container nope does not exist/);
      store.create(sample("bad"));
      fs.writeFileSync(path.join(root, "bad", "runsc.json"), "{");
      assert.throws(() => store.load("bad"), /state file is corrupt/);
      fs.writeFileSync(path.join(root, "bad", "runsc.json"), JSON.stringify({ ...sample("bad"), pid: "x" }));
      assert.throws(() => store.load("bad"), /corrupt: pid/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("ignores other runtimes' entries in a shared --root", () => {
    const root = tmpRoot();
    try {
      fs.mkdirSync(path.join(root, "runc-one"));
      fs.writeFileSync(path.join(root, "runc-one", "state.json"), "{}");
      const store = new StateStore(root);
      store.create(sample("ours"));
      assert.deepEqual(store.ids(), ["ours"]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("liveness", () => {
  it("knows this process is alive and a reused pid is not", () => {
    const st = processStartTime(process.pid);
    assert.ok(st > 0);
    assert.equal(isAlive(process.pid, st), true);
    assert.equal(isAlive(process.pid, st + 1), false);
    assert.equal(isAlive(0, 0), false);
  });

  it("the OCI state hides our bookkeeping and reports pid 0 when stopped", () => {
    const s = sample("x");
    assert.deepEqual(Object.keys(ociState(s)), [
      "ociVersion",
      "id",
      "pid",
      "status",
      "bundle",
      "rootfs",
      "created",
      "owner",
    ]);
    assert.equal(ociState({ ...s, status: "stopped" }).pid, 0);
  });
});
