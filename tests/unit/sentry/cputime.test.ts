// CPU time under the Sentry, differential: clocks, getrusage/times/wait4 and CPU-time timers
// must advance while the program spins and stand still while it sleeps, as natively. The
// program prints booleans and signal counts, never durations, so host load cannot change them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sameAsNative } from "./helpers.ts";

describe("CPU time under the Sentry", () => {
  it("cputime: CPU clocks, getrusage/times/wait4, ITIMER_PROF/VIRTUAL, POSIX CPU-clock timers", () => {
    const { native } = sameAsNative("cputime", ["-pthread"]);
    assert.match(native.stdout, /SIGPROF while spinning: 5\n/);
  });
});
