// The entry of the commands whose owner parses their arguments and that start on every
// `runsc do` (`do` itself, and the `boot` and `gofer` roles it spawns): global flags →
// logging → the command's main, without the CLI's command table, whose modules (every
// subcommand, the OCI and container code) would cost each of these processes ~10 ms to
// evaluate, on the critical path of a sandbox's start. Anything that is not plainly one of
// these commands goes to the CLI, which reports it as usual.
import { parseGlobals } from "./global-flags.ts";
import type { GlobalFlags } from "./globals.ts";
import { configureLogging } from "./logging.ts";
import { fail } from "./fail.ts";
import { logger } from "../log/log.ts";

type Main = (argv: string[], g: GlobalFlags) => Promise<number>;
/** Each command's modules are loaded only by that command: the gofer never evaluates the Sentry. */
const MAINS: Record<string, () => Promise<Main>> = {
  do: () => import("./do.ts").then((m) => m.doMain),
  boot: () => import("../boot/main.ts").then((m) => m.bootMain),
  gofer: () => import("../gofer/main.ts").then((m) => m.goferMain),
};

/** True when `argv`'s first non-flag argument names one of these commands. */
export function isPassThrough(argv: readonly string[]): boolean {
  const first = argv.find((a) => !a.startsWith("-"));
  return first !== undefined && Object.hasOwn(MAINS, first);
}

/**
 * Runs the command `argv` names, or returns null when `argv` is not exactly such a start after
 * all (a flag's value that reads "do", --version, a flag error): the CLI handles those.
 */
export async function runPassThrough(argv: string[]): Promise<number | null> {
  let parsed;
  try {
    parsed = parseGlobals(argv);
  } catch {
    return null;
  }
  const [name, ...rest] = parsed.args;
  if (parsed.version || name === undefined || !Object.hasOwn(MAINS, name)) return null;
  try {
    configureLogging(parsed.globals, name, "");
    const main = await MAINS[name]();
    return await main(rest, parsed.globals);
  } catch (e) {
    return fail(name, e);
  } finally {
    logger.close();
  }
}
