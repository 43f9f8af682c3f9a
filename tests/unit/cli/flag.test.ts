// The Go-flag-compatible parser: every spelling callers use, and Go's error messages.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { flag, formatFlags, parseFlags } from "../../../src/cli/flag.ts";
import { HelpRequested, UsageError } from "../../../src/cli/errors.ts";

const DEFS = {
  root: flag.string("state dir", { default: "/var/run/runsc" }),
  debug: flag.bool("debug"),
  gso: flag.bool("gso", { default: true }),
  platform: flag.enum("platform", ["ptrace", "kvm"], "ptrace"),
  fdlimit: flag.int("fd limit", { default: -1, min: -1 }),
  env: flag.list("env", { aliases: ["e"] }),
  bundle: flag.string("bundle", { aliases: ["b"] }),
  interval: flag.duration("interval", 5000),
} as const;

function usageError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe("flag parser: accepted forms", () => {
  it("fills defaults when no flag is given", () => {
    const p = parseFlags([], DEFS);
    assert.deepEqual(p.values, {
      root: "/var/run/runsc",
      debug: false,
      gso: true,
      platform: "ptrace",
      fdlimit: -1,
      env: [],
      bundle: "",
      interval: 5000,
    });
    assert.deepEqual([...p.set], []);
    assert.deepEqual(p.args, []);
  });

  for (
    const argv of [
      ["-root=/r"],
      ["--root=/r"],
      ["-root", "/r"],
      ["--root", "/r"],
    ]
  ) {
    it(`reads a string value from ${JSON.stringify(argv)}`, () => {
      const p = parseFlags(argv, DEFS);
      assert.equal(p.values.root, "/r");
      assert.deepEqual([...p.set], ["root"]);
    });
  }

  it("takes the next argument as the value even if it starts with a dash (like Go)", () => {
    assert.equal(parseFlags(["--root", "-x"], DEFS).values.root, "-x");
  });

  it("accepts an empty value with =", () => {
    assert.equal(parseFlags(["--root="], DEFS).values.root, "");
  });

  it("keeps everything after the first = in the value", () => {
    assert.equal(parseFlags(["--bundle=a=b"], DEFS).values.bundle, "a=b");
  });

  it("sets a boolean without consuming the next argument", () => {
    const p = parseFlags(["--debug", "create"], DEFS);
    assert.equal(p.values.debug, true);
    assert.deepEqual(p.args, ["create"]);
  });

  for (
    const [raw, want] of [["false", false], ["true", true], ["0", false], ["1", true], ["F", false], [
      "T",
      true,
    ]]
  ) {
    it(`parses --gso=${raw} as ${want}`, () => {
      assert.equal(parseFlags([`--gso=${raw}`], DEFS).values.gso, want);
      assert.equal(parseFlags([`-debug=${raw}`], DEFS).values.debug, want);
    });
  }

  it("lets the last of repeated scalar flags win", () => {
    const p = parseFlags(["--platform", "kvm", "--platform=ptrace"], DEFS);
    assert.equal(p.values.platform, "ptrace");
  });

  it("accumulates repeated list flags, through aliases too", () => {
    const p = parseFlags(["--env", "A=1", "-e=B=2", "--e", "C=3"], DEFS);
    assert.deepEqual(p.values.env, ["A=1", "B=2", "C=3"]);
  });

  it("maps aliases to the canonical name", () => {
    const p = parseFlags(["-b", "/bundle"], DEFS);
    assert.equal(p.values.bundle, "/bundle");
    assert.deepEqual([...p.set], ["bundle"]);
  });

  it("parses integers, negative ones included", () => {
    assert.equal(parseFlags(["--fdlimit=-1"], DEFS).values.fdlimit, -1);
    assert.equal(parseFlags(["--fdlimit", "4096"], DEFS).values.fdlimit, 4096);
  });

  it("parses durations in Go syntax and bare seconds", () => {
    assert.equal(parseFlags(["--interval=1m30s"], DEFS).values.interval, 90_000);
    assert.equal(parseFlags(["--interval", "250ms"], DEFS).values.interval, 250);
    assert.equal(parseFlags(["--interval", "3"], DEFS).values.interval, 3000);
  });

  it("stops at the first non-flag argument", () => {
    const p = parseFlags(["--debug", "state", "--root", "/x"], DEFS);
    assert.deepEqual(p.args, ["state", "--root", "/x"]);
    assert.equal(p.values.root, "/var/run/runsc");
    assert.equal(p.dashdash, false);
  });

  it("treats a lone '-' as a positional argument", () => {
    assert.deepEqual(parseFlags(["-", "--debug"], DEFS).args, ["-", "--debug"]);
  });

  it("ends flags at -- and reports it", () => {
    const p = parseFlags(["--debug", "--", "--root", "x"], DEFS);
    assert.deepEqual(p.args, ["--root", "x"]);
    assert.equal(p.dashdash, true);
    assert.equal(p.values.root, "/var/run/runsc");
  });

  it("parses Docker's global flags in the order the shim passes them", () => {
    const argv = [
      "--platform=kvm",
      "--root",
      "/var/run/docker/runtime-runc/moby",
      "--log",
      "/run/x/log.json",
      "--log-format",
      "json",
      "create",
      "--bundle",
      "/b",
      "id",
    ];
    const defs = {
      ...DEFS,
      log: flag.string("log"),
      "log-format": flag.enum("fmt", ["text", "json"], "text"),
    };
    const p = parseFlags(argv, defs);
    assert.equal(p.values.platform, "kvm");
    assert.equal(p.values.root, "/var/run/docker/runtime-runc/moby");
    assert.equal(p.values.log, "/run/x/log.json");
    assert.equal(p.values["log-format"], "json");
    assert.deepEqual(p.args, ["create", "--bundle", "/b", "id"]);
  });
});

