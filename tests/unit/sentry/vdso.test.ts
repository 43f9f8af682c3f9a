// The vDSO on the ptrace platform (the host's, kept in every stub): the same facts natively and
// under the Sentry (auxv, /proc/self/maps, clocks through it vs the syscall, fork, exec, munmap),
// and its clock reads never trap: the strace of 30 000 clock_gettime calls holds only the few
// the program makes with syscall(2).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, runNative, runUnderSentry } from "./helpers.ts";

describe("vDSO under the Sentry", () => {
  it("vdso: auxv, maps, clocks, fork, exec and munmap as natively; clock reads do not trap", () => {
    const bin = compile("vdso");
    const native = runNative([bin]);
    assert.equal(native.status, 0, native.stderr);
    assert.match(native.stdout, /^auxv vdso yes, elf magic 1\n/);
    const lines: string[] = [];
    const ours = runUnderSentry([bin], undefined, (l) => lines.push(l));
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.status, native.status, ours.stderr);
    const trapped = lines.filter((l) => l.includes("clock_gettime(")).length;
    assert.ok(
      trapped > 0 && trapped <= 8,
      `${trapped} clock_gettime syscalls reached the Sentry (want the 4 explicit ones)`,
    );
  });
});
