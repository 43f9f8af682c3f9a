// Host side of one sandbox run (`runsc do`, later `run`): start the gofer on the root
// directory and boot with the gofer socket, the application's stdio, the boot spec and a
// status pipe; forward signals to boot; wait; make sure nothing is left behind.
//
// Fds (see docs/gofer.md):
//   gofer: 0 /dev/null, 1 /dev/null, 2 CLI's stderr, 3 gofer end of the LISAFS socketpair
//   boot:  0 1 2 = the CLI's own stdio (the application's), 3 LISAFS socket, 4 spec pipe
//          (read end, already filled and closed by us), 5 status pipe (write end)
import type { GlobalFlags } from "../cli/globals.ts";
import { E, errnoName } from "../../ffi/errno.ts";
import { close, fcntl, pipe2, read, write } from "../../ffi/libc.ts";
import { SOCK_SEQPACKET, unixSocketpair } from "../../ffi/socket.ts";
import type { BootSpec } from "../boot/spec.ts";
import { MAX_SPEC_BYTES } from "../boot/spec.ts";
import { parseBootStatus, SANDBOX_FAILURE_EXIT } from "../boot/status.ts";
import { type RoleExit, type RoleProcess, signalNumber, spawnRole } from "./spawn.ts";
import process from "node:process";
import { startupTrace } from "../runtime.ts";

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const F_SETPIPE_SZ = 1031;
/** How long the gofer may take to notice boot is gone before it is killed. */
const GOFER_GRACE_MS = 5000;
/** Signals the CLI forwards to boot (the children have their own session). */
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** What to run. */
export interface SandboxOptions {
  /** Host directory the gofer serves as the sandbox's root (absolute). */
  readonly rootDir: string;
  readonly spec: BootSpec;
  readonly globals: GlobalFlags;
}

/** The outcome: the application's exit status, or why the sandbox failed. */
export type SandboxResult = { readonly status: number } | { readonly error: string };

/** Fds opened for the children; all close-on-exec in the CLI, placed explicitly. */
export class Fds {
  private readonly open = new Set<number>();
  /** Remembers `fds` for {@link closeAll}. */
  add(...fds: number[]): void {
    for (const fd of fds) this.open.add(fd);
  }
  /** Closes one fd now. */
  close(fd: number): void {
    if (this.open.delete(fd)) close(fd);
  }
  /** Closes everything still open. */
  closeAll(): void {
    for (const fd of this.open) close(fd);
    this.open.clear();
  }
}

/** Fills a pipe with the whole spec (before boot starts, so no writer/reader deadlock). */
export function fillSpecPipe(fd: number, spec: BootSpec): string | null {
  const bytes = new TextEncoder().encode(JSON.stringify(spec));
  if (bytes.byteLength > MAX_SPEC_BYTES) {
    return `command line and environment too large (${bytes.byteLength} bytes)`;
  }
  if (bytes.byteLength > 60 * 1024) {
    try {
      fcntl(fd, F_SETPIPE_SZ, Math.max(bytes.byteLength, 64 * 1024));
    } catch {
      return "command line and environment too large for the spec pipe";
    }
  }
  let off = 0;
  while (off < bytes.byteLength) {
    const n = write(fd, bytes.subarray(off));
    if (n === -E.EINTR) continue;
    if (n < 0) return `writing the boot spec: ${errnoName(-n)}`;
    off += n;
  }
  return null;
}

/** Everything boot wrote on the status pipe (non-blocking: boot has exited). */
function drain(fd: number): string {
  const buf = new Uint8Array(8192);
  let text = "";
  for (;;) {
    const n = read(fd, buf);
    if (n === -E.EINTR) continue;
    if (n <= 0) return text;
    text += new TextDecoder().decode(buf.subarray(0, n));
    if (text.length > 64 * 1024) return text;
  }
}

/** Shell convention: the code, or 128+N when killed by signal N. */
export function exitStatus(e: RoleExit): number {
  if (e.signal) return 128 + signalNumber(e.signal);
  return e.code ?? SANDBOX_FAILURE_EXIT;
}

/**
 * Runs one sandbox to completion. Preconditions: `rootDir` is an existing directory. Never
 * throws for sandbox failures: they come back as `{ error }` sentences without the
 * "runsc <cmd>:" prefix, which the CLI adds.
 */
export async function runSandbox(opts: SandboxOptions): Promise<SandboxResult> {
  const fds = new Fds();
  let gofer: RoleProcess | undefined;
  let boot: RoleProcess | undefined;
  const forward = (sig: NodeJS.Signals) => boot?.child.kill(sig);
  try {
    const [goferEnd, bootEnd] = unixSocketpair(SOCK_SEQPACKET);
    fds.add(goferEnd, bootEnd);
    const [specR, specW] = pipe2(O_CLOEXEC | O_NONBLOCK);
    fds.add(specR, specW);
    const [statusR, statusW] = pipe2(O_CLOEXEC | O_NONBLOCK);
    fds.add(statusR, statusW);

    const specErr = fillSpecPipe(specW, opts.spec);
    if (specErr) return { error: specErr };
    fds.close(specW);

    // Boot first: it is the start-up's critical path (Node start, then the Sentry), while the
    // gofer is needed only once boot sends its first request, which simply waits in the
    // already-connected socket until the gofer is up.
    startupTrace("cli: spawning boot");
    for (const sig of FORWARDED) process.on(sig, forward);
    boot = spawnRole("boot", opts.globals, ["--gofer-fd=3", "--spec-fd=4", "--status-fd=5"], {
      fds: [bootEnd, specR, statusW],
      stdio: ["inherit", "inherit", "inherit"],
    });
    startupTrace("cli: spawning gofer");
    gofer = spawnRole("gofer", opts.globals, [`--root-dir=${opts.rootDir}`, "--io-fd=3"], {
      fds: [goferEnd],
      stdio: ["ignore", "ignore", "inherit"],
    });
    // Only the children may hold these now: boot's exit must be the socket's and pipe's EOF,
    // and the gofer's end must not stay open here (the gofer's exit must be boot's EOF).
    fds.close(goferEnd);
    fds.close(bootEnd);
    fds.close(specR);
    fds.close(statusW);
    startupTrace("cli: spawned both");

    const bootExit = await boot.exited;
    startupTrace("cli: boot exited");
    const error = parseBootStatus(drain(statusR));
    await reapGofer(gofer);
    startupTrace("cli: gofer reaped");
    if (error !== null) return { error };
    if (boot.pid < 0) return { error: "could not start the sandbox process" };
    return { status: exitStatus(bootExit) };
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
    fds.closeAll();
    if (gofer && gofer.child.exitCode === null && gofer.child.signalCode === null) {
      gofer.child.kill("SIGKILL");
    }
  }
}

/** Waits for the gofer to see boot's socket close and exit; kills it after a grace period. */
async function reapGofer(gofer: RoleProcess): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      gofer.child.kill("SIGKILL");
      resolve();
    }, GOFER_GRACE_MS);
  });
  await Promise.race([gofer.exited.then(() => {}), late]);
  clearTimeout(timer);
  await gofer.exited;
}
