// `kill`, `delete`, `pause`, `resume`, `wait`: acting on an existing container.
import {
  deleteContainer,
  killContainer,
  pauseContainer,
  resumeContainer,
  waitContainer,
} from "../container/container.ts";
import { StateStore } from "../container/state.ts";
import { CliError, messageOf } from "./errors.ts";
import type { LifecycleInvocation } from "./lifecycle.ts";
import { writeOut } from "./output.ts";
import { reportError } from "./report.ts";
import { parseSignal } from "./signal.ts";

/** `runsc kill [--all] ID [SIGNAL]` (default SIGTERM; names or numbers). */
export async function killMain(inv: LifecycleInvocation<"kill">): Promise<number> {
  if (inv.set.has("pid") || inv.set.has("pgid")) throw new CliError("--pid and --pgid are not supported yet");
  const signal = inv.args.length > 1 ? parseSignal(inv.args[1]) : 15;
  await killContainer(new StateStore(inv.globals.root), inv.args[0], { signal, all: inv.values.all });
  return 0;
}

/** `runsc delete [--force] ID...`: every id is tried; exit 1 if any failed. */
export async function deleteMain(inv: LifecycleInvocation<"delete">): Promise<number> {
  const store = new StateStore(inv.globals.root);
  if (inv.args.length === 1) {
    await deleteContainer(store, inv.args[0], inv.values.force);
    return 0;
  }
  let failed = 0;
  for (const id of inv.args) {
    try {
      await deleteContainer(store, id, inv.values.force);
    } catch (e) {
      reportError(`delete: ${id}: ${messageOf(e)}`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `runsc pause ID`. */
export async function pauseMain(inv: LifecycleInvocation<"pause">): Promise<number> {
  await pauseContainer(new StateStore(inv.globals.root), inv.args[0]);
  return 0;
}

/** `runsc resume ID`. */
export async function resumeMain(inv: LifecycleInvocation<"resume">): Promise<number> {
  await resumeContainer(new StateStore(inv.globals.root), inv.args[0]);
  return 0;
}

/** `runsc wait ID`: prints `{"id":ID,"exitStatus":N}` once the container has stopped (gVisor's form). */
export async function waitMain(inv: LifecycleInvocation<"wait">): Promise<number> {
  if (inv.values.pid !== -1 || inv.values.rootpid !== -1) {
    throw new CliError("--pid and --rootpid are not supported yet");
  }
  const id = inv.args[0];
  const exitStatus = await waitContainer(new StateStore(inv.globals.root), id);
  writeOut(JSON.stringify({ id, exitStatus }) + "\n");
  return 0;
}
