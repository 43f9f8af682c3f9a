// The CLI: global flags → logging → subcommand → its flags → run. Every failure ends here as
// one line (`runsc: ...`, see report.ts) and an exit code: 2 for usage, 1 for operations.
import type { Command } from "./command.ts";
import { checkArgs } from "./command.ts";
import { COMMANDS, findCommand } from "./commands.ts";
import { CliError, HelpRequested, messageOf, UsageError } from "./errors.ts";
import { fail } from "./fail.ts";
import { parseFlags } from "./flag.ts";
import { type ParsedGlobals, parseGlobals } from "./global-flags.ts";
import { commandHelp, mainHelp, versionText } from "./help.ts";
import { writeOut } from "./output.ts";
import { logger } from "../log/log.ts";
import { configureLogging } from "./logging.ts";

export { configureLogging };

async function runCommand(cmd: Command, argv: string[], pg: ParsedGlobals): Promise<number> {
  const g = pg.globals;
  if (cmd.passThrough) {
    configureLogging(g, cmd.name, "");
    return await cmd.passThrough(argv, g);
  }
  let parsed;
  try {
    parsed = parseFlags(argv, cmd.flags);
  } catch (e) {
    if (!(e instanceof HelpRequested)) throw e;
    writeOut(commandHelp(cmd));
    return 0;
  }
  checkArgs(cmd.args, parsed.args);
  configureLogging(g, cmd.name, cmd.args.containerId ? parsed.args[0] : "");
  if (logger.debugEnabled) {
    logger.debug(`command: ${cmd.name}, args: ${JSON.stringify(argv)}`);
    for (const name of pg.ignoredSet) {
      logger.debug(`flag --${name} is accepted for compatibility and has no effect`);
    }
  }
  return await cmd.run({ command: cmd.name, ...parsed, globals: g });
}

/**
 * Runs the CLI on `argv` (arguments after the program name) and returns the exit code.
 * Never throws: every error is reported as one line.
 * @example runCli(["--root", "/tmp/r", "state", "c1"])
 */
export async function runCli(argv: string[]): Promise<number> {
  let pg: ParsedGlobals;
  try {
    pg = parseGlobals(argv);
  } catch (e) {
    if (e instanceof HelpRequested) {
      writeOut(mainHelp(COMMANDS));
      return 0;
    }
    return fail("", e);
  }
  try {
    configureLogging(pg.globals, undefined, "");
  } catch (e) {
    return fail("", new CliError(messageOf(e)));
  }
  if (pg.version) {
    writeOut(versionText());
    return 0;
  }
  const [name, ...rest] = pg.args;
  if (name === undefined) return fail("", new UsageError('no subcommand given (see "runsc help")'));
  const cmd = findCommand(name);
  if (!cmd) return fail("", new UsageError(`unknown subcommand ${JSON.stringify(name)} (see "runsc help")`));
  try {
    return await runCommand(cmd, rest, pg);
  } catch (e) {
    return fail(cmd.name, e);
  } finally {
    logger.close();
  }
}
