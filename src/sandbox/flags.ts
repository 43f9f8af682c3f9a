// A small Go-`flag`-compatible parser for the subcommands this area owns (`do`, `boot`,
// `gofer`, `selftest-roles`): `-name`, `--name`, `--name=value`, `--name value`, booleans as
// `--name` or `--name=true|false`, repeatable list flags, parsing stops at the first
// non-flag argument or after `--`. Values are strings here; each command validates the
// result with valibot.

/** Kinds of flag values. */
export type FlagKind = "string" | "bool" | "list";

/** Declared flags of one command: name → kind. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** Parsed flags: strings, booleans, or string lists (for "list" flags), by flag name. */
export type FlagValues = Record<string, string | boolean | string[]>;

/** A command-line mistake; the CLI prints `message` as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Result of {@link parseFlags}: the values given and the positional arguments after them. */
export interface ParsedFlags {
  readonly values: FlagValues;
  readonly rest: string[];
}

/**
 * Parses `argv` against `spec`. Throws UsageError for an unknown flag, a missing value or a
 * malformed boolean, with Go's wording ("flag provided but not defined: -x").
 */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values: FlagValues = {};
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") break; // first positional ("-" alone is one too)
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    if (body === "" || body.startsWith("-") || body.startsWith("=")) {
      throw new UsageError(`bad flag syntax: ${arg}`);
    }
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`flag provided but not defined: -${name}`);
    i++;
    if (kind === "bool") {
      if (inline === undefined || inline === "true" || inline === "1") values[name] = true;
      else if (inline === "false" || inline === "0") values[name] = false;
      else throw new UsageError(`invalid boolean value ${JSON.stringify(inline)} for -${name}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[i++];
    }
    if (kind === "list") {
      const prev = values[name];
      values[name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else {
      values[name] = value;
    }
  }
  return { values, rest: argv.slice(i) };
}

/** Parses a decimal fd number flag value; throws UsageError if it is not a plausible fd. */
export function fdFlag(name: string, value: unknown): number {
  if (typeof value !== "string" || !/^\d{1,7}$/.test(value)) {
    throw new UsageError(`invalid value ${JSON.stringify(value ?? "")} for -${name}: want an fd number`);
  }
  return Number(value);
}
