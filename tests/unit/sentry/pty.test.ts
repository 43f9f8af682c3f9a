// Job control on a pty made inside the sandbox, differential: ^C/^\/^Z written to the master
// signal the foreground group of the session whose controlling terminal the slave is, a
// background read gets SIGTTIN, the TIOCSCTTY/TIOCSPGRP/TIOCNOTTY rules, hang-up on master close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sameAsNative } from "./helpers.ts";

describe("pty job control under the Sentry", () => {
  it("pty_signals: ISIG to the foreground group, SIGTTIN, TIOCSPGRP/SCTTY/NOTTY, SIGHUP on hangup", () => {
    const { native } = sameAsNative("pty_signals");
    assert.match(native.stdout, /child: SIGINT from \^C: 1\n/);
  });
});
