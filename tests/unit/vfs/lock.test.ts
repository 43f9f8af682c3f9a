import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { F_GETLK, F_SETLK, F_SETLKW, O_CREAT, O_RDWR } from "../../../src/sentry/vfs/consts.ts";
import { F_UNLCK, F_WRLCK } from "../../../src/sentry/vfs/lock.ts";
import { FakeTask, sys } from "./_fake.ts";
import { tmpWorld } from "./_world.ts";

function flock(t: FakeTask, type: number, start: number, len: number): number {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setInt16(0, type, true);
  v.setBigInt64(8, BigInt(start), true);
  v.setBigInt64(16, BigInt(len), true);
  return t.put(b);
}

describe("fcntl record locks", () => {
  it("conflict between processes, F_GETLK names the holder, close releases, F_SETLKW waits", () => {
    const w = tmpWorld();
    const a = w.t;
    a.tgid = 10;
    const b = new FakeTask(a.fsctx);
    b.tgid = 20;
    const callA = (n: string, ...x: number[]) => sys(FILE_SYSCALLS, a, n, ...x);
    const callB = (n: string, ...x: number[]) => sys(FILE_SYSCALLS, b, n, ...x);
    const fa = callA("open", a.put("/tmp/db"), O_CREAT | O_RDWR, 0o644);
    const fb = callB("open", b.put("/tmp/db"), O_RDWR);
    assert.equal(callA("fcntl", fa, F_SETLK, flock(a, F_WRLCK, 0, 100)), 0);
    assert.equal(callB("fcntl", fb, F_SETLK, flock(b, F_WRLCK, 50, 10)), -E.EAGAIN);
    const q = flock(b, F_WRLCK, 0, 0);
    assert.equal(callB("fcntl", fb, F_GETLK, q), 0);
    const v = new DataView(b.get(q, 32).buffer);
    assert.equal(v.getInt16(0, true), F_WRLCK);
    assert.equal(v.getInt32(24, true), 10, "l_pid of the holder");
    assert.equal(v.getBigInt64(16, true), 100n);
    // Unlocking the middle splits A's lock.
    assert.equal(callA("fcntl", fa, F_SETLK, flock(a, F_UNLCK, 10, 10)), 0);
    assert.equal(callB("fcntl", fb, F_SETLK, flock(b, F_WRLCK, 12, 5)), 0);
    assert.equal(callB("fcntl", fb, F_SETLK, flock(b, F_WRLCK, 5, 1)), -E.EAGAIN);
    assert.equal(callB("fcntl", fb, F_SETLKW, flock(b, F_WRLCK, 90, 20)), BLOCK);
    // Any close of the file by A's fd table drops A's locks.
    const dup = callA("dup", fa);
    callA("close", dup);
    assert.equal(callB("fcntl", fb, F_SETLKW, flock(b, F_WRLCK, 90, 20)), 0);
  });
});
