// The single executable: it runs, extracts its FFI addon safely, and install.sh installs it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : "";

function requireBinary(): string {
  assert.ok(bin, "RUNSC_BIN must point to the built binary (scripts/test.sh builds dist/runsc and sets it)");
  assert.ok(fs.existsSync(bin), `RUNSC_BIN=${bin} does not exist: build it with scripts/build.ts`);
  return bin;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, timeout: 300_000 });
}

describe("single executable", () => {
  it("prints its version and the OCI spec version", () => {
    const r = run(requireBinary(), ["--version"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^runsc version \d+\.\d+\.\d+/m);
    assert.match(r.stdout, /^spec: 1\.\d+\.\d+/m);
  });

  it("extracts its addon into a private directory, named by content hash", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-cache-"));
    try {
      const r = run(requireBinary(), ["--version"], { RUNSC_CACHE_DIR: base });
      assert.equal(r.status, 0, r.stderr);
      const dir = path.join(base, `runsc-ts-${process.getuid!()}`);
      const st = fs.lstatSync(dir);
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o777, 0o700);
      const files = fs.readdirSync(dir);
      assert.equal(files.length, 1, `expected one extracted file, got ${files}`);
      const m = /^koffi-([0-9a-f]{64})\.node$/.exec(files[0]);
      assert.ok(m, `unexpected name ${files[0]}`);
      const digest = createHash("sha256").update(fs.readFileSync(path.join(dir, files[0]))).digest("hex");
      assert.equal(digest, m![1]);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it("replaces a tampered extracted addon instead of loading it", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-cache-"));
    try {
      assert.equal(run(requireBinary(), ["--version"], { RUNSC_CACHE_DIR: base }).status, 0);
      const dir = path.join(base, `runsc-ts-${process.getuid!()}`);
      const file = path.join(dir, fs.readdirSync(dir)[0]);
      fs.chmodSync(file, 0o600);
      fs.writeFileSync(file, "not an addon");
      const r = run(requireBinary(), ["--version"], { RUNSC_CACHE_DIR: base });
      assert.equal(r.status, 0, r.stderr);
      assert.notEqual(fs.readFileSync(file, "utf8"), "not an addon");
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it("refuses a cache directory that is a planted symlink, with one line and no stack trace", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-cache-"));
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-elsewhere-"));
    try {
      fs.symlinkSync(elsewhere, path.join(base, `runsc-ts-${process.getuid!()}`));
      const r = run(requireBinary(), ["--version"], { RUNSC_CACHE_DIR: base });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^runsc: loading the FFI addon: refusing unsafe addon cache directory/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(fs.readdirSync(elsewhere), []);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("a binary replaced while it runs", () => {
  it("still starts its sandbox roles (they re-exec /proc/self/exe, not the vanished path)", () => {
    const src = requireBinary();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-replaced-"));
    try {
      const copy = path.join(dir, "runsc");
      fs.copyFileSync(src, copy);
      fs.chmodSync(copy, 0o755);
      // Executed from an fd after its file is unlinked: Linux reports the executable as
      // "<path> (deleted)", as for a binary replaced during an upgrade or a rebuild.
      const py = "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.unlink(sys.argv[1]); " +
        "os.execve(fd, ['runsc', 'do', '/bin/echo', 'still here'], dict(os.environ))";
      const r = spawnSync("/usr/bin/python3", ["-c", py, copy], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "still here\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("install.sh", () => {
  it("builds and installs a working runsc under --prefix, idempotently", () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-prefix-"));
    try {
      for (let i = 0; i < 2; i++) {
        const r = run(path.join(repo, "install.sh"), ["--prefix", prefix]);
        assert.equal(r.status, 0, r.stderr);
      }
      const v = run(path.join(prefix, "bin/runsc"), ["--version"]);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /^runsc version/m);
      assert.deepEqual(fs.readdirSync(path.join(prefix, "bin")), ["runsc"]);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("rejects an unknown argument with usage and exit 2", () => {
    const r = run(path.join(repo, "install.sh"), ["--bogus"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown argument: --bogus/);
  });
});
