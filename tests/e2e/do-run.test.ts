// `runsc do` running real programs through the whole stack (CLI, gofer, boot, Sentry). Uses
// RUNSC_BIN (the built dist/runsc), else bin/runsc-dev.
// Needs gcc (compiles tiny static programs into a temp dir).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");
let dir = "";

/** Compiles a freestanding static program (no libc) from C source into dir/name. */
function compile(name: string, src: string): string {
  const c = path.join(dir, `${name}.c`);
  const out = path.join(dir, name);
  fs.writeFileSync(c, src);
  const r = spawnSync("gcc", ["-static", "-nostdlib", "-O1", "-fno-stack-protector", "-o", out, c], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `gcc is required for these tests: ${r.error ?? r.stderr}`);
  return out;
}

const SYSCALLS = `
static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
`;

let hi = "";
let killself = "";

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-do-run-"));
  hi = compile(
    "hi",
    `${SYSCALLS}
void _start(void) {
  sys3(1, 1, (long)"hi\\n", 3);   /* write(1, "hi\\n", 3) */
  sys3(60, 3, 0, 0);              /* exit(3) */
}`,
  );
  killself = compile(
    "killself",
    `${SYSCALLS}
void _start(void) {
  long pid = sys3(39, 0, 0, 0);   /* getpid */
  sys3(62, pid, 15, 0);           /* kill(pid, SIGTERM) */
  sys3(60, 0, 0, 0);
}`,
  );
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function runsc(args: string[], input?: string) {
  return spawnSync(bin, args, { encoding: "utf8", timeout: 60_000, input });
}

describe("runsc do runs programs", () => {
  it("runs a static program: its output, and its exit status", () => {
    const r = runsc(["do", hi]);
    assert.equal(r.stdout, "hi\n", r.stderr);
    assert.equal(r.status, 3);
  });

  it("reports death by signal N as 128+N", () => {
    const r = runsc(["do", killself]);
    assert.equal(r.status, 143, r.stderr);
  });

  it("runs a dynamic host program with arguments, environment and cwd carried over", () => {
    const r = spawnSync(bin, ["do", "--env", "GREETING=hello", "/bin/sh", "-c", 'echo "$GREETING $(pwd)"'], {
      encoding: "utf8",
      cwd: "/usr",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "hello /usr\n");
  });

  it("passes stdin through from a pipe", () => {
    const r = runsc(["do", "/bin/cat"], "piped input\n");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "piped input\n");
  });

  it("serves another root with --root-dir", () => {
    const root = path.join(dir, "root");
    fs.mkdirSync(root, { recursive: true });
    fs.copyFileSync(hi, path.join(root, "hi"));
    fs.chmodSync(path.join(root, "hi"), 0o755);
    const r = runsc(["do", "--root-dir", root, "/hi"]);
    assert.equal(r.stdout, "hi\n", r.stderr);
    assert.equal(r.status, 3);
  });

  it("never writes the host root (writes go to the in-memory overlay)", () => {
    const marker = path.join(dir, "must-not-exist");
    const r = runsc(["do", "/bin/sh", "-c", `echo x > ${marker} && cat ${marker}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "x\n");
    assert.ok(!fs.existsSync(marker), "the host file system was modified");
  });

  it("forwards SIGTERM from the CLI to the application", async () => {
    const child = spawn(bin, ["do", "/bin/sleep", "30"], { stdio: "ignore" });
    // Listen before anything can happen, so an early exit is seen, not waited for forever.
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    await new Promise((r) => setTimeout(r, 1500));
    // process.kill, not child.kill: under Deno, child.kill reports the child as killed by the
    // signal sent whatever its real exit was.
    process.kill(child.pid!, "SIGTERM");
    const code = await exited;
    assert.equal(code, 143);
  });
});
