// The OCI lifecycle through the binary (RUNSC_BIN, else bin/runsc-dev): create/start/state/
// wait/delete, run and exit statuses, kill, kill -9 of the sandbox, pause/resume, list/ps/
// events, and every bad input as a one-line error that leaves --root consistent. A static C
// program (gcc -static) is the container's rootfs. After every delete nothing may be left:
// no state files and no process started with our --root.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "write")) {
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_CREAT | O_WRONLY, 0644);
      printf("%s:%d\\n", argv[i], fd < 0 ? errno : 0);
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  if (argc > 2 && !strcmp(argv[1], "sleep")) { sleep(atoi(argv[2])); return 0; }
  if (argc > 2 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
  char h[100] = "";
  gethostname(h, sizeof h);
  char cwd[256] = "";
  getcwd(cwd, sizeof cwd);
  printf("hello host=%s cwd=%s FOO=%s\\n", h, cwd, getenv("FOO") ? getenv("FOO") : "-");
  return 0;
}
`;

// Receives a pty master on a unix socket (as containerd does with --console-socket), then
// prints the name sent with it, whether it is a tty, and everything read from it until EOF.
const CONSOLE_RECEIVER = `
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1)) return 2;
  printf("ready\\n"); fflush(stdout);
  int c = accept(s, 0, 0);
  char name[64] = "", ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { name, sizeof name - 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  if (recvmsg(c, &m, 0) < 0 || !CMSG_FIRSTHDR(&m)) return 3;
  int fd; memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
  printf("%s tty=%d\\n", name, isatty(fd));
  char buf[4096]; ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
  return 0;
}
`;

let tmp = "";
let root = "";
let rootfs = "";
let n = 0;

/** A bundle running /bin/t with `args`; returns its directory. */
function bundle(args: string[], extra: Record<string, unknown> = {}): string {
  const dir = path.join(tmp, `bundle${n++}`);
  fs.mkdirSync(dir);
  fs.symlinkSync(rootfs, path.join(dir, "rootfs"));
  const config = {
    ociVersion: "1.0.2",
    process: {
      user: { uid: 0, gid: 0 },
      args: ["/bin/t", ...args],
      env: ["FOO=bar", "PATH=/bin"],
      cwd: "/etc",
    },
    root: { path: "rootfs" },
    hostname: "box",
    ...extra,
  };
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

/**
 * Runs runsc with --root. The container inherits create's stdio, so stdout/stderr go to files
 * (a pipe would stay open as long as the container runs).
 */
function runsc(args: string[]): { status: number | null; stdout: string; stderr: string; outFile: string } {
  assert.ok(fs.existsSync(bin), `runsc binary ${bin} missing (set RUNSC_BIN or keep bin/runsc-dev)`);
  const k = n++;
  const out = path.join(tmp, `out${k}`);
  const err = path.join(tmp, `err${k}`);
  const o = fs.openSync(out, "w");
  const e = fs.openSync(err, "w");
  let r: SpawnSyncReturns<Buffer>;
  try {
    r = spawnSync(bin, ["--root", root, ...args], { timeout: 60_000, stdio: ["ignore", o, e] });
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
  }
  return {
    status: r.status,
    stdout: fs.readFileSync(out, "utf8"),
    stderr: fs.readFileSync(err, "utf8"),
    outFile: out,
  };
}

/** runsc that must succeed; returns stdout. */
function ok(args: string[]): string {
  const r = runsc(args);
  assert.equal(r.status, 0, `runsc ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** runsc that must fail with exactly one line on stderr matching `re`. */
function fails(args: string[], re: RegExp): void {
  const r = runsc(args);
  assert.notEqual(r.status, 0, `runsc ${args.join(" ")} should fail`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], re);
}

function state(id: string): { status: string; pid: number; id: string; bundle: string; rootfs: string } {
  return JSON.parse(ok(["state", id]));
}

function rootEntries(): string[] {
  return fs.existsSync(root) ? fs.readdirSync(root).sort() : [];
}

