import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { O_CREAT, O_RDWR, POLLIN, POLLOUT } from "../../../src/sentry/vfs/consts.ts";
import { tmpWorld } from "../vfs/_world.ts";

const EPOLLONESHOT = 1 << 30;

function event(events: number, data: bigint): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, events, true);
  v.setBigUint64(4, data, true);
  return b;
}

describe("epoll and eventfd", () => {
  it("reports readiness of a pipe with its data, blocks when nothing is ready", () => {
    const w = tmpWorld();
    const { t, call } = w;
    const ep = call("epoll_create1", 0);
    const pfds = t.alloc(8);
    call("pipe", pfds);
    const v = new DataView(t.get(pfds, 8).buffer);
    const [r, wr] = [v.getInt32(0, true), v.getInt32(4, true)];
    assert.equal(call("epoll_ctl", ep, 1, r, t.put(event(POLLIN, 0x1234567890n))), 0);
    assert.equal(call("epoll_ctl", ep, 1, r, t.put(event(POLLIN, 1n))), -E.EEXIST);
    const out = t.alloc(12 * 4);
    assert.equal(call("epoll_wait", ep, out, 4, 0), 0);
    assert.equal(call("epoll_wait", ep, out, 4, -1), BLOCK);
    assert.ok(t.blockedOn!.length >= 2, "epoll queue and the pipe's");
    call("write", wr, t.put(new Uint8Array([1])), 1);
    assert.equal(call("epoll_wait", ep, out, 4, -1), 1);
    const ov = new DataView(t.get(out, 12).buffer);
    assert.equal(ov.getUint32(0, true), POLLIN);
    assert.equal(ov.getBigUint64(4, true), 0x1234567890n);
    // Closing the only fd of the pipe's read end removes the interest.
    call("close", r);
    assert.equal(call("epoll_wait", ep, out, 4, 0), 0);
    assert.equal(call("epoll_ctl", ep, 2, wr, 0), -E.ENOENT);
  });

  it("EPOLLONESHOT reports once until re-armed; regular files are refused", () => {
    const { t, call } = tmpWorld();
    const ep = call("epoll_create", 1);
    const efd = call("eventfd2", 0, 0);
    assert.equal(call("epoll_ctl", ep, 1, efd, t.put(event(POLLOUT | EPOLLONESHOT, 7n))), 0);
    const out = t.alloc(24);
    assert.equal(call("epoll_wait", ep, out, 2, 0), 1);
    assert.equal(call("epoll_wait", ep, out, 2, 0), 0);
    assert.equal(call("epoll_ctl", ep, 3, efd, t.put(event(POLLOUT, 7n))), 0);
    assert.equal(call("epoll_wait", ep, out, 2, 0), 1);
    const f = call("open", t.put("/tmp/reg"), O_CREAT | O_RDWR, 0o644);
    assert.equal(call("epoll_ctl", ep, 1, f, t.put(event(POLLIN, 0n))), -E.EPERM);
    assert.equal(call("epoll_wait", ep, out, 0, 0), -E.EINVAL);
  });

  it("eventfd counts, reads reset (or decrement in semaphore mode), empty reads block", () => {
    const { t, call } = tmpWorld();
    const efd = call("eventfd2", 3, 0);
    const b = t.alloc(8);
    const one = new Uint8Array(8);
    new DataView(one.buffer).setBigUint64(0, 2n, true);
    assert.equal(call("write", efd, t.put(one), 8), 8);
    assert.equal(call("read", efd, b, 8), 8);
    assert.equal(new DataView(t.get(b, 8).buffer).getBigUint64(0, true), 5n);
    assert.equal(call("read", efd, b, 8), BLOCK);
    assert.equal(call("read", efd, b, 4), -E.EINVAL);
    const sem = call("eventfd2", 2, 1 | 0o4000);
    assert.equal(call("read", sem, b, 8), 8);
    assert.equal(new DataView(t.get(b, 8).buffer).getBigUint64(0, true), 1n);
    call("read", sem, b, 8);
    assert.equal(call("read", sem, b, 8), -E.EAGAIN);
  });
});
