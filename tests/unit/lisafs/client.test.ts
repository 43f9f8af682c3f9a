// The LISAFS client against a scripted (malicious or broken) gofer: replies are queued on the
// socket before the call, so the synchronous client reads them in-process with no threads.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { close, fcntl, pipe2, read } from "../../../ffi/libc.ts";
import { closeAll, recvWithFds, sendFds, SOCK_SEQPACKET, unixSocketpair } from "../../../ffi/socket.ts";
import { LisafsClient } from "../../../src/lisafs/client.ts";
import { encodeDirent, encodeStat } from "../../../src/lisafs/messages.ts";
import { MAX_MESSAGE, Op, Writer } from "../../../src/lisafs/wire.ts";

const F_GETFD = 1;

function reply(
  id: number,
  op: number,
  result: number,
  nfds: number,
  payload?: (w: Writer) => void,
): Uint8Array {
  const w = new Writer(new Uint8Array(MAX_MESSAGE));
  w.u32(0).u32(id).u16(op).u16(nfds).i32(result);
  payload?.(w);
  w.sealLength();
  return w.buf.slice(0, w.off);
}

const st = {
  mode: 0o100644,
  uid: 0,
  gid: 0,
  nlink: 1,
  size: 3,
  blocks: 8,
  blksize: 4096,
  ino: 5,
  dev: 1,
  rdev: 0,
  atimeNs: 0n,
  mtimeNs: 0n,
  ctimeNs: 0n,
};

/** A client whose peer end the test drives by hand. */
function scripted(): { client: LisafsClient; peer: number } {
  const [a, b] = unixSocketpair(SOCK_SEQPACKET);
  return { client: new LisafsClient(a), peer: b };
}

/** Reads the request the client sent and returns its id and op. */
function request(peer: number): { id: number; op: number } {
  const buf = new Uint8Array(MAX_MESSAGE);
  assert.ok(recvWithFds(peer, buf, 0).n >= 12);
  const v = new DataView(buf.buffer);
  return { id: v.getUint32(4, true), op: v.getUint16(8, true) };
}

describe("LisafsClient", () => {
  it("decodes a well-formed stat reply and sends a well-formed request", () => {
    const { client, peer } = scripted();
    sendFds(peer, reply(1, Op.STAT, 0, 0, (w) => encodeStat(w, st)));
    assert.deepEqual(client.stat("a/b"), st);
    assert.deepEqual(request(peer), { id: 1, op: Op.STAT });
    client.close();
    close(peer);
  });

  it("passes a gofer errno through unchanged", () => {
    const { client, peer } = scripted();
    sendFds(peer, reply(1, Op.STAT, -E.ENOENT, 0));
    assert.equal(client.stat("nope"), -E.ENOENT);
    client.close();
    close(peer);
  });

  it("answers EIO for a reply with the wrong id, and stays broken", () => {
    const { client, peer } = scripted();
    sendFds(peer, reply(99, Op.STAT, 0, 0, (w) => encodeStat(w, st)));
    assert.equal(client.stat("x"), -E.EIO);
    sendFds(peer, reply(2, Op.STAT, 0, 0, (w) => encodeStat(w, st)));
    assert.equal(client.stat("x"), -E.EIO, "a broken connection is not reused");
    client.close();
    close(peer);
  });

  it("answers EIO for a truncated payload or trailing garbage", () => {
    for (const extra of [(w: Writer) => w.u32(1), (w: Writer) => encodeStat(w.u8(0), st)]) {
      const { client, peer } = scripted();
      sendFds(peer, reply(1, Op.STAT, 0, 0, extra));
      assert.equal(client.stat("x"), -E.EIO);
      client.close();
      close(peer);
    }
  });

  it("answers EIO for a positive or out-of-range result", () => {
    for (const res of [5, -5000]) {
      const { client, peer } = scripted();
      sendFds(peer, reply(1, Op.STAT, res, 0));
      assert.equal(client.stat("x"), -E.EIO);
      client.close();
      close(peer);
    }
  });

  it("closes an fd smuggled into a reply that must not carry one", () => {
    const { client, peer } = scripted();
    const [r, w] = pipe2(0);
    sendFds(peer, reply(1, Op.STAT, 0, 1, (x) => encodeStat(x, st)), [w]);
    close(w);
    assert.equal(client.stat("x"), -E.EIO);
    // Had the client kept the donated write end, this read would block; it sees EOF instead.
    const buf = new Uint8Array(1);
    assert.equal(read(r, buf), 0);
    closeAll([r, peer]);
    client.close();
  });

  it("refuses directory entries with names a directory cannot hold", () => {
    for (const bad of ["..", "a/b", "."]) {
      const { client, peer } = scripted();
      sendFds(
        peer,
        reply(1, Op.READDIR, 0, 0, (w) => {
          w.u64(0).u8(1).u16(1);
          encodeDirent(w, 1n, 4, new TextEncoder().encode(bad));
        }),
      );
      assert.equal(client.readdir(""), -E.EIO, bad);
      client.close();
      close(peer);
    }
  });

  it("collects directory pages until eof", () => {
    const { client, peer } = scripted();
    const page = (id: number, next: bigint, eof: number, names: string[]) =>
      reply(id, Op.READDIR, 0, 0, (w) => {
        w.u64(next).u8(eof).u16(names.length);
        for (const n of names) encodeDirent(w, 7n, 8, new TextEncoder().encode(n));
      });
    sendFds(peer, page(1, 10n, 0, ["a", "b"]));
    sendFds(peer, page(2, 20n, 1, ["c"]));
    const got = client.readdir("d");
    assert.ok(Array.isArray(got));
    assert.deepEqual(got.map((d) => d.name), ["a", "b", "c"]);
    client.close();
    close(peer);
  });

  it("returns the donated fd of OPEN_READ, close-on-exec", () => {
    const { client, peer } = scripted();
    const [r, w] = pipe2(0);
    sendFds(peer, reply(1, Op.OPEN_READ, 0, 1), [r]);
    const fd = client.openRead("f");
    assert.equal(typeof fd, "number");
    assert.ok((fd as number) >= 0);
    assert.equal(fcntl(fd as number, F_GETFD) & 1, 1);
    closeAll([fd as number, r, w, peer]);
    client.close();
  });

  it("answers EIO when the gofer is gone, and EBADF after close", () => {
    const { client, peer } = scripted();
    close(peer);
    assert.equal(client.stat("x"), -E.EIO);
    client.close();
    assert.equal(client.stat("x"), -E.EBADF);
  });
});
