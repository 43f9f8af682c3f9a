import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as nfs from "node:fs";
import { E } from "../../../ffi/errno.ts";
import { close, libc, pipe2 } from "../../../ffi/libc.ts";
import { createRootMountNamespace } from "../../../src/sentry/fs/rootfs.ts";
import { HostFile } from "../../../src/sentry/fs/host/file.ts";
import { createDevpts, DEVPTS_SUPER_MAGIC } from "../../../src/sentry/fs/devpts/devpts.ts";
import { makedev } from "../../../src/sentry/vfs/device.ts";
import { O_RDWR, S_IFCHR, S_IFMT } from "../../../src/sentry/vfs/consts.ts";
import { openPath } from "../../../src/sentry/vfs/open.ts";
import { resolve } from "../../../src/sentry/vfs/walk.ts";
import type { FileDescription } from "../../../src/sentry/vfs/file.ts";
import type { StatInfo } from "../../../src/sentry/vfs/inode.ts";
import { FakeTask } from "../vfs/_fake.ts";
import { FakeGofer, makeLower } from "./_gofer.ts";
import { FakeProc } from "./_proc.ts";

const unlockpt = libc.func("int unlockpt(int)");
const ptsname = libc.func("const char *ptsname(int)");

const lowers: string[] = [];
const hostFds: number[] = [];
after(() => {
  for (const d of lowers) nfs.rmSync(d, { recursive: true, force: true });
  for (const fd of hostFds) nfs.closeSync(fd);
});

/** A host pty pair: [master, slave] fds (the slave stands for the user's terminal). */
function hostPty(): [number, number] {
  const m = nfs.openSync("/dev/ptmx", nfs.constants.O_RDWR | nfs.constants.O_NOCTTY);
  hostFds.push(m);
  assert.equal(unlockpt(m), 0, "unlockpt");
  const name = ptsname(m) as string;
  const s = nfs.openSync(name, nfs.constants.O_RDWR | nfs.constants.O_NOCTTY);
  hostFds.push(s);
  return [m, s];
}

/** A sandbox whose stdio terminal is `term` (or none). */
function setup(term: HostFile | null) {
  const lower = makeLower();
  lowers.push(lower);
  const proc = new FakeProc();
  const tty = () => {
    term?.incRef();
    return term;
  };
  const rfs = createRootMountNamespace(new FakeGofer(lower), { proc, tty });
  const t = new FakeTask(rfs.initContext("/"));
  proc.fds = t.fds;
  proc.ctx = t.fsctx;
  return { t, rfs };
}

function stat(t: FakeTask, p: string): StatInfo {
  const vd = resolve(t, t.fsctx.root, p, { follow: true });
  assert.ok(typeof vd !== "number", `resolve ${p}: ${vd}`);
  return vd.inode.stat();
}

describe("devpts", () => {
  it("shows the host terminal as /dev/pts/0: stat and /proc/self/fd agree (ttyname's check)", () => {
    const [, slave] = hostPty();
    const term = new HostFile(slave, O_RDWR, { owned: false });
    assert.notEqual(term.tty, null, "the host pty slave is a tty");
    const { t } = setup(term);
    t.fds.installAt(0, term, false);
    const node = stat(t, "/dev/pts/0");
    assert.equal(node.mode & S_IFMT, S_IFCHR);
    assert.equal(node.rdev, makedev(136, 0));
    const fst = term.stat();
    assert.ok(typeof fst !== "number");
    assert.equal(fst.mode & S_IFMT, S_IFCHR);
    assert.deepEqual([fst.dev, fst.ino, fst.rdev], [node.dev, node.ino, node.rdev]);
    const link = resolve(t, t.fsctx.root, "/proc/self/fd/0", { follow: false });
    assert.ok(typeof link !== "number");
    assert.equal(link.inode.readlink(t), "/dev/pts/0");
    // Opening /dev/pts/0 (and /dev/tty) reaches the same terminal.
    const f = openPath(t, "/dev/pts/0", O_RDWR) as FileDescription;
    assert.ok(typeof f !== "number", `open /dev/pts/0: ${f}`);
    assert.equal(f.hostFd(), slave);
    f.decRef();
    const ctty = openPath(t, "/dev/tty", O_RDWR) as FileDescription;
    assert.ok(typeof ctty !== "number", `open /dev/tty: ${ctty}`);
    assert.equal(ctty.hostFd(), slave);
    ctty.decRef();
    // ptmx is there, but the Sentry makes no pty pairs of its own yet.
    assert.equal(stat(t, "/dev/ptmx").rdev, makedev(5, 2));
    assert.equal(openPath(t, "/dev/ptmx", O_RDWR), -E.ENODEV);
  });

  it("has only ptmx when stdio is no terminal; a pipe keeps its host identity", () => {
    const { t } = setup(null);
    const pts = resolve(t, t.fsctx.root, "/dev/pts", { follow: true });
    assert.ok(typeof pts !== "number");
    const list = pts.inode.readdir(t);
    assert.ok(typeof list !== "number");
    assert.deepEqual(list.map((e) => e.name).filter((n) => n !== "." && n !== "..").sort(), ["ptmx"]);
    assert.equal(openPath(t, "/dev/pts/0", O_RDWR), -E.ENOENT);
    const [r, w] = pipe2(0);
    try {
      const p = new HostFile(r, O_RDWR, { owned: false });
      assert.match(p.anonName(), /^pipe:\[\d+\]$/);
      const st = p.stat();
      assert.ok(typeof st !== "number");
      assert.equal(st.rdev, 0);
      p.decRef();
    } finally {
      close(r);
      close(w);
    }
  });

  it("reports devpts' magic in statfs", () => {
    assert.equal(createDevpts().statfs().type, DEVPTS_SUPER_MAGIC);
  });
});
