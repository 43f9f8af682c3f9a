import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { close, fcntl, pipe2, write } from "../../../ffi/libc.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { HostFile } from "../../../src/sentry/fs/host/file.ts";
import { O_NONBLOCK, O_RDONLY, POLLIN } from "../../../src/sentry/vfs/consts.ts";
import { FakeTask } from "../vfs/_fake.ts";

const F_GETFL = 3;

describe("host-fd file", () => {
  it("parks a read on host readiness when the host fd has nothing, then reads", () => {
    const t = new FakeTask();
    const [r, w] = pipe2(0);
    try {
      const f = new HostFile(r, O_RDONLY);
      assert.equal(fcntl(r, F_GETFL) & O_NONBLOCK, O_NONBLOCK, "host fd made non-blocking");
      assert.equal(f.read(t, new Uint8Array(8)), BLOCK);
      assert.deepEqual(t.hostWaits, [{ fd: r, events: POLLIN }]);
      assert.equal(f.readiness(t, POLLIN), 0);
      write(w, new TextEncoder().encode("hi"));
      assert.equal(f.readiness(t, POLLIN), POLLIN);
      const b = new Uint8Array(8);
      assert.equal(f.read(t, b), 2);
      assert.equal(new TextDecoder().decode(b.subarray(0, 2)), "hi");
      f.flags |= O_NONBLOCK;
      assert.equal(f.read(t, b), -E.EAGAIN);
      // Not a tty: terminal ioctls fail.
      assert.equal(f.ioctl(t, 0x5401, t.alloc(64)), -E.ENOTTY);
      f.decRef();
      assert.throws(() => fcntl(r, F_GETFL), /EBADF/, "owned fd closed on release");
    } finally {
      close(w);
    }
  });

  it("restores the host flags and leaves an unowned fd open", () => {
    const t = new FakeTask();
    const [r, w] = pipe2(0);
    try {
      const f = new HostFile(w, 1, { owned: false });
      assert.equal(f.write(t, new TextEncoder().encode("x")), 1);
      f.decRef();
      assert.equal(fcntl(w, F_GETFL) & O_NONBLOCK, 0);
    } finally {
      close(r);
      close(w);
    }
  });
});

describe("stdio files", () => {
  it("wraps three host fds as fds 0-2, sharing one description for a repeated fd", async () => {
    const { stdioFiles } = await import("../../../src/sentry/fs/host/stdio.ts");
    const [r, w] = pipe2(0);
    try {
      const released: number[] = [];
      const s = stdioFiles([r, w, w], { onRelease: (fd) => released.push(fd) });
      assert.equal(s.tty, null);
      assert.equal(s.fds.get(1), s.fds.get(2));
      assert.equal(s.fds.get(1)!.refCount, 2);
      assert.equal(s.fds.get(0)!.readable, true);
      assert.equal(s.fds.get(1)!.writable, true);
      s.fds.closeAll();
      assert.deepEqual(released.sort(), [r, w].sort());
      assert.equal(fcntl(w, F_GETFL) & O_NONBLOCK, 0, "original blocking mode restored");
      assert.equal(fcntl(r, F_GETFL) & O_NONBLOCK, 0);
    } finally {
      close(r);
      close(w);
    }
  });
});
