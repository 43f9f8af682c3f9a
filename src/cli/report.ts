// The one way the CLI reports an error: `runsc: <message>` on stderr, and the same message as
// an "error" record in the --log file (the containerd shim shows the last one to the user).
import { writeErr } from "./output.ts";
import { logger } from "../log/log.ts";

/** Prints `runsc: <message>` on stderr and logs it at error level to the log files. */
export function reportError(message: string): void {
  const line = message.replace(/\s*\n\s*/g, " "); // always one line
  writeErr(`runsc: ${line}\n`);
  logger.toFiles("error", line);
}
