// A Go-`flag`-compatible command-line parser. Docker, containerd and users call OCI runtimes the
// way Go's `flag` package parses: `-name` and `--name` are the same flag, values come as
// `-name=v` or `-name v`, booleans take no separate value (`--debug`, `--debug=false`), `--`
// ends the flags, and parsing stops at the first non-flag argument (the subcommand, or a
// command's positional arguments). Global flags come before the subcommand; each subcommand
// has its own set after it. No npm CLI library parses this way (see docs/cli.md).
//
// Every value is checked with a valibot schema built from its declaration, so errors read
// like Go's ("invalid value "x" for flag -platform: must be one of ptrace, kvm").
import * as v from "valibot";
import { HelpRequested, UsageError } from "./errors.ts";

interface FlagBase {
  /** One line of help text (Go's `usage`). */
  readonly usage: string;
  /** Other names of the same flag (`b` for `bundle`); each also works with one or two dashes. */
  readonly aliases?: readonly string[];
  /** Shown in help as accepted for compatibility only (it has no effect). */
  readonly ignored?: boolean;
}

/** A boolean flag: `-x`, `-x=true|false|1|0|t|f|...`; never consumes the next argument. */
export interface BoolFlag extends FlagBase {
  readonly kind: "bool";
  readonly default: boolean;
}

/** A string flag, optionally constrained by a valibot schema on the raw value. */
export interface StringFlag extends FlagBase {
  readonly kind: "string";
  readonly default: string;
  /** Word shown after the flag name in help (Go's "string"). */
  readonly placeholder?: string;
  readonly schema?: v.GenericSchema<string, string>;
}

/** A decimal integer flag within [min, max]. */
export interface IntFlag extends FlagBase {
  readonly kind: "int";
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}

/** A string flag limited to a fixed set of values. */
export interface EnumFlag<T extends string = string> extends FlagBase {
  readonly kind: "enum";
  readonly default: T;
  readonly options: readonly T[];
}

/**
 * A duration, in milliseconds: Go's syntax (`500ms`, `5s`, `1m30s`; units ns us µs ms s m h)
 * or a bare integer, read as seconds (gVisor's `events --interval 5`).
 */
export interface DurationFlag extends FlagBase {
  readonly kind: "duration";
  /** Default in milliseconds. */
  readonly default: number;
}

/** A repeatable string flag: every occurrence appends (`--env A=1 --env B=2`). */
export interface ListFlag extends FlagBase {
  readonly kind: "list";
  readonly placeholder?: string;
  readonly schema?: v.GenericSchema<string, string>;
}

/** Any flag declaration. */
export type FlagDef = BoolFlag | StringFlag | IntFlag | EnumFlag | DurationFlag | ListFlag;

/** The flags of one flag set (global, or one subcommand's), by canonical name. */
export type FlagDefs = Readonly<Record<string, FlagDef>>;

/** The parsed type of one flag. */
export type FlagValue<D> = D extends BoolFlag ? boolean
  : D extends IntFlag ? number
  : D extends DurationFlag ? number
  : D extends EnumFlag<infer T> ? T
  : D extends ListFlag ? string[]
  : string;

/** Parsed values of a flag set: every flag present (defaults filled in). */
export type FlagValues<D extends FlagDefs> = { -readonly [K in keyof D]: FlagValue<D[K]> };

/** Result of {@link parseFlags}. */
export interface Parsed<D extends FlagDefs> {
  readonly values: FlagValues<D>;
  /** Canonical names of the flags given on the command line. */
  readonly set: ReadonlySet<keyof D & string>;
  /** Arguments after the flags (the subcommand and its arguments, or positionals). */
  readonly args: string[];
  /** True when the flags ended with `--` (so `args` were all written after it). */
  readonly dashdash: boolean;
}

