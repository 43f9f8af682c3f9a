// `runsc exec`: a new process in a running container (src/container/exec.ts). With --detach,
// a copy of runsc (started with the resolved request in RUNSC_EXEC_RELAY) relays the process's
// stdio fds and exit status, and its pid is written to --pid-file for Docker's shim to wait on.
import * as path from "node:path";
import process from "node:process";
import * as v from "valibot";
import { openConsole } from "../container/console.ts";
import { writeAtomic } from "../container/create.ts";
import {
  type ExecRequest,
  execRequest,
  preservedFds,
  relayExec,
  runningContainer,
} from "../container/exec.ts";
import { StateStore } from "../container/state.ts";
import { close } from "../../ffi/libc.ts";
import { RequestSchema } from "../control/protocol.ts";
import { spawnRole } from "../sandbox/spawn.ts";
import { CliError } from "./errors.ts";
import type { LifecycleInvocation } from "./lifecycle.ts";

/** Environment variable carrying a detached exec's request to its relay process. */
const RELAY_ENV = "RUNSC_EXEC_RELAY";

/** `runsc exec [flags] ID CMD...` / `runsc exec --process FILE ID`. */
export async function execMain(inv: LifecycleInvocation<"exec">): Promise<number> {
  const store = new StateStore(inv.globals.root);
  const id = inv.args[0];
  const relayed = process.env[RELAY_ENV];
  if (relayed !== undefined) {
    // We are the relay of a detached exec: stdio are the process's.
    const r = v.safeParse(RequestSchema, JSON.parse(relayed));
    if (!r.success || r.output.method !== "exec") throw new CliError(`${RELAY_ENV}: malformed request`);
    return relayExec(runningContainer(store, id).dir, r.output);
  }
  const { dir } = runningContainer(store, id);
  const { req, terminal } = execRequest({
    processFile: inv.values.process,
    args: inv.args.slice(1),
    env: inv.values.env,
    cwd: inv.values.cwd,
    user: inv.values.user,
    tty: inv.values.tty,
    preserveFds: inv.values["preserve-fds"],
  });
  const sock = inv.values["console-socket"];
  if (terminal && sock === "") throw new CliError("cannot allocate a terminal without --console-socket");
  if (!inv.values.detach) {
    if (terminal) {
      throw new CliError("exec with a terminal needs --detach (the console goes to --console-socket)");
    }
    return relayExec(dir, req);
  }
  return await detach(inv, id, req, terminal ? sock : "");
}

async function detach(
  inv: LifecycleInvocation<"exec">,
  id: string,
  req: ExecRequest,
  consoleSocket: string,
): Promise<number> {
  const replica = consoleSocket === "" ? -1 : openConsole(consoleSocket);
  process.env[RELAY_ENV] = JSON.stringify(req);
  let relay;
  try {
    const io = replica >= 0 ? replica : "inherit";
    relay = spawnRole("exec", inv.globals, [id, req.argv[0]], {
      // The relay gets the preserved fds at the same numbers, 3 and up.
      fds: preservedFds(req),
      stdio: [io, io, io],
      attached: false,
    });
  } finally {
    delete process.env[RELAY_ENV];
    if (replica >= 0) close(replica);
  }
  if (relay.pid < 0) throw new CliError("could not start the exec relay process");
  const pidFile = inv.values["pid-file"];
  if (pidFile) writeAtomic(path.resolve(pidFile), String(relay.pid));
  await Promise.resolve();
  return 0;
}
