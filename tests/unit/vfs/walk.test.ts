import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { Tmpfs } from "../../../src/sentry/fs/tmpfs/tmpfs.ts";
import { MountNamespace } from "../../../src/sentry/vfs/mount.ts";
import { FsContext } from "../../../src/sentry/vfs/context.ts";
import { pathOf, type VirtualDentry } from "../../../src/sentry/vfs/dentry.ts";
import { resolve } from "../../../src/sentry/vfs/walk.ts";
import { openPath } from "../../../src/sentry/vfs/open.ts";
import {
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  S_IFDIR,
} from "../../../src/sentry/vfs/consts.ts";
import { FakeTask } from "./_fake.ts";

function world(uid = 0) {
  const fs = new Tmpfs(0o755);
  const ns = new MountNamespace(fs);
  const root = ns.rootVd();
  const t = new FakeTask(new FsContext(ns, root, root), uid, uid);
  const r = fs.root;
  const etc = r.mkdir(t, "etc", 0o755, 0, 0);
  if (typeof etc === "number") throw new Error("mkdir");
  etc.mknod(t, "passwd", 0o644, 0, 0, 0);
  r.symlink(t, "loop1", "loop2", 0, 0);
  r.symlink(t, "loop2", "loop1", 0, 0);
  r.symlink(t, "self", "self", 0, 0);
  r.symlink(t, "e", "/etc", 0, 0);
  r.symlink(t, "pw", "etc/passwd", 0, 0);
  r.symlink(t, "dotdot", "../../..", 0, 0);
  const secret = r.mkdir(t, "secret", 0o700, 0, 0);
  if (typeof secret === "number") throw new Error("mkdir");
  secret.mknod(t, "f", 0o644, 0, 0, 0);
  r.mkdir(t, "mnt", 0o755, 0, 0);
  return { t, ns, root, fs };
}

const path = (vd: VirtualDentry | number, root: VirtualDentry) =>
  typeof vd === "number" ? vd : pathOf(vd, root);

describe("path walk", () => {
  it("follows symlinks in the middle and at the end", () => {
    const { t, root } = world();
    assert.equal(path(resolve(t, root, "/e/passwd", { follow: true }), root), "/etc/passwd");
    assert.equal(path(resolve(t, root, "pw", { follow: true }), root), "/etc/passwd");
    assert.equal(path(resolve(t, root, "pw", { follow: false }), root), "/pw");
  });

  it("answers ELOOP for symlink loops, and after 40 links", () => {
    const { t, root } = world();
    assert.equal(resolve(t, root, "/loop1", { follow: true }), -E.ELOOP);
    assert.equal(resolve(t, root, "/self/x", { follow: false }), -E.ELOOP);
    assert.equal(path(resolve(t, root, "/loop1", { follow: false }), root), "/loop1");
  });

  it("keeps .. at the root", () => {
    const { t, root } = world();
    assert.equal(path(resolve(t, root, "/../../etc/../..", { follow: true }), root), "/");
    assert.equal(path(resolve(t, root, "dotdot/etc", { follow: true }), root), "/etc");
  });

  it("requires a directory before a trailing slash and in the middle", () => {
    const { t, root } = world();
    assert.equal(resolve(t, root, "/etc/passwd/", { follow: true }), -E.ENOTDIR);
    assert.equal(resolve(t, root, "/etc/passwd/x", { follow: true }), -E.ENOTDIR);
    assert.equal(resolve(t, root, "/etc/passwd/.", { follow: true }), -E.ENOTDIR);
    assert.equal(path(resolve(t, root, "/e/", { follow: false }), root), "/etc");
    assert.equal(resolve(t, root, "", { follow: true }), -E.ENOENT);
    assert.equal(resolve(t, root, "/nope/x", { follow: true }), -E.ENOENT);
  });

  it("checks search permission for non-root and lets root pass", () => {
    const w = world(1000);
    assert.equal(resolve(w.t, w.root, "/secret/f", { follow: true }), -E.EACCES);
    const r = world(0);
    assert.equal(path(resolve(r.t, r.root, "/secret/f", { follow: true }), r.root), "/secret/f");
  });

  it("crosses mounts downward and .. upward", () => {
    const { t, ns, root } = world();
    const mnt = resolve(t, root, "/mnt", { follow: true });
    assert.ok(typeof mnt !== "number");
    const other = new Tmpfs(0o755);
    other.root.mknod(t, "inside", 0o644, 0, 0, 0);
    assert.ok(typeof ns.mount(other, mnt, "tmpfs") !== "number");
    const inside = resolve(t, root, "/mnt/inside", { follow: true });
    assert.ok(typeof inside !== "number");
    assert.equal(inside.inode.fs, other);
    assert.equal(path(inside, root), "/mnt/inside");
    assert.equal(path(resolve(t, root, "/mnt/../etc", { follow: true }), root), "/etc");
    assert.match(ns.procMounts(root), /^tmpfs \/mnt tmpfs rw 0 0$/m);
  });
});

