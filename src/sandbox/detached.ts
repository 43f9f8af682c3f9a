// Host side of `runsc create`: start the gofer and boot so that they outlive the CLI (own
// session, no parent-death signal, nothing of the CLI's kept open), hand boot the listening
// control socket and the container's state directory, and wait until boot says the container
// is "created" (or why it is not).
//
// Fds:
//   gofer: 0 1 2 /dev/null, 3 gofer end of the LISAFS socketpair
//   boot:  0 1 2 the application's stdio (the CLI's own, i.e. what Docker gave create, or a
//          pty replica), 3 LISAFS socket, 4 spec pipe, 5 status pipe (write end),
//          6 listening control socket, 7 the container's state directory
import { E, errnoName } from "../../ffi/errno.ts";
import { pipe2, read } from "../../ffi/libc.ts";
import { SOCK_SEQPACKET, unixSocketpair } from "../../ffi/socket.ts";
import type { BootSpec } from "../boot/spec.ts";
import { parseCreateStatus } from "../boot/status.ts";
import type { GlobalFlags } from "../cli/globals.ts";
import { Fds, fillSpecPipe } from "./sandbox.ts";
import { type RoleProcess, spawnRole, type StdioChoice } from "./spawn.ts";

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

/** What to start. */
export interface DetachedOptions {
  readonly rootDir: string;
  readonly spec: BootSpec;
  readonly globals: GlobalFlags;
  /** Listening control socket (given to boot; the caller closes its copy). */
  readonly controlFd: number;
  /** Open fd of the container's state directory (given to boot). */
  readonly stateDirFd: number;
  /** Boot's fds 0, 1, 2: the CLI's own ("inherit"), or fds of this process (a pty replica). */
  readonly stdio?: readonly [number, number, number];
  /** How long boot may take to become ready. */
  readonly readyTimeoutMs?: number;
}

/** The started processes, or why the sandbox could not be created (both are then killed). */
export type DetachedResult =
  | { readonly boot: RoleProcess; readonly gofer: RoleProcess }
  | { readonly error: string };

/** Reads the status pipe until a line or EOF, without blocking the event loop for long. */
async function readStatus(fd: number, timeoutMs: number): Promise<string | null> {
  const buf = new Uint8Array(8192);
  let text = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = read(fd, buf);
    if (n > 0) {
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\n") || text.length > 64 * 1024) return text;
      continue;
    }
    if (n === 0) return text;
    if (n !== -E.EAGAIN && n !== -E.EINTR) return text;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts gofer + boot detached and waits for boot's "ready". Never throws for sandbox failures. */
export async function startDetached(opts: DetachedOptions): Promise<DetachedResult> {
  const fds = new Fds();
  let gofer: RoleProcess | undefined;
  let boot: RoleProcess | undefined;
  let ok = false;
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

    gofer = spawnRole("gofer", opts.globals, [`--root-dir=${opts.rootDir}`, "--io-fd=3"], {
      fds: [goferEnd],
      stdio: ["ignore", "ignore", "ignore"],
      attached: false,
    });
    fds.close(goferEnd);
    const stdio: [StdioChoice, StdioChoice, StdioChoice] = opts.stdio
      ? [opts.stdio[0], opts.stdio[1], opts.stdio[2]]
      : ["inherit", "inherit", "inherit"];
    const args = ["--gofer-fd=3", "--spec-fd=4", "--status-fd=5", "--control-fd=6", "--state-dir-fd=7"];
    boot = spawnRole("boot", opts.globals, args, {
      fds: [bootEnd, specR, statusW, opts.controlFd, opts.stateDirFd],
      stdio,
      attached: false,
    });
    fds.close(bootEnd);
    fds.close(specR);
    fds.close(statusW);
    if (boot.pid < 0) return { error: "could not start the sandbox process" };
    const text = await readStatus(statusR, opts.readyTimeoutMs ?? 60_000);
    if (text === null) return { error: "timed out waiting for the sandbox to be ready" };
    const st = parseCreateStatus(text);
    if ("error" in st) return st;
    ok = true;
    return { boot, gofer };
  } catch (e) {
    return { error: e instanceof Error ? e.message : errnoName(E.EIO) };
  } finally {
    fds.closeAll();
    if (!ok) {
      boot?.child.kill("SIGKILL");
      gofer?.child.kill("SIGKILL");
    }
  }
}
