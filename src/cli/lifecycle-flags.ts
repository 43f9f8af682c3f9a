// Flags, arguments and help of the container lifecycle commands, as runc and gVisor's runsc
// define them (Docker's shim calls: ../../docs/cli.md). Only declarations live here; the
// commands are wired in lifecycle.ts.
import * as v from "valibot";
import type { ArgSpec } from "./command.ts";
import { flag, type FlagDefs } from "./flag.ts";

const ENV = v.pipe(v.string(), v.regex(/^[^=\0][^\0]*$/, 'must look like "KEY=VALUE"'));
const USER = v.pipe(v.string(), v.regex(/^\d{1,10}(:\d{1,10})?$/, "must be <uid>[:<gid>]"));
const PASS_FD = v.pipe(v.string(), v.regex(/^\d{1,7}:\d{1,7}$/, "must be <host-fd>:<sandbox-fd>"));
const ID_ARG: ArgSpec = { min: 1, max: 1, names: "<container-id>", containerId: true };

const bundle = () =>
  flag.string("path to the root of the bundle directory, defaults to the current directory.", {
    aliases: ["b"],
  });
const pidFile = () => flag.string("file path to write the process id to.", { placeholder: "path" });
const consoleSocket = () =>
  flag.string(
    "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the " +
      "console's pseudoterminal.",
    { placeholder: "path" },
  );

const CREATE_FLAGS = {
  bundle: bundle(),
  "pid-file": pidFile(),
  "console-socket": consoleSocket(),
  "user-log": flag.string("filename to send user-visible logs to. Empty means no logging.", {
    placeholder: "path",
  }),
  "preserve-fds": flag.int("pass N additional file descriptors to the container.", { min: 0 }),
  "no-pivot": flag.bool("do not use pivot_root to jail the process (runc; no effect).", { ignored: true }),
  "no-new-keyring": flag.bool("do not create a new session keyring (runc; no effect).", { ignored: true }),
} as const satisfies FlagDefs;

/** Declaration of one lifecycle command. */
export interface LifecycleSpec<D extends FlagDefs> {
  readonly summary: string;
  readonly usage: string;
  readonly description?: string;
  readonly flags: D;
  readonly args: ArgSpec;
}

function spec<D extends FlagDefs>(s: LifecycleSpec<D>): LifecycleSpec<D> {
  return s;
}

