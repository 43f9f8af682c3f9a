// The gofer serving a fixture tree to the real LISAFS client: the server runs in a child
// process (the real `gofer` role entry), the client in the test, over a SOCK_SEQPACKET pair.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { E } from "../../../ffi/errno.ts";
import { close, fcntl, read, write } from "../../../ffi/libc.ts";
import { setRecvTimeout, SOCK_SEQPACKET, unixSocketpair } from "../../../ffi/socket.ts";
import { connectGofer, type LisafsClient } from "../../../src/lisafs/client.ts";
import type { GoferStat } from "../../../src/lisafs/api.ts";

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const MANY = 1500;

let root = "";
let child: ChildProcess;
let exited: Promise<number | null>;
let client: LisafsClient;

function isStat(x: unknown): x is GoferStat {
  return typeof x === "object" && x !== null && "mode" in x;
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-gofer-"));
  fs.writeFileSync(path.join(root, "file.txt"), "hello");
  fs.mkdirSync(path.join(root, "dir/sub"), { recursive: true });
  fs.writeFileSync(path.join(root, "dir/sub/deep.txt"), "deep");
  fs.symlinkSync("/etc/passwd", path.join(root, "link-passwd"));
  fs.symlinkSync("../../../../../../etc/passwd", path.join(root, "dir/link-up"));
  fs.symlinkSync("/etc", path.join(root, "dirlink"));
  fs.symlinkSync("file.txt", path.join(root, "link-inside"));
  fs.mkdirSync(path.join(root, "names"));
  fs.writeFileSync(path.join(root, "names", "ünïcode-名前.txt"), "u");
  fs.writeFileSync(path.join(root, "names", "plain"), "p");
  // A name that is not UTF-8 (Linux names are bytes): 'bad-' + 0xff 0xfe. The shell makes it:
  // Deno's fs would re-encode the name as valid UTF-8.
  const made = spawnSync("sh", [
    "-c",
    `printf b > "$1/bad-$(printf '\\377\\376')"`,
    "sh",
    path.join(root, "names"),
  ]);
  assert.equal(made.status, 0, "could not create the non-UTF-8 name");
  assert.equal(fs.readdirSync(path.join(root, "names")).length, 3);
  fs.mkdirSync(path.join(root, "many"));
  for (let i = 0; i < MANY; i++) {
    fs.writeFileSync(path.join(root, "many", `entry-${i}-${"x".repeat(60)}`), "");
  }
  const [mine, theirs] = unixSocketpair(SOCK_SEQPACKET);
  // A hung or dead helper must fail the test, not hang it.
  setRecvTimeout(mine, 20_000);
  child = spawn(process.execPath, [
    "run",
    "-A",
    "--quiet",
    path.join(import.meta.dirname!, "serve-helper.ts"),
    root,
  ], {
    stdio: ["ignore", "inherit", "inherit", theirs],
  });
  exited = new Promise((res) => child.on("exit", (code) => res(code)));
  close(theirs);
  const c = connectGofer(mine);
  assert.equal(typeof c, "object", `handshake with the gofer failed: ${c}`);
  client = c as LisafsClient;
});

after(() => {
  client?.close();
  child?.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});

