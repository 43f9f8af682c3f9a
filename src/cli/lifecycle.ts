// The container lifecycle commands (create start state kill delete run exec ps wait list events
// pause resume). Their flags are parsed and validated in full (lifecycle-flags.ts); what runs
// then is looked up in LIFECYCLE_IMPL, the ONE place where the lifecycle work plugs in its
// implementations. A command without an entry says so and exits 1: it never pretends.
import type { Command, Invocation } from "./command.ts";
import { defineCommand } from "./command.ts";
import { CliError, UsageError } from "./errors.ts";
import { LIFECYCLE, type LifecycleName } from "./lifecycle-flags.ts";
import { parseSignal } from "./signal.ts";
import { createMain, runMain, startMain } from "./cmd-create.ts";
import { deleteMain, killMain, pauseMain, resumeMain, waitMain } from "./cmd-control.ts";
import { eventsMain, listMain, psMain, stateMain } from "./cmd-state.ts";
import { execMain } from "./cmd-exec.ts";

/** Parsed invocation of lifecycle command `K`. */
export type LifecycleInvocation<K extends LifecycleName> = Invocation<(typeof LIFECYCLE)[K]["flags"]>;

/** The implementation of lifecycle command `K`; returns the exit code. */
export type LifecycleHandler<K extends LifecycleName> = (inv: LifecycleInvocation<K>) => Promise<number>;

/**
 * Implementations of the lifecycle commands. Add an entry (e.g. `create: createMain`) when a
 * command works; until then it answers "not implemented yet".
 */
export const LIFECYCLE_IMPL: { readonly [K in LifecycleName]?: LifecycleHandler<K> } = {
  create: createMain,
  start: startMain,
  run: runMain,
  state: stateMain,
  list: listMain,
  ps: psMain,
  events: eventsMain,
  kill: killMain,
  delete: deleteMain,
  pause: pauseMain,
  resume: resumeMain,
  wait: waitMain,
  exec: execMain,
};

/** Checks positionals that need more than a count (signal names, exec's command). */
const EXTRA_CHECKS: { readonly [K in LifecycleName]?: (inv: LifecycleInvocation<K>) => void } = {
  kill: (inv) => {
    if (inv.args.length > 1) parseSignal(inv.args[1]);
  },
  exec: (inv) => {
    if (inv.values.process === "" && inv.args.length < 2) {
      throw new UsageError("a command is required unless --process is given");
    }
    if (inv.values.process !== "" && inv.args.length > 1) {
      throw new UsageError("--process and a command on the command line are mutually exclusive");
    }
  },
};

async function dispatch<K extends LifecycleName>(name: K, inv: LifecycleInvocation<K>): Promise<number> {
  EXTRA_CHECKS[name]?.(inv);
  const impl = LIFECYCLE_IMPL[name];
  if (impl === undefined) throw new CliError("not implemented yet (see docs/cli.md)");
  return await impl(inv);
}

/** Whether lifecycle command `name` has an implementation (help marks the others). */
export function isImplemented(name: LifecycleName): boolean {
  return LIFECYCLE_IMPL[name] !== undefined;
}

/** The lifecycle commands as CLI commands. */
export function lifecycleCommands(): Command[] {
  return (Object.keys(LIFECYCLE) as LifecycleName[]).map((name) => {
    const s = LIFECYCLE[name];
    return defineCommand({
      name,
      group: "user",
      summary: s.summary,
      usage: s.usage,
      description: "description" in s ? s.description : undefined,
      implemented: isImplemented(name),
      flags: s.flags,
      args: s.args,
      run: (inv) => dispatch(name, inv as LifecycleInvocation<typeof name>),
    });
  });
}
