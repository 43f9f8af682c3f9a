// Logging: record formats, sinks chosen from the flags, --debug-log path patterns.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatRecord } from "../../../src/log/format.ts";
import { type LogConfig, Logger } from "../../../src/log/log.ts";
import { debugCommandSelected, debugLogPath, logTimestamp } from "../../../src/log/debug-log.ts";

const WHEN = new Date(2024, 4, 1, 10, 2, 3, 45); // local time: 2024-05-01 10:02:03.045

let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-log-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const BASE: LogConfig = {
  logFile: "",
  logFormat: "text",
  debug: false,
  debugLogFile: "",
  debugLogFormat: "text",
  alsoToStderr: false,
};

function lines(file: string): string[] {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
}

describe("log record formats", () => {
  it("json: one object per line with level, msg, time", () => {
    const line = formatRecord("json", "error", 'bad "thing"\nhere', WHEN, 42);
    assert.ok(line.endsWith("\n"));
    assert.equal(line.trimEnd().includes("\n"), false, "exactly one line");
    const rec = JSON.parse(line);
    assert.deepEqual(Object.keys(rec), ["level", "msg", "time"]);
    assert.equal(rec.level, "error");
    assert.equal(rec.msg, 'bad "thing"\nhere');
    assert.equal(new Date(rec.time).getTime(), WHEN.getTime());
  });

  it("text: glog layout with level letter, date, time, pid", () => {
    assert.equal(
      formatRecord("text", "warning", "careful", WHEN, 42),
      "W0501 10:02:03.045000      42 careful\n",
    );
    assert.match(formatRecord("text", "debug", "x", WHEN, 1), /^D0501 /);
    assert.match(formatRecord("text", "info", "x", WHEN, 1), /^I0501 /);
    assert.match(formatRecord("text", "error", "x", WHEN, 1), /^E0501 /);
  });
});

describe("Logger sinks", () => {
  it("writes info and above to --log in json, debug only with --debug", () => {
    const file = path.join(dir, "log.json");
    const l = new Logger();
    l.configure({ ...BASE, logFile: file, logFormat: "json" });
    l.debug("hidden");
    l.info("hello");
    l.error("broken");
    l.close();
    const recs = lines(file).map((x) => JSON.parse(x));
    assert.deepEqual(recs.map((r) => [r.level, r.msg]), [["info", "hello"], ["error", "broken"]]);

    l.configure({ ...BASE, logFile: file, logFormat: "json", debug: true });
    assert.equal(l.debugEnabled, true);
    l.debug("shown");
    l.close();
    assert.equal(JSON.parse(lines(file).at(-1)!).msg, "shown");
    assert.equal(lines(file).length, 3, "appends, never truncates");
  });

  it("toFiles writes to the log files", () => {
    const file = path.join(dir, "log.txt");
    const l = new Logger();
    l.configure({ ...BASE, logFile: file });
    l.toFiles("error", "create: not implemented yet");
    l.close();
    assert.match(lines(file)[0], /^E\d{4} [\d:.]+ +\d+ create: not implemented yet$/);
  });

  it("writes to --log and --debug-log, each in its own format", () => {
    const log = path.join(dir, "log.json");
    const dbg = path.join(dir, "sub", "debug.txt");
    const l = new Logger();
    l.configure({ ...BASE, logFile: log, logFormat: "json", debug: true, debugLogFile: dbg });
    l.debug("both");
    l.close();
    assert.equal(JSON.parse(lines(log)[0]).msg, "both");
    assert.match(lines(dbg)[0], /^D\d{4} .* both$/, "the debug log's directory is created");
  });

  it("fails with the file name when a log file cannot be opened, keeping the old config", () => {
    const l = new Logger();
    const blocker = path.join(dir, "file");
    fs.writeFileSync(blocker, "");
    assert.throws(
      () => l.configure({ ...BASE, logFile: path.join(blocker, "log.json") }),
      /^Error: opening log file ".*file\/log\.json": ENOTDIR/,
    );
    assert.equal(l.debugEnabled, false);
  });
});

describe("--debug-log patterns", () => {
  const vars = { id: "c1", command: "create", now: WHEN };

  it("substitutes %ID%, %COMMAND% and %TIMESTAMP%", () => {
    assert.equal(
      debugLogPath("/tmp/runsc/%ID%.%COMMAND%.%TIMESTAMP%.log", vars),
      "/tmp/runsc/c1.create.20240501-100203.045000.log",
    );
  });

  it("substitutes an empty id for commands without one", () => {
    assert.equal(debugLogPath("/l/%ID%-%COMMAND%", { ...vars, id: "", command: "spec" }), "/l/-spec");
  });

  it("generates a file name inside a directory pattern ending in '/'", () => {
    assert.equal(
      debugLogPath("/tmp/logs/%ID%/", vars),
      "/tmp/logs/c1/runsc.log.20240501-100203.045000.create.txt",
    );
  });

  it("formats timestamps like gVisor", () => {
    assert.equal(logTimestamp(WHEN), "20240501-100203.045000");
  });

  it("selects commands with --debug-command", () => {
    assert.equal(debugCommandSelected("", "boot"), true);
    assert.equal(debugCommandSelected("create,start", "start"), true);
    assert.equal(debugCommandSelected("create,start", "boot"), false);
    assert.equal(debugCommandSelected("!boot,events", "boot"), false);
    assert.equal(debugCommandSelected("!boot,events", "create"), true);
  });
});

describe("mkdirs", () => {
  it("creates missing parents and accepts an existing directory", async () => {
    const { mkdirs } = await import("../../../src/log/mkdirs.ts");
    const deep = path.join(dir, "a", "b", "c");
    mkdirs(deep);
    assert.ok(fs.statSync(deep).isDirectory());
    mkdirs(deep);
  });

  it("fails on a component that is a file", async () => {
    const { mkdirs } = await import("../../../src/log/mkdirs.ts");
    fs.writeFileSync(path.join(dir, "f"), "");
    assert.throws(() => mkdirs(path.join(dir, "f", "x")), { code: "ENOTDIR" });
  });
});
