// The table of every subcommand `runsc` knows, in one place: help lists exactly this table.
import { bootMain } from "../boot/main.ts";
import { goferMain } from "../gofer/main.ts";
import { type Command, defineCommand } from "./command.ts";
import { doMain } from "./do.ts";
import { UsageError } from "./errors.ts";
import { commandHelp, globalFlagsHelp, mainHelp, versionText } from "./help.ts";
import { installCommand, uninstallCommand } from "./install.ts";
import { lifecycleCommands } from "./lifecycle.ts";
import { writeOut } from "./output.ts";
import { selftestMain } from "./selftest.ts";
import { specCommand } from "./spec.ts";
import type { GlobalFlags } from "./globals.ts";

type RoleMain = (argv: string[], globals: GlobalFlags) => Promise<number>;

/** A command whose owner parses its arguments (everything after its name is passed as is). */
function passThrough(
  name: string,
  group: Command["group"],
  summary: string,
  usage: string,
  description: string,
  main: RoleMain,
): Command {
  return defineCommand({
    name,
    group,
    summary,
    usage,
    description,
    implemented: true,
    flags: {},
    args: { min: 0, max: Infinity, names: "" },
    passThrough: main,
    run: () => Promise.reject(new Error(`${name} is a pass-through command`)),
  });
}

const helpCommand: Command = defineCommand({
  name: "help",
  group: "user",
  summary: "print help documentation",
  usage: "help [subcommand]",
  implemented: true,
  flags: {},
  args: { min: 0, max: 1, names: "[subcommand]" },
  run(inv) {
    if (inv.args.length === 0) {
      writeOut(mainHelp(COMMANDS));
      return Promise.resolve(0);
    }
    const c = findCommand(inv.args[0]);
    if (!c) throw new UsageError(`unknown subcommand ${JSON.stringify(inv.args[0])} (see "runsc help")`);
    writeOut(commandHelp(c));
    return Promise.resolve(0);
  },
});

const flagsCommand: Command = defineCommand({
  name: "flags",
  group: "user",
  summary: "describe all known top-level flags",
  usage: "flags",
  implemented: true,
  flags: {},
  args: { min: 0, max: 0, names: "" },
  run() {
    writeOut(globalFlagsHelp());
    return Promise.resolve(0);
  },
});

const versionCommand: Command = defineCommand({
  name: "version",
  group: "user",
  summary: "print the runsc version and the OCI runtime spec version",
  usage: "version",
  implemented: true,
  flags: {},
  args: { min: 0, max: 0, names: "" },
  run() {
    writeOut(versionText());
    return Promise.resolve(0);
  },
});

/** Every subcommand. */
export const COMMANDS: readonly Command[] = [
  ...lifecycleCommands(),
  specCommand,
  helpCommand,
  flagsCommand,
  versionCommand,
  passThrough(
    "do",
    "user",
    "simplistic way to execute a command inside the sandbox; for testing only",
    "do [--root-dir DIR] [--cwd DIR] [--env K=V]... [--uid N --gid N] [--] CMD [ARGS...]",
    "Runs CMD in a throwaway sandbox whose root is the host / (or --root-dir), read-only with an\n" +
      "in-memory overlay; cwd and environment are carried over and the exit status propagated.",
    doMain,
  ),
  installCommand,
  uninstallCommand,
  passThrough(
    "boot",
    "internal",
    "launch a sandbox process",
    "boot [flags]",
    "Started by runsc itself.",
    bootMain,
  ),
  passThrough(
    "gofer",
    "internal",
    "launch a gofer process that proxies access to container files",
    "gofer [flags]",
    "Started by runsc itself.",
    goferMain,
  ),
  passThrough(
    "selftest-roles",
    "internal",
    "prove the boot/gofer re-exec and fd donation end to end",
    "selftest-roles [FILE]",
    "Starts this binary as gofer and boot; boot reads FILE through an fd the gofer donates.",
    selftestMain,
  ),
];

/** The subcommand called `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
