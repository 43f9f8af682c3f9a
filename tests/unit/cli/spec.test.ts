// `runsc spec` and the OCI config schema / loadSpec.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeSpec } from "../../../src/cli/spec.ts";
import { CliError } from "../../../src/cli/errors.ts";
import { defaultSpec } from "../../../src/oci/default-spec.ts";
import { loadProcess, loadSpec, SpecError, validateSpec } from "../../../src/oci/load.ts";
import { OCI_SPEC_VERSION } from "../../../src/runtime.ts";

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-spec-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const OPTS = { args: [] as string[], cwd: "/", netns: "" };

describe("runsc spec", () => {
  it("writes a config.json that our own schema accepts", () => {
    const file = writeSpec(dir, OPTS);
    assert.equal(file, path.join(dir, "config.json"));
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    const spec = validateSpec(doc);
    assert.equal(spec.ociVersion, OCI_SPEC_VERSION);
    assert.deepEqual(spec.process?.args, ["sh"]);
    assert.deepEqual(loadSpec(dir), spec);
  });

  it("has the structure of `runc spec`: the same top-level and process keys, root rootfs", () => {
    writeSpec(dir, OPTS);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    // Keys of runc 1.1's `runc spec` output (Debian 12).
    for (const k of ["ociVersion", "process", "root", "hostname", "mounts", "linux"]) assert.ok(k in doc, k);
    for (
      const k of ["terminal", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges"]
    ) {
      assert.ok(k in doc.process, `process.${k}`);
    }
    assert.deepEqual(doc.root, { path: "rootfs", readonly: true });
    const dests = doc.mounts.map((m: { destination: string }) => m.destination);
    for (const d of ["/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"]) assert.ok(dests.includes(d), d);
    const ns = doc.linux.namespaces.map((n: { type: string }) => n.type).sort();
    assert.deepEqual(ns, ["ipc", "mount", "network", "pid", "uts"]);
    assert.equal(doc.process.terminal, false, "no console socket needed");
  });

  it("uses the arguments as process.args, and --cwd and --netns", () => {
    writeSpec(dir, { args: ["/bin/echo", "hi there"], cwd: "/tmp", netns: "/var/run/netns/x" });
    const spec = loadSpec(dir);
    assert.deepEqual(spec.process?.args, ["/bin/echo", "hi there"]);
    assert.equal(spec.process?.cwd, "/tmp");
    assert.deepEqual(spec.linux?.namespaces?.find((n) => n.type === "network"), {
      type: "network",
      path: "/var/run/netns/x",
    });
  });

  it("refuses to overwrite an existing config.json", () => {
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, "mine");
    assert.throws(() => writeSpec(dir, OPTS), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.message, `file ${JSON.stringify(file)} already exists`);
      return true;
    });
    assert.equal(fs.readFileSync(file, "utf8"), "mine");
  });

  it("fails clearly for a bundle directory that does not exist", () => {
    assert.throws(() => writeSpec(path.join(dir, "nope"), OPTS), /^CliError: writing .*: ENOENT/);
  });
});

describe("OCI config schema (loadSpec)", () => {
  function write(doc: unknown): void {
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(doc));
  }
  function specError(message: string | RegExp): (e: unknown) => boolean {
    return (e: unknown) => {
      assert.ok(e instanceof SpecError, `expected SpecError, got ${e}`);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    };
  }

  it("names the field and the problem", () => {
    const doc = defaultSpec();
    write({ ...doc, process: { ...doc.process, args: "sh" } });
    assert.throws(() => loadSpec(dir), specError("loading spec: process.args: expected array, got string"));
  });

  it("names array elements by index", () => {
    const doc = defaultSpec();
    write({ ...doc, mounts: [doc.mounts![0], { destination: 7 }] });
    assert.throws(
      () => loadSpec(dir),
      specError("loading spec: mounts[1].destination: expected string, got number"),
    );
  });

  it("reports a missing required field", () => {
    const doc = defaultSpec();
    const { cwd: _cwd, ...process } = doc.process!;
    write({ ...doc, process });
    assert.throws(() => loadSpec(dir), specError("loading spec: process.cwd: required"));
    write({ process: doc.process });
    assert.throws(() => loadSpec(dir), specError("loading spec: ociVersion: required"));
  });

  it("checks integer ranges and namespace types", () => {
    const doc = defaultSpec();
    write({ ...doc, process: { ...doc.process, user: { uid: -1, gid: 0 } } });
    assert.throws(() => loadSpec(dir), specError("loading spec: process.user.uid: must be >= 0"));
    write({ ...doc, linux: { namespaces: [{ type: "net" }] } });
    assert.throws(
      () => loadSpec(dir),
      specError(/^loading spec: linux\.namespaces\[0\]\.type: must be one of pid/),
    );
  });

  it("keeps unknown fields (OCI extensions)", () => {
    const doc = {
      ...defaultSpec(),
      "x-vendor": { a: 1 },
      process: { ...defaultSpec().process, extra: true },
    };
    write(doc);
    const spec = loadSpec(dir) as Record<string, unknown>;
    assert.deepEqual(spec["x-vendor"], { a: 1 });
    assert.equal((spec.process as Record<string, unknown>).extra, true);
  });

  it("reports an unreadable or unparsable file", () => {
    assert.throws(
      () => loadSpec(dir),
      specError(/^loading spec: reading .*config\.json: ENOENT: no such file/),
    );
    fs.writeFileSync(path.join(dir, "config.json"), "{ nope");
    assert.throws(() => loadSpec(dir), specError(/^loading spec: parsing .*config\.json: /));
    fs.writeFileSync(path.join(dir, "config.json"), "[]");
    assert.throws(() => loadSpec(dir), specError("loading spec: config.json: expected object, got array"));
  });

  it("loads an exec process spec file", () => {
    const file = path.join(dir, "process.json");
    fs.writeFileSync(file, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ["ls"], cwd: "/" }));
    assert.deepEqual(loadProcess(file).args, ["ls"]);
    fs.writeFileSync(file, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ["ls"] }));
    assert.throws(() => loadProcess(file), specError("loading process spec: cwd: required"));
  });
});
