// clone3 under the Sentry, differential: the raw call (argument validation, fork-like child,
// CLONE_CLEAR_SIGHAND, set_tid, a thread on its own stack) and glibc's users of it (pthreads,
// posix_spawn), which must really go through clone3 rather than fall back to clone.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, runNative, runUnderSentry, sameAsNative } from "./helpers.ts";

describe("clone3 under the Sentry", () => {
  it("clone3: struct validation errors, fork-like child, CLEAR_SIGHAND, set_tid, raw thread", () => {
    sameAsNative("clone3");
  });

  it("clone3_glibc: pthread_create and posix_spawn succeed through clone3", () => {
    const bin = compile("clone3_glibc", ["-pthread"]);
    const native = runNative([bin]);
    assert.equal(native.status, 0, native.stderr);
    const lines: string[] = [];
    const ours = runUnderSentry([bin], ["PATH=/usr/bin:/bin"], (l) => lines.push(l));
    assert.equal(ours.stdout, native.stdout);
    assert.equal(ours.stderr, native.stderr);
    assert.equal(ours.status, native.status);
    const ok = lines.filter((l) => /^\[\d+\] clone3\(.*\) = \d+$/.test(l));
    assert.ok(
      ok.length >= 4 + 4,
      `expected successful clone3 calls:\n${lines.filter((l) => l.includes("clone")).join("\n")}`,
    );
  });
});
