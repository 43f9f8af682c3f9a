// `runsc gofer` (internal): the file server process. Started by the CLI with the gofer end of
// a SOCK_SEQPACKET socketpair at --io-fd; opens the root directory it serves, confines
// itself to it, and answers LISAFS requests until the Sentry closes the socket.
//
//   runsc [global flags] gofer --root-dir=DIR --io-fd=N [--parent-pid=PID]
import * as path from "node:path";
import type { GlobalFlags } from "../cli/globals.ts";
import { E, errnoName, errnoText } from "../../ffi/errno.ts";
import { close, write } from "../../ffi/libc.ts";
import { fdFlag, parseFlags, UsageError } from "../sandbox/flags.ts";
import { dieWithParent, setCloexec } from "../sandbox/lifetime.ts";
import { confine, openRoot } from "./confine.ts";
import { GoferServer } from "./server.ts";
import { startupTrace } from "../runtime.ts";

const FLAGS = { "root-dir": "string", "io-fd": "string", "parent-pid": "string" } as const;

/** Writes one line to stderr without touching process.stderr (see docs/gofer.md: stdio). */
function say(msg: string): void {
  write(2, new TextEncoder().encode(`runsc gofer: ${msg}\n`));
}

function errText(neg: number): string {
  return `${errnoName(-neg)} (${errnoText(-neg)})`;
}

/** Entry of the gofer role; returns the exit status. */
export function goferMain(argv: string[], _globals: GlobalFlags): Promise<number> {
  startupTrace("gofer: main");
  let rootDir: string;
  let ioFd: number;
  let parent = 0;
  try {
    const { values, rest } = parseFlags(argv, FLAGS);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    if (typeof values["root-dir"] !== "string") throw new UsageError("-root-dir is required");
    rootDir = path.resolve(values["root-dir"]);
    ioFd = fdFlag("io-fd", values["io-fd"]);
    if (values["parent-pid"] !== undefined) parent = fdFlag("parent-pid", values["parent-pid"]);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(e.message);
    return Promise.resolve(2);
  }
  if (!dieWithParent(parent)) return Promise.resolve(1);
  setCloexec(ioFd);
  const root = openRoot(rootDir);
  if (typeof root === "number") {
    say(`opening root ${rootDir}: ${errText(root)}`);
    close(ioFd);
    return Promise.resolve(1);
  }
  const rootFd = root.fd;
  if (!root.readOnlyClone && root.cloneError !== -E.EPERM) {
    say(`warning: serving ${rootDir} without a read-only mount: ${errText(root.cloneError)}`);
  }
  // Without CAP_SYS_CHROOT (rootless) this fails with EPERM and the server's own confinement
  // (fd-relative, no-follow walks) is what holds; see docs/gofer.md.
  const c = confine(rootFd);
  if (c < 0 && c !== -E.EPERM) say(`warning: not confined to ${rootDir}: ${errText(c)}`);
  const server = new GoferServer(rootFd, ioFd);
  startupTrace("gofer: serving");
  const r = server.serve();
  close(ioFd);
  close(rootFd);
  if (r < 0) {
    say(`serving ${rootDir}: ${errText(r)}`);
    return Promise.resolve(1);
  }
  return Promise.resolve(0);
}
