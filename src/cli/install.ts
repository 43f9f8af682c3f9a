// `runsc install` and `runsc uninstall`: register this binary as a Docker runtime in
// daemon.json, or remove that registration. Docker is not restarted (as in gVisor): the
// user reloads dockerd (install.sh --docker does).
import * as path from "node:path";
import * as v from "valibot";
import { type Command, defineCommand } from "./command.ts";
import { addRuntime, readDaemonConfig, removeRuntime, writeDaemonConfig } from "./daemon-config.ts";
import { UsageError } from "./errors.ts";
import { flag } from "./flag.ts";
import { writeOut } from "./output.ts";
import { selfPath } from "../runtime.ts";

const RUNTIME_NAME = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be letters, digits, '_', '.', '-'"),
);

const configFile = () =>
  flag.string("path to Docker daemon config file.", {
    default: "/etc/docker/daemon.json",
    aliases: ["config_file"],
    placeholder: "path",
  });
const runtime = () => flag.string("runtime name.", { default: "runsc", schema: RUNTIME_NAME });

/** The `install` command. */
export const installCommand: Command = defineCommand({
  name: "install",
  group: "helper",
  summary: "adds a runtime to docker daemon configuration",
  usage: "install [flags] [-- [args...]]",
  description:
    "Adds runtimes.<runtime> = {path, runtimeArgs} to the Docker daemon configuration and keeps\n" +
    "everything else in it. Arguments after -- are passed to runsc by Docker on every call,\n" +
    "e.g. runsc install -- --platform=ptrace. Reload dockerd afterwards.",
  implemented: true,
  flags: {
    "config-file": configFile(),
    runtime: runtime(),
    path: flag.string("path of the runsc binary to register (default: this binary).", {
      placeholder: "path",
    }),
    clobber: flag.bool("replace an existing runtime entry of the same name.", { default: true }),
    experimental: flag.bool("set experimental: true in the daemon configuration."),
    cgroupdriver: flag.enum("docker cgroup driver to set in exec-opts.", ["", "cgroupfs", "systemd"], ""),
  },
  args: { min: 0, max: Infinity, names: "[-- args...]" },
  run(inv) {
    if (inv.args.length > 0 && !inv.dashdash) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(inv.args[0])} (runtime arguments go after --)`,
      );
    }
    const f = inv.values;
    const file = f["config-file"];
    const { config } = readDaemonConfig(file);
    const binary = f.path ? path.resolve(f.path) : selfPath();
    const next = addRuntime(config, {
      runtime: f.runtime,
      path: binary,
      runtimeArgs: inv.args,
      clobber: f.clobber,
      experimental: f.experimental,
      cgroupDriver: f.cgroupdriver,
    }, file);
    writeDaemonConfig(file, next);
    const args = inv.args.length ? ` with arguments ${JSON.stringify(inv.args)}` : "";
    writeOut(`Added runtime ${JSON.stringify(f.runtime)}${args} to ${JSON.stringify(file)}.\n`);
    return Promise.resolve(0);
  },
});

/** The `uninstall` command. */
export const uninstallCommand: Command = defineCommand({
  name: "uninstall",
  group: "helper",
  summary: "removes a runtime from docker daemon configuration",
  usage: "uninstall [flags]",
  description: "Removes runtimes.<runtime> from the Docker daemon configuration; every other key stays.",
  implemented: true,
  flags: { "config-file": configFile(), runtime: runtime() },
  args: { min: 0, max: 0, names: "" },
  run(inv) {
    const file = inv.values["config-file"];
    const name = inv.values.runtime;
    const { config, existed } = readDaemonConfig(file);
    const r = removeRuntime(config, name, file);
    if (!existed || !r.removed) {
      writeOut(`Runtime ${JSON.stringify(name)} not found in ${JSON.stringify(file)}: nothing to do.\n`);
      return Promise.resolve(0);
    }
    writeDaemonConfig(file, r.config);
    writeOut(`Removed runtime ${JSON.stringify(name)} from ${JSON.stringify(file)}.\n`);
    return Promise.resolve(0);
  },
});
