// Differential tests of event primitives (epoll edge/oneshot/exclusive, POSIX timers,
// signalfd): static C programs must print the same natively and under the Sentry.
import { describe, it } from "node:test";
import { sameAsNative } from "./helpers.ts";

describe("event primitives under the Sentry", () => {
  it("ev_epoll: EPOLLET edges, EPOLLONESHOT re-arm, EPOLLEXCLUSIVE rules, nested edge wait, pwait mask", () => {
    sameAsNative("ev_epoll");
  });

  it("ev_timers: SIGEV_SIGNAL/NONE/THREAD_ID, overruns, glibc SIGEV_THREAD (64-bit sigval)", () => {
    sameAsNative("ev_timers", ["-pthread"]);
  });

  it("ev_signalfd: records, poll/epoll readiness, mask change, timer sigval, blocking read", () => {
    sameAsNative("ev_signalfd");
  });
});
