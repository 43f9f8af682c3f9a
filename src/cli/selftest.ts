// `runsc selftest-roles`: placeholder until the roles work lands.
import type { GlobalFlags } from "./globals.ts";

/** Entry of the internal role self-test; returns the exit status. */
export function selftestMain(_argv: string[], _globals: GlobalFlags): Promise<number> {
  console.error("runsc selftest-roles: not built yet");
  return Promise.resolve(1);
}
