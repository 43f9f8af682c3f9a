// Process-wide logger. Configured once from the global flags (--log, --log-format, --debug,
// --debug-log); cheap when disabled: callers on hot paths check `logger.debugEnabled` first.

/** Log levels, as the containerd shim reads them from json logs. */
export type Level = "debug" | "info" | "warning" | "error";

/** The process logger. Minimal version; the CLI work extends its configuration. */
export class Logger {
  debugEnabled = false;
  debug(msg: string): void {
    if (this.debugEnabled) this.write("debug", msg);
  }
  info(msg: string): void {
    this.write("info", msg);
  }
  warning(msg: string): void {
    this.write("warning", msg);
  }
  error(msg: string): void {
    this.write("error", msg);
  }
  protected write(level: Level, msg: string): void {
    if (level === "debug" || level === "error" || level === "warning") console.error(`${level}: ${msg}`);
  }
}

/** The one logger of this process. */
export const logger: Logger = new Logger();
