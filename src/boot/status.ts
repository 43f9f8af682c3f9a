// The status channel from `runsc boot` back to the CLI (--status-fd, a pipe): boot writes at
// most one JSON line, `{"error":"..."}`, when the sandbox could not be started or failed; the
// CLI turns it into "runsc <cmd>: starting sandbox: ...". A clean run writes nothing, so EOF
// with no message means "the exit status is the application's".
import * as v from "valibot";
import { write } from "../../ffi/libc.ts";

/** Schema of a status message (validated by the CLI: boot is another process). */
export const BootStatusSchema = v.strictObject({ error: v.pipe(v.string(), v.maxLength(4096)) });

/** A validated status message. */
export type BootStatus = v.InferOutput<typeof BootStatusSchema>;

/** Exit status of boot (and of the CLI) when the sandbox itself failed, as gVisor's runsc. */
export const SANDBOX_FAILURE_EXIT = 128;

/** Writes an error status to `fd` (best effort: the CLI may be gone). */
export function reportError(fd: number, message: string): void {
  const line = JSON.stringify({ error: message.slice(0, 4000) }) + "\n";
  write(fd, new TextEncoder().encode(line));
}

/**
 * Lifecycle mode (`runsc create`): boot writes `{"ready":true}` once the container is
 * "created" (spec read, gofer connected, control socket served), then closes the pipe.
 */
export function reportReady(fd: number): void {
  write(fd, new TextEncoder().encode(JSON.stringify({ ready: true }) + "\n"));
}

/** What `create` read from the status pipe: ready, or the error (EOF alone = boot died). */
export function parseCreateStatus(text: string): { ready: true } | { error: string } {
  const line = text.split("\n").find((l) => l.trim() !== "");
  if (line === undefined) return { error: "the sandbox process exited before it was ready" };
  try {
    const raw: unknown = JSON.parse(line);
    if (typeof raw === "object" && raw !== null && (raw as { ready?: unknown }).ready === true) {
      return Object.keys(raw).length === 1
        ? { ready: true }
        : { error: "malformed status from the sandbox process" };
    }
  } catch {
    return { error: "malformed status from the sandbox process" };
  }
  return { error: parseBootStatus(line) ?? "malformed status from the sandbox process" };
}

/** Parses what the CLI read from the status pipe: null for "no error", else the message. */
export function parseBootStatus(text: string): string | null {
  const line = text.split("\n").find((l) => l.trim() !== "");
  if (line === undefined) return null;
  try {
    const r = v.safeParse(BootStatusSchema, JSON.parse(line));
    return r.success ? r.output.error : "malformed status from the sandbox process";
  } catch {
    return "malformed status from the sandbox process";
  }
}
