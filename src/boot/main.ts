// `runsc boot` (internal): the sandbox process. Started by the CLI (src/sandbox/) with:
//
//   fd 0, 1, 2      the application's stdin, stdout, stderr (the CLI's own, passed through;
//                   --stdio-fds can name others)
//   --gofer-fd=N    our end of the LISAFS socket to the gofer (SOCK_SEQPACKET)
//   --spec-fd=N     read end of a pipe holding the boot spec (JSON, see spec.ts)
//   --status-fd=N   write end of the status pipe back to the CLI (see status.ts)
//   --parent-pid=P  the CLI's pid: we die with it (PR_SET_PDEATHSIG)
//   --control-fd=N  lifecycle mode (`runsc create`): a listening control socket; boot reports
//                   ready on the status pipe, waits for `start` there (created.ts), and
//                   outlives the CLI (no --parent-pid)
//   --state-dir-fd=N  the container's state directory, where boot records its exit status
//
// Boot reads no host path: files come from the gofer only. It builds the SentryConfig and
// calls runSentry(cfg) synchronously; its exit status is the application's (code, or 128+N
// for signal N). Diagnostics go through FFI writes, never process.stdout/stderr: Node makes
// a piped stdio fd O_NONBLOCK when it first touches it, and these fds are shared with the
// application and the user's terminal.
import type { GlobalFlags } from "../cli/globals.ts";
import { errnoName, errnoText } from "../../ffi/errno.ts";
import { close, read, write } from "../../ffi/libc.ts";
import { connectGofer } from "../lisafs/client.ts";
import { fdFlag, parseFlags, UsageError } from "../sandbox/flags.ts";
import { dieWithParent, setCloexec } from "../sandbox/lifetime.ts";
import { confineSyscalls, dropCapabilities } from "../sandbox/seccomp.ts";
import { runSentry, type SentryConfig } from "../sentry/entry.ts";
import { runProbe } from "./probe.ts";
import { type BootSpec, MAX_SPEC_BYTES, parseBootSpec, sentryProcessCreds } from "./spec.ts";
import { reportError, reportReady, SANDBOX_FAILURE_EXIT } from "./status.ts";
import { runCreated, type StartFn } from "./created.ts";
import { startupTrace } from "../runtime.ts";

const FLAGS = {
  "gofer-fd": "string",
  "spec-fd": "string",
  "status-fd": "string",
  "stdio-fds": "string",
  "parent-pid": "string",
  probe: "string",
  "control-fd": "string",
  "state-dir-fd": "string",
} as const;

/** Parsed boot flags. */
interface BootFlags {
  goferFd: number;
  specFd: number;
  statusFd: number;
  stdio: [number, number, number];
  parent: number;
  probe: string | undefined;
  controlFd: number;
  stateDirFd: number;
}

function parseBootFlags(argv: string[]): BootFlags {
  const { values, rest } = parseFlags(argv, FLAGS);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const opt = (name: string) => (values[name] === undefined ? -1 : fdFlag(name, values[name]));
  const stdioText = typeof values["stdio-fds"] === "string" ? values["stdio-fds"] : "0,1,2";
  const stdio = stdioText.split(",").map((s) => fdFlag("stdio-fds", s));
  if (stdio.length !== 3) throw new UsageError("-stdio-fds wants three fds: IN,OUT,ERR");
  const f: BootFlags = {
    goferFd: fdFlag("gofer-fd", values["gofer-fd"]),
    specFd: opt("spec-fd"),
    statusFd: opt("status-fd"),
    stdio: [stdio[0], stdio[1], stdio[2]],
    parent: opt("parent-pid"),
    probe: typeof values.probe === "string" ? values.probe : undefined,
    controlFd: opt("control-fd"),
    stateDirFd: opt("state-dir-fd"),
  };
  if (f.probe === undefined && f.specFd < 0) throw new UsageError("-spec-fd is required");
  if ((f.controlFd < 0) !== (f.stateDirFd < 0)) {
    throw new UsageError("-control-fd and -state-dir-fd go together");
  }
  return f;
}

