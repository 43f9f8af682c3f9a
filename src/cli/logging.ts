// Logging set-up from the global flags, shared by the CLI and the roles' own entry (src/main.ts
// reaches `boot` and `gofer` without evaluating the CLI's modules).
import type { GlobalFlags } from "./globals.ts";
import { logger } from "../log/log.ts";
import { debugCommandSelected, debugLogPath } from "../log/debug-log.ts";

/**
 * Points the logger at --log (and, once the command and container id are known, at
 * --debug-log with %ID%/%COMMAND% expanded, unless --debug-command leaves this command out).
 */
export function configureLogging(g: GlobalFlags, command: string | undefined, id: string): void {
  const withDebugLog = command !== undefined && g.debugLog !== "" &&
    debugCommandSelected(g.debugCommand ?? "", command);
  logger.configure({
    logFile: g.log,
    logFormat: g.logFormat,
    debug: g.debug,
    debugLogFile: withDebugLog ? debugLogPath(g.debugLog, { id, command, now: new Date() }) : "",
    debugLogFormat: g.debugLogFormat ?? "text",
    alsoToStderr: g.alsoLogToStderr ?? false,
  });
}
