// Test helpers: compiling C programs, an in-process GoferClient over host paths (TESTS ONLY:
// the real sandbox never opens host paths), and running a program under the Sentry with its
// stdout/stderr captured through pipes.
import { execFileSync } from "node:child_process";
import { constants, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import type { GoferClient, GoferDirent, GoferStat } from "../../../src/lisafs/api.ts";
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
        const s = lstatSync(abs(path), { bigint: true });
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
      try {
        return readdirSync(abs(path), { withFileTypes: true }).map((d) => ({
          name: d.name,
          ino: 0,
          type: d.isDirectory() ? 4 : d.isSymbolicLink() ? 10 : 8,
        }));
      } catch (e) {
        return errno(e);
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
      platform: "ptrace",
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

/** Runs argv natively (the differential reference). */
export function runNative(
  argv: string[],
  env: Record<string, string> = { PATH: "/usr/bin:/bin" },
): RunResult {
  try {
    const stdout = execFileSync(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] })
      .toString();
    return { status: 0, stdout, stderr: "" };
  } catch (e) {
    const x = e as { status: number | null; signal: string | null; stdout: Buffer; stderr: Buffer };
    return { status: x.status ?? 128, stdout: x.stdout.toString(), stderr: x.stderr.toString() };
  }
}
