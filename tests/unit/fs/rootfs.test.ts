import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as nfs from "node:fs";
import { E } from "../../../ffi/errno.ts";
import { createRootMountNamespace } from "../../../src/sentry/fs/rootfs.ts";
import { openPath } from "../../../src/sentry/vfs/open.ts";
import { resolve } from "../../../src/sentry/vfs/walk.ts";
import { pathOf } from "../../../src/sentry/vfs/dentry.ts";
import type { FileDescription } from "../../../src/sentry/vfs/file.ts";
import { O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from "../../../src/sentry/vfs/consts.ts";
import { FakeTask } from "../vfs/_fake.ts";
import { FakeGofer, makeLower, snapshot } from "./_gofer.ts";
import { FakeProc } from "./_proc.ts";

const lowers: string[] = [];
after(() => {
  for (const d of lowers) nfs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const lower = makeLower();
  lowers.push(lower);
  const before = snapshot(lower);
  const proc = new FakeProc();
  const rfs = createRootMountNamespace(new FakeGofer(lower), { proc });
  const t = new FakeTask(rfs.initContext("/etc"));
  proc.fds = t.fds;
  proc.ctx = t.fsctx;
  return { lower, before, rfs, t, proc };
}

function open(t: FakeTask, p: string, flags: number, mode = 0o644): FileDescription {
  const f = openPath(t, p, flags, mode);
  if (typeof f === "number") throw new Error(`open ${p}: ${f}`);
  return f;
}

function readAll(t: FakeTask, f: FileDescription): string {
  const b = new Uint8Array(65536);
  let s = "";
  for (;;) {
    const n = f.read(t, b);
    if (n < 0) throw new Error(`read: ${n}`);
    if (n === 0) return s;
    s += new TextDecoder().decode(b.subarray(0, n));
  }
}

function names(t: FakeTask, p: string): string[] {
  const d = open(t, p, O_RDONLY);
  const l = d.readdir(t);
  if (typeof l === "number") throw new Error(`readdir ${l}`);
  return l.map((e) => e.name).sort();
}

describe("root filesystem", () => {
  it("reads lower files through the gofer, starting in the requested cwd", () => {
    const { t } = setup();
    assert.equal(pathOf(t.fsctx.cwd, t.fsctx.root), "/etc");
    assert.equal(readAll(t, open(t, "passwd", O_RDONLY)), "root:x:0:0:root:/root:/bin/sh\n");
    assert.equal(readAll(t, open(t, "/link", O_RDONLY)), "root:x:0:0:root:/root:/bin/sh\n");
    const f = open(t, "/bin/sh", O_RDONLY);
    assert.ok(f.hostFd() >= 0, "lower file read through a donated host fd");
  });

  it("copies up on write and truncate; the lower directory is never modified", () => {
    const { t, lower, before } = setup();
    const f = open(t, "/etc/passwd", O_WRONLY | O_TRUNC);
    assert.equal(f.write(t, new TextEncoder().encode("new\n")), 4);
    assert.equal(readAll(t, open(t, "/etc/passwd", O_RDONLY)), "new\n");
    const g = open(t, "/etc/hosts", O_RDWR);
    g.offset = 9;
    g.write(t, new TextEncoder().encode("X"));
    assert.equal(readAll(t, open(t, "/etc/hosts", O_RDONLY)), "127.0.0.1Xlocalhost\n");
    const i = resolve(t, t.fsctx.root, "/bin/sh", { follow: true });
    assert.ok(typeof i !== "number");
    assert.equal(i.inode.setattr({ mode: 0o700 }), 0);
    assert.equal(i.inode.stat().mode & 0o777, 0o700);
    open(t, "/usr/lib/new", O_CREAT | O_WRONLY).write(t, new TextEncoder().encode("n"));
    assert.equal(snapshot(lower), before);
  });

  it("hides unlinked and renamed lower files with whiteouts and merges getdents", () => {
    const { t, lower, before } = setup();
    const root = t.fsctx.root;
    const etc = resolve(t, root, "/etc", { follow: true });
    assert.ok(typeof etc !== "number");
    assert.equal(etc.inode.unlink(t, "hosts"), 0);
    assert.equal(openPath(t, "/etc/hosts", O_RDONLY), -E.ENOENT);
    open(t, "/etc/added", O_CREAT | O_WRONLY);
    assert.deepEqual(names(t, "/etc"), [".", "..", "added", "passwd"]);
    const usr = resolve(t, root, "/usr", { follow: true });
    assert.ok(typeof usr !== "number");
    assert.equal(usr.inode.rename(t, "lib", etc.inode, "lib2"), 0);
    assert.deepEqual(names(t, "/usr"), [".", ".."]);
    assert.equal(readAll(t, open(t, "/etc/lib2/x", O_RDONLY)), "x");
    assert.equal(etc.inode.rmdir(t, "lib2"), -E.ENOTEMPTY);
    // Recreating a removed lower directory gives an empty (opaque) one.
    const rootI = root.inode;
    assert.equal(resolve(t, root, "/bin", { follow: true }) !== -E.ENOENT, true);
    const bin = resolve(t, root, "/bin", { follow: true });
    assert.ok(typeof bin !== "number");
    assert.equal(bin.inode.unlink(t, "sh"), 0);
    assert.equal(rootI.rmdir(t, "bin"), 0);
    assert.equal(typeof rootI.mkdir(t, "bin", 0o755, 0, 0), "object");
    assert.deepEqual(names(t, "/bin"), [".", ".."]);
    assert.equal(snapshot(lower), before);
  });

  it("mounts devfs, tmpfs and procfs", () => {
    const { t, rfs } = setup();
    const mounts = rfs.ns.procMounts(t.fsctx.root);
    assert.match(mounts, /^none \/ overlay /m);
    assert.match(mounts, /^none \/dev tmpfs /m);
    assert.match(mounts, /^proc \/proc proc /m);
    assert.match(mounts, /^none \/tmp tmpfs /m);
    assert.match(mounts, /^none \/dev\/shm tmpfs /m);
    const z = open(t, "/dev/zero", O_RDONLY);
    const b = new Uint8Array(4).fill(9);
    assert.equal(z.read(t, b), 4);
    assert.deepEqual(b, new Uint8Array(4));
    const n = open(t, "/dev/null", O_RDWR);
    assert.equal(n.read(t, b), 0);
    assert.equal(n.write(t, b), 4);
    assert.equal(open(t, "/dev/full", O_WRONLY).write(t, b), -E.ENOSPC);
    const r = open(t, "/dev/urandom", O_RDONLY);
    const rb = new Uint8Array(64);
    assert.equal(r.read(t, rb), 64);
    assert.ok(rb.some((x) => x !== 0));
    assert.equal(openPath(t, "/dev/tty", O_RDWR), -E.ENXIO);
    open(t, "/tmp/a", O_CREAT | O_WRONLY).write(t, b);
    assert.equal(readAll(t, open(t, "/tmp/a", O_RDONLY)).length, 4);
  });

  it("mounts a tmpfs at /tmp only when the image's /tmp is missing or empty", () => {
    const lower = makeLower();
    lowers.push(lower);
    nfs.mkdirSync(`${lower}/tmp`);
    nfs.writeFileSync(`${lower}/tmp/prog`, "kept");
    const rfs = createRootMountNamespace(new FakeGofer(lower), { proc: new FakeProc() });
    const t = new FakeTask(rfs.initContext("/"));
    assert.doesNotMatch(rfs.ns.procMounts(t.fsctx.root), / \/tmp /);
    assert.equal(readAll(t, open(t, "/tmp/prog", O_RDONLY)), "kept");
    const empty = makeLower();
    lowers.push(empty);
    nfs.mkdirSync(`${empty}/tmp`);
    const r2 = createRootMountNamespace(new FakeGofer(empty), { proc: new FakeProc() });
    assert.match(r2.ns.procMounts(r2.ns.rootVd()), /^none \/tmp tmpfs /m);
  });

  it("serves /proc/self, /proc/[pid] files and /dev/fd links", () => {
    const { t } = setup();
    const self = resolve(t, t.fsctx.root, "/proc/self", { follow: false });
    assert.ok(typeof self !== "number");
    assert.equal(self.inode.readlink(t), "7");
    assert.equal(readAll(t, open(t, "/proc/self/cmdline", O_RDONLY)), "sh\0-c\0true\0");
    assert.match(readAll(t, open(t, "/proc/self/stat", O_RDONLY)), /^7 \(sh\) R 0 7 7 /);
    assert.match(readAll(t, open(t, "/proc/7/status", O_RDONLY)), /^Pid:\t7$/m);
    assert.match(readAll(t, open(t, "/proc/mounts", O_RDONLY)), /^proc \/proc proc /m);
    assert.match(readAll(t, open(t, "/proc/uptime", O_RDONLY)), /^1\.50 /);
    assert.match(readAll(t, open(t, "/proc/cpuinfo", O_RDONLY)), /^processor\t: 0$/m);
    const cwd = resolve(t, t.fsctx.root, "/proc/self/cwd", { follow: false });
    assert.ok(typeof cwd !== "number");
    assert.equal(cwd.inode.readlink(t), "/etc");
    assert.equal(readAll(t, open(t, "/proc/self/cwd/passwd", O_RDONLY)).slice(0, 4), "root");
    // fd 0 → /etc/passwd; /dev/stdin follows /proc/self/fd/0 to the same file.
    t.fds.install(open(t, "/etc/passwd", O_RDONLY), false);
    assert.deepEqual(names(t, "/proc/self/fd").filter((n) => n === "0"), ["0"]);
    assert.equal(readAll(t, open(t, "/dev/stdin", O_RDONLY)).slice(0, 4), "root");
    assert.equal(openPath(t, "/proc/99/stat", O_RDONLY), -E.ENOENT);
    assert.equal(openPath(t, "/proc/self/stat", O_WRONLY), -E.EACCES);
  });
});
