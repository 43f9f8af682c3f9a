// Memory the Sentry copies while other application threads keep writing it (a heap grown by
// brk whose backing must move; adopting a copy-on-write source) must not lose their writes:
// the Sentry write-protects the pages before copying. Unpinned (cpu -1), the worker threads
// run on the other CPU during the copy: before the fix millions of increments were lost, and
// MariaDB deadlocked on a mutex word that reverted.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, runNative, runUnderSentry } from "./helpers.ts";

describe("memory copied under running threads", () => {
  it("mm_race: no increment lost while the heap's backing moves (pinned and unpinned)", () => {
    const bin = compile("mm_race", ["-pthread"]);
    const native = runNative([bin]);
    assert.equal(native.status, 0, native.stderr);
    assert.match(native.stdout, /increments lost: 0\n$/);
    for (const cpu of [-1, undefined, -1]) {
      const ours = runUnderSentry([bin], undefined, undefined, "ptrace", cpu);
      assert.equal(ours.stdout, native.stdout, `cpu ${cpu}`);
      assert.equal(ours.status, 0, ours.stderr);
    }
  });
});
