// Differential socket tests: static C programs run natively and under the Sentry (ptrace
// platform) must print the same. Ports are ephemeral on both sides; the programs print only
// facts that do not depend on which port was chosen.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, compile, runNative, runUnderSentry } from "../sentry/helpers.ts";

/** Compiles tests/programs/NAME.c dynamically linked (glibc's ld.so, libc.so under the Sentry). */
function compileDynamic(name: string): string {
  compile(name); // creates BIN_DIR
  const src = join(import.meta.dirname ?? ".", `../../programs/${name}.c`);
  const out = join(BIN_DIR, `${name}.dyn`);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    execFileSync("gcc", ["-O1", "-o", out, src], { stdio: "inherit" });
  }
  return out;
}

/**
 * The native run (the truth) in a network namespace of its own with lo up, so that the host's
 * network settings do not decide it: Docker container starts were seen switching IPv6 off
 * host-wide (net.ipv6.conf.all.disable_ipv6=1) while the suite ran, failing the native ::1 cases.
 */
function runNativeNet(argv: string[]) {
  return runNative(
    ["/usr/bin/unshare", "--net", "--", "/bin/sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...argv],
    { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  );
}

describe("sockets under the Sentry (differential)", () => {
  it("sock_unix: socketpair, SCM_RIGHTS/SCM_CREDENTIALS, path and abstract servers across fork, dgram, seqpacket", () => {
    const bin = compile("sock_unix");
    const native = runNativeNet([bin]);
    assert.equal(native.status, 0, native.stdout);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });

  it("sock_inet: loopback TCP/UDP over v4 and v6, non-blocking connect, options, mmsg, getifaddrs(lo)", () => {
    const bin = compile("sock_inet");
    const native = runNativeNet([bin]);
    assert.equal(native.status, 0, native.stdout);
    const ours = runUnderSentry([bin]);
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status);
  });

  it("dynamically linked sock_unix and sock_inet print the same as natively", () => {
    for (const name of ["sock_unix", "sock_inet"]) {
      const bin = compileDynamic(name);
      const native = runNativeNet([bin]);
      assert.equal(native.status, 0, native.stdout);
      const ours = runUnderSentry([bin]);
      assert.equal(ours.stdout, native.stdout, name);
      assert.equal(ours.status, native.status);
    }
  });

  it("getifaddrs in the sandbox lists the loopback interface only", () => {
    const bin = compile("sock_inet");
    const ours = runUnderSentry([bin, "all"]);
    assert.equal(ours.status, 0);
    const names = new Set([...ours.stdout.matchAll(/^ifaddr (\S+)/gm)].map((m) => m[1]));
    assert.deepEqual([...names], ["lo"]);
    assert.match(ours.stdout, /ifaddr lo family=2 addr=127\.0\.0\.1 mask=255\.0\.0\.0 up=1 loopback=1/);
    assert.match(ours.stdout, /ifaddr lo family=10 addr=::1 /);
  });
});
