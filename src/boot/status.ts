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