describe("open", () => {
  it("O_NOFOLLOW on a symlink is ELOOP, but O_PATH|O_NOFOLLOW opens the link", () => {
    const { t } = world();
    assert.equal(openPath(t, "/pw", O_RDONLY | O_NOFOLLOW), -E.ELOOP);
    const f = openPath(t, "/pw", O_PATH | O_NOFOLLOW);
    assert.ok(typeof f !== "number");
    assert.equal(f.inode!.isSymlink, true);
  });

  it("O_CREAT|O_EXCL on an existing name is EEXIST (even a dangling symlink)", () => {
    const { t } = world();
    assert.equal(openPath(t, "/etc/passwd", O_CREAT | O_EXCL | O_WRONLY, 0o644), -E.EEXIST);
    assert.equal(openPath(t, "/loop1", O_CREAT | O_EXCL | O_WRONLY, 0o644), -E.EEXIST);
  });

  it("creates with the umask applied, and reads back what was written", () => {
    const { t } = world();
    t.fsctx.umask = 0o027;
    const f = openPath(t, "/etc/new", O_CREAT | O_RDWR, 0o666);
    assert.ok(typeof f !== "number");
    const st = f.stat();
    assert.ok(typeof st !== "number");
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(f.write(t, new TextEncoder().encode("data")), 4);
    f.offset = 0;
    const b = new Uint8Array(10);
    assert.equal(f.read(t, b), 4);
    assert.equal(openPath(t, "/etc/new/", O_CREAT | O_RDWR, 0o666), -E.ENOTDIR);
    assert.equal(openPath(t, "/etc/x/", O_CREAT | O_RDWR, 0o666), -E.EISDIR);
  });

  it("refuses writing a directory and O_DIRECTORY on a file; denies non-owners", () => {
    const { t } = world();
    assert.equal(openPath(t, "/etc", O_RDWR), -E.EISDIR);
    assert.equal(openPath(t, "/etc/passwd", O_DIRECTORY), -E.ENOTDIR);
    const d = openPath(t, "/etc", O_DIRECTORY);
    assert.ok(typeof d !== "number");
    assert.equal(d.inode!.mode & S_IFDIR, S_IFDIR);
    const u = world(1000);
    assert.equal(openPath(u.t, "/etc/passwd", O_WRONLY), -E.EACCES);
    assert.equal(openPath(u.t, "/etc/newfile", O_CREAT | O_WRONLY, 0o644), -E.EACCES);
  });
});

describe("openForExec", () => {
  it("needs a regular file with an x bit, not read permission", async () => {
    const { openForExec } = await import("../../../src/sentry/vfs/open.ts");
    const { t, fs } = world();
    fs.root.mknod(t, "prog", 0o711, 0, 0, 0);
    const u = world(1000);
    u.fs.root.mknod(u.t, "prog", 0o711, 0, 0, 0);
    u.fs.root.mknod(u.t, "noexec", 0o644, 0, 0, 0);
    assert.equal(typeof openForExec(u.t, -100, "/prog"), "object");
    assert.equal(openForExec(u.t, -100, "/noexec"), -E.EACCES);
    assert.equal(openForExec(t, -100, "/etc"), -E.EACCES);
    assert.equal(openForExec(t, -100, "/etc/passwd"), -E.EACCES, "root needs an x bit too");
  });
});