/** One line on stderr, without Node's stdio streams. */
function say(msg: string): void {
  write(2, new TextEncoder().encode(`runsc boot: ${msg}\n`));
}

/** Reads the whole spec pipe (until EOF); the text, or an error sentence. */
function readSpecText(fd: number): { text: string } | { error: string } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = read(fd, buf);
    if (n === 0) break;
    if (n < 0) return { error: `reading the boot spec: ${errnoName(-n)} (${errnoText(-n)})` };
    total += n;
    if (total > MAX_SPEC_BYTES) return { error: `boot spec larger than ${MAX_SPEC_BYTES} bytes` };
    chunks.push(buf.slice(0, n));
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return { text: new TextDecoder().decode(all) };
}

/** Builds the Sentry's configuration from the spec, the flags and the connected gofer. */
export function sentryConfig(
  spec: BootSpec,
  gofer: SentryConfig["gofer"],
  stdio: [number, number, number],
  globals: GlobalFlags,
): SentryConfig {
  return {
    argv: spec.argv,
    env: spec.env,
    cwd: spec.cwd,
    gofer,
    stdio,
    uid: spec.uid,
    gid: spec.gid,
    ...sentryProcessCreds(spec),
    hostname: spec.hostname,
    platform: globals.platform,
    strace: globals.strace,
    limits: spec.limits,
    readonlyRoot: spec.readonlyRoot,
  };
}

/** Entry of the boot role; returns the exit status (the application's, or 128 on failure). */
export function bootMain(argv: string[], globals: GlobalFlags): Promise<number> {
  startupTrace("boot: main");
  let flags: BootFlags;
  try {
    flags = parseBootFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(e.message);
    return Promise.resolve(2);
  }
  if (!dieWithParent(flags.parent)) return Promise.resolve(SANDBOX_FAILURE_EXIT);
  // no_new_privs, the seccomp denylist and no capabilities, inherited by the stubs started
  // later (docs/gofer.md, "Confinement").
  confineSyscalls("boot");
  dropCapabilities("boot");
  // Stubs and anything else the Sentry starts must not inherit our control fds.
  setCloexec(
    ...[flags.goferFd, flags.specFd, flags.statusFd, flags.controlFd, flags.stateDirFd].filter((fd) =>
      fd >= 0
    ),
  );
  const fail = (msg: string): Promise<number> => {
    if (flags.statusFd >= 0) reportError(flags.statusFd, msg);
    else say(msg);
    return Promise.resolve(SANDBOX_FAILURE_EXIT);
  };

  let spec: BootSpec | undefined;
  if (flags.probe === undefined) {
    const got = readSpecText(flags.specFd);
    close(flags.specFd);
    if ("error" in got) return fail(got.error);
    const parsed = parseBootSpec(got.text);
    if (typeof parsed === "string") return fail(parsed);
    spec = parsed;
  }

  startupTrace("boot: spec read");
  const gofer = connectGofer(flags.goferFd);
  startupTrace("boot: gofer connected");
  if (typeof gofer === "number") {
    return fail(`connecting to the gofer: ${errnoName(-gofer)} (${errnoText(-gofer)})`);
  }
  try {
    if (spec === undefined) return Promise.resolve(runProbe(gofer, flags.probe!, flags.stdio[1]));
    if (flags.controlFd >= 0) {
      const cfg = sentryConfig(spec, gofer, flags.stdio, globals);
      reportReady(flags.statusFd);
      close(flags.statusFd);
      // A container's init has pid-namespace init semantics (runc's, which Docker expects).
      const start: StartFn = (onStarted, onRunning) =>
        runSentry({ ...cfg, protectInit: true, onStarted, onRunning });
      return Promise.resolve(runCreated(flags.controlFd, flags.stateDirFd, start, say));
    }
    let status: number;
    try {
      status = runSentry(sentryConfig(spec, gofer, flags.stdio, globals));
      startupTrace("boot: sentry returned");
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    return Promise.resolve(status);
  } finally {
    gofer.close();
  }
}
