// Global flags, the command table, argument checks and signal names.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseGlobals } from "../../../src/cli/global-flags.ts";
import { DEFAULT_GLOBALS } from "../../../src/cli/globals.ts";
import { COMMANDS, findCommand } from "../../../src/cli/commands.ts";
import { checkArgs } from "../../../src/cli/command.ts";
import { mainHelp } from "../../../src/cli/help.ts";
import { parseSignal } from "../../../src/cli/signal.ts";
import { UsageError } from "../../../src/cli/errors.ts";
import { parseFlags } from "../../../src/cli/flag.ts";

describe("global flags", () => {
  it("parse the shim's call: runtimeArgs, --root, --log, --log-format twice (last wins)", () => {
    const p = parseGlobals([
      "--platform=kvm",
      "--network=none",
      "--log-format=text",
      "--root",
      "/var/run/docker/runtime-runc/moby",
      "--log",
      "/run/t/log.json",
      "--log-format",
      "json",
      "create",
      "--bundle",
      "/b",
      "c1",
    ]);
    assert.equal(p.globals.platform, "kvm");
    assert.equal(p.globals.network, "none");
    assert.equal(p.globals.root, "/var/run/docker/runtime-runc/moby");
    assert.equal(p.globals.log, "/run/t/log.json");
    assert.equal(p.globals.logFormat, "json");
    assert.deepEqual(p.args, ["create", "--bundle", "/b", "c1"]);
    assert.equal(p.version, false);
  });

  it("default to DEFAULT_GLOBALS", () => {
    assert.deepEqual(parseGlobals(["state"]).globals, DEFAULT_GLOBALS);
  });

  it("accept gVisor's compatibility flags and report which were set", () => {
    const p = parseGlobals(["--overlay2=none", "--directfs=false", "--fdlimit", "100", "--debug", "list"]);
    assert.deepEqual([...p.ignoredSet].sort(), ["directfs", "fdlimit", "overlay2"]);
    assert.equal(p.globals.debug, true);
  });

  it("validate enumerated values", () => {
    assert.throws(() => parseGlobals(["--network=bridge", "list"]), {
      name: "UsageError",
      message: 'invalid value "bridge" for flag -network: must be one of none, host, sandbox',
    });
    assert.throws(
      () => parseGlobals(["--log-format", "xml"]),
      /for flag -log-format: must be one of text, json/,
    );
  });

  it("see --version before any subcommand", () => {
    assert.equal(parseGlobals(["--version"]).version, true);
  });
});

describe("command table", () => {
  const REQUIRED = [
    "create",
    "start",
    "state",
    "kill",
    "delete",
    "run",
    "exec",
    "ps",
    "wait",
    "list",
    "events",
    "pause",
    "resume",
    "spec",
    "do",
    "install",
    "uninstall",
    "help",
    "flags",
    "boot",
    "gofer",
    "selftest-roles",
  ];

  it("has every subcommand, each listed in help", () => {
    const help = mainHelp(COMMANDS);
    for (const name of REQUIRED) {
      assert.ok(findCommand(name), `missing ${name}`);
      assert.match(help, new RegExp(`^\\t${name} `, "m"), `help does not list ${name}`);
    }
  });

  it("lists boot, gofer and selftest-roles under internal use", () => {
    const help = mainHelp(COMMANDS);
    const internal = help.slice(help.indexOf("Subcommands for internal use only:"));
    for (const name of ["boot", "gofer", "selftest-roles"]) assert.match(internal, new RegExp(`\\t${name} `));
  });

  it("marks every lifecycle command as implemented", () => {
    for (const name of ["create", "start", "state", "kill", "delete", "exec", "run", "ps", "wait", "list"]) {
      assert.equal(findCommand(name)!.implemented, true, name);
    }
  });

  it("parses Docker's exec call in full, then reports the unknown container", async () => {
    const exec = findCommand("exec")!;
    const argv = [
      "--process",
      "/tmp/p.json",
      "--console-socket",
      "/tmp/pty.sock",
      "--detach",
      "--pid-file",
      "/t/e.pid",
      "c1",
    ];
    const p = parseFlags(argv, exec.flags);
    assert.deepEqual(p.args, ["c1"]);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-cli-root-"));
    try {
      const inv = { command: "exec", ...p, globals: { ...DEFAULT_GLOBALS, root } };
      await assert.rejects(exec.run(inv), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /container c1 does not exist/);
        return true;
      });
      assert.deepEqual(fs.readdirSync(root), [], "a failed exec must leave --root untouched");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("checks exec's command and kill's signal even before they are implemented", async () => {
    const run = (name: string, argv: string[]) => {
      const c = findCommand(name)!;
      const p = parseFlags(argv, c.flags);
      return c.run({ command: name, ...p, globals: { ...DEFAULT_GLOBALS } });
    };
    await assert.rejects(run("exec", ["c1"]), { name: "UsageError", message: /a command is required/ });
    await assert.rejects(run("kill", ["c1", "SIGNOPE"]), {
      name: "UsageError",
      message: 'invalid signal "SIGNOPE"',
    });
    await assert.rejects(run("kill", ["c1", "KILL"]), { name: "ContainerError" });
  });
});

describe("positional argument checks", () => {
  it("explain what was expected", () => {
    const one = { min: 1, max: 1, names: "<container-id>" };
    assert.throws(() => checkArgs(one, []), {
      name: "UsageError",
      message: "requires exactly 1 argument (<container-id>), got 0",
    });
    assert.throws(() => checkArgs(one, ["a", "b"]), /got 2; unexpected "b"$/);
    assert.throws(
      () => checkArgs({ min: 1, max: Infinity, names: "<id>..." }, []),
      /^UsageError: requires at least 1 argument \(<id>...\), got 0$/,
    );
    checkArgs(one, ["a"]);
  });
});

describe("signals", () => {
  it("accept numbers and names with or without SIG, any case", () => {
    assert.equal(parseSignal("15"), 15);
    assert.equal(parseSignal("9"), 9);
    assert.equal(parseSignal("TERM"), 15);
    assert.equal(parseSignal("SIGKILL"), 9);
    assert.equal(parseSignal("usr1"), 10);
    assert.equal(parseSignal("64"), 64);
  });

  it("refuse unknown signals", () => {
    for (const s of ["0", "65", "NOPE", "", "-9", "SIG"]) assert.throws(() => parseSignal(s), UsageError, s);
  });
});
