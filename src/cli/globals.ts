// Global flags shared by every subcommand (they come before the subcommand, Go-flag style,
// as Docker/containerd pass them). The CLI parses them; roles (boot, gofer, do) receive them.

/** The parsed global flags. Defaults follow gVisor's runsc. */
export interface GlobalFlags {
  /** State directory for containers (--root). */
  root: string;
  /** Log file for this invocation (--log); "" = stderr only for errors. */
  log: string;
  logFormat: "text" | "json";
  debug: boolean;
  /** Debug log path pattern; %ID% and %COMMAND% are substituted (--debug-log). */
  debugLog: string;
  /** Log every application syscall with decoded arguments (--strace). */
  strace: boolean;
  platform: "ptrace" | "kvm";
  network: "none" | "host" | "sandbox";
  /** Accepted for compatibility with runsc/runc callers; see docs/cli.md. */
  systemdCgroup: boolean;
  rootless: boolean;
  /** Format of the --debug-log file (--debug-log-format). Optional: added after the first version. */
  debugLogFormat?: "text" | "json";
  /** Which subcommands write the debug log: "" all, "a,b" only those, "!a,b" all but those. */
  debugCommand?: string;
  /** Also write log records to stderr when --log is set (--alsologtostderr). */
  alsoLogToStderr?: boolean;
}

/** Defaults of {@link GlobalFlags}. */
export const DEFAULT_GLOBALS: Readonly<GlobalFlags> = {
  root: "/var/run/runsc",
  log: "",
  logFormat: "text",
  debug: false,
  debugLog: "",
  strace: false,
  platform: "ptrace",
  network: "none",
  systemdCgroup: false,
  rootless: false,
  debugLogFormat: "text",
  debugCommand: "",
  alsoLogToStderr: false,
};
