// Test helpers: compiling C programs, an in-process GoferClient over host paths (TESTS ONLY:
// the real sandbox never opens host paths), and running a program under the Sentry with its
// stdout/stderr captured through pipes.
import { execFileSync, spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { constants as osConstants } from "node:os";
import { constants, existsSync, lstatSync, mkdirSync, readlinkSync, statSync } from "node:fs";
import { getdents64 } from "../../../src/gofer/hostfs.ts";
import { join } from "node:path";
import type { GoferClient, GoferDirent, GoferStat } from "../../../src/lisafs/api.ts";
import { goferStat } from "../fs/_gofer.ts";
import { runSentry } from "../../../src/sentry/entry.ts";
import { close, errno as errno0, libc, pipe2, read } from "../../../ffi/libc.ts";

const hostOpen = libc.func("int open(const char *, int, int)") as (p: string, f: number, m: number) => number;

/** Where compiled test programs go (gitignored). */
export const BIN_DIR: string = join(import.meta.dirname ?? ".", "../../programs/bin");

/** Compiles tests/programs/NAME.c statically (once per source change); returns the binary path. */
export function compile(name: string, extra: string[] = []): string {
  mkdirSync(BIN_DIR, { recursive: true });
  const src = join(import.meta.dirname ?? ".", `../../programs/${name}.c`);
  const out = join(BIN_DIR, name);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    execFileSync("gcc", ["-O1", "-static", "-o", out, src, ...extra], { stdio: "inherit" });
  }
  return out;
}

function errno(e: unknown): number {
  const code = (e as { errno?: number }).errno;
  return typeof code === "number" ? code : -2;
}

/** A GoferClient serving the host's `/` directly (tests only). */
export function hostGofer(): GoferClient {
  const abs = (p: string) => "/" + p;
  return {
    stat(path: string): GoferStat | number {
      try {
        return goferStat(lstatSync(abs(path), { bigint: true }));
      } catch (e) {
        return errno(e);
      }
    },
    readlink(path: string): string | number {
      try {
        return readlinkSync(abs(path));
      } catch (e) {
        return errno(e);
      }
    },
    readdir(path: string): GoferDirent[] | number {
      // getdents64 order and inode numbers, as the real gofer serves them (find's output
      // order depends on it; readdir(3) skips entries whose d_ino is 0).
      const fd = hostOpen(abs(path), constants.O_RDONLY | constants.O_DIRECTORY | 0o2000000, 0);
      if (fd < 0) return -errno0();
      try {
        const out: GoferDirent[] = [];
        const buf = new Uint8Array(65536);
        const view = new DataView(buf.buffer);
        for (;;) {
          const n = getdents64(fd, buf);
          if (n < 0) return n;
          if (n === 0) return out;
          for (let off = 0; off < n;) {
            const ino = Number(view.getBigUint64(off, true));
            const reclen = view.getUint16(off + 16, true);
            const type = buf[off + 18];
            let end = off + 19;
            while (end < off + reclen && buf[end] !== 0) end++;
            const name = Buffer.from(buf.subarray(off + 19, end)).toString("utf8");
            off += reclen;
            if (name !== "." && name !== "..") out.push({ name, ino, type });
          }
        }
      } finally {
        close(fd);
      }
    },
    openRead(path: string): number {
      // Through libc, not node:fs: Deno's openSync returns resource ids, not host fds.
      const fd = hostOpen(abs(path), constants.O_RDONLY | constants.O_NOFOLLOW | 0o2000000, 0);
      return fd < 0 ? -errno0() : fd;
    },
    close(): void {},
  };
}

/** Reads everything from host fd `fd` until EOF. */
function drain(fd: number): string {
  const chunks: Uint8Array[] = [];
  const b = new Uint8Array(65536);
  for (;;) {
    const n = read(fd, b);
    if (n <= 0) break;
    chunks.push(b.slice(0, n));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Result of one run. */
export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs argv under the Sentry with stdout/stderr captured. Output larger than a pipe buffer
 * (64 KiB) would block: test programs print little.
 */
export function runUnderSentry(
  argv: string[],
  env: string[] = ["PATH=/usr/bin:/bin"],
  strace?: (l: string) => void,
  platform: "ptrace" | "kvm" = "ptrace",
  cpu?: number,
): RunResult {
  const [outR, outW] = pipe2(0o2000000);
  const [errR, errW] = pipe2(0o2000000);
  const [inR, inW] = pipe2(0o2000000);
  close(inW);
  let status: number;
  try {
    status = runSentry({
      argv,
      env,
      cwd: "/",
      gofer: hostGofer(),
      stdio: [inR, outW, errW],
      uid: 0,
      gid: 0,
      hostname: "sandbox",
      platform,
      cpu,
      strace: strace !== undefined,
      straceSink: strace,
    });
  } finally {
    close(outW);
    close(errW);
    close(inR);
  }
  const stdout = drain(outR), stderr = drain(errR);
  close(outR);
  close(errR);
  return { status, stdout, stderr };
}

/** Runs argv natively (the differential reference); status in the shell convention. */
export function runNative(
  argv: string[],
  env: Record<string, string> = { PATH: "/usr/bin:/bin" },
  cwd = "/",
): RunResult {
  // Bounded: a native run that hangs fails the test instead of stalling the whole suite.
  const r = spawnSync(argv[0], argv.slice(1), {
    env,
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  if (r.error !== undefined) throw r.error;
  const sig = r.signal !== null ? osConstants.signals[r.signal] : 0;
  return {
    status: r.status ?? 128 + sig,
    stdout: r.stdout.toString(),
    stderr: r.stderr.toString(),
  };
}

/**
 * The differential check of most Sentry tests: compiles tests/programs/NAME.c (with `extra`
 * gcc flags), runs it natively (which must succeed) and under the Sentry, and asserts the same
 * stdout and exit status. Returns both runs for further checks.
 */
export function sameAsNative(name: string, extra: string[] = []): { native: RunResult; ours: RunResult } {
  const bin = compile(name, extra);
  const native = runNative([bin]);
  assert.equal(native.status, 0, `native ${name} failed: ${native.stderr}`);
  const ours = runUnderSentry([bin]);
  assert.equal(ours.stdout, native.stdout);
  assert.equal(ours.status, native.status);
  return { native, ours };
}
