// Wire codecs: bounds-checked reading never throws, round trips are exact.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Reader, Writer } from "../../../src/lisafs/wire.ts";
import {
  decodeDirent,
  decodeStat,
  encodeDirent,
  encodeStat,
  STAT_SIZE,
} from "../../../src/lisafs/messages.ts";
import type { GoferStat } from "../../../src/lisafs/api.ts";

const st: GoferStat = {
  mode: 0o100644,
  uid: 1000,
  gid: 100,
  nlink: 2,
  size: 12345678901,
  blocks: 24,
  blksize: 4096,
  ino: 77,
  dev: 0x803,
  rdev: 0,
  atimeNs: 1_700_000_000_123_456_789n,
  mtimeNs: -5n,
  ctimeNs: 0n,
};

describe("Reader", () => {
  it("flags reads past the end instead of throwing", () => {
    const r = new Reader(new Uint8Array([1, 2, 3]), 0, 3);
    assert.equal(r.u16(), 0x0201);
    assert.equal(r.u32(), 0);
    assert.equal(r.ok, false);
    assert.equal(r.done(), false);
  });

  it("refuses string lengths beyond the declared maximum or the packet", () => {
    const w = new Writer(new Uint8Array(64));
    w.u16(50).bytes(new Uint8Array(3));
    const r = new Reader(w.buf, 0, w.off);
    assert.equal(r.str16(4096), "");
    assert.equal(r.ok, false);
    const w2 = new Writer(new Uint8Array(64)).str16("abcdef");
    const r2 = new Reader(w2.buf, 0, w2.off);
    r2.str16(3);
    assert.equal(r2.ok, false);
  });

  it("refuses invalid UTF-8", () => {
    const r = new Reader(new Uint8Array([2, 0, 0xff, 0xfe]), 0, 4);
    r.str16(10);
    assert.equal(r.ok, false);
  });

  it("refuses 64-bit values that do not fit a JS number exactly", () => {
    const w = new Writer(new Uint8Array(8)).u64(2n ** 60n);
    const r = new Reader(w.buf, 0, 8);
    r.num64();
    assert.equal(r.ok, false);
  });

  it("reports trailing bytes as not done", () => {
    const r = new Reader(new Uint8Array(5), 0, 5);
    r.u32();
    assert.equal(r.ok, true);
    assert.equal(r.done(), false);
  });
});

describe("Writer", () => {
  it("turns ok=false when the buffer is too small", () => {
    const w = new Writer(new Uint8Array(6)).u32(1).u32(2);
    assert.equal(w.ok, false);
  });
  it("seals the packet length into the first u32", () => {
    const w = new Writer(new Uint8Array(16)).u32(0).u16(7).sealLength();
    assert.equal(new DataView(w.buf.buffer).getUint32(0, true), 6);
  });
});

describe("stat and dirent codecs", () => {
  it("round-trip a stat exactly, in STAT_SIZE bytes", () => {
    const w = new Writer(new Uint8Array(256));
    encodeStat(w, st);
    assert.equal(w.off, STAT_SIZE);
    const r = new Reader(w.buf, 0, w.off);
    assert.deepEqual(decodeStat(r), st);
    assert.ok(r.done());
  });
  it("round-trip a dirent", () => {
    const w = new Writer(new Uint8Array(64));
    encodeDirent(w, 42n, 8, new TextEncoder().encode("ñame"));
    const r = new Reader(w.buf, 0, w.off);
    assert.deepEqual(decodeDirent(r), { name: "ñame", ino: 42, type: 8 });
    assert.ok(r.done());
  });
});
