// The CLI as a subprocess: bin/runsc-dev (Deno from sources) by default, the built binary when
// RUNSC_BIN points to it (scripts/test.sh sets RUNSC_BIN=dist/runsc).
// Needs (Debian): runc and busybox-static for the "runc accepts our spec" test; root for runc.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

function runsc(args: string[], opts: { cwd?: string } = {}): SpawnSyncReturns<string> {
  assert.ok(fs.existsSync(bin), `runsc binary ${bin} missing (set RUNSC_BIN or keep bin/runsc-dev)`);
  return spawnSync(bin, args, {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: opts.cwd,
  });
}

/** The single line on stderr (fails if there is not exactly one, or if it looks like a stack). */
function oneLine(r: SpawnSyncReturns<string>): string {
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "stack trace on stderr");
  return lines[0];
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  for (const dir of ["/usr/sbin", "/sbin"]) {
    if (fs.existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return undefined;
}

let tmp = "";
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-cli-e2e-"));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("runsc CLI: version, help, flags", () => {
  it("prints the version and the OCI spec version with --version and version", () => {
    for (const args of [["--version"], ["version"], ["--debug", "--version"]]) {
      const r = runsc(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^runsc version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\n$/);
    }
  });

  it("lists every subcommand in help, the internal ones under their own heading", () => {
    const r = runsc(["help"]);
    assert.equal(r.status, 0, r.stderr);
    const names = [
      "create start state kill delete run exec ps wait list events pause resume spec do install uninstall",
      "help flags",
    ].join(" ").split(" ");
    for (const n of names) assert.match(r.stdout, new RegExp(`^\\t${n} `, "m"), n);
    const internal = r.stdout.slice(r.stdout.indexOf("Subcommands for internal use only:"));
    for (const n of ["boot", "gofer", "selftest-roles"]) {
      assert.match(internal, new RegExp(`^\\t${n} `, "m"), n);
    }
    assert.equal(runsc(["--help"]).stdout, r.stdout);
  });

  it("shows a subcommand's help with help CMD and CMD --help", () => {
    const a = runsc(["help", "create"]);
    const b = runsc(["create", "--help"]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, /^Usage: runsc \[global flags\] create \[flags\] <container-id>/);
    for (const f of ["-bundle", "-pid-file", "-console-socket"]) {
      assert.match(a.stdout, new RegExp(`^  ${f} `, "m"));
    }
  });

  it("describes the global flags with defaults", () => {
    const r = runsc(["flags"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}-root string\n\s+root directory .*\(default "\/var\/run\/runsc"\)$/m);
    for (const f of ["log", "log-format", "debug", "debug-log", "strace", "platform", "network"]) {
      assert.match(r.stdout, new RegExp(`^  -${f}\\b`, "m"), f);
    }
  });
});

describe("runsc CLI: usage errors are one line and exit 2", () => {
  const cases: Array<[string[], string]> = [
    [["--foo", "list"], "runsc: flag provided but not defined: -foo"],
    [["create", "--foo", "c1"], "runsc: create: flag provided but not defined: -foo"],
    [
      ["--platform=systrap", "list"],
      'runsc: invalid value "systrap" for flag -platform: must be one of ptrace, kvm',
    ],
    [["--debug=maybe", "list"], 'runsc: invalid boolean value "maybe" for -debug: parse error'],
    [["--root"], "runsc: flag needs an argument: -root"],
    [
      ["list", "--format", "yaml"],
      'runsc: list: invalid value "yaml" for flag -format: must be one of text, json',
    ],
    [["state"], "runsc: state: requires exactly 1 argument (<container-id>), got 0"],
    [["kill", "c1", "NOPE"], 'runsc: kill: invalid signal "NOPE"'],
    [[], 'runsc: no subcommand given (see "runsc help")'],
    [["frobnicate"], 'runsc: unknown subcommand "frobnicate" (see "runsc help")'],
    [["help", "frobnicate"], 'runsc: help: unknown subcommand "frobnicate" (see "runsc help")'],
    [["install", "extra"], 'runsc: install: unexpected argument "extra" (runtime arguments go after --)'],
  ];
  for (const [args, line] of cases) {
    it(`runsc ${args.join(" ")}`, () => {
      const r = runsc(args);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.equal(oneLine(r), line);
    });
  }
});

