import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as nfs from "node:fs";
import { E } from "../../../ffi/errno.ts";
import { close, libc, pipe2 } from "../../../ffi/libc.ts";
import { createRootMountNamespace } from "../../../src/sentry/fs/rootfs.ts";
import { HostFile } from "../../../src/sentry/fs/host/file.ts";
import { createDevpts, DEVPTS_SUPER_MAGIC } from "../../../src/sentry/fs/devpts/devpts.ts";
import { makedev } from "../../../src/sentry/vfs/device.ts";
import { TIOCGPTN, TIOCSPTLCK } from "../../../src/sentry/fs/devpts/pty.ts";
import { TCGETS } from "../../../src/sentry/fs/host/tty.ts";
import { O_NONBLOCK, O_RDWR, S_IFCHR, S_IFMT } from "../../../src/sentry/vfs/consts.ts";
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

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Everything `f` has to read now, as text. */
function text(f: FileDescription, t: FakeTask): string {
  const b = new Uint8Array(256);
  const n = f.read(t, b);
  assert.ok(n >= 0, `read: ${n}`);
  return new TextDecoder().decode(b.subarray(0, n));
}

/** TIOCGPTN of master `m`. */
function ptn(t: FakeTask, m: FileDescription): number {
  const a = t.alloc(4);
  assert.equal(m.ioctl(t, TIOCGPTN, a), 0);
  return new DataView(t.get(a, 4).buffer).getInt32(0, true);
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
    // ptmx makes pairs numbered after the console.
    assert.equal(stat(t, "/dev/ptmx").rdev, makedev(5, 2));
    const m = openPath(t, "/dev/ptmx", O_RDWR) as FileDescription;
    assert.ok(typeof m !== "number", `open /dev/ptmx: ${m}`);
    assert.equal(ptn(t, m), 1);
    m.decRef();
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

  it("ptmx makes a pair: lock, canonical input with echo and erase, ONLCR output, hangup", () => {
    const { t } = setup(null);
    const m = openPath(t, "/dev/ptmx", O_RDWR | O_NONBLOCK) as FileDescription;
    assert.ok(typeof m !== "number", `open /dev/ptmx: ${m}`);
    assert.equal(ptn(t, m), 0);
    assert.equal(stat(t, "/dev/pts/0").rdev, makedev(136, 0));
    assert.equal(openPath(t, "/dev/pts/0", O_RDWR), -E.EIO, "locked until TIOCSPTLCK 0");
    const zero = t.put(new Uint8Array(4));
    assert.equal(m.ioctl(t, TIOCSPTLCK, zero), 0);
    const s = openPath(t, "/dev/pts/0", O_RDWR | O_NONBLOCK) as FileDescription;
    assert.ok(typeof s !== "number", `open /dev/pts/0: ${s}`);
    assert.equal(m.read(t, new Uint8Array(16)), -E.EAGAIN);
    // Typed "hx", backspace, "i", Enter: the slave reads one line, the master sees the echo.
    assert.equal(m.write(t, enc("hx\x7fi\r")), 5);
    assert.equal(text(s, t), "hi\n");
    assert.equal(text(m, t), "hx\b \bi\r\n");
    assert.equal(s.read(t, new Uint8Array(16)), -E.EAGAIN, "no line ready");
    // A partial line is not readable until Enter; ^D on an empty line is EOF.
    m.write(t, enc("ab"));
    assert.equal(s.read(t, new Uint8Array(16)), -E.EAGAIN);
    m.write(t, enc("\n\x04"));
    assert.equal(text(s, t), "ab\n");
    assert.equal(s.read(t, new Uint8Array(16)), 0, "EOF");
    text(m, t);
    // Slave output: \n becomes \r\n; termios comes back as set.
    assert.equal(s.write(t, enc("out\n")), 4);
    assert.equal(text(m, t), "out\r\n");
    const tio = t.alloc(36);
    assert.equal(s.ioctl(t, TCGETS, tio), 0);
    assert.equal(t.get(tio + 12, 1)[0] & 2, 2, "ICANON by default");
    // Closing the master hangs up the slave and removes /dev/pts/0.
    m.decRef();
    assert.equal(s.read(t, new Uint8Array(16)), 0);
    assert.equal(s.write(t, enc("x")), -E.EIO);
    assert.equal(openPath(t, "/dev/pts/0", O_RDWR), -E.ENOENT);
    s.decRef();
  });

  it("reports devpts' magic in statfs", () => {
    assert.equal(createDevpts().statfs().type, DEVPTS_SUPER_MAGIC);
  });
});
