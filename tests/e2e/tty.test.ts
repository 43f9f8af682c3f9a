// The sandbox's terminal: `runsc do` run by script(1) (bsdutils) so stdio is a host pty. The
// program must see its terminal as /dev/pts/0 (tty, ttyname), a tty for test -t, the same
// window size as natively, and bash must get job control. Each case compares with the same
// command run natively under script. Binary: RUNSC_BIN, else bin/runsc-dev.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

/** Runs `argv` (no shell quoting inside: plain words) on a fresh pty made by script(1). */
function underScript(argv: string[]): string {
  assert.ok(fs.existsSync("/usr/bin/script"), "script(1) missing: apt-get install bsdutils");
  const r = spawnSync("/usr/bin/script", ["-qec", argv.join(" "), "/dev/null"], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.equal(r.status, 0, `script ${argv.join(" ")}: status ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.replace(/\r\n/g, "\n");
}

/** The same command natively and under `runsc do`. */
function both(argv: string[]): { native: string; sandbox: string } {
  assert.ok(fs.existsSync(bin), `runsc binary ${bin} missing (set RUNSC_BIN or keep bin/runsc-dev)`);
  return { native: underScript(argv), sandbox: underScript([bin, "do", ...argv]) };
}

describe("runsc do on a terminal", () => {
  it("tty prints /dev/pts/0; stty size and test -t 0 agree with the native run", () => {
    const dir = fs.mkdtempSync("/tmp/runsc-e2e-tty-");
    const script = path.join(dir, "t.sh");
    fs.writeFileSync(script, "tty; stty size; test -t 0 && echo yes; readlink /proc/self/fd/1\n");
    try {
      const { native, sandbox } = both(["/bin/sh", script]);
      const re = /^\/dev\/pts\/\d+\n(\d+ \d+)\nyes\n\/dev\/pts\/\d+\n$/;
      const n = native.match(re);
      assert.ok(n, `native output unexpected:\n${native}`);
      assert.equal(sandbox, `/dev/pts/0\n${n[1]}\nyes\n/dev/pts/0\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stat of fd 0 and of /dev/pts/0 agree (char device 136:0)", () => {
    const { native, sandbox } = both([
      "/usr/bin/stat",
      "-L",
      "-c",
      "%F:%t:%T:%i",
      "/proc/self/fd/0",
      "/dev/pts/0",
    ]);
    assert.match(native, /^character special file:88:/, native);
    assert.equal(sandbox.split("\n")[0], sandbox.split("\n")[1], sandbox);
    assert.match(sandbox, /^character special file:88:0:\d+\n/);
  });

  it("bash -i gets job control: a background job is listed and reaped", () => {
    const cmd = ["/bin/bash", "-ic", "'sleep 0.1 & jobs; wait; echo done'"];
    const { native, sandbox } = both(cmd);
    const shape = (s: string) => s.replace(/\[1\] \d+/, "[1] PID");
    assert.match(native, /Running/);
    assert.equal(shape(sandbox), shape(native));
  });

  it("pty pairs inside the sandbox: openpty, ttyname of the slave, pty.fork, like native", () => {
    assert.ok(fs.existsSync("/usr/bin/python3"), "python3 missing: apt-get install python3");
    const dir = fs.mkdtempSync("/tmp/runsc-e2e-pty-");
    const prog = path.join(dir, "pairs.py");
    fs.writeFileSync(
      prog,
      [
        "import os, pty",
        "m, s = os.openpty()",
        "print(os.ttyname(s).startswith('/dev/pts/'))",
        "os.write(m, b'hello\\r'); print(os.read(s, 100)); print(os.read(m, 100))",
        "os.write(s, b'x\\n'); print(os.read(m, 100))",
        "pid, fd = pty.fork()",
        "if pid == 0: os.execv('/bin/echo', ['echo', 'child-on-pty'])",
        "out = b''",
        "while True:",
        "    try: b = os.read(fd, 100)",
        "    except OSError: break",
        "    if not b: break",
        "    out += b",
        "print(out, os.waitpid(pid, 0)[1])",
        "",
      ].join("\n"),
    );
    try {
      const run = (argv: string[]) => {
        const r = spawnSync(argv[0], argv.slice(1), {
          encoding: "utf8",
          timeout: 60_000,
          stdio: ["ignore", "pipe", "pipe"],
        });
        assert.equal(r.status, 0, `${argv.join(" ")}: status ${r.status}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      const native = run(["/usr/bin/python3", prog]);
      assert.equal(native, "True\nb'hello\\n'\nb'hello\\r\\n'\nb'x\\r\\n'\nb'child-on-pty\\r\\n' 0\n");
      assert.equal(run([bin, "do", "/usr/bin/python3", prog]), native);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
