// `runsc boot --probe=NAME` (internal, used by `runsc selftest-roles`): proves the role
// mechanism without the Sentry. Boot asks the gofer for NAME over LISAFS, receives the
// donated fd (SCM_RIGHTS), reads the file's first bytes through it and prints one JSON line.
import { errnoName } from "../../ffi/errno.ts";
import { close, getpid, read, write } from "../../ffi/libc.ts";
import type { GoferClient } from "../lisafs/api.ts";

/** What the probe reports on stdout (one JSON line). */
export interface ProbeReport {
  readonly bootPid: number;
  readonly name: string;
  /** The fd number the donated file got in boot. */
  readonly fd: number;
  /** Size from the gofer's stat. */
  readonly size: number;
  /** Up to 16 first bytes read through the donated fd, in hex. */
  readonly head: string;
  /** Entries of the gofer's root directory. */
  readonly rootEntries: number;
}

/** Runs the probe; returns 0 and prints the report, or prints an error and returns 1. */
export function runProbe(gofer: GoferClient, name: string, out: number): number {
  const st = gofer.stat(name);
  if (typeof st === "number") return fail(`stat ${name}: ${errnoName(-st)}`);
  const dir = gofer.readdir("");
  if (typeof dir === "number") return fail(`readdir of the root: ${errnoName(-dir)}`);
  const fd = gofer.openRead(name);
  if (fd < 0) return fail(`openRead ${name}: ${errnoName(-fd)}`);
  const buf = new Uint8Array(16);
  const n = read(fd, buf);
  close(fd);
  if (n < 0) return fail(`reading the donated fd: ${errnoName(-n)}`);
  const report: ProbeReport = {
    bootPid: getpid(),
    name,
    fd,
    size: st.size,
    head: Array.from(buf.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join(""),
    rootEntries: dir.length,
  };
  write(out, new TextEncoder().encode(JSON.stringify(report) + "\n"));
  return 0;
}

function fail(msg: string): number {
  write(2, new TextEncoder().encode(`runsc boot: probe: ${msg}\n`));
  return 1;
}
