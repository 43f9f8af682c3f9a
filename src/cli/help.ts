// Help texts: `runsc help`, `runsc help CMD` / `CMD --help`, `runsc flags`, `runsc --version`.
// Laid out like gVisor's (Go's `subcommands` package) so users of runsc find their way.
import type { Command, Group } from "./command.ts";
import { formatFlags } from "./flag.ts";
import { GLOBAL_FLAGS } from "./global-flags.ts";
import { OCI_SPEC_VERSION, VERSION } from "../runtime.ts";

const HEADINGS: ReadonlyArray<readonly [Group, string]> = [
  ["user", "Subcommands:"],
  ["helper", "Subcommands for helpers:"],
  ["internal", "Subcommands for internal use only:"],
];

/** The text of `runsc help`: every subcommand, grouped, with its one-line summary. */
export function mainHelp(commands: readonly Command[]): string {
  const out = [
    "Usage: runsc <flags> <subcommand> <subcommand args>",
    "",
    "runsc is a sandboxed OCI container runtime in the spirit of gVisor, written in TypeScript.",
    "",
    'Functionality is provided by subcommands. For help with a specific subcommand, use "runsc help <subcommand>".',
  ];
  for (const [group, heading] of HEADINGS) {
    const cmds = commands.filter((c) => c.group === group).sort((a, b) => a.name.localeCompare(b.name));
    if (cmds.length === 0) continue;
    out.push("", heading);
    for (const c of cmds) {
      const note = c.implemented ? "" : " (not implemented yet)";
      out.push(`\t${c.name.padEnd(16)} ${c.summary}${note}`);
    }
  }
  out.push("", 'Use "runsc flags" for a list of top-level flags.', "");
  return out.join("\n");
}

/** The text of `runsc help CMD`: synopsis, description, flags. */
export function commandHelp(c: Command): string {
  const out = [
    `Usage: runsc [global flags] ${c.usage}`,
    "",
    c.summary + (c.implemented ? "" : " (not implemented yet)"),
  ];
  if (c.description) out.push("", c.description);
  if (c.passThrough) {
    out.push("", `"${c.name}" parses its own flags; see docs/cli.md.`);
  } else if (Object.keys(c.flags).length > 0) {
    out.push("", "Flags:", formatFlags(c.flags).trimEnd());
  }
  out.push("");
  return out.join("\n");
}

/** The text of `runsc flags`: every global flag with its default and usage. */
export function globalFlagsHelp(): string {
  return formatFlags(GLOBAL_FLAGS);
}

/** The text of `runsc --version` (runc-compatible two lines). */
export function versionText(): string {
  return `runsc version ${VERSION}\nspec: ${OCI_SPEC_VERSION}\n`;
}
