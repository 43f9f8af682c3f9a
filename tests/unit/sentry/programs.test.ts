// Differential tests: small static C programs run natively and under the Sentry (ptrace
// platform, files through an in-process gofer double) must print the same and exit the same.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, runNative, runUnderSentry } from "./helpers.ts";

describe("static C programs under the Sentry", () => {
  it("hello: argv, env, stdio, malloc, exit code", () => {
    const bin = compile("hello");
    for (const args of [[], ["one", "two"]]) {
      const native = runNative([bin, ...args], { GREETING: "hi" });
      const ours = runUnderSentry([bin, ...args], ["GREETING=hi"]);
      assert.equal(ours.stdout, native.stdout);
      assert.equal(ours.stderr, "to stderr\n");
      assert.equal(ours.status, native.status);
    }
  });

  it("reports unknown syscalls as ENOSYS and logs them in --strace", () => {
    const bin = compile("hello");
    const lines: string[] = [];
    const r = runUnderSentry([bin], [], (l) => lines.push(l));
    assert.equal(r.status, 0);
    assert.ok(lines.some((l) => l.includes("rseq(") && l.endsWith("ENOSYS")), lines.join("\n"));
    assert.ok(lines.some((l) => l.startsWith("[1] exit_group(0)")), lines.join("\n"));
  });
});

describe("processes, signals and threads under the Sentry", () => {
  it("procs: fork/wait, signal death, execve, handlers, masks, pthreads, nanosleep", () => {
    const bin = compile("procs", ["-pthread"]);
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});

describe("signal semantics under the Sentry", () => {
  it("signals: RESETHAND, NODEFER, ONSTACK, RESTART vs EINTR, SIGCHLD info, job control, defaults", () => {
    const bin = compile("signals");
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});

describe("memory syscalls under the Sentry", () => {
  it("mmap: private file maps, shared anon, mremap, mprotect faults, munmap, madvise, brk, maps", () => {
    const bin = compile("mmap");
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});

describe("copy-on-write fork under the Sentry", () => {
  it("cow: private memory copied per side on write, shared stays shared, nested forks, threads", () => {
    const bin = compile("cow", ["-pthread"]);
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});

describe("timers and synchronous signals under the Sentry", () => {
  it("timers: setitimer/getitimer/alarm, nanosleep EINTR remaining, rt_sigtimedwait, robust mutexes", () => {
    const bin = compile("timers", ["-pthread"]);
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});

describe("pipes and files under the Sentry", () => {
  it("pipes: EOF, PIPE_BUF atomicity, O_NONBLOCK, poll/select, SIGPIPE/EPIPE, dup2 + exec", () => {
    const bin = compile("pipes");
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });

  it("files: metadata, links, dirs, *at calls, cwd, close-on-exec, fexecve/execveat, /proc/self", () => {
    const bin = compile("files");
    const native = runNative([bin]);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });
});