describe("runsc CLI: lifecycle commands parse Docker's flags (no container c1: one-line errors)", () => {
  const calls: string[][] = [
    ["create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket", "/tmp/pty.sock", "c1"],
    ["start", "c1"],
    ["state", "c1"],
    ["kill", "c1", "15"],
    ["kill", "--all", "c1", "SIGKILL"],
    ["delete", "--force", "c1"],
    ["run", "-b", "/b", "--detach", "c1"],
    ["exec", "--process", "/tmp/p.json", "--detach", "--pid-file", "/t/x.pid", "c1"],
    ["exec", "-t", "--cwd", "/", "--env", "A=1", "-e", "B=2", "--user", "0:0", "c1", "ls", "-l"],
    ["ps", "--format", "json", "c1"],
    ["wait", "c1"],
    ["list", "-q"],
    ["events", "--stats", "--interval", "1s", "c1"],
    ["pause", "c1"],
    ["resume", "c1"],
  ];
  for (const args of calls) {
    it(`runsc ${args.join(" ")}`, () => {
      const r = runsc(["--root", path.join(tmp, "root"), ...args]);
      // `list` of an empty root and `delete --force` of a missing container succeed (as runc's).
      if ((args[0] === "list") || (args[0] === "delete" && args.includes("--force"))) {
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        return;
      }
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(
        oneLine(r),
        new RegExp(
          `^runsc: ${args[0]}: (container c1 does not exist|bundle /b: not a directory|loading spec)`,
        ),
      );
    });
  }
});

describe("runsc CLI: logging", () => {
  it("writes errors to --log as json lines, as Docker's shim calls runsc", () => {
    const log = path.join(tmp, "task", "log.json");
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const r = runsc([
      "--platform=ptrace",
      "--root",
      path.join(tmp, "root"),
      "--log",
      log,
      "--log-format",
      "json",
      "create",
      "--bundle",
      tmp,
      "--pid-file",
      path.join(tmp, "init.pid"),
      "c1",
    ]);
    assert.equal(r.status, 1);
    assert.match(oneLine(r), /^runsc: create: loading spec: reading .*config\.json: ENOENT/);
    const records = fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const last = records.at(-1);
    assert.deepEqual(Object.keys(last), ["level", "msg", "time"]);
    assert.equal(last.level, "error");
    assert.match(last.msg, /^create: loading spec: reading .*config\.json: ENOENT/);
    assert.ok(!Number.isNaN(Date.parse(last.time)));
  });

  it("writes usage errors to --log too", () => {
    const log = path.join(tmp, "usage.log");
    const r = runsc(["--log", log, "delete", "--bogus", "c1"]);
    assert.equal(r.status, 2);
    assert.match(fs.readFileSync(log, "utf8"), /^E\d{4} .* delete: flag provided but not defined: -bogus\n$/);
  });

  it("opens --debug-log with %ID% and %COMMAND% substituted, with --debug records in it", () => {
    const dir = path.join(tmp, "debug");
    const r = runsc(["--debug", "--debug-log", `${dir}/%ID%.%COMMAND%.log`, "state", "c9"]);
    assert.equal(r.status, 1);
    const file = path.join(dir, "c9.state.log");
    const text = fs.readFileSync(file, "utf8");
    assert.match(text, /^D\d{4} .* command: state, args: \["c9"\]$/m);
    assert.match(text, /^E\d{4} .* state: container c9 does not exist/m);
  });

  it("creates a file inside a --debug-log directory (trailing '/')", () => {
    const dir = path.join(tmp, "debugdir");
    const r = runsc(["--debug-log", `${dir}/`, "spec", "--bundle", path.join(tmp, "missing-bundle")]);
    assert.equal(r.status, 1);
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^runsc\.log\.\d{8}-\d{6}\.\d{6}\.spec\.txt$/);
  });

  it("fails with one line when the log file cannot be opened", () => {
    const r = runsc(["--log", "/proc/nonexistent/log.json", "list"]);
    assert.equal(r.status, 1);
    assert.match(oneLine(r), /^runsc: opening log file "\/proc\/nonexistent\/log\.json": /);
  });
});

