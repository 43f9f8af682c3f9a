// ffi/socket.ts: unix sockets and SCM_RIGHTS fd passing, in-process over socketpairs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { close, fcntl, pipe2, read, write } from "../../../ffi/libc.ts";
import { E } from "../../../ffi/errno.ts";
import {
  accept,
  AF_UNIX,
  bindUnix,
  closeAll,
  cmsgLen,
  cmsgSpace,
  connectUnix,
  listen,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_TRUNC,
  recvWithFds,
  sendFds,
  SOCK_CLOEXEC,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  socket,
  unixSocketpair,
} from "../../../ffi/socket.ts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const F_GETFD = 1;
const FD_CLOEXEC = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

describe("cmsg layout helpers", () => {
  it("match the kernel macros for x86_64", () => {
    assert.equal(cmsgLen(4), 20);
    assert.equal(cmsgSpace(4), 24);
    assert.equal(cmsgSpace(8), 24);
    assert.equal(cmsgSpace(12), 32);
  });
});

describe("sendFds / recvWithFds", () => {
  it("donates a pipe end: the receiver writes through it and the sender reads it back", () => {
    const [a, b] = unixSocketpair(SOCK_SEQPACKET);
    const [r, w] = pipe2(0);
    try {
      assert.equal(sendFds(a, enc.encode("take this"), [w]), 9);
      const buf = new Uint8Array(64);
      const got = recvWithFds(b, buf, 4);
      close(w); // the donated copy is independent of the sender's fd
      assert.equal(got.n, 9);
      assert.equal(dec.decode(buf.subarray(0, got.n)), "take this");
      assert.equal(got.fds.length, 1);
      const donated = got.fds[0];
      assert.notEqual(donated, w);
      assert.equal(fcntl(donated, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "received fds are close-on-exec");
      assert.equal(write(donated, enc.encode("through the donated fd")), 22);
      close(donated);
      const out = new Uint8Array(64);
      const n = read(r, out);
      assert.equal(dec.decode(out.subarray(0, n)), "through the donated fd");
    } finally {
      closeAll([a, b, r]);
    }
  });

  it("passes several fds in one message, in order", () => {
    const [a, b] = unixSocketpair(SOCK_STREAM);
    const pipes = [pipe2(0), pipe2(0), pipe2(0)];
    try {
      assert.equal(sendFds(a, enc.encode("x"), pipes.map((p) => p[1])), 1);
      const got = recvWithFds(b, new Uint8Array(8), 8);
      assert.equal(got.fds.length, 3);
      got.fds.forEach((fd, i) => {
        write(fd, enc.encode(`pipe${i}`));
        close(fd);
      });
      pipes.forEach(([r], i) => {
        const out = new Uint8Array(16);
        assert.equal(dec.decode(out.subarray(0, read(r, out))), `pipe${i}`);
      });
    } finally {
      closeAll([a, b]);
      pipes.forEach((p) => closeAll(p));
    }
  });

  it("sends plain data without fds and reports no fds", () => {
    const [a, b] = unixSocketpair();
    try {
      assert.equal(sendFds(a, enc.encode("hello")), 5);
      const got = recvWithFds(b, new Uint8Array(16), 2);
      assert.equal(got.n, 5);
      assert.deepEqual(got.fds, []);
    } finally {
      closeAll([a, b]);
    }
  });

  it("flags MSG_CTRUNC when more fds arrive than the receiver accepts", () => {
    const [a, b] = unixSocketpair();
    const [r, w] = pipe2(0);
    try {
      const three = pipe2(0);
      sendFds(a, enc.encode("four"), [r, w, ...three]);
      closeAll(three);
      const got = recvWithFds(b, new Uint8Array(8), 1);
      assert.equal(got.fds.length, 1);
      assert.ok(got.flags & MSG_CTRUNC);
      closeAll(got.fds);
    } finally {
      closeAll([a, b, r, w]);
    }
  });

  it("flags MSG_TRUNC when a packet is larger than the buffer", () => {
    const [a, b] = unixSocketpair(SOCK_SEQPACKET);
    try {
      sendFds(a, new Uint8Array(100).fill(7));
      const buf = new Uint8Array(10);
      const got = recvWithFds(b, buf, 0);
      assert.ok(got.flags & MSG_TRUNC);
      assert.deepEqual([...buf], new Array(10).fill(7));
    } finally {
      closeAll([a, b]);
    }
  });

  it("returns 0 on peer shutdown and -EAGAIN with MSG_DONTWAIT on an empty socket", () => {
    const [a, b] = unixSocketpair();
    assert.equal(recvWithFds(b, new Uint8Array(4), 1, MSG_DONTWAIT).n, -E.EAGAIN);
    close(a);
    assert.equal(recvWithFds(b, new Uint8Array(4), 1).n, 0);
    close(b);
  });

  it("reports EPIPE (not SIGPIPE) when the peer is gone, and EBADF on a bad fd", () => {
    const [a, b] = unixSocketpair();
    close(b);
    assert.equal(sendFds(a, enc.encode("x")), -E.EPIPE);
    close(a);
    assert.equal(sendFds(a, enc.encode("x")), -E.EBADF);
  });

  it("handles payloads larger than the initial scratch block", () => {
    const [a, b] = unixSocketpair(SOCK_STREAM);
    try {
      const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
      const sent = sendFds(a, big.subarray(0, 60_000));
      assert.ok(sent > 0);
      const buf = new Uint8Array(200_000);
      let got = 0;
      while (got < sent) {
        const r = recvWithFds(b, buf.subarray(got), 0);
        assert.ok(r.n > 0);
        got += r.n;
      }
      assert.deepEqual(buf.subarray(0, sent), big.subarray(0, sent));
    } finally {
      closeAll([a, b]);
    }
  });
});

describe("bind / connect / accept", () => {
  it("connects a client to a listening socket on a path and exchanges an fd", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-sock-"));
    const sockPath = path.join(dir, "s");
    const srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
    const cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
    const [r, w] = pipe2(0);
    try {
      assert.ok(srv >= 0 && cli >= 0);
      assert.equal(bindUnix(srv, sockPath), 0);
      assert.equal(listen(srv), 0);
      assert.equal(connectUnix(cli, sockPath), 0);
      const conn = accept(srv);
      assert.ok(conn >= 0);
      sendFds(conn, enc.encode("!"), [w]);
      const got = recvWithFds(cli, new Uint8Array(4), 1);
      assert.equal(got.fds.length, 1);
      closeAll([conn, ...got.fds]);
      assert.equal(connectUnix(cli, "x".repeat(200)), -E.ENAMETOOLONG);
    } finally {
      closeAll([srv, cli, r, w]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
