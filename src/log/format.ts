// How one log record becomes one line, in the formats runsc's callers read: JSON lines with
// `level`, `msg`, `time` (the containerd shim scans its log.json for the last "error" record
// and shows its msg to the user), or glog-like text (gVisor's text format).

/** Log levels, as the containerd shim reads them from json logs. */
export type Level = "debug" | "info" | "warning" | "error";

/** Output formats of a log sink. */
export type LogFormat = "text" | "json";

/** Severity order of the levels, to compare against a sink's threshold. */
export const LEVEL_RANK: Readonly<Record<Level, number>> = { debug: 0, info: 1, warning: 2, error: 3 };

const LETTER: Readonly<Record<Level, string>> = { debug: "D", info: "I", warning: "W", error: "E" };

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * Formats one record (with trailing newline).
 * json: `{"level":"error","msg":"...","time":"2024-05-01T10:00:00.000Z"}`;
 * text: `E0501 10:00:00.000000  1234 msg` (glog layout: level letter, MMDD, local time, pid).
 */
export function formatRecord(format: LogFormat, level: Level, msg: string, now: Date, pid: number): string {
  if (format === "json") return JSON.stringify({ level, msg, time: now.toISOString() }) + "\n";
  const date = `${pad(now.getMonth() + 1, 2)}${pad(now.getDate(), 2)}`;
  const time = `${pad(now.getHours(), 2)}:${pad(now.getMinutes(), 2)}:${pad(now.getSeconds(), 2)}.` +
    `${pad(now.getMilliseconds() * 1000, 6)}`;
  return `${LETTER[level]}${date} ${time} ${String(pid).padStart(7)} ${msg}\n`;
}
