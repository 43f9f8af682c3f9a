// Process-wide logger. Configured once from the global flags (--log, --log-format, --debug,
// --debug-log); cheap when disabled: callers on hot paths check `logger.debugEnabled` first.
//
// Records go to "sinks": the --log file, the --debug-log file, and stderr. Writes are
// synchronous (fs.writeSync on O_APPEND fds) so nothing is lost when the process exits right
// after, and a failing sink never throws: logging must not turn into a new error.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { mkdirs } from "./mkdirs.ts";
import { formatRecord, type Level, LEVEL_RANK, type LogFormat } from "./format.ts";

export type { Level, LogFormat } from "./format.ts";

/** How the logger should write; built by the CLI from the global flags. */
export interface LogConfig {
  /** --log: file that receives every record at the current level ("" = none). */
  readonly logFile: string;
  readonly logFormat: LogFormat;
  /** --debug: lowers the level from info to debug. */
  readonly debug: boolean;
  /** --debug-log, already expanded (see debug-log.ts); "" = none. */
  readonly debugLogFile: string;
  readonly debugLogFormat: LogFormat;
  /** --alsologtostderr: keep writing to stderr even with a --log file. */
  readonly alsoToStderr: boolean;
}

/** One destination of log records. */
interface Sink {
  readonly fd: number;
  /** "stderr" is the short human layout `level: msg`. */
  readonly format: LogFormat | "stderr";
  readonly minRank: number;
  readonly owned: boolean;
  /** The unconfigured stderr sink also shows debug records once `debugEnabled` is set. */
  readonly followsDebug?: boolean;
}

const STDERR_DEFAULT: Sink = {
  fd: 2,
  format: "stderr",
  minRank: LEVEL_RANK.warning,
  owned: false,
  followsDebug: true,
};

/** Opens a log file for appending, creating its directory (gVisor does the same for --debug-log). */
function openLogFile(file: string): number {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND;
  try {
    return fs.openSync(file, flags, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirs(path.dirname(file));
  return fs.openSync(file, flags, 0o644);
}

/** The process logger. Until configured it writes warnings and errors (and debug, if enabled) to stderr. */
export class Logger {
  /** True when debug records are written; check it before building expensive messages. */
  debugEnabled = false;
  private sinks: Sink[] = [STDERR_DEFAULT];

  /**
   * Replaces the sinks according to `cfg`. Throws (with the file name in the message) if a
   * log file cannot be opened; the previous configuration stays in place then.
   */
  configure(cfg: LogConfig): void {
    const level = cfg.debug ? LEVEL_RANK.debug : LEVEL_RANK.info;
    const sinks: Sink[] = [];
    try {
      if (cfg.logFile) {
        sinks.push({ fd: open(cfg.logFile, "log"), format: cfg.logFormat, minRank: level, owned: true });
      }
      if (cfg.debugLogFile) {
        const fd = open(cfg.debugLogFile, "debug log");
        sinks.push({ fd, format: cfg.debugLogFormat, minRank: level, owned: true });
      }
    } catch (e) {
      for (const s of sinks) fs.closeSync(s.fd);
      throw e;
    }
    // With a --log file, stderr stays quiet as in gVisor (the CLI still prints its own errors
    // there, see cli/report.ts); without one, stderr shows warnings, or everything under --debug.
    const anyFile = sinks.length > 0;
    if (!cfg.logFile || cfg.alsoToStderr) {
      const rank = cfg.debug && (!anyFile || cfg.alsoToStderr) ? LEVEL_RANK.debug : LEVEL_RANK.warning;
      sinks.push({ fd: 2, format: "stderr", minRank: rank, owned: false });
    }
    this.close();
    this.sinks = sinks;
    this.debugEnabled = cfg.debug;
  }

  /** Closes the log files and returns to the unconfigured state (stderr only). */
  close(): void {
    for (const s of this.sinks) {
      if (s.owned) {
        try {
          fs.closeSync(s.fd);
        } catch { /* already closed: nothing to release */ }
      }
    }
    this.sinks = [STDERR_DEFAULT];
    this.debugEnabled = false;
  }

  debug(msg: string): void {
    if (this.debugEnabled) this.write("debug", msg, true);
  }
  info(msg: string): void {
    this.write("info", msg, true);
  }
  warning(msg: string): void {
    this.write("warning", msg, true);
  }
  error(msg: string): void {
    this.write("error", msg, true);
  }

  /**
   * Writes a record to the log files only, not to stderr: for the CLI's error reporter, which
   * prints its own `runsc: ...` line on stderr.
   */
  toFiles(level: Level, msg: string): void {
    this.write(level, msg, false);
  }

  protected write(level: Level, msg: string, stderr: boolean): void {
    const rank = LEVEL_RANK[level];
    const now = new Date();
    for (const s of this.sinks) {
      const min = s.followsDebug && this.debugEnabled ? LEVEL_RANK.debug : s.minRank;
      if (rank < min || (!stderr && !s.owned)) continue;
      const line = s.format === "stderr"
        ? `${level}: ${msg}\n`
        : formatRecord(s.format, level, msg, now, process.pid);
      try {
        fs.writeSync(s.fd, line);
      } catch { /* a full disk or closed stderr must not become a second error */ }
    }
  }
}

function open(file: string, what: string): number {
  try {
    return openLogFile(file);
  } catch (e) {
    // Node's message is "ENOENT: no such file or directory, open 'x'": keep the part before the path.
    const text = e instanceof Error ? e.message.split(", ")[0] : String(e);
    throw new Error(`opening ${what} file ${JSON.stringify(file)}: ${text}`);
  }
}

/** The one logger of this process. */
export const logger: Logger = new Logger();
