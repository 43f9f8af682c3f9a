// inotify under the Sentry, differential: changes made inside the sandbox to a watched
// directory and file produce the events, names, cookies and order Linux gives.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sameAsNative } from "./helpers.ts";

describe("inotify under the Sentry", () => {
  it("inotify: create/modify/close/attrib/moves/delete/delete-self/ignored, oneshot, rm_watch, reads", () => {
    const { native } = sameAsNative("inotify");
    assert.match(native.stdout, /dir MOVED_TO b \(same cookie\)\n/);
  });
});
