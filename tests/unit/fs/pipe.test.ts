import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { newPipe, PIPE_BUF, PIPE_CAPACITY } from "../../../src/sentry/fs/pipe/pipe.ts";
import { O_NONBLOCK, POLLHUP, POLLIN, POLLOUT, SIGPIPE } from "../../../src/sentry/vfs/consts.ts";
import { FakeTask, sys } from "../vfs/_fake.ts";

const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);

describe("pipe", () => {
  it("passes data in order, across the ring's wrap-around", () => {
    const t = new FakeTask();
    const [r, w] = newPipe(0);
    for (let round = 0; round < 5; round++) {
      const src = new Uint8Array(40000).map((_, i) => (i + round) & 0xff);
      assert.equal(w.write(t, src), 40000);
      const dst = new Uint8Array(40000);
      assert.equal(r.read(t, dst), 40000);
      assert.deepEqual(dst, src);
    }
  });

  it("blocks an empty read on the readable queue, and a write wakes it", () => {
    const t = new FakeTask();
    const [r, w] = newPipe(0);
    assert.equal(r.read(t, new Uint8Array(10)), BLOCK);
    assert.deepEqual(t.blockedOn, [r.pipe.readable]);
    let woken = 0;
    r.pipe.readable.add({ wake: () => woken++ });
    w.write(t, bytes(3));
    assert.equal(woken, 1);
    assert.equal(r.read(t, new Uint8Array(10)), 3);
  });

  it("EOF when the last writer is gone; EPIPE and SIGPIPE when the last reader is", () => {
    const t = new FakeTask();
    const [r, w] = newPipe(0);
    w.write(t, bytes(2));
    w.decRef();
    assert.equal(r.read(t, new Uint8Array(10)), 2);
    assert.equal(r.read(t, new Uint8Array(10)), 0);
    assert.equal(r.readiness(t, POLLIN) & POLLHUP, POLLHUP);
    const [r2, w2] = newPipe(0);
    r2.decRef();
    assert.equal(w2.write(t, bytes(1)), -E.EPIPE);
    assert.deepEqual(t.signals, [SIGPIPE]);
  });

  it("keeps writes of <= PIPE_BUF atomic: no partial write, block or EAGAIN instead", () => {
    const t = new FakeTask();
    const [r, w] = newPipe(0);
    assert.equal(w.write(t, bytes(PIPE_CAPACITY - 100)), PIPE_CAPACITY - 100);
    assert.equal(w.write(t, bytes(200)), BLOCK);
    assert.equal(r.pipe.len, PIPE_CAPACITY - 100);
    w.flags |= O_NONBLOCK;
    assert.equal(w.write(t, bytes(PIPE_BUF)), -E.EAGAIN);
    // A large write takes what fits.
    assert.equal(w.write(t, bytes(PIPE_BUF + 1)), 100);
    assert.equal(w.readiness(t, POLLOUT), 0);
    assert.equal(r.read(t, new Uint8Array(PIPE_BUF)), PIPE_BUF);
    assert.equal(w.readiness(t, POLLOUT), POLLOUT);
  });

  it("answers EAGAIN on an empty non-blocking read", () => {
    const t = new FakeTask();
    const [r] = newPipe(O_NONBLOCK);
    assert.equal(r.read(t, new Uint8Array(1)), -E.EAGAIN);
  });
});

describe("pipe syscalls", () => {
  it("pipe2 + write + read through application memory", () => {
    const t = new FakeTask();
    const fds = t.alloc(8);
    assert.equal(sys(FILE_SYSCALLS, t, "pipe2", fds, 0), 0);
    const v = new DataView(t.get(fds, 8).buffer);
    const [rfd, wfd] = [v.getInt32(0, true), v.getInt32(4, true)];
    assert.deepEqual([rfd, wfd], [0, 1]);
    const msg = t.put(new TextEncoder().encode("hello"));
    assert.equal(sys(FILE_SYSCALLS, t, "write", wfd, msg, 5), 5);
    const buf = t.alloc(16);
    assert.equal(sys(FILE_SYSCALLS, t, "read", rfd, buf, 16), 5);
    assert.equal(new TextDecoder().decode(t.get(buf, 5)), "hello");
    assert.equal(sys(FILE_SYSCALLS, t, "lseek", rfd, 0, 0), -E.ESPIPE);
    assert.equal(sys(FILE_SYSCALLS, t, "pread64", rfd, buf, 1, 0), -E.ESPIPE);
    assert.equal(sys(FILE_SYSCALLS, t, "read", wfd, buf, 1), -E.EBADF);
  });

  it("writev gathers into one atomic write; readv scatters", () => {
    const t = new FakeTask();
    const fds = t.alloc(8);
    sys(FILE_SYSCALLS, t, "pipe", fds);
    const a = t.put(new TextEncoder().encode("abc"));
    const b = t.put(new TextEncoder().encode("defgh"));
    const iov = t.alloc(32);
    const dv = new DataView(new ArrayBuffer(32));
    dv.setBigUint64(0, BigInt(a), true);
    dv.setBigUint64(8, 3n, true);
    dv.setBigUint64(16, BigInt(b), true);
    dv.setBigUint64(24, 5n, true);
    t.mem.write(iov, new Uint8Array(dv.buffer));
    assert.equal(sys(FILE_SYSCALLS, t, "writev", 1, iov, 2), 8);
    const x = t.alloc(4), y = t.alloc(8);
    dv.setBigUint64(0, BigInt(x), true);
    dv.setBigUint64(8, 2n, true);
    dv.setBigUint64(16, BigInt(y), true);
    dv.setBigUint64(24, 8n, true);
    const iov2 = t.put(new Uint8Array(dv.buffer));
    assert.equal(sys(FILE_SYSCALLS, t, "readv", 0, iov2, 2), 8);
    assert.equal(new TextDecoder().decode(t.get(x, 2)), "ab");
    assert.equal(new TextDecoder().decode(t.get(y, 6)), "cdefgh");
    assert.equal(sys(FILE_SYSCALLS, t, "readv", 0, iov2, -1), -E.EINVAL);
    assert.equal(sys(FILE_SYSCALLS, t, "readv", 0, iov2, 1025), -E.EINVAL);
  });

  it("answers EFAULT for bad buffers and bad pipe arrays", () => {
    const t = new FakeTask();
    assert.equal(sys(FILE_SYSCALLS, t, "pipe", 0x10), -E.EFAULT);
    assert.equal(t.fds.fds().length, 0);
    const fds = t.alloc(8);
    sys(FILE_SYSCALLS, t, "pipe", fds);
    assert.equal(sys(FILE_SYSCALLS, t, "write", 1, 0x10, 4), -E.EFAULT);
    assert.equal(sys(FILE_SYSCALLS, t, "pipe2", fds, 0x40), -E.EINVAL);
  });
});
