// Socket files and syscalls against a fake task: blocking and wake-ups (handlers are re-run,
// so a blocked call must not have consumed anything), names in the VFS, files in flight,
// timeouts, netlink dumps and hostile arguments.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { SOCKET_SYSCALLS } from "../../../src/sentry/syscalls/socket/index.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { newPipe } from "../../../src/sentry/fs/pipe/pipe.ts";
import { POLLIN, POLLOUT, S_IFSOCK } from "../../../src/sentry/vfs/consts.ts";
import { SocketFile } from "../../../src/sentry/socket/socket.ts";
import { TcpSocket } from "../../../src/sentry/socket/tcp.ts";
import { FakeTask, sys } from "../vfs/_fake.ts";
import { tmpWorld } from "../vfs/_world.ts";

const AF_UNIX = 1, AF_INET = 2, AF_NETLINK = 16, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;
const call = (t: FakeTask, name: string, ...a: number[]) => sys(SOCKET_SYSCALLS, t, name, ...a);

function unixAddr(t: FakeTask, path: string): [number, number] {
  const b = new Uint8Array(110);
  b[0] = AF_UNIX;
  b.set(new TextEncoder().encode(path), 2);
  return [t.put(b), 2 + path.length + 1];
}

function inAddr(t: FakeTask, port: number, ip = [127, 0, 0, 1]): number {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port, false);
  b.set(ip, 4);
  return t.put(b);
}

function portOf(t: FakeTask, fd: number): number {
  const a = t.alloc(16), l = t.put(new Uint8Array([16, 0, 0, 0]));
  assert.equal(call(t, "getsockname", fd, a, l), 0);
  return new DataView(t.get(a, 4).buffer).getUint16(2, false);
}