describe("gofer server over LISAFS", () => {
  it("stats the root as a directory and a file with its size", () => {
    const r = client.stat("");
    assert.ok(isStat(r), `stat root: ${r}`);
    assert.equal(r.mode & S_IFMT, S_IFDIR);
    const f = client.stat("file.txt");
    assert.ok(isStat(f));
    assert.equal(f.mode & S_IFMT, S_IFREG);
    assert.equal(f.size, 5);
    assert.equal(f.ino, fs.statSync(path.join(root, "file.txt")).ino);
  });

  it("walks nested directories", () => {
    const d = client.stat("dir/sub/deep.txt");
    assert.ok(isStat(d));
    assert.equal(d.size, 4);
  });

  it("reports a symlink to /etc/passwd as a symlink (lstat), never its target", () => {
    const s = client.stat("link-passwd");
    assert.ok(isStat(s));
    assert.equal(s.mode & S_IFMT, S_IFLNK);
    assert.equal(s.size, "/etc/passwd".length);
    assert.equal(client.readlink("link-passwd"), "/etc/passwd");
  });

  it("refuses to open a symlink (ELOOP), even one pointing inside the root", () => {
    assert.equal(client.openRead("link-passwd"), -E.ELOOP);
    assert.equal(client.openRead("dir/link-up"), -E.ELOOP);
    assert.equal(client.openRead("link-inside"), -E.ELOOP);
  });

  it("never walks through a symlinked directory", () => {
    for (const p of ["dirlink/passwd", "dirlink/hostname"]) {
      const s = client.stat(p);
      assert.ok(s === -E.ENOTDIR || s === -E.ELOOP, `${p}: ${JSON.stringify(s, (_, v) => String(v))}`);
      const o = client.openRead(p);
      assert.ok(o === -E.ENOTDIR || o === -E.ELOOP, `${p}: ${o}`);
    }
    const l = client.readdir("dirlink");
    assert.ok(l === -E.ENOTDIR || l === -E.ELOOP, `readdir dirlink: ${l}`);
  });

  it("refuses '..', '.', absolute, empty and NUL-containing components", () => {
    for (const p of ["..", "../etc/passwd", "dir/../../etc/passwd", "/etc/passwd", "dir//sub", ".", "a\0b"]) {
      assert.equal(client.stat(p), -E.EINVAL, p);
      assert.equal(client.openRead(p), -E.EINVAL, p);
    }
  });

  it("answers ENOENT for missing files and EINVAL for readlink of a non-link", () => {
    assert.equal(client.stat("nope"), -E.ENOENT);
    assert.equal(client.stat("nope/deeper"), -E.ENOENT);
    assert.equal(client.readlink("file.txt"), -E.EINVAL);
    assert.equal(client.readlink(""), -E.EINVAL);
  });

  it("donates a read-only, close-on-exec fd with the file's content", () => {
    const fd = client.openRead("file.txt");
    assert.equal(typeof fd, "number");
    assert.ok((fd as number) >= 0, `openRead: ${fd}`);
    try {
      assert.equal(fcntl(fd as number, 1) & 1, 1, "FD_CLOEXEC");
      const buf = new Uint8Array(16);
      const n = read(fd as number, buf);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "hello");
      assert.equal(write(fd as number, buf, 1), -E.EBADF, "opened read-only");
    } finally {
      close(fd as number);
    }
  });

  it("opens neither directories nor FIFOs (and does not hang on a FIFO)", () => {
    fs.mkdirSync(path.join(root, "fifodir"), { recursive: true });
    const fifo = path.join(root, "fifodir/fifo");
    if (!fs.existsSync(fifo)) {
      assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo failed");
    }
    assert.equal(client.openRead("dir"), -E.EISDIR);
    assert.equal(client.openRead(""), -E.EISDIR);
    assert.equal(client.openRead("fifodir/fifo"), -E.EINVAL);
  });

  it("lists a directory without '.' and '..', with types", () => {
    const l = client.readdir("");
    assert.ok(Array.isArray(l), `readdir: ${l}`);
    const names = l.map((d) => d.name).sort();
    assert.deepEqual(names, fs.readdirSync(root).sort());
    const link = l.find((d) => d.name === "link-passwd");
    assert.equal(link?.type, 10, "DT_LNK");
  });

  it("serves UTF-8 names and leaves out names the protocol cannot carry", () => {
    const l = client.readdir("names");
    assert.ok(Array.isArray(l), `readdir: ${l}`);
    assert.deepEqual(l.map((d) => d.name).sort(), ["plain", "ünïcode-名前.txt"]);
    const st = client.stat("names/ünïcode-名前.txt");
    assert.ok(isStat(st));
    assert.equal(st.size, 1);
  });

  it("lists a directory larger than one message, page by page", () => {
    const l = client.readdir("many");
    assert.ok(Array.isArray(l), `readdir: ${l}`);
    assert.equal(l.length, MANY);
    assert.equal(new Set(l.map((d) => d.name)).size, MANY);
  });

  it("has confined itself to the served root (chroot; the tests run as root)", () => {
    assert.equal(process.getuid!(), 0, "this check needs root (CAP_SYS_CHROOT), as CI has");
    // The root is a detached clone of the served tree: same inode, not the host's "/".
    const seen = fs.statSync(`/proc/${child.pid}/root/`);
    assert.equal(seen.ino, fs.statSync(root).ino);
    assert.notEqual(seen.ino, fs.statSync("/").ino);
    assert.ok(fs.existsSync(`/proc/${child.pid}/root/file.txt`));
    assert.ok(!fs.existsSync(`/proc/${child.pid}/root/etc/passwd`));
  });

  it("sees its root through a read-only mount (writes fail with EROFS, the host file is intact)", () => {
    const through = `/proc/${child.pid}/root/file.txt`;
    assert.throws(() => fs.writeFileSync(through, "changed"), /EROFS/);
    assert.equal(fs.readFileSync(path.join(root, "file.txt"), "utf8"), "hello");
  });

  it("donates fds that cannot be written even after reopening (read-only mount)", () => {
    const fd = client.openRead("file.txt");
    assert.ok(typeof fd === "number" && fd >= 0, `openRead: ${fd}`);
    try {
      assert.throws(() => fs.openSync(`/proc/self/fd/${fd}`, "r+"), /EROFS/);
    } finally {
      close(fd);
    }
  });

  it("exits 0 when the client closes the socket", async () => {
    client.close();
    assert.equal(await exited, 0);
  });
});