describe("flag parser: errors", () => {
  it("rejects an unknown flag with Go's message", () => {
    usageError(() => parseFlags(["--foo"], DEFS), "flag provided but not defined: -foo");
    usageError(() => parseFlags(["-foo=1"], DEFS), "flag provided but not defined: -foo");
  });

  it("rejects a flag missing its value", () => {
    usageError(() => parseFlags(["--root"], DEFS), "flag needs an argument: -root");
  });

  it("rejects a malformed boolean", () => {
    usageError(
      () => parseFlags(["--debug=yes"], DEFS),
      'invalid boolean value "yes" for -debug: parse error',
    );
  });

  it("rejects an enum value outside its set", () => {
    usageError(
      () => parseFlags(["--platform", "systrap"], DEFS),
      'invalid value "systrap" for flag -platform: must be one of ptrace, kvm',
    );
  });

  it("rejects a non-integer and an out-of-range integer", () => {
    usageError(
      () => parseFlags(["--fdlimit=1.5"], DEFS),
      'invalid value "1.5" for flag -fdlimit: parse error',
    );
    usageError(
      () => parseFlags(["--fdlimit=-2"], DEFS),
      'invalid value "-2" for flag -fdlimit: must be at least -1',
    );
  });

  it("rejects a malformed duration", () => {
    usageError(
      () => parseFlags(["--interval=5x"], DEFS),
      'invalid value "5x" for flag -interval: time: invalid duration',
    );
  });

  it("rejects bad flag syntax", () => {
    usageError(() => parseFlags(["---root"], DEFS), "bad flag syntax: ---root");
    usageError(() => parseFlags(["-=x"], DEFS), "bad flag syntax: -=x");
  });

  it("signals a help request for -h, -help and --help", () => {
    for (const h of ["-h", "-help", "--help", "--h"]) {
      assert.throws(() => parseFlags([h], DEFS), HelpRequested);
    }
  });

  it("checks values with the flag's own schema", async () => {
    const v = await import("valibot");
    const defs = {
      cwd: flag.string("cwd", { schema: v.pipe(v.string(), v.startsWith("/", "must be absolute")) }),
    };
    assert.equal(parseFlags(["--cwd=/a"], defs).values.cwd, "/a");
    usageError(() => parseFlags(["--cwd=a"], defs), 'invalid value "a" for flag -cwd: must be absolute');
  });
});

describe("flag help", () => {
  it("lays flags out like Go's PrintDefaults, sorted, with defaults and aliases", () => {
    const text = formatFlags({
      root: flag.string("root directory.", { default: "/var/run/runsc" }),
      debug: flag.bool("enable debug logging."),
      bundle: flag.string("bundle path.", { aliases: ["b"], placeholder: "path" }),
    });
    assert.equal(
      text,
      "  -bundle path\n    \tbundle path. (also: -b)\n" +
        "  -debug\n    \tenable debug logging.\n" +
        '  -root string\n    \troot directory. (default "/var/run/runsc")\n',
    );
  });
});
