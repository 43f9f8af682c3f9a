// The two kinds of failure the CLI reports, and their exit codes. Everything below the CLI
// throws typed errors; only here do they become one line for the user (see report.ts).

/** Exit code for a command-line mistake (Go's flag package exits 2 too). */
export const EXIT_USAGE = 2;
/** Exit code for an operation that was understood but failed. */
export const EXIT_FAILURE = 1;

/** A command-line mistake: unknown flag, bad value, wrong number of arguments. Exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An operation that failed (a file that cannot be written, a malformed daemon.json). Exit 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** `-h`/`-help`/`--help` was given where the flag set does not define it: print help, exit 0. */
export class HelpRequested extends Error {
  override readonly name = "HelpRequested";
  constructor() {
    super("help requested");
  }
}

/** The message of any thrown value, without a stack. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
