// The role mechanism, through the binary: `runsc selftest-roles` starts its own binary as
// gofer and as boot with a socketpair between them; the gofer opens a file and donates the fd
// (SCM_RIGHTS); boot reads through it. Uses RUNSC_BIN (the built dist/runsc) when set, else
// the development wrapper bin/runsc-dev.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

function runsc(args: string[]) {
  assert.ok(fs.existsSync(bin), `runsc binary ${bin} missing (set RUNSC_BIN or keep bin/runsc-dev)`);
  return spawnSync(bin, args, { encoding: "utf8", timeout: 60_000 });
}

/** Pids named in the self-test's report line. */
function pids(line: string): number[] {
  return [...line.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

describe("runsc selftest-roles", () => {
  it("donates the binary's own file from gofer to boot, which reads its ELF header", () => {
    const r = runsc(["selftest-roles"]);
    assert.equal(r.status, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(
      r.stdout,
      /^selftest-roles: ok: gofer \(pid \d+\) opened .+ donated it over SCM_RIGHTS; boot \(pid \d+\) received it as fd \d+ and read 16 bytes: 7f454c46/,
    );
  });

  it("carries a given file's exact bytes through the donated fd", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-roles-"));
    try {
      const content = `roles-${process.pid}-${Date.now()}`.slice(0, 16);
      const file = path.join(dir, "payload.txt");
      fs.writeFileSync(file, content);
      const r = runsc(["selftest-roles", file]);
      assert.equal(r.status, 0, r.stderr);
      const hex = Buffer.from(content).toString("hex");
      assert.ok(r.stdout.includes(`: ${hex} (size ${content.length},`), r.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves no gofer or boot process behind", () => {
    const r = runsc(["selftest-roles"]);
    assert.equal(r.status, 0, r.stderr);
    const children = pids(r.stdout);
    assert.equal(children.length, 2, r.stdout);
    for (const pid of children) assert.ok(!fs.existsSync(`/proc/${pid}`), `process ${pid} still exists`);
  });

  it("fails with one line for a missing file", () => {
    const r = runsc(["selftest-roles", "/nonexistent/file"]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^runsc selftest-roles: .*nonexistent/);
  });
});
