// Go-style flag parsing for do/boot/gofer, `runsc do` argument handling, boot spec and status.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fdFlag, parseFlags, UsageError } from "../../../src/sandbox/flags.ts";
import { parseDoArgs } from "../../../src/cli/do.ts";
import { parseBootSpec } from "../../../src/boot/spec.ts";
import { parseBootStatus } from "../../../src/boot/status.ts";
import { globalsToArgs } from "../../../src/sandbox/spawn.ts";
import { exitStatus } from "../../../src/sandbox/sandbox.ts";
import { DEFAULT_GLOBALS } from "../../../src/cli/globals.ts";

const spec = { a: "string", b: "bool", l: "list" } as const;

describe("parseFlags", () => {
  it("accepts -f, --f, --f=v and --f v, and stops at the first positional", () => {
    const r = parseFlags(["-a", "1", "--b", "--l=x", "-l", "y", "cmd", "-a", "2"], spec);
    assert.deepEqual(r.values, { a: "1", b: true, l: ["x", "y"] });
    assert.deepEqual(r.rest, ["cmd", "-a", "2"]);
  });

  it("takes everything after -- as positional", () => {
    assert.deepEqual(parseFlags(["--b=false", "--", "-a"], spec), { values: { b: false }, rest: ["-a"] });
  });

  it("treats a lone '-' as a positional", () => {
    assert.deepEqual(parseFlags(["-", "x"], spec).rest, ["-", "x"]);
  });

  it("rejects unknown flags, missing values and bad booleans with Go's wording", () => {
    assert.throws(() => parseFlags(["--zz"], spec), new UsageError("flag provided but not defined: -zz"));
    assert.throws(() => parseFlags(["--a"], spec), new UsageError("flag needs an argument: -a"));
    assert.throws(() => parseFlags(["--b=maybe"], spec), UsageError);
    assert.throws(() => parseFlags(["---a"], spec), new UsageError("bad flag syntax: ---a"));
  });

  it("parses fd numbers strictly", () => {
    assert.equal(fdFlag("io-fd", "3"), 3);
    for (const bad of ["", "-1", "3x", "99999999", undefined]) {
      assert.throws(() => fdFlag("io-fd", bad), UsageError);
    }
  });
});

describe("parseDoArgs", () => {
  const env = { PATH: "/usr/bin", HOME: "/root" };

  it("carries the caller's environment and cwd over, root '/' by default", () => {
    const { rootDir, spec } = parseDoArgs(["ls", "-l"], env, "/home/me");
    assert.equal(rootDir, "/");
    assert.deepEqual(spec.argv, ["ls", "-l"]);
    assert.equal(spec.cwd, "/home/me");
    assert.ok(spec.env.includes("PATH=/usr/bin"));
    assert.equal(spec.version, 1);
  });

  it("applies --env overrides, --cwd, --uid/--gid and --root-dir", () => {
    const { rootDir, spec } = parseDoArgs(
      [
        "--root-dir",
        "/srv/root",
        "--env",
        "PATH=/bin",
        "--env=X=a=b",
        "--uid",
        "1000",
        "--gid=100",
        "--",
        "sh",
      ],
      env,
      "/home/me",
    );
    assert.equal(rootDir, "/srv/root");
    assert.equal(spec.cwd, "/", "another root starts in its /");
    assert.ok(spec.env.includes("PATH=/bin"));
    assert.ok(!spec.env.includes("PATH=/usr/bin"));
    assert.ok(spec.env.includes("X=a=b"));
    assert.equal(spec.uid, 1000);
    assert.equal(spec.gid, 100);
  });

  it("refuses a missing command and malformed values", () => {
    assert.throws(() => parseDoArgs([], env, "/"), /no command given/);
    assert.throws(() => parseDoArgs(["--uid", "x", "sh"], env, "/"), /-uid: must be a number/);
    assert.throws(() => parseDoArgs(["--uid", "4294967295", "sh"], env, "/"), /-uid: out of range/);
    assert.throws(() => parseDoArgs(["--env", "=x", "sh"], env, "/"), /-env/);
    assert.throws(() => parseDoArgs(["--cwd", "rel", "sh"], env, "/"), /-cwd: must be absolute/);
  });
});

describe("boot spec", () => {
  const good = { version: 1, argv: ["sh"], env: ["A=b"], cwd: "/", uid: 0, gid: 0, hostname: "h" };

  it("accepts a well-formed spec", () => {
    assert.deepEqual(parseBootSpec(JSON.stringify(good)), good);
  });

  it("refuses malformed specs with a sentence naming the field", () => {
    assert.match(parseBootSpec("{") as string, /^boot spec is not JSON/);
    assert.match(parseBootSpec(JSON.stringify({ ...good, argv: [] })) as string, /argv/);
    assert.match(
      parseBootSpec(JSON.stringify({ ...good, cwd: "x" })) as string,
      /at cwd: cwd must be absolute/,
    );
    assert.match(parseBootSpec(JSON.stringify({ ...good, env: ["NOEQ"] })) as string, /env/);
    assert.match(parseBootSpec(JSON.stringify({ ...good, uid: -1 })) as string, /uid/);
    assert.match(parseBootSpec(JSON.stringify({ ...good, extra: 1 })) as string, /invalid boot spec/);
    assert.match(parseBootSpec(JSON.stringify({ ...good, argv: ["a\0b"] })) as string, /NUL/);
  });
});

describe("boot status", () => {
  it("is null for a clean run and the message for an error line", () => {
    assert.equal(parseBootStatus(""), null);
    assert.equal(parseBootStatus('{"error":"no sentry"}\n'), "no sentry");
  });
  it("does not trust a malformed status", () => {
    assert.equal(parseBootStatus("garbage\n"), "malformed status from the sandbox process");
    assert.equal(parseBootStatus('{"error":3}\n'), "malformed status from the sandbox process");
  });
});

describe("role plumbing", () => {
  it("renders non-default global flags for the roles", () => {
    assert.deepEqual(globalsToArgs(DEFAULT_GLOBALS), []);
    assert.deepEqual(globalsToArgs({ ...DEFAULT_GLOBALS, debug: true, platform: "kvm", root: "/r" }), [
      "--root=/r",
      "--debug",
      "--platform=kvm",
    ]);
  });
  it("maps exits to shell statuses (128+N for signals)", () => {
    assert.equal(exitStatus({ code: 3, signal: null }), 3);
    assert.equal(exitStatus({ code: null, signal: "SIGTERM" }), 143);
    assert.equal(exitStatus({ code: null, signal: "SIGKILL" }), 137);
  });
});