describe("unix sockets", () => {
  it("bind makes a socket file; accept blocks until a connect, which wakes it", () => {
    const w = tmpWorld();
    const t = w.t;
    const ls = call(t, "socket", AF_UNIX, SOCK_STREAM, 0);
    const [a, al] = unixAddr(t, "/tmp/s.sock");
    assert.equal(call(t, "bind", ls, a, al), 0);
    assert.equal(call(t, "bind", call(t, "socket", AF_UNIX, SOCK_STREAM, 0), a, al), -E.EADDRINUSE);
    const st = t.alloc(144);
    assert.equal(w.call("stat", t.put("/tmp/s.sock"), st), 0);
    assert.equal(new DataView(t.get(st + 24, 4).buffer).getUint32(0, true) & 0o170000, S_IFSOCK);
    assert.equal(call(t, "listen", ls, 4), 0);
    assert.equal(call(t, "accept", ls, 0, 0), BLOCK);
    const listener = t.fds.get(ls) as SocketFile;
    assert.deepEqual(t.blockedOn, [listener.q]);
    let woken = 0;
    listener.q.add({ wake: () => woken++ });
    const b = new FakeTask(t.fsctx);
    b.tgid = 9;
    const c = call(b, "socket", AF_UNIX, SOCK_STREAM, 0);
    assert.equal(call(b, "connect", c, b.put(t.get(a, al)), al), 0);
    assert.ok(woken > 0);
    const s = call(t, "accept", ls, 0, 0);
    assert.ok(s >= 0);
    // SO_PEERCRED: the server sees the client's pid, the client the listener's.
    const cred = t.alloc(12), cl = t.put(new Uint8Array([12, 0, 0, 0]));
    assert.equal(call(t, "getsockopt", s, 1, 17, cred, cl), 0);
    assert.equal(new DataView(t.get(cred, 4).buffer).getInt32(0, true), 9);
    // Unlinking the name leaves the connection; a new connect finds nothing.
    assert.equal(w.call("unlink", t.put("/tmp/s.sock")), 0);
    assert.equal(
      call(b, "connect", call(b, "socket", AF_UNIX, SOCK_STREAM, 0), b.put(t.get(a, al)), al),
      -E.ENOENT,
    );
  });

  it("a blocked send consumes nothing and a read makes room", () => {
    const t = new FakeTask();
    const sv = t.alloc(8);
    assert.equal(call(t, "socketpair", AF_UNIX, SOCK_STREAM, 0, sv), 0);
    const v = new DataView(t.get(sv, 8).buffer);
    const [x, y] = [v.getInt32(0, true), v.getInt32(4, true)];
    const big = t.alloc(300000);
    const sent = call(t, "sendto", x, big, 300000, 0, 0, 0);
    assert.ok(sent > 0 && sent < 300000, `short send: ${sent}`);
    const peer = t.fds.get(y) as SocketFile;
    const queued = peer.available();
    assert.equal(call(t, "sendto", x, big, 100, 0, 0, 0), BLOCK);
    assert.equal(peer.available(), queued);
    assert.equal(call(t, "sendto", x, big, 100, 0x40, /* MSG_DONTWAIT */ 0, 0), -E.EAGAIN);
    assert.equal(sys(FILE_SYSCALLS, t, "read", y, t.alloc(1000), 1000), 1000);
    assert.equal(call(t, "sendto", x, big, 100, 0, 0, 0), 100);
    assert.equal(peer.readiness(t, POLLIN | POLLOUT) & POLLIN, POLLIN);
  });

  it("files in flight keep a reference until received or dropped with the queue", () => {
    const t = new FakeTask();
    const sv = t.alloc(8);
    assert.equal(call(t, "socketpair", AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    const v = new DataView(t.get(sv, 8).buffer);
    const [x, y] = [v.getInt32(0, true), v.getInt32(4, true)];
    const [r, wEnd] = newPipe(0);
    const pfd = t.fds.install(wEnd, false);
    // msghdr with one iovec and an SCM_RIGHTS control message.
    const data = t.put(new TextEncoder().encode("z"));
    const iovb = new Uint8Array(16);
    new DataView(iovb.buffer).setBigUint64(0, BigInt(data), true);
    new DataView(iovb.buffer).setBigUint64(8, 1n, true);
    const ctl = new Uint8Array(24);
    const cv = new DataView(ctl.buffer);
    cv.setBigUint64(0, 20n, true);
    cv.setInt32(8, 1, true);
    cv.setInt32(12, 1, true);
    cv.setInt32(16, pfd, true);
    const msg = new Uint8Array(56);
    const mv = new DataView(msg.buffer);
    mv.setBigUint64(16, BigInt(t.put(iovb)), true);
    mv.setBigUint64(24, 1n, true);
    mv.setBigUint64(32, BigInt(t.put(ctl)), true);
    mv.setBigUint64(40, 24n, true);
    assert.equal(call(t, "sendmsg", x, t.put(msg), 0), 1);
    assert.equal(wEnd.refCount, 2);
    // A bad fd in SCM_RIGHTS is EBADF and sends nothing.
    cv.setInt32(16, 999, true);
    mv.setBigUint64(32, BigInt(t.put(ctl)), true);
    assert.equal(call(t, "sendmsg", x, t.put(msg), 0), -E.EBADF);
    t.fds.close(pfd);
    assert.equal(wEnd.refCount, 1);
    t.fds.close(y);
    assert.equal(r.pipe.writers, 0, "the queued write end is released with the receiver");
  });
});

describe("loopback TCP", () => {
  it("connect completes into the accept queue; recv blocks until data", () => {
    const t = new FakeTask();
    const ls = call(t, "socket", AF_INET, SOCK_STREAM, 0);
    assert.equal(call(t, "bind", ls, inAddr(t, 0), 16), 0);
    assert.equal(call(t, "listen", ls, 8), 0);
    const port = portOf(t, ls);
    assert.ok(port >= 32768 && port <= 60999);
    const c = call(t, "socket", AF_INET, SOCK_STREAM | 0o4000, 0);
    assert.equal(call(t, "connect", c, inAddr(t, port), 16), -E.EINPROGRESS);
    const s = call(t, "accept4", ls, 0, 0, 0);
    assert.ok(s >= 0);
    const buf = t.alloc(16);
    assert.equal(call(t, "recvfrom", s, buf, 16, 0, 0, 0), BLOCK);
    const srv = t.fds.get(s) as TcpSocket;
    assert.deepEqual(t.blockedOn, [srv.q]);
    assert.equal(call(t, "sendto", c, t.put(new TextEncoder().encode("abc")), 3, 0, 0, 0), 3);
    assert.equal(call(t, "recvfrom", s, buf, 16, 0, 0, 0), 3);
    assert.equal(
      call(t, "connect", call(t, "socket", AF_INET, SOCK_STREAM, 0), inAddr(t, 1), 16),
      -E.ECONNREFUSED,
    );
    // After EINPROGRESS the next connect reports the completion (0), then EISCONN.
    assert.equal(call(t, "connect", c, inAddr(t, port), 16), 0);
    assert.equal(call(t, "connect", c, inAddr(t, port), 16), -E.EISCONN);
    assert.equal(
      call(t, "connect", call(t, "socket", AF_INET, SOCK_STREAM, 0), inAddr(t, 80, [10, 0, 0, 1]), 16),
      -E.ENETUNREACH,
    );
  });

  it("SO_RCVTIMEO bounds a blocking recv with EAGAIN", () => {
    const t = new FakeTask();
    const u = call(t, "socket", AF_INET, SOCK_DGRAM, 0);
    assert.equal(call(t, "bind", u, inAddr(t, 0), 16), 0);
    const tv = new Uint8Array(16);
    new DataView(tv.buffer).setBigInt64(8, 5000n, true);
    assert.equal(call(t, "setsockopt", u, 1, 20, t.put(tv), 16), 0);
    const buf = t.alloc(8);
    assert.equal(call(t, "recvfrom", u, buf, 8, 0, 0, 0), BLOCK);
    assert.ok(t.deadline !== undefined && t.deadline > 0);
    t.timedOut = true;
    assert.equal(call(t, "recvfrom", u, buf, 8, 0, 0, 0), -E.EAGAIN);
  });

  it("answers hostile arguments with errnos", () => {
    const t = new FakeTask();
    const s = call(t, "socket", AF_INET, SOCK_STREAM, 0);
    assert.equal(call(t, "bind", s, inAddr(t, 0), 8), -E.EINVAL);
    assert.equal(call(t, "bind", s, 0xdead0000, 16), -E.EFAULT);
    assert.equal(call(t, "bind", s, inAddr(t, 0), 1 << 30), -E.EINVAL);
    assert.equal(call(t, "getsockname", s, t.alloc(16), 0xdead0000), -E.EFAULT);
    assert.equal(call(t, "setsockopt", s, 1, 2, t.put(new Uint8Array(2)), 2), -E.EINVAL);
    assert.equal(
      call(t, "getsockopt", s, 1, 3, t.alloc(4), t.put(new Uint8Array([0xff, 0xff, 0xff, 0xff]))),
      -E.EINVAL,
    );
    assert.equal(call(t, "socket", 99, SOCK_STREAM, 0), -E.EAFNOSUPPORT);
    assert.equal(call(t, "socket", AF_INET, SOCK_STREAM | 0x100, 0), -E.EINVAL);
    assert.equal(call(t, "listen", 0x7fffffff, 1), -E.EBADF);
    assert.equal(call(t, "sendmsg", s, 0xdead0000, 0), -E.EFAULT);
  });
});

describe("netlink route", () => {
  it("answers an RTM_GETLINK dump with lo then NLMSG_DONE", () => {
    const t = new FakeTask();
    const s = call(t, "socket", AF_NETLINK, SOCK_RAW, 0);
    assert.ok(s >= 0);
    const req = new Uint8Array(32);
    const v = new DataView(req.buffer);
    v.setUint32(0, 32, true);
    v.setUint16(4, 18, true); // RTM_GETLINK
    v.setUint16(6, 0x301, true); // NLM_F_REQUEST | NLM_F_DUMP
    v.setUint32(8, 42, true);
    assert.equal(call(t, "sendto", s, t.put(req), 32, 0, 0, 0), 32);
    const buf = t.alloc(4096);
    const n = call(t, "recvfrom", s, buf, 4096, 0, 0, 0);
    assert.ok(n > 32);
    const got = t.get(buf, n);
    const gv = new DataView(got.buffer);
    assert.equal(gv.getUint16(4, true), 16); // RTM_NEWLINK
    assert.equal(gv.getUint32(8, true), 42);
    assert.ok(new TextDecoder().decode(got).includes("lo\0"));
    const m = call(t, "recvfrom", s, buf, 4096, 0, 0, 0);
    assert.equal(m, 20);
    assert.equal(new DataView(t.get(buf, 8).buffer).getUint16(4, true), 3); // NLMSG_DONE
    assert.equal(call(t, "recvfrom", s, buf, 4096, 0x40, 0, 0), -E.EAGAIN);
  });
});
