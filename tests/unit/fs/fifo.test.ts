import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { O_NONBLOCK, O_RDONLY, O_WRONLY, S_IFIFO } from "../../../src/sentry/vfs/consts.ts";
import { FakeTask, sys } from "../vfs/_fake.ts";
import { tmpWorld } from "../vfs/_world.ts";

describe("named pipes", () => {
  it("a blocking reader waits for a writer; then data flows", () => {
    const w = tmpWorld();
    const a = w.t;
    assert.equal(w.call("mknod", a.put("/tmp/ff"), S_IFIFO | 0o644, 0), 0);
    const b = new FakeTask(a.fsctx);
    const callB = (name: string, ...x: number[]) => sys(FILE_SYSCALLS, b, name, ...x);
    const pa = a.put("/tmp/ff");
    assert.equal(w.call("open", pa, O_RDONLY), BLOCK);
    const wfd = callB("open", b.put("/tmp/ff"), O_WRONLY);
    assert.ok(wfd >= 0, `writer open: ${wfd}`);
    const rfd = w.call("open", pa, O_RDONLY);
    assert.ok(rfd >= 0, `reader open after the writer: ${rfd}`);
    assert.equal(callB("write", wfd, b.put(new TextEncoder().encode("fifo")), 4), 4);
    const buf = a.alloc(8);
    assert.equal(w.call("read", rfd, buf, 8), 4);
    assert.equal(new TextDecoder().decode(a.get(buf, 4)), "fifo");
    callB("close", wfd);
    assert.equal(w.call("read", rfd, buf, 8), 0, "EOF after the writer closed");
  });

  it("O_NONBLOCK: a reader opens at once, a writer without reader gets ENXIO", () => {
    const w = tmpWorld();
    w.call("mknod", w.t.put("/tmp/f2"), S_IFIFO | 0o644, 0);
    assert.equal(w.call("open", w.t.put("/tmp/f2"), O_WRONLY | O_NONBLOCK), -E.ENXIO);
    const r = w.call("open", w.t.put("/tmp/f2"), O_RDONLY | O_NONBLOCK);
    assert.ok(r >= 0);
    assert.ok(w.call("open", w.t.put("/tmp/f2"), O_WRONLY | O_NONBLOCK) >= 0);
  });
});
