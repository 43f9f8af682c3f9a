// daemon.json editing for `runsc install` / `uninstall`, on temp files.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  type AddOptions,
  addRuntime,
  readDaemonConfig,
  removeRuntime,
  writeDaemonConfig,
} from "../../../src/cli/daemon-config.ts";
import { CliError } from "../../../src/cli/errors.ts";

const OPTS: AddOptions = {
  runtime: "runsc",
  path: "/usr/local/bin/runsc",
  runtimeArgs: ["--platform=ptrace"],
  clobber: true,
  experimental: false,
  cgroupDriver: "",
};

const EXISTING = {
  "log-driver": "json-file",
  "default-runtime": "runc",
  "registry-mirrors": ["https://mirror.example"],
  runtimes: { other: { path: "/usr/bin/other-runtime" } },
  features: { buildkit: true },
};

let dir = "";
let file = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-install-"));
  file = path.join(dir, "daemon.json");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function install(opts: AddOptions = OPTS): void {
  const { config } = readDaemonConfig(file);
  writeDaemonConfig(file, addRuntime(config, opts, file));
}

function uninstall(name = "runsc"): boolean {
  const { config } = readDaemonConfig(file);
  const r = removeRuntime(config, name, file);
  if (r.removed) writeDaemonConfig(file, r.config);
  return r.removed;
}

function readJson(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

describe("runsc install (daemon.json)", () => {
  it("creates the file when it is missing", () => {
    install();
    assert.deepEqual(readJson(), {
      runtimes: { runsc: { path: "/usr/local/bin/runsc", runtimeArgs: ["--platform=ptrace"] } },
    });
  });

  it("creates a missing parent directory", () => {
    file = path.join(dir, "docker", "daemon.json");
    install();
    assert.ok(fs.existsSync(file));
  });

  it("keeps every other key, including other runtimes", () => {
    fs.writeFileSync(file, JSON.stringify(EXISTING));
    install();
    const got = readJson();
    assert.deepEqual(got, {
      ...EXISTING,
      runtimes: {
        other: { path: "/usr/bin/other-runtime" },
        runsc: { path: "/usr/local/bin/runsc", runtimeArgs: ["--platform=ptrace"] },
      },
    });
  });

  it("omits runtimeArgs when there are none", () => {
    install({ ...OPTS, runtimeArgs: [] });
    assert.deepEqual(readJson(), { runtimes: { runsc: { path: "/usr/local/bin/runsc" } } });
  });

  it("is idempotent: installing twice gives the same bytes", () => {
    fs.writeFileSync(file, JSON.stringify(EXISTING));
    install();
    const once = fs.readFileSync(file, "utf8");
    install();
    assert.equal(fs.readFileSync(file, "utf8"), once);
  });

  it("is undone by uninstall, which leaves the rest as it was", () => {
    fs.writeFileSync(file, JSON.stringify(EXISTING));
    install();
    assert.equal(uninstall(), true);
    assert.deepEqual(readJson(), EXISTING);
  });

  it("uninstall of a runtime that is not there changes nothing", () => {
    fs.writeFileSync(file, JSON.stringify(EXISTING));
    const before = fs.readFileSync(file, "utf8");
    assert.equal(uninstall("runsc"), false);
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });

  it("treats an empty file as {}", () => {
    fs.writeFileSync(file, "\n");
    install();
    assert.deepEqual(Object.keys(readJson()), ["runtimes"]);
  });

  it("refuses malformed JSON with a clear error and leaves the file untouched", () => {
    const bad = '{"runtimes": {"x": ';
    fs.writeFileSync(file, bad);
    assert.throws(() => install(), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.match(e.message, /daemon\.json: malformed JSON \(.*\); file left unchanged$/);
      return true;
    });
    assert.equal(fs.readFileSync(file, "utf8"), bad);
    assert.deepEqual(fs.readdirSync(dir), ["daemon.json"], "no temp file left behind");
  });

  it("refuses a document that is not an object", () => {
    fs.writeFileSync(file, "[1, 2]");
    assert.throws(() => install(), /not a JSON object; file left unchanged/);
    fs.writeFileSync(file, JSON.stringify({ runtimes: ["runsc"] }));
    assert.throws(() => install(), /"runtimes" is not an object/);
    assert.equal(fs.readFileSync(file, "utf8"), JSON.stringify({ runtimes: ["runsc"] }));
  });

  it("replaces a different entry only with clobber", () => {
    fs.writeFileSync(file, JSON.stringify({ runtimes: { runsc: { path: "/old" } } }));
    assert.throws(() => install({ ...OPTS, clobber: false }), /already exists \(use --clobber/);
    install();
    assert.equal(
      (readJson().runtimes as Record<string, { path: string }>).runsc.path,
      "/usr/local/bin/runsc",
    );
  });

  it("sets experimental and the cgroup driver, replacing an older driver option", () => {
    fs.writeFileSync(file, JSON.stringify({ "exec-opts": ["native.cgroupdriver=systemd", "other=1"] }));
    install({ ...OPTS, experimental: true, cgroupDriver: "cgroupfs" });
    const got = readJson();
    assert.equal(got.experimental, true);
    assert.deepEqual(got["exec-opts"], ["other=1", "native.cgroupdriver=cgroupfs"]);
  });

  it("keeps the file's mode and writes through a symlink to its target", () => {
    const real = path.join(dir, "real.json");
    fs.writeFileSync(real, "{}");
    fs.chmodSync(real, 0o600);
    fs.symlinkSync(real, file);
    install();
    assert.ok(fs.lstatSync(file).isSymbolicLink(), "the symlink is kept");
    assert.equal(fs.statSync(real).mode & 0o777, 0o600);
    assert.ok("runtimes" in JSON.parse(fs.readFileSync(real, "utf8")));
  });

  it("writes atomically: no temp file remains next to the result", () => {
    install();
    assert.deepEqual(fs.readdirSync(dir), ["daemon.json"]);
  });
});
