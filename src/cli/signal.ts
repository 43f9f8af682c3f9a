// Signal arguments of `runsc kill`: a number (Docker passes `kill <id> 15`) or a name with or
// without the SIG prefix, any case (`TERM`, `sigkill`), as runc and gVisor accept them.
import { constants } from "node:os";
import * as v from "valibot";
import { UsageError } from "./errors.ts";

/** Highest Linux signal number (SIGRTMAX on x86_64). */
const SIGRTMAX = 64;

const SignalNumber = v.pipe(
  v.string(),
  v.regex(/^\d{1,2}$/),
  v.transform(Number),
  v.minValue(1),
  v.maxValue(SIGRTMAX),
);

/** Parses a signal argument into its number; throws UsageError for an unknown signal. */
export function parseSignal(raw: string): number {
  const n = v.safeParse(SignalNumber, raw);
  if (n.success) return n.output;
  const upper = raw.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const num = (constants.signals as Record<string, number | undefined>)[name];
  if (num === undefined || !/^SIG[A-Z0-9]+$/.test(name)) {
    throw new UsageError(`invalid signal ${JSON.stringify(raw)}`);
  }
  return num;
}
