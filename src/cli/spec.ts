// `runsc spec [flags] [--] [args...]`: writes a starter config.json into the bundle directory,
// never over an existing one.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import * as v from "valibot";
import { defineCommand } from "./command.ts";
import type { Command } from "./command.ts";
import { CliError } from "./errors.ts";
import { flag } from "./flag.ts";
import { defaultSpec } from "../oci/default-spec.ts";
import { fsErrorText } from "../oci/load.ts";

const ABSOLUTE = v.pipe(v.string(), v.check((s) => s.startsWith("/"), "must be an absolute path"));

const FLAGS = {
  bundle: flag.string("path to the root of the OCI bundle (default: the current directory).", {
    aliases: ["b"],
    placeholder: "path",
  }),
  cwd: flag.string("working directory that will be set for the executable; must be absolute.", {
    default: "/",
    placeholder: "path",
    schema: ABSOLUTE,
  }),
  netns: flag.string("network namespace path.", { placeholder: "path" }),
} as const;

/**
 * Writes `<bundle>/config.json` with the default spec; `args` become process.args (default
 * `sh`). Returns the file written. Throws CliError if the file exists or cannot be written.
 */
export function writeSpec(bundle: string, opts: { args: string[]; cwd: string; netns: string }): string {
  const file = path.join(path.resolve(bundle), "config.json");
  const spec = defaultSpec({ args: opts.args, cwd: opts.cwd, netns: opts.netns || undefined });
  try {
    // O_EXCL: never replace a config someone wrote, even if it appears while we run.
    fs.writeFileSync(file, JSON.stringify(spec, null, 4) + "\n", { flag: "wx", mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError(`file ${JSON.stringify(file)} already exists`);
    }
    throw new CliError(`writing ${file}: ${fsErrorText(e)}`);
  }
  return file;
}

/** The `spec` command. */
export const specCommand: Command = defineCommand({
  name: "spec",
  group: "user",
  summary: "create a new OCI bundle specification file",
  usage: "spec [flags] [-- args...]",
  description: "Creates a starter config.json in the bundle directory that runs 'args' (default: sh) with\n" +
    "rootfs/ as the root filesystem. An existing config.json is never overwritten.\n\n" +
    "EXAMPLE:\n    $ mkdir -p bundle/rootfs && cd bundle\n    $ runsc spec -- /hello",
  implemented: true,
  flags: FLAGS,
  args: { min: 0, max: Infinity, names: "[args...]" },
  run(inv) {
    const bundle = inv.values.bundle || process.cwd();
    writeSpec(bundle, { args: inv.args, cwd: inv.values.cwd, netns: inv.values.netns });
    return Promise.resolve(0);
  },
});
