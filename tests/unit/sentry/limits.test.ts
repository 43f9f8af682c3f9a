// Container init semantics and resource limits enforced by the Sentry (kernel/limits.ts,
// signal/send.ts initDiscards, fs/sysfs): tests/programs/init_limits.c run as pid 1 with the
// SentryConfig fields a container's boot passes (protectInit, limits). Needs gcc.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runSentry, type SentryConfig } from "../../../src/sentry/entry.ts";
import type { SandboxLimits } from "../../../src/sentry/kernel/limits.ts";
import { close, pipe2, read } from "../../../ffi/libc.ts";
import { compile, hostGofer } from "./helpers.ts";

interface Run {
  status: number;
  stdout: string;
}

/** Runs init_limits ARGS under the Sentry as a container's init would run (output < 64 KiB). */
function runInit(args: string[], extra: Partial<SentryConfig>): Run {
  const prog = compile("init_limits");
  const [outR, outW] = pipe2(0o2000000);
  const [inR, inW] = pipe2(0o2000000);
  close(inW);
  let status: number;
  try {
    status = runSentry({
      argv: [prog, ...args],
      env: ["PATH=/usr/bin:/bin"],
      cwd: "/",
      gofer: hostGofer(),
      stdio: [inR, outW, outW],
      uid: 0,
      gid: 0,
      hostname: "sandbox",
      platform: "ptrace",
      strace: false,
      forwardSignals: false,
      ...extra,
    });
  } finally {
    close(outW);
    close(inR);
  }
  const chunks: Uint8Array[] = [];
  const b = new Uint8Array(65536);
  for (;;) {
    const n = read(outR, b);
    if (n <= 0) break;
    chunks.push(b.slice(0, n));
  }
  close(outR);
  return { status, stdout: Buffer.concat(chunks).toString("utf8") };
}

const limited = (l: SandboxLimits): Partial<SentryConfig> => ({ protectInit: true, limits: l });

describe("container init semantics", () => {
  it("a protected init discards SIG_DFL signals (even SIGKILL from inside); its handlers run", () => {
    const r = runInit(["signals"], { protectInit: true });
    assert.equal(r.stdout, "alive\nhandler 12\n");
    assert.equal(r.status, 0);
  });

  it("without protection (runsc do) init dies of its own SIGUSR1 (138)", () => {
    const r = runInit(["signals"], {});
    assert.equal(r.stdout, "");
    assert.equal(r.status, 138);
  });
});

describe("limits", () => {
  it("pids: forks fail with EAGAIN once the sandbox holds `pids` tasks", () => {
    const r = runInit(["forkn", "30"], limited({ pids: 10 }));
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /fork failed: Resource temporarily unavailable\nforked 9\n/);
  });

  it("pids: without a limit all forks succeed", () => {
    const r = runInit(["forkn", "30"], limited({}));
    assert.equal(r.stdout, "forked 30\n");
  });

  it("memory: under the limit a program runs, over it the container is killed (137)", () => {
    const under = runInit(["memhog", "8"], limited({ memoryBytes: 32 << 20 }));
    assert.equal(under.stdout, "allocated 8 MiB\n");
    assert.equal(under.status, 0);
    const over = runInit(["memhog", "100"], limited({ memoryBytes: 32 << 20 }));
    assert.equal(over.stdout, "");
    assert.equal(over.status, 137);
  });

  it("memory: a program touching memory without syscalls is caught by the periodic check", () => {
    // One 32 MiB malloc (measured before it is touched), then touching and computing with no
    // syscall: only the periodic check can see it.
    const t0 = Date.now();
    const r = runInit(["spin", "32"], limited({ memoryBytes: 16 << 20 }));
    assert.equal(r.stdout, "");
    assert.equal(r.status, 137);
    assert.ok(Date.now() - t0 < 1000, `killed only after ${Date.now() - t0} ms`);
  });

  it("/sys/fs/cgroup and /proc/meminfo show the limits", () => {
    const r = runInit(
      ["show"],
      limited({ memoryBytes: 64 << 20, pids: 7, cpuQuotaUs: 50000, cpuPeriodUs: 100000 }),
    );
    assert.equal(r.status, 0, r.stdout);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], `/sys/fs/cgroup/memory/memory.limit_in_bytes: ${64 << 20}`);
    assert.equal(lines[1], "/sys/fs/cgroup/pids/pids.max: 7");
    assert.equal(lines[2], "/sys/fs/cgroup/pids/pids.current: 1");
    assert.equal(lines[3], "/sys/fs/cgroup/cpu/cpu.cfs_quota_us: 50000");
    assert.equal(lines[4], "/sys/fs/cgroup/cpu/cpu.cfs_period_us: 100000");
    assert.match(lines[5], /^\/proc\/meminfo: MemTotal:\s+65536 kB$/);
    assert.equal(lines[6], "/proc/self/cgroup: 3:pids:/");
  });

  it("unlimited values read as cgroup v1 shows them", () => {
    const r = runInit(["show"], limited({}));
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "/sys/fs/cgroup/memory/memory.limit_in_bytes: 9223372036854771712");
    assert.equal(lines[1], "/sys/fs/cgroup/pids/pids.max: max");
    assert.equal(lines[3], "/sys/fs/cgroup/cpu/cpu.cfs_quota_us: -1");
  });
});