describe("runsc CLI: spec", () => {
  it("writes config.json into --bundle and refuses to overwrite it", () => {
    const bundle = path.join(tmp, "spec1");
    fs.mkdirSync(bundle);
    const r = runsc(["spec", "--bundle", bundle, "--", "/bin/true", "-x"]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(path.join(bundle, "config.json"), "utf8"));
    assert.deepEqual(doc.process.args, ["/bin/true", "-x"]);
    const again = runsc(["spec", "-b", bundle]);
    assert.equal(again.status, 1);
    assert.equal(
      oneLine(again),
      `runsc: spec: file ${JSON.stringify(path.join(bundle, "config.json"))} already exists`,
    );
  });

  it("defaults the bundle to the current directory", () => {
    const bundle = path.join(tmp, "spec2");
    fs.mkdirSync(bundle);
    const r = runsc(["spec"], { cwd: bundle });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(bundle, "config.json"), "utf8")).process.args, [
      "sh",
    ]);
  });

  it("produces a bundle that Debian's runc runs (busybox rootfs)", () => {
    const runc = which("runc");
    const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
    assert.ok(runc, "runc is required: apt-get install -y runc");
    assert.ok(busybox, "busybox is required: apt-get install -y busybox-static");
    assert.equal(process.getuid?.(), 0, "runc needs root for this test");
    const file = spawnSync("file", ["-L", busybox], { encoding: "utf8" }).stdout ?? "";
    assert.ok(!/dynamically linked/.test(file), `${busybox} must be static (busybox-static): ${file}`);

    const bundle = path.join(tmp, "runc-bundle");
    fs.mkdirSync(path.join(bundle, "rootfs", "bin"), { recursive: true });
    fs.copyFileSync(busybox, path.join(bundle, "rootfs", "bin", "busybox"));
    fs.chmodSync(path.join(bundle, "rootfs", "bin", "busybox"), 0o755);
    fs.symlinkSync("busybox", path.join(bundle, "rootfs", "bin", "sh"));
    const s = runsc(["spec", "--bundle", bundle, "--", "/bin/sh", "-c", "echo hello from $(hostname)"]);
    assert.equal(s.status, 0, s.stderr);

    const root = path.join(tmp, "runc-root");
    const id = `runsc-spec-test-${process.pid}`;
    const r = spawnSync(runc, ["--root", root, "run", "--bundle", bundle, id], {
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    spawnSync(runc, ["--root", root, "delete", "--force", id], { stdio: "ignore" });
    assert.equal(r.status, 0, `runc run failed: ${r.stderr}`);
    assert.equal(r.stdout, "hello from runsc\n");
  });
});

describe("runsc CLI: install and uninstall", () => {
  it("registers this binary with runtime args, keeps other keys, and uninstall undoes it", () => {
    const file = path.join(tmp, "docker", "daemon.json");
    fs.mkdirSync(path.dirname(file));
    const before = { "log-level": "warn", runtimes: { other: { path: "/x" } } };
    fs.writeFileSync(file, JSON.stringify(before));
    const r = runsc(["install", "--config-file", file, "--runtime", "runsc-test", "--", "--platform=ptrace"]);
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(got["log-level"], "warn");
    assert.deepEqual(got.runtimes.other, { path: "/x" });
    assert.deepEqual(got.runtimes["runsc-test"].runtimeArgs, ["--platform=ptrace"]);
    assert.equal(fs.realpathSync(got.runtimes["runsc-test"].path), fs.realpathSync(bin));

    const again = runsc([
      "install",
      "--config_file",
      file,
      "--runtime",
      "runsc-test",
      "--",
      "--platform=ptrace",
    ]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), got, "install is idempotent");

    const u = runsc(["uninstall", "--config-file", file, "--runtime", "runsc-test"]);
    assert.equal(u.status, 0, u.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), before);
  });

  it("uses --path when given", () => {
    const file = path.join(tmp, "daemon-path.json");
    const r = runsc(["install", "--config-file", file, "--path", "/opt/runsc"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
      runtimes: { runsc: { path: "/opt/runsc" } },
    });
  });

  it("refuses malformed daemon.json with one line and leaves it untouched", () => {
    const file = path.join(tmp, "bad.json");
    fs.writeFileSync(file, "{ not json");
    const r = runsc(["install", "--config-file", file]);
    assert.equal(r.status, 1);
    assert.match(oneLine(r), /^runsc: install: .*bad\.json: malformed JSON .*; file left unchanged$/);
    assert.equal(fs.readFileSync(file, "utf8"), "{ not json");
  });
});
