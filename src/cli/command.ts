// What a subcommand is: its place in help, its flag set, its positional arguments, and the
// function that runs it with everything already parsed and validated.
import type { FlagDefs, FlagValues } from "./flag.ts";
import type { GlobalFlags } from "./globals.ts";
import { UsageError } from "./errors.ts";

/** Help sections, as gVisor's `runsc help` groups its subcommands. */
export type Group = "user" | "helper" | "internal";

/** A parsed, validated call of subcommand with flag set `D`. */
export interface Invocation<D extends FlagDefs> {
  readonly command: string;
  readonly values: FlagValues<D>;
  /** Flags given explicitly (to tell "default" from "set to the default"). */
  readonly set: ReadonlySet<keyof D & string>;
  /** Positional arguments (already checked against the command's argument count). */
  readonly args: string[];
  /** True when the positionals came after a `--`. */
  readonly dashdash: boolean;
  readonly globals: GlobalFlags;
}

/** How many positional arguments a command takes, and how help names them. */
export interface ArgSpec {
  readonly min: number;
  readonly max: number;
  /** e.g. "<container-id> [signal]". */
  readonly names: string;
  /** The first positional is a container id (used for %ID% in --debug-log). */
  readonly containerId?: boolean;
}

/** A subcommand. */
export interface Command<D extends FlagDefs = FlagDefs> {
  readonly name: string;
  readonly group: Group;
  /** One line for the `runsc help` list. */
  readonly summary: string;
  /** Synopsis after "runsc": e.g. "create [flags] <container-id>". */
  readonly usage: string;
  /** Paragraphs shown by `runsc help CMD`. */
  readonly description?: string;
  /** False while the command only parses its flags and says it is not implemented yet. */
  readonly implemented: boolean;
  readonly flags: D;
  readonly args: ArgSpec;
  /**
   * If set, the command parses its own arguments: it gets everything after its name, unparsed
   * (`do`, `boot`, `gofer`, `selftest-roles`, whose owners define their flags).
   */
  passThrough?(argv: string[], globals: GlobalFlags): Promise<number>;
  /** Runs the command; returns the exit code. Throws UsageError / CliError for the CLI to print. */
  run(inv: Invocation<D>): Promise<number>;
}

/** Erases a command's flag-set type so commands of every shape share one table. */
export function defineCommand<D extends FlagDefs>(c: Command<D>): Command {
  return c as unknown as Command;
}

/** Checks the number of positional arguments; throws UsageError naming what was expected. */
export function checkArgs(spec: ArgSpec, args: readonly string[]): void {
  if (args.length >= spec.min && args.length <= spec.max) return;
  const want = spec.min === spec.max
    ? `exactly ${spec.min}`
    : spec.max === Infinity
    ? `at least ${spec.min}`
    : `${spec.min} to ${spec.max}`;
  const names = spec.names ? ` (${spec.names})` : "";
  const given = args.length > spec.max ? `; unexpected ${JSON.stringify(args[spec.max])}` : "";
  const noun = spec.min === 1 && (spec.max === 1 || spec.max === Infinity) ? "argument" : "arguments";
  throw new UsageError(`requires ${want} ${noun}${names}, got ${args.length}${given}`);
}
