// The --debug-log path pattern and the --debug-command filter, as gVisor defines them: the
// pattern may hold %ID% (container id), %COMMAND% (subcommand) and %TIMESTAMP%; a pattern
// ending in '/' names a directory in which a file name is generated.

/** What the variables of a --debug-log pattern stand for in this invocation. */
export interface DebugLogVars {
  /** The container id of the command, or "" when it has none. */
  readonly id: string;
  /** The subcommand being run ("create", "boot", ...), or "" before one is known. */
  readonly command: string;
  readonly now: Date;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** gVisor's timestamp layout for log file names: `20060102-150405.000000` (local time). */
export function logTimestamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1, 2)}${pad(d.getDate(), 2)}-` +
    `${pad(d.getHours(), 2)}${pad(d.getMinutes(), 2)}${pad(d.getSeconds(), 2)}.${
      pad(d.getMilliseconds() * 1000, 6)
    }`;
}

/**
 * Expands a --debug-log pattern into a file path. A trailing '/' means "a directory": the
 * file `runsc.log.%TIMESTAMP%.%COMMAND%.txt` inside it (gVisor's default name).
 * @example debugLogPath("/tmp/logs/%ID%/", { id: "c1", command: "create", now })
 *   // → "/tmp/logs/c1/runsc.log.20240501-100000.000000.create.txt"
 */
export function debugLogPath(pattern: string, vars: DebugLogVars): string {
  const full = pattern.endsWith("/") ? `${pattern}runsc.log.%TIMESTAMP%.%COMMAND%.txt` : pattern;
  return full
    .replaceAll("%ID%", vars.id)
    .replaceAll("%COMMAND%", vars.command)
    .replaceAll("%TIMESTAMP%", logTimestamp(vars.now));
}

/**
 * Whether `command` writes to the debug log under a --debug-command filter: "" selects every
 * command, "create,start" only those, "!boot,events" every command but those.
 */
export function debugCommandSelected(filter: string, command: string): boolean {
  const f = filter.trim();
  if (f === "") return true;
  const negate = f.startsWith("!");
  const names = (negate ? f.slice(1) : f).split(",").map((s) => s.trim()).filter((s) => s !== "");
  return names.includes(command) !== negate;
}
