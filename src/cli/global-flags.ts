// The global flags (before the subcommand), as gVisor's runsc accepts them. Flags marked
// `ignored` are accepted so that configurations written for gVisor (daemon.json runtimeArgs,
// containerd options) keep working; they have no effect yet and docs/cli.md lists them.
import { flag, type FlagDefs, type Parsed, parseFlags } from "./flag.ts";
import { DEFAULT_GLOBALS, type GlobalFlags } from "./globals.ts";

const D = DEFAULT_GLOBALS;
const LOG_FORMATS = ["text", "json"] as const;

/** Every global flag, by canonical name. */
export const GLOBAL_FLAGS = {
  // Effective now.
  root: flag.string("root directory for storage of container state.", { default: D.root }),
  log: flag.string("file path where internal debug information is written, default is stderr.", {
    default: D.log,
  }),
  "log-format": flag.enum("log format.", LOG_FORMATS, D.logFormat),
  debug: flag.bool("enable debug logging."),
  "debug-log": flag.string(
    "additional location for logs. If it ends with '/', log files are created inside the directory " +
      "with default names. The following variables are available: %TIMESTAMP%, %COMMAND%, %ID%.",
  ),
  "debug-log-format": flag.enum("format of the --debug-log file.", LOG_FORMATS, D.debugLogFormat ?? "text"),
  "debug-command": flag.string(
    'comma-separated list of commands to be debugged if --debug-log is also set. Empty means debug all. "!" ' +
      'negates the expression. E.g. "create,start" or "!boot,events".',
  ),
  alsologtostderr: flag.bool("send log messages to stderr."),
  strace: flag.bool("enable strace."),
  platform: flag.enum("specifies which platform to use.", ["ptrace", "kvm"], D.platform),
  network: flag.enum(
    "specifies which network to use: none (loopback only), host, or sandbox.",
    ["none", "host", "sandbox"],
    D.network,
  ),
  version: flag.bool("show version and exit."),
  // Carried in GlobalFlags, no effect yet.
  "systemd-cgroup": flag.bool("use systemd for cgroups.", { ignored: true }),
  rootless: flag.bool("run the sandbox as a non-root user.", { ignored: true }),
  // Accepted for compatibility with gVisor's runsc; no effect.
  "panic-log": flag.string("file path where panic reports and other Go's runtime messages are written.", {
    ignored: true,
  }),
  "coverage-report": flag.string("file path where Go coverage reports are written.", { ignored: true }),
  "strace-syscalls": flag.string("comma-separated list of syscalls to trace.", { ignored: true }),
  "strace-log-size": flag.int("default size (in bytes) to log data argument blobs.", {
    default: 1024,
    min: 0,
    ignored: true,
  }),
  "file-access": flag.enum(
    "filesystem validation for the root mount.",
    ["exclusive", "shared"],
    "exclusive",
    {
      ignored: true,
    },
  ),
  "file-access-mounts": flag.enum(
    "filesystem validation for other mounts.",
    ["exclusive", "shared"],
    "shared",
    {
      ignored: true,
    },
  ),
  overlay: flag.bool("wrap filesystem mounts with writable overlay (deprecated).", { ignored: true }),
  overlay2: flag.string("overlay configuration: none or {root|all}:{memory|self|dir=PATH}.", {
    default: "root:self",
    ignored: true,
  }),
  directfs: flag.bool("directly access the container filesystems from the sentry.", {
    default: true,
    ignored: true,
  }),
  "ignore-cgroups": flag.bool("don't configure cgroups.", { ignored: true }),
  "net-raw": flag.bool("enable raw sockets.", { ignored: true }),
  gso: flag.bool("enable host segmentation offload.", { default: true, ignored: true }),
  "software-gso": flag.bool("enable software segmentation offload.", { default: true, ignored: true }),
  "num-network-channels": flag.int("number of underlying channels for the network link endpoints.", {
    default: 1,
    min: 1,
    ignored: true,
  }),
  "host-uds": flag.string("permission to access host Unix-domain sockets: none|open|create|all.", {
    default: "none",
    ignored: true,
  }),
  "host-fifo": flag.string("permission to access host FIFOs: none|open.", { default: "none", ignored: true }),
  fdlimit: flag.int("limit on the number of host file descriptors.", { default: -1, ignored: true }),
  dcache: flag.int("global dentry cache size.", { default: -1, ignored: true }),
  "cpu-num-from-quota": flag.bool("set cpu number to cpu quota.", { default: true, ignored: true }),
  "allow-flag-override": flag.bool("allow OCI annotations to override flags.", { ignored: true }),
  "watchdog-action": flag.string("action taken when the watchdog finds a stuck task.", {
    default: "logwarning",
    ignored: true,
  }),
  "panic-signal": flag.int("send a signal to panic the sentry.", { default: -1, ignored: true }),
  profile: flag.bool("enable profiling.", { ignored: true }),
  platform_device_path: flag.string("path to the platform device (e.g. /dev/kvm).", { ignored: true }),
  "log-packets": flag.bool("enable network packet logging.", { ignored: true }),
  "pcap-log": flag.string("location of PCAP log file.", { ignored: true }),
  "TESTONLY-unsafe-nonroot": flag.bool("TEST ONLY; skip security measures needing root.", { ignored: true }),
} as const satisfies FlagDefs;

/** Parsed global flags plus what only the CLI needs. */
export interface ParsedGlobals {
  readonly globals: GlobalFlags;
  /** --version was given. */
  readonly version: boolean;
  /** Compatibility-only flags that were set on the command line (they have no effect). */
  readonly ignoredSet: readonly string[];
  /** The subcommand and its arguments. */
  readonly args: string[];
}

/** Parses the global flags at the front of `argv`; throws UsageError / HelpRequested. */
export function parseGlobals(argv: readonly string[]): ParsedGlobals {
  const p: Parsed<typeof GLOBAL_FLAGS> = parseFlags(argv, GLOBAL_FLAGS);
  const f = p.values;
  const globals: GlobalFlags = {
    root: f.root,
    log: f.log,
    logFormat: f["log-format"],
    debug: f.debug,
    debugLog: f["debug-log"],
    strace: f.strace,
    platform: f.platform,
    network: f.network,
    systemdCgroup: f["systemd-cgroup"],
    rootless: f.rootless,
    debugLogFormat: f["debug-log-format"],
    debugCommand: f["debug-command"],
    alsoLogToStderr: f.alsologtostderr,
  };
  const defs: FlagDefs = GLOBAL_FLAGS;
  const ignoredSet = [...p.set].filter((n) => defs[n].ignored);
  return { globals, version: f.version, ignoredSet, args: p.args };
}