/** Pids of live (non-zombie) processes whose command line mentions our --root. */
function ourProcesses(): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      if (cmd.includes(root) && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") out.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Nothing of container `id` remains: no state, and (after a short grace) no process. */
async function assertGone(id: string): Promise<void> {
  assert.ok(!rootEntries().some((e) => e === id || e.startsWith(`${id}.`)), `left: ${rootEntries()}`);
  const deadline = Date.now() + 5000;
  while (ourProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ourProcesses(), [], "processes left behind");
}

function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-lifecycle-"));
  root = path.join(tmp, "state-root");
  rootfs = path.join(tmp, "rootfs");
  fs.mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  fs.mkdirSync(path.join(rootfs, "etc"));
  fs.writeFileSync(path.join(tmp, "t.c"), PROGRAM);
  const cc = spawnSync("gcc", ["-static", "-O1", "-o", path.join(rootfs, "bin/t"), path.join(tmp, "t.c")], {
    encoding: "utf8",
  });
  assert.equal(cc.status, 0, `gcc -static failed (needs gcc and libc6-dev): ${cc.error ?? cc.stderr}`);
  fs.writeFileSync(path.join(tmp, "recv.c"), CONSOLE_RECEIVER);
  const cr = spawnSync("gcc", ["-o", path.join(tmp, "recv"), path.join(tmp, "recv.c")], { encoding: "utf8" });
  assert.equal(cr.status, 0, `gcc failed: ${cr.error ?? cr.stderr}`);
});