/** Builders for flag declarations, so a command's flags read as a small table. */
export const flag = {
  bool(usage: string, opts: { default?: boolean; aliases?: string[]; ignored?: boolean } = {}): BoolFlag {
    return {
      kind: "bool",
      usage,
      default: opts.default ?? false,
      aliases: opts.aliases,
      ignored: opts.ignored,
    };
  },
  string(
    usage: string,
    opts: {
      default?: string;
      aliases?: string[];
      placeholder?: string;
      schema?: v.GenericSchema<string, string>;
      ignored?: boolean;
    } = {},
  ): StringFlag {
    return { kind: "string", usage, default: opts.default ?? "", ...opts };
  },
  int(
    usage: string,
    opts: { default?: number; min?: number; max?: number; aliases?: string[]; ignored?: boolean } = {},
  ): IntFlag {
    return { kind: "int", usage, default: opts.default ?? 0, ...opts };
  },
  enum<const T extends string>(
    usage: string,
    options: readonly T[],
    dflt: NoInfer<T>,
    opts: { aliases?: string[]; ignored?: boolean } = {},
  ): EnumFlag<T> {
    return { kind: "enum", usage, options, default: dflt, ...opts };
  },
  duration(usage: string, dfltMs: number, opts: { aliases?: string[] } = {}): DurationFlag {
    return { kind: "duration", usage, default: dfltMs, ...opts };
  },
  list(
    usage: string,
    opts: { aliases?: string[]; placeholder?: string; schema?: v.GenericSchema<string, string> } = {},
  ): ListFlag {
    return { kind: "list", usage, ...opts };
  },
};

// strconv.ParseBool's accepted spellings.
const BOOL_TRUE = ["1", "t", "T", "TRUE", "true", "True"] as const;
const BOOL_FALSE = ["0", "f", "F", "FALSE", "false", "False"] as const;
const BoolValue = v.pipe(
  v.picklist([...BOOL_TRUE, ...BOOL_FALSE], "parse error"),
  v.transform((s) => (BOOL_TRUE as readonly string[]).includes(s)),
);

const INT_RE = /^[+-]?\d+$/;
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string already matched by DURATION_RE (or bare seconds). */
function durationMs(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/** The valibot schema that turns a raw value of `def` into its parsed value. */
function valueSchema(def: FlagDef): v.GenericSchema<string, unknown> {
  switch (def.kind) {
    case "bool":
      return BoolValue;
    case "int":
      return v.pipe(
        v.string(),
        v.regex(INT_RE, "parse error"),
        v.transform(Number),
        v.safeInteger("value out of range"),
        v.minValue(def.min ?? Number.MIN_SAFE_INTEGER, `must be at least ${def.min}`),
        v.maxValue(def.max ?? Number.MAX_SAFE_INTEGER, `must be at most ${def.max}`),
      );
    case "enum":
      return v.picklist(def.options, `must be one of ${def.options.join(", ")}`);
    case "duration":
      return v.pipe(
        v.string(),
        v.check((s) => /^\d+$/.test(s) || DURATION_RE.test(s), "time: invalid duration"),
        v.transform(durationMs),
      );
    case "string":
    case "list":
      return def.schema ?? v.string();
  }
}

function convert(def: FlagDef, name: string, raw: string): unknown {
  const r = v.safeParse(valueSchema(def), raw);
  if (r.success) return r.output;
  const why = r.issues[0].message;
  // Go words boolean errors differently from the others; keep both as Go prints them.
  if (def.kind === "bool") {
    throw new UsageError(`invalid boolean value ${JSON.stringify(raw)} for -${name}: ${why}`);
  }
  throw new UsageError(`invalid value ${JSON.stringify(raw)} for flag -${name}: ${why}`);
}

/** Default values of a flag set (lists start empty). */
export function defaults<D extends FlagDefs>(defs: D): FlagValues<D> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) out[name] = def.kind === "list" ? [] : def.default;
  return out as FlagValues<D>;
}

