// `runsc do`: argument errors and process hygiene, through the binary (RUNSC_BIN, else
// bin/runsc-dev). Running real programs is in do-run.test.ts.pending until the Sentry lands.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

function runsc(args: string[]) {
  assert.ok(fs.existsSync(bin), `runsc binary ${bin} missing (set RUNSC_BIN or keep bin/runsc-dev)`);
  return spawnSync(bin, args, { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0];
}

describe("runsc do: usage errors", () => {
  it("exits 2 with one line for an unknown flag", () => {
    const r = runsc(["do", "--bogus-flag", "/bin/true"]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.equal(oneLine(r.stderr), "runsc do: flag provided but not defined: -bogus-flag");
  });

  it("exits 2 with one line when no command is given", () => {
    const r = runsc(["do"]);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /^runsc do: no command given \(usage: runsc do .*CMD/);
  });

  it("prints its usage on stdout and exits 0 with --help", () => {
    const r = runsc(["do", "--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: runsc do /);
    assert.match(r.stdout, /--root-dir DIR/);
  });

  it("exits 2 for a flag missing its value", () => {
    const r = runsc(["do", "--cwd"]);
    assert.equal(r.status, 2);
    assert.equal(oneLine(r.stderr), "runsc do: flag needs an argument: -cwd");
  });

  it("exits 2 for a root directory that does not exist", () => {
    const r = runsc(["do", "--root-dir", "/nonexistent/root", "/bin/true"]);
    assert.equal(r.status, 2);
    assert.match(
      oneLine(r.stderr),
      /^runsc do: invalid value "\/nonexistent\/root" for -root-dir: not a directory$/,
    );
  });

  it("exits 2 for malformed --uid, --env and --cwd values", () => {
    for (
      const [args, want] of [
        [["--uid", "abc"], /-uid: must be a number/],
        [["--gid=-1"], /-gid: must be a number/],
        [["--env", "NOEQUALS"], /-env: must look like "KEY=VALUE"/],
        [["--cwd", "relative/dir"], /-cwd: must be absolute/],
      ] as const
    ) {
      const r = runsc(["do", ...args, "/bin/true"]);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), want);
    }
  });
});

describe("runsc do: process hygiene", () => {
  it("leaves no boot or gofer process behind, whatever the outcome", () => {
    // Every role process names its CLI in --parent-pid; none may survive the CLI.
    const r = spawnSync(bin, ["do", "/bin/true"], { encoding: "utf8", timeout: 60_000 });
    assert.notEqual(r.pid, undefined);
    const marker = `--parent-pid=${r.pid}`;
    const survivors = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(marker);
      } catch {
        return false;
      }
    });
    assert.deepEqual(survivors, [], `processes started by runsc do (pid ${r.pid}) still alive`);
  });

  it("never prints a stack trace", () => {
    const r = runsc(["do", "/bin/true"]);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});
