// How an error that reached the top of a command becomes one line and an exit code (shared by
// the CLI and the pass-through entry, src/cli/pass-through.ts).
import { EXIT_FAILURE, EXIT_USAGE, messageOf, UsageError } from "./errors.ts";
import { reportError } from "./report.ts";
import { logger } from "../log/log.ts";

/** Is this error a bug in runsc rather than a failed operation? */
function isBug(e: unknown): boolean {
  return e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError ||
    e instanceof SyntaxError || !(e instanceof Error);
}

/** Reports `e` with `context` ("create: ...") and returns the exit code it deserves. */
export function fail(context: string, e: unknown): number {
  const prefix = context ? `${context}: ` : "";
  if (e instanceof UsageError) {
    reportError(prefix + e.message);
    return EXIT_USAGE;
  }
  if (isBug(e)) {
    reportError(`${prefix}internal error: ${messageOf(e)}`);
    if (e instanceof Error && e.stack) logger.toFiles("debug", e.stack);
    return EXIT_FAILURE;
  }
  reportError(prefix + messageOf(e));
  return EXIT_FAILURE;
}
