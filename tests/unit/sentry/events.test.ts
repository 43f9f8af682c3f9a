// Differential tests of event primitives (epoll edge/oneshot/exclusive, POSIX timers,
// signalfd): static C programs must print the same natively and under the Sentry.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, runNative, runUnderSentry } from "./helpers.ts";

function same(name: string, extra: string[] = []): void {
  const bin = compile(name, extra);
  const native = runNative([bin]);
  assert.equal(native.status, 0, `native ${name} failed: ${native.stderr}`);
  const ours = runUnderSentry([bin]);
  assert.equal(ours.stdout, native.stdout);
  assert.equal(ours.status, native.status);
}

describe("event primitives under the Sentry", () => {
  it("ev_epoll: EPOLLET edges, EPOLLONESHOT re-arm, EPOLLEXCLUSIVE rules, nested edge wait, pwait mask", () => {
    same("ev_epoll");
  });

  it("ev_timers: SIGEV_SIGNAL/NONE/THREAD_ID, overruns, glibc SIGEV_THREAD (64-bit sigval)", () => {
    same("ev_timers", ["-pthread"]);
  });

  it("ev_signalfd: records, poll/epoll readiness, mask change, timer sigval, blocking read", () => {
    same("ev_signalfd");
  });
});
