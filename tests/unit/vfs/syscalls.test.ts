import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../../../src/sentry/syscalls/abi.ts";
import {
  AT_FDCWD,
  AT_REMOVEDIR,
  AT_SYMLINK_NOFOLLOW,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  POLLIN,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
} from "../../../src/sentry/vfs/consts.ts";
import { tmpWorld } from "./_world.ts";

const te = new TextEncoder();
const td = new TextDecoder();

describe("file syscalls", () => {
  it("open/write/lseek/read/fstat with struct stat at the right offsets", () => {
    const { t, call } = tmpWorld();
    const fd = call("openat", AT_FDCWD, t.put("/tmp/f"), O_CREAT | O_RDWR, 0o640);
    assert.equal(fd, 0);
    assert.equal(call("write", fd, t.put(te.encode("hello world")), 11), 11);
    assert.equal(call("lseek", fd, 6, 0), 6);
    const b = t.alloc(16);
    assert.equal(call("read", fd, b, 16), 5);
    assert.equal(td.decode(t.get(b, 5)), "world");
    assert.equal(call("pread64", fd, b, 5, 0), 5);
    assert.equal(td.decode(t.get(b, 5)), "hello");
    const st = t.alloc(144);
    assert.equal(call("fstat", fd, st), 0);
    const v = new DataView(t.get(st, 144).buffer);
    assert.equal(v.getUint32(24, true), S_IFREG | 0o640, "st_mode at 24");
    assert.equal(v.getBigUint64(16, true), 1n, "st_nlink at 16");
    assert.equal(v.getBigInt64(48, true), 11n, "st_size at 48");
    assert.equal(v.getBigInt64(56, true), 4096n, "st_blksize at 56");
    assert.ok(v.getBigInt64(88, true) > 1_600_000_000n, "st_mtime at 88");
    assert.equal(call("openat", AT_FDCWD, t.put("/tmp/f"), O_CREAT | O_EXCL | O_RDWR, 0o640), -E.EEXIST);
    assert.equal(call("open", 0x10, O_RDONLY), -E.EFAULT);
  });

  it("getdents64 writes linux_dirent64 records", () => {
    const { t, call } = tmpWorld();
    assert.equal(call("mkdir", t.put("/d"), 0o755), 0);
    call("close", call("open", t.put("/d/a"), O_CREAT | O_WRONLY, 0o644));
    assert.equal(call("symlink", t.put("a"), t.put("/d/longer_name_x")), 0);
    const fd = call("open", t.put("/d"), O_RDONLY | O_DIRECTORY);
    const buf = t.alloc(512);
    const n = call("getdents64", fd, buf, 512);
    assert.equal(n, 24 + 24 + 24 + 40);
    const b = t.get(buf, n);
    const v = new DataView(b.buffer);
    const recs: [string, number, number, number][] = [];
    for (let p = 0; p < n;) {
      const reclen = v.getUint16(p + 16, true);
      const end = b.indexOf(0, p + 19);
      recs.push([
        td.decode(b.subarray(p + 19, end)),
        Number(v.getBigInt64(p + 8, true)),
        reclen,
        v.getUint8(p + 18),
      ]);
      assert.ok(end < p + reclen, "name NUL-terminated inside the record");
      p += reclen;
    }
    assert.deepEqual(recs, [[".", 1, 24, 4], ["..", 2, 24, 4], ["a", 3, 24, 8], [
      "longer_name_x",
      4,
      40,
      10,
    ]]);
    assert.equal(call("getdents64", fd, buf, 512), 0);
    assert.equal(call("lseek", fd, 0, 0), 0);
    assert.equal(call("getdents64", fd, buf, 30), 24, "one record fits");
    assert.equal(call("getdents64", fd, buf, 10), -E.EINVAL, "buffer too small for a record");
  });

  it("mkdir, rename, link, unlink, rmdir and their errors", () => {
    const { t, call } = tmpWorld();
    assert.equal(call("mkdir", t.put("/a"), 0o755), 0);
    assert.equal(call("mkdir", t.put("/a"), 0o755), -E.EEXIST);
    assert.equal(call("mkdir", t.put("/a/b/"), 0o755), 0);
    call("close", call("creat", t.put("/a/f"), 0o644));
    assert.equal(call("rename", t.put("/a/f"), t.put("/a/b/g")), 0);
    assert.equal(call("link", t.put("/a/b/g"), t.put("/a/h")), 0);
    const st = t.alloc(144);
    assert.equal(call("stat", t.put("/a/h"), st), 0);
    assert.equal(new DataView(t.get(st, 144).buffer).getBigUint64(16, true), 2n);
    assert.equal(call("rmdir", t.put("/a")), -E.ENOTEMPTY);
    assert.equal(call("rename", t.put("/a"), t.put("/a/b/c")), -E.EINVAL);
    assert.equal(call("unlink", t.put("/a/b")), -E.EISDIR);
    assert.equal(call("rmdir", t.put("/a/h")), -E.ENOTDIR);
    assert.equal(call("unlink", t.put("/a/h/")), -E.ENOTDIR);
    assert.equal(call("unlinkat", AT_FDCWD, t.put("/a/h"), 0), 0);
    assert.equal(call("unlink", t.put("/a/b/g")), 0);
    assert.equal(call("unlinkat", AT_FDCWD, t.put("/a/b"), AT_REMOVEDIR), 0);
    assert.equal(call("rmdir", t.put("/a/.")), -E.EINVAL);
    assert.equal(call("rmdir", t.put("/dev")), -E.EBUSY, "a mount point");
    assert.equal(call("renameat2", AT_FDCWD, t.put("/a"), AT_FDCWD, t.put("/tmp"), 1), -E.EEXIST);
  });

  it("symlink, readlink, lstat and access", () => {
    const { t, call } = tmpWorld();
    call("close", call("creat", t.put("/tmp/x"), 0o600));
    assert.equal(call("symlink", t.put("/tmp/x"), t.put("/l")), 0);
    const b = t.alloc(64);
    assert.equal(call("readlink", t.put("/l"), b, 64), 6);
    assert.equal(td.decode(t.get(b, 6)), "/tmp/x");
    assert.equal(call("readlink", t.put("/l"), b, 3), 3);
    assert.equal(call("readlink", t.put("/tmp/x"), b, 64), -E.EINVAL);
    const st = t.alloc(144);
    call("newfstatat", AT_FDCWD, t.put("/l"), st, AT_SYMLINK_NOFOLLOW);
    assert.equal(new DataView(t.get(st, 144).buffer).getUint32(24, true) & 0o170000, S_IFLNK);
    call("newfstatat", AT_FDCWD, t.put("/l"), st, 0);
    assert.equal(new DataView(t.get(st, 144).buffer).getUint32(24, true) & 0o170000, S_IFREG);
    assert.equal(call("access", t.put("/l"), 6), 0);
    assert.equal(call("access", t.put("/l"), 1), -E.EACCES, "root needs some x bit");
    assert.equal(call("access", t.put("/nope"), 0), -E.ENOENT);
  });

  it("statx fills the basic stats", () => {
    const { t, call } = tmpWorld();
    const buf = t.alloc(256);
    assert.equal(call("statx", AT_FDCWD, t.put("/tmp"), 0, 0x7ff, buf), 0);
    const v = new DataView(t.get(buf, 256).buffer);
    assert.equal(v.getUint32(0, true) & 0x7ff, 0x7ff);
    assert.equal(v.getUint16(28, true), S_IFDIR | 0o1777);
  });

  it("getcwd, chdir, fchdir, umask and relative opens", () => {
    const { t, call } = tmpWorld();
    call("mkdir", t.put("/w"), 0o777);
    assert.equal(call("chdir", t.put("/w")), 0);
    const b = t.alloc(64);
    assert.equal(call("getcwd", b, 64), 3);
    assert.equal(td.decode(t.get(b, 2)), "/w");
    assert.equal(call("getcwd", b, 2), -E.ERANGE);
    assert.equal(call("umask", 0o077), 0o022);
    const fd = call("open", t.put("rel"), O_CREAT | O_WRONLY, 0o666);
    const st = t.alloc(144);
    call("fstat", fd, st);
    assert.equal(new DataView(t.get(st, 144).buffer).getUint32(24, true) & 0o777, 0o600);
    assert.equal(call("chdir", t.put("/w/rel")), -E.ENOTDIR);
    const root = call("open", t.put("/"), O_RDONLY | O_DIRECTORY);
    assert.equal(call("fchdir", root), 0);
    assert.equal(call("getcwd", b, 64), 2);
  });

  it("chmod, chown, utimensat, truncate with permission rules", () => {
    const { t, call } = tmpWorld();
    call("close", call("creat", t.put("/tmp/p"), 0o644));
    assert.equal(call("chmod", t.put("/tmp/p"), 0o4755), 0);
    assert.equal(call("chown", t.put("/tmp/p"), 1000, 1000), 0);
    const st = t.alloc(144);
    call("stat", t.put("/tmp/p"), st);
    const v = () => new DataView(t.get(st, 144).buffer);
    assert.equal(v().getUint32(24, true) & 0o7777, 0o755, "chown drops setuid");
    assert.equal(v().getUint32(28, true), 1000);
    const ts = t.put(new Uint8Array(32));
    const tv = new DataView(new ArrayBuffer(32));
    tv.setBigInt64(0, 1000n, true);
    tv.setBigInt64(16, 2000n, true);
    tv.setBigInt64(24, 5n, true);
    t.mem.write(ts, new Uint8Array(tv.buffer));
    assert.equal(call("utimensat", AT_FDCWD, t.put("/tmp/p"), ts, 0), 0);
    call("stat", t.put("/tmp/p"), st);
    assert.equal(v().getBigInt64(72, true), 1000n);
    assert.equal(v().getBigInt64(88, true), 2000n);
    assert.equal(v().getBigInt64(96, true), 5n);
    assert.equal(call("truncate", t.put("/tmp/p"), 100), 0);
    call("stat", t.put("/tmp/p"), st);
    assert.equal(v().getBigInt64(48, true), 100n);
    assert.equal(call("truncate", t.put("/tmp"), 1), -E.EISDIR);
    // A non-owner may not chmod.
    t.creds = { ...t.creds, uid: 5, euid: 5 };
    assert.equal(call("chmod", t.put("/tmp/p"), 0o777), -E.EPERM);
    assert.equal(call("utimensat", AT_FDCWD, t.put("/tmp/p"), ts, 0), -E.EPERM);
  });

  it("/dev/null and /dev/zero through syscalls", () => {
    const { t, call } = tmpWorld();
    const z = call("open", t.put("/dev/zero"), O_RDONLY);
    const b = t.put(new Uint8Array(8).fill(7));
    assert.equal(call("read", z, b, 8), 8);
    assert.deepEqual(t.get(b, 8), new Uint8Array(8));
    const n = call("open", t.put("/dev/null"), O_WRONLY);
    assert.equal(call("write", n, b, 8), 8);
  });
});