after(() => {
  for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (!id.includes(".")) runsc(["delete", "--force", id]);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("runsc lifecycle", () => {
  it("create → created (pid file = sandbox pid) → start → wait → stopped → delete leaves nothing", async () => {
    const b = bundle([]);
    const pidFile = path.join(tmp, "init.pid");
    const r = runsc(["create", "--bundle", b, "--pid-file", pidFile, "c1"]);
    assert.equal(r.status, 0, r.stderr);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    const s = state("c1");
    // The document's shape against runc's: tests/e2e/oci-shape.test.ts.
    assert.equal(s.rootfs, path.join(b, "rootfs"));
    assert.equal(s.status, "created");
    assert.equal(s.pid, pid);
    assert.equal(s.bundle, b);
    assert.ok(pidAlive(pid), "sandbox process not alive after create");
    ok(["start", "c1"]);
    assert.deepEqual(JSON.parse(ok(["wait", "c1"])), { id: "c1", exitStatus: 0 });
    // The program wrote on the stdout create was given.
    assert.equal(fs.readFileSync(r.outFile, "utf8"), "hello host=box cwd=/etc FOO=bar\n");
    assert.equal(state("c1").status, "stopped");
    ok(["delete", "c1"]);
    assert.ok(!pidAlive(pid));
    await assertGone("c1");
  });

  it("run exits with the container's status and removes it", async () => {
    const r = runsc(["run", "--bundle", bundle(["exit", "7"]), "r1"]);
    assert.equal(r.status, 7, r.stderr);
    await assertGone("r1");
  });

  it("root.readonly: writes to / fail with EROFS, an OCI tmpfs mount stays writable", () => {
    const b = bundle(["write", "/x", "/etc/y", "/run/z"], {
      root: { path: "rootfs", readonly: true },
      mounts: [{ destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid"] }],
    });
    const r = runsc(["run", "--bundle", b, "ro1"]);
    assert.equal(r.status, 0, r.stderr);
    // 30 = EROFS.
    assert.equal(r.stdout, "/x:30\n/etc/y:30\n/run/z:0\n");
    const w = runsc(["run", "--bundle", bundle(["write", "/x"]), "rw1"]);
    assert.equal(w.stdout, "/x:0\n", w.stderr);
  });

  it("list, ps and events --stats of a running container; kill TERM ignored by init, KILL → 137", async () => {
    ok(["run", "--detach", "--bundle", bundle(["sleep", "100"]), "k1"]);
    assert.equal(state("k1").status, "running");
    assert.equal(ok(["list", "-q"]), "k1\n");
    const list = JSON.parse(ok(["list", "--format", "json"]));
    assert.equal(list.length, 1);
    assert.equal(list[0].id, "k1");
    assert.equal(list[0].status, "running");
    assert.match(ok(["list"]), /^ID +PID +STATUS +BUNDLE +CREATED +OWNER\nk1 +\d+ +running /);
    const pids = JSON.parse(ok(["ps", "--format", "json", "k1"]));
    assert.ok(Array.isArray(pids) && pids.every((p: unknown) => Number.isInteger(p)));
    // Only the application's stub, named after it on the host (docker top maps it onto ps -ef).
    assert.equal(pids.length, 1, `ps: ${pids}`);
    assert.equal(fs.readFileSync(`/proc/${pids[0]}/cmdline`, "utf8"), "/bin/t\x00sleep\x00100\x00");
    assert.equal(fs.readFileSync(`/proc/${pids[0]}/comm`, "utf8"), "t\n");
    assert.match(
      ok(["ps", "k1"]),
      new RegExp(`^UID +PID +PPID +STIME +TIME +CMD\n0 +${pids[0]} +\\d+ .* /bin/t sleep 100\n$`),
    );
    const ev = JSON.parse(ok(["events", "--stats", "k1"]));
    assert.equal(ev.type, "stats");
    assert.ok(ev.data.memory.usage.usage > 0);
    // pid 1 without a handler ignores TERM (runc's init semantics, which Docker expects).
    ok(["kill", "k1", "TERM"]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(state("k1").status, "running");
    ok(["kill", "k1", "KILL"]);
    assert.deepEqual(JSON.parse(ok(["wait", "k1"])), { id: "k1", exitStatus: 137 });
    ok(["delete", "k1"]);
    await assertGone("k1");
  });

  it("pause and resume", async () => {
    ok(["run", "-d", "--bundle", bundle(["sleep", "100"]), "p1"]);
    ok(["pause", "p1"]);
    assert.equal(state("p1").status, "paused");
    fails(["pause", "p1"], /^runsc: pause: cannot pause a container in the paused state$/);
    ok(["resume", "p1"]);
    assert.equal(state("p1").status, "running");
    ok(["kill", "p1", "9"]);
    assert.equal(JSON.parse(ok(["wait", "p1"])).exitStatus, 137);
    ok(["delete", "p1"]);
    await assertGone("p1");
  });

  it("a sandbox killed with kill -9 is stopped and deletable, leaving nothing", async () => {
    ok(["run", "-d", "--bundle", bundle(["sleep", "100"]), "d1"]);
    const pid = state("d1").pid;
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 5000;
    while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const s = state("d1");
    assert.equal(s.status, "stopped");
    assert.equal(s.pid, 0);
    fails(["start", "d1"], /^runsc: start: cannot start a container in the stopped state$/);
    fails(["kill", "d1", "KILL"], /^runsc: kill: container not running$/);
    ok(["delete", "d1"]);
    await assertGone("d1");
  });

  it("a created container whose sandbox died cannot be started", async () => {
    ok(["create", "--bundle", bundle([]), "d2"]);
    process.kill(state("d2").pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    fails(["start", "d2"], /^runsc: start: cannot start a container in the stopped state/);
    ok(["delete", "d2"]);
    await assertGone("d2");
  });

  it("delete refuses a running container without --force; --force kills it", async () => {
    ok(["run", "-d", "--bundle", bundle(["sleep", "100"]), "f1"]);
    fails(["delete", "f1"], /^runsc: delete: cannot delete container f1 that is not stopped: running$/);
    assert.equal(state("f1").status, "running");
    fails(["start", "f1"], /^runsc: start: cannot start a container in the running state$/);
    ok(["delete", "--force", "f1"]);
    await assertGone("f1");
    ok(["delete", "--force", "f1"]); // Docker deletes twice; the second is not an error
  });
});

describe("runsc lifecycle: bad input is one line, non-zero, and leaves --root consistent", () => {
  it("missing bundle", () => {
    const before = rootEntries();
    fails(
      ["create", "--bundle", path.join(tmp, "nope"), "b1"],
      /^runsc: create: bundle .*nope: not a directory$/,
    );
    assert.deepEqual(rootEntries(), before);
  });

  it("config.json that is not JSON", () => {
    const b = bundle([]);
    fs.writeFileSync(path.join(b, "config.json"), "{ not json");
    const before = rootEntries();
    fails(["create", "--bundle", b, "b2"], /^runsc: create: loading spec: parsing .*config\.json: /);
    assert.deepEqual(rootEntries(), before);
  });

  it("a field of the wrong type is named", () => {
    const b = bundle([]);
    const c = JSON.parse(fs.readFileSync(path.join(b, "config.json"), "utf8"));
    c.process.args = "/bin/t";
    fs.writeFileSync(path.join(b, "config.json"), JSON.stringify(c));
    fails(
      ["create", "--bundle", b, "b3"],
      /^runsc: create: loading spec: process\.args: expected array, got string$/,
    );
    assert.deepEqual(rootEntries().filter((e) => e.startsWith("b3")), []);
  });

  it("duplicate id, unknown id, start twice", async () => {
    const b = bundle([]);
    ok(["create", "--bundle", b, "u1"]);
    fails(["create", "--bundle", b, "u1"], /^runsc: create: container with id u1 already exists$/);
    assert.equal(state("u1").status, "created");
    for (const cmd of [["state"], ["start"], ["kill"], ["delete"], ["pause"], ["ps"], ["wait"]]) {
      fails([...cmd, "nosuch"], new RegExp(`^runsc: ${cmd[0]}: container nosuch does not exist$`));
    }
    assert.deepEqual(rootEntries().filter((e) => e.startsWith("nosuch")), []);
    ok(["start", "u1"]);
    fails(["start", "u1"], /^runsc: start: cannot start a container in the (running|stopped) state$/);
    ok(["wait", "u1"]);
    ok(["delete", "u1"]);
    await assertGone("u1");
  });

  it("terminal: the pty master goes to --console-socket, the program writes on the replica", async () => {
    const b = bundle([]);
    const c = JSON.parse(fs.readFileSync(path.join(b, "config.json"), "utf8"));
    c.process.terminal = true;
    fs.writeFileSync(path.join(b, "config.json"), JSON.stringify(c));
    const sock = path.join(tmp, "pty.sock");
    const out = path.join(tmp, "recv.out");
    const fd = fs.openSync(out, "w");
    const recv = spawn(path.join(tmp, "recv"), [sock], { stdio: ["ignore", fd, "inherit"] });
    fs.closeSync(fd);
    const exited = new Promise((r) => recv.once("exit", r));
    const deadline = Date.now() + 5000;
    while (!fs.readFileSync(out, "utf8").includes("ready") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const r = runsc(["run", "--bundle", b, "--console-socket", sock, "tty1"]);
    assert.equal(r.status, 0, r.stderr);
    await exited;
    assert.equal(fs.readFileSync(out, "utf8"), "ready\n/dev/ptmx tty=1\nhello host=box cwd=/etc FOO=bar\r\n");
    await assertGone("tty1");
  });

  it("terminal without --console-socket", () => {
    const b = bundle([]);
    const c = JSON.parse(fs.readFileSync(path.join(b, "config.json"), "utf8"));
    c.process.terminal = true;
    fs.writeFileSync(path.join(b, "config.json"), JSON.stringify(c));
    fails(
      ["create", "--bundle", b, "t1"],
      /^runsc: create: cannot allocate a terminal .* without --console-socket$/,
    );
    assert.deepEqual(rootEntries().filter((e) => e.startsWith("t1")), []);
  });
});