/** Maps every accepted spelling (canonical name and aliases) to its canonical name. */
function nameIndex(defs: FlagDefs): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    index.set(name, name);
    for (const a of def.aliases ?? []) index.set(a, name);
  }
  return index;
}

/**
 * Parses `argv` against `defs` with Go `flag` semantics. Repeated scalar flags: the last one
 * wins (Docker's shim passes `--log-format` twice); list flags accumulate.
 * Throws UsageError (unknown flag, missing or bad value) or HelpRequested (`-h`, `-help`,
 * `--help` when the set does not define them).
 */
export function parseFlags<D extends FlagDefs>(argv: readonly string[], defs: D): Parsed<D> {
  const values = defaults(defs) as Record<string, unknown>;
  const set = new Set<string>();
  const index = nameIndex(defs);
  let i = 0;
  let dashdash = false;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg === "--") {
      dashdash = true;
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") break; // first positional; "-" alone is one too
    const body = arg[1] === "-" ? arg.slice(2) : arg.slice(1);
    if (body === "" || body[0] === "-" || body[0] === "=") throw new UsageError(`bad flag syntax: ${arg}`);
    i++;
    const eq = body.indexOf("=");
    const given = eq < 0 ? body : body.slice(0, eq);
    const name = index.get(given);
    if (name === undefined) {
      if (given === "h" || given === "help") throw new HelpRequested();
      throw new UsageError(`flag provided but not defined: -${given}`);
    }
    const def = defs[name];
    let raw: string;
    if (eq >= 0) {
      raw = body.slice(eq + 1);
    } else if (def.kind === "bool") {
      raw = "true";
    } else {
      // Like Go, the next argument is the value even if it starts with '-'.
      if (i >= argv.length) throw new UsageError(`flag needs an argument: -${given}`);
      raw = argv[i++];
    }
    const value = convert(def, given, raw);
    if (def.kind === "list") (values[name] as string[]).push(value as string);
    else values[name] = value;
    set.add(name);
  }
  return {
    values: values as FlagValues<D>,
    set: set as Set<keyof D & string>,
    args: argv.slice(i),
    dashdash,
  };
}

/** The type word Go's PrintDefaults shows after a flag name ("" for booleans). */
function typeWord(def: FlagDef): string {
  switch (def.kind) {
    case "bool":
      return "";
    case "int":
      return "int";
    case "duration":
      return "duration";
    case "enum":
      return "string";
    case "string":
    case "list":
      return def.placeholder ?? (def.kind === "list" ? "value" : "string");
  }
}

function defaultText(def: FlagDef): string {
  switch (def.kind) {
    case "bool":
      return def.default ? "true" : "";
    case "int":
      return def.default !== 0 ? String(def.default) : "";
    case "duration":
      return def.default !== 0 ? `${def.default / 1000}s` : "";
    case "list":
      return "";
    case "string":
    case "enum":
      return def.default !== "" ? JSON.stringify(def.default) : "";
  }
}

/**
 * Help for a flag set in the layout of Go's `PrintDefaults`, sorted by name:
 * `  -name type` then the usage line indented, with the default and aliases.
 */
export function formatFlags(defs: FlagDefs): string {
  const lines: string[] = [];
  for (const name of Object.keys(defs).sort()) {
    const def = defs[name];
    const word = typeWord(def);
    lines.push(`  -${name}${word ? ` ${word}` : ""}`);
    let usage = def.usage;
    if (def.kind === "enum") usage += ` (one of: ${def.options.join(", ")})`;
    if (def.kind === "list") usage += " (repeatable)";
    const dflt = defaultText(def);
    if (dflt) usage += ` (default ${dflt})`;
    if (def.aliases?.length) usage += ` (also: ${def.aliases.map((a) => `-${a}`).join(", ")})`;
    if (def.ignored) usage += " [accepted for compatibility; no effect]";
    lines.push(`    \t${usage}`);
  }
  return lines.join("\n") + (lines.length ? "\n" : "");
}
