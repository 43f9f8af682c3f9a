// `create`, `start` and `run`: bringing a container up (src/container/ does the work).
import process from "node:process";
import { createContainer } from "../container/create.ts";
import { deleteContainer, startContainer, waitContainer } from "../container/container.ts";
import { StateStore } from "../container/state.ts";
import { CliError } from "./errors.ts";
import type { LifecycleInvocation } from "./lifecycle.ts";

/** `runsc create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID`. */
export async function createMain(inv: LifecycleInvocation<"create">): Promise<number> {
  await createContainer({
    id: inv.args[0],
    bundle: inv.values.bundle,
    pidFile: inv.values["pid-file"],
    consoleSocket: inv.values["console-socket"],
    globals: inv.globals,
  });
  return 0;
}

/** `runsc start ID`. */
export async function startMain(inv: LifecycleInvocation<"start">): Promise<number> {
  await startContainer(new StateStore(inv.globals.root), inv.args[0]);
  return 0;
}

/** Signals `runsc run` passes on to the sandbox while it waits (as `runsc do` does). */
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * `runsc run [create flags] [--detach] ID`: create + start; unless detached, wait for the
 * container, delete it, and exit with its status (128+N when killed by signal N).
 */
export async function runMain(inv: LifecycleInvocation<"run">): Promise<number> {
  if (inv.values["pass-fd"].length > 0) throw new CliError("--pass-fd is not supported yet");
  const id = inv.args[0];
  const store = new StateStore(inv.globals.root);
  const s = await createContainer({
    id,
    bundle: inv.values.bundle,
    pidFile: inv.values["pid-file"],
    consoleSocket: inv.values["console-socket"],
    globals: inv.globals,
  });
  try {
    await startContainer(store, id);
  } catch (e) {
    await deleteContainer(store, id, true);
    throw e;
  }
  if (inv.values.detach) return 0;
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(s.pid, sig);
    } catch {
      // the sandbox is gone: wait() below notices
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    const status = await waitContainer(store, id);
    await deleteContainer(store, id, true);
    return status;
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
}
