// pidfds under the Sentry, differential: pidfd_open, poll for exit, pidfd_send_signal,
// waitid(P_PIDFD) and CLONE_PIDFD through clone and clone3.
import { describe, it } from "node:test";
import { sameAsNative } from "./helpers.ts";

describe("pidfds under the Sentry", () => {
  it("pidfd: open rules, exit polling, send_signal with siginfo, waitid(P_PIDFD), CLONE_PIDFD", () => {
    sameAsNative("pidfd");
  });
});
