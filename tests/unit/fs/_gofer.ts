// An in-process GoferClient over a directory built by the test (node:fs, synchronous), and a
// recursive snapshot of that directory to prove the overlay never writes to it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { GoferClient, GoferDirent, GoferStat } from "../../../src/lisafs/api.ts";
import { errno as lastErrno, libc } from "../../../ffi/libc.ts";

// A real host fd, as the gofer donates (node:fs under Deno returns resource ids, not fds).
const hostOpen = libc.func("int open(const char *, int)") as (p: string, flags: number) => number;
const O_RDONLY_NOFOLLOW_CLOEXEC = 0o400000 | 0o2000000;

function errno(e: unknown): number {
  const code = (e as { code?: string }).code;
  const map: Record<string, number> = { ENOENT: 2, ENOTDIR: 20, EACCES: 13, ELOOP: 40, EINVAL: 22 };
  return -(map[code ?? ""] ?? 5);
}

/** The gofer's view of a host lstat (what the real gofer reports for the same file). */
export function goferStat(s: fs.BigIntStats): GoferStat {
  return {
    mode: Number(s.mode),
    uid: Number(s.uid),
    gid: Number(s.gid),
    nlink: Number(s.nlink),
    size: Number(s.size),
    blocks: Number(s.blocks),
    blksize: Number(s.blksize),
    ino: Number(s.ino),
    dev: Number(s.dev),
    rdev: Number(s.rdev),
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
  };
}

/** A gofer serving `root` in-process. */
export class FakeGofer implements GoferClient {
  readonly root: string;
  calls = 0;

  constructor(root: string) {
    this.root = root;
  }

  private p(rel: string): string {
    if (rel.split("/").some((c) => c === ".." || (c === "" && rel !== ""))) {
      throw new Error(`bad path ${rel}`);
    }
    return rel === "" ? this.root : path.join(this.root, rel);
  }

  stat(rel: string): GoferStat | number {
    this.calls++;
    try {
      return goferStat(fs.lstatSync(this.p(rel), { bigint: true }));
    } catch (e) {
      return errno(e);
    }
  }

  readlink(rel: string): string | number {
    try {
      return fs.readlinkSync(this.p(rel));
    } catch (e) {
      return errno(e);
    }
  }

  readdir(rel: string): GoferDirent[] | number {
    try {
      return fs.readdirSync(this.p(rel), { withFileTypes: true }).map((d) => ({
        name: d.name,
        ino: Number(fs.lstatSync(path.join(this.p(rel), d.name)).ino),
        type: d.isDirectory() ? 4 : d.isSymbolicLink() ? 10 : d.isFile() ? 8 : 0,
      }));
    } catch (e) {
      return errno(e);
    }
  }

  openRead(rel: string): number {
    const fd = hostOpen(this.p(rel), O_RDONLY_NOFOLLOW_CLOEXEC);
    return fd < 0 ? -lastErrno() : fd;
  }

  close(): void {}
}

/** Every path under `dir` with its mode, size, mtime and contents (or link target). */
export function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const s = fs.lstatSync(p);
      let body = "";
      if (s.isSymbolicLink()) body = fs.readlinkSync(p);
      else if (s.isFile()) body = fs.readFileSync(p, "hex");
      out.push(`${path.relative(dir, p)} ${s.mode.toString(8)} ${s.size} ${s.mtimeMs} ${body}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join("\n");
}

/** A temp dir with a small tree: etc/{passwd,hosts}, bin/sh (0755), usr/lib/x, link → etc/passwd. */
export function makeLower(): string {
  const d = fs.mkdtempSync("/tmp/vfs-lower-");
  fs.mkdirSync(path.join(d, "etc"));
  fs.writeFileSync(path.join(d, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  fs.writeFileSync(path.join(d, "etc/hosts"), "127.0.0.1 localhost\n");
  fs.mkdirSync(path.join(d, "bin"));
  fs.writeFileSync(path.join(d, "bin/sh"), "#!fake\n", { mode: 0o755 });
  fs.mkdirSync(path.join(d, "usr/lib"), { recursive: true });
  fs.writeFileSync(path.join(d, "usr/lib/x"), "x");
  fs.symlinkSync("etc/passwd", path.join(d, "link"));
  fs.mkdirSync(path.join(d, "empty"));
  return d;
}