/** The lifecycle commands, by name. */
export const LIFECYCLE = {
  create: spec({
    summary: "create a secure container",
    usage: "create [flags] <container-id>",
    description: "Creates the sandbox for the bundle (--bundle, default: current directory) and leaves the " +
      "container 'created'; 'start' runs its process.",
    flags: CREATE_FLAGS,
    args: ID_ARG,
  }),
  start: spec({
    summary: "start a secure container",
    usage: "start <container-id>",
    flags: {},
    args: ID_ARG,
  }),
  state: spec({
    summary: "get the state of a container",
    usage: "state <container-id>",
    description: "Prints the OCI state of the container as JSON.",
    flags: {},
    args: ID_ARG,
  }),
  kill: spec({
    summary: "sends a signal to the container",
    usage: "kill [flags] <container-id> [signal]",
    description: "Signal: a number or a name (TERM, SIGKILL); default SIGTERM.",
    flags: {
      all: flag.bool("send the specified signal to all processes inside the container.", { aliases: ["a"] }),
      pid: flag.int("send the signal to a specific process (pid relative to the root PID namespace).", {
        min: 0,
      }),
      pgid: flag.int("send the signal to a specific process group.", { min: 0 }),
    },
    args: { min: 1, max: 2, names: "<container-id> [signal]", containerId: true },
  }),
  delete: spec({
    summary: "delete resources held by a container",
    usage: "delete [flags] <container-id>...",
    flags: {
      force: flag.bool("forcibly delete a running container (kills it first).", { aliases: ["f"] }),
    },
    args: { min: 1, max: Infinity, names: "<container-id>...", containerId: true },
  }),
  run: spec({
    summary: "create and run a secure container",
    usage: "run [flags] <container-id>",
    flags: {
      ...CREATE_FLAGS,
      detach: flag.bool("detach from the container's process.", { aliases: ["d"] }),
      "pass-fd": flag.list("file descriptor passed to the container in M:N format (host:sandbox).", {
        placeholder: "M:N",
        schema: PASS_FD,
      }),
    },
    args: ID_ARG,
  }),
  exec: spec({
    summary: "execute new process inside the container",
    usage:
      "exec [flags] <container-id> <command> [args...] || exec [flags] --process process.json <container-id>",
    flags: {
      process: flag.string("path to the process.json (an OCI process spec).", {
        aliases: ["p"],
        placeholder: "path",
      }),
      detach: flag.bool("detach from the container's process.", { aliases: ["d"] }),
      "pid-file": pidFile(),
      "internal-pid-file": flag.string("file path to write the container-internal pid to.", {
        placeholder: "path",
      }),
      "console-socket": consoleSocket(),
      cwd: flag.string("current working directory.", { placeholder: "path" }),
      env: flag.list("set environment variables (e.g. '-env PATH=/bin -env TERM=xterm').", {
        aliases: ["e"],
        placeholder: "KEY=VALUE",
        schema: ENV,
      }),
      user: flag.string("UID (format: <uid>[:<gid>]).", {
        aliases: ["u"],
        placeholder: "uid[:gid]",
        schema: USER,
      }),
      "additional-gids": flag.list("additional gids.", {
        aliases: ["g"],
        placeholder: "gid",
        schema: v.pipe(v.string(), v.regex(/^\d{1,10}$/, "must be a number")),
      }),
      cap: flag.list("add a capability to the bounding set for the process.", { aliases: ["c"] }),
      tty: flag.bool("allocate a pseudo-TTY.", { aliases: ["t"] }),
      "preserve-fds": flag.int("pass N additional file descriptors to the process.", { min: 0 }),
      "no-new-privs": flag.bool("set the no new privileges value for the process.", { ignored: true }),
    },
    args: { min: 1, max: Infinity, names: "<container-id> [command [args...]]", containerId: true },
  }),
  ps: spec({
    summary: "ps displays the processes running inside a container",
    usage: "ps [flags] <container-id>",
    flags: { format: flag.enum("output format.", ["table", "json"], "table", { aliases: ["f"] }) },
    args: ID_ARG,
  }),
  wait: spec({
    summary: "wait on a process inside a container",
    usage: "wait [flags] <container-id>",
    description: 'Prints {"id":"<container-id>","exitStatus":N} when the process exits.',
    flags: {
      pid: flag.int(
        "select a PID in the container's PID namespace to wait on instead of the container's root " +
          "process.",
        { default: -1, min: -1 },
      ),
      rootpid: flag.int(
        "select a PID in the sandbox root PID namespace to wait on instead of the container's " +
          "root process.",
        { default: -1, min: -1 },
      ),
    },
    args: ID_ARG,
  }),
  list: spec({
    summary: "list containers started by runsc with the given root",
    usage: "list [flags]",
    flags: {
      format: flag.enum("output format.", ["text", "json"], "text", { aliases: ["f"] }),
      quiet: flag.bool("only list container ids.", { aliases: ["q"] }),
      sandbox: flag.bool("limit output to sandboxes only.", { ignored: true }),
    },
    args: { min: 0, max: 0, names: "" },
  }),
  events: spec({
    summary: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    usage: "events [flags] <container-id>",
    flags: {
      interval: flag.duration("set the stats collection interval (e.g. 5s, or seconds).", 5000),
      stats: flag.bool("display the container's stats then exit."),
    },
    args: ID_ARG,
  }),
  pause: spec({
    summary: "pause suspends all processes in a container",
    usage: "pause <container-id>",
    flags: {},
    args: ID_ARG,
  }),
  resume: spec({
    summary: "resume unpauses a paused container",
    usage: "resume <container-id>",
    flags: {},
    args: ID_ARG,
  }),
} as const;

/** Names of the lifecycle commands. */
export type LifecycleName = keyof typeof LIFECYCLE;