describe("poll and select", () => {
  function pipeFds(w: ReturnType<typeof tmpWorld>) {
    const a = w.t.alloc(8);
    w.call("pipe", a);
    const v = new DataView(w.t.get(a, 8).buffer);
    return [v.getInt32(0, true), v.getInt32(4, true)];
  }

  it("poll reports ready fds, blocks on the pipe's queue otherwise, 0 after a timeout", () => {
    const w = tmpWorld();
    const { t, call } = w;
    const [r, wr] = pipeFds(w);
    const pfd = t.alloc(16);
    const dv = new DataView(new ArrayBuffer(16));
    dv.setInt32(0, r, true);
    dv.setInt16(4, POLLIN, true);
    dv.setInt32(8, 99, true);
    dv.setInt16(12, POLLIN, true);
    t.mem.write(pfd, new Uint8Array(dv.buffer));
    // fd 99 is bad: POLLNVAL counts as ready.
    assert.equal(call("poll", pfd, 2, -1), 1);
    assert.equal(new DataView(t.get(pfd, 16).buffer).getInt16(14, true), 0x20);
    assert.equal(call("poll", pfd, 1, -1), BLOCK);
    assert.equal(t.blockedOn!.length, 1);
    assert.equal(t.deadline, undefined);
    assert.equal(call("poll", pfd, 1, 0), 0);
    assert.equal(call("poll", pfd, 1, 50), BLOCK);
    assert.ok(t.deadline! > 0);
    t.timedOut = true;
    assert.equal(call("poll", pfd, 1, 50), 0);
    t.timedOut = false;
    call("write", wr, t.put(te.encode("x")), 1);
    assert.equal(call("poll", pfd, 1, -1), 1);
    assert.equal(new DataView(t.get(pfd, 8).buffer).getInt16(6, true), POLLIN);
  });

  it("select sets the bits of ready fds and EBADF for closed ones", () => {
    const w = tmpWorld();
    const { t, call } = w;
    const [r, wr] = pipeFds(w);
    const rs = t.put(new Uint8Array(8));
    const ws = t.put(new Uint8Array(8));
    const set = (addr: number, fds: number[]) => {
      const b = new Uint8Array(8);
      for (const fd of fds) b[fd >> 3] |= 1 << (fd & 7);
      t.mem.write(addr, b);
    };
    set(rs, [r]);
    set(ws, [wr]);
    assert.equal(call("select", 8, rs, ws, 0, 0), 1);
    assert.equal(t.get(rs, 1)[0], 0);
    assert.equal(t.get(ws, 1)[0], 1 << wr);
    set(rs, [r]);
    assert.equal(call("select", 8, rs, 0, 0, 0), BLOCK);
    set(rs, [7]);
    assert.equal(call("select", 8, rs, 0, 0, 0), -E.EBADF);
  });
});

describe("timed waits across re-runs", () => {
  it("poll keeps its first deadline in ext.sleepDeadline and drops it when done", () => {
    const w = tmpWorld();
    const t = w.t as typeof w.t & { ext: Record<string, unknown> };
    t.ext = {};
    const fds = t.alloc(8);
    w.call("pipe", fds);
    const pfd = t.alloc(8);
    const dv = new DataView(new ArrayBuffer(8));
    dv.setInt32(0, 0, true);
    dv.setInt16(4, POLLIN, true);
    t.mem.write(pfd, new Uint8Array(dv.buffer));
    assert.equal(w.call("poll", pfd, 1, 5000), BLOCK);
    const first = t.deadline!;
    assert.equal(t.ext.sleepDeadline, first);
    assert.equal(w.call("poll", pfd, 1, 5000), BLOCK);
    assert.equal(t.deadline, first, "a re-run does not push the deadline back");
    t.timedOut = true;
    assert.equal(w.call("poll", pfd, 1, 5000), 0);
    assert.equal(t.ext.sleepDeadline, undefined);
  });
});
