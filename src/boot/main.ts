// `runsc boot`: the sandbox process. Placeholder until the roles work lands.
import type { GlobalFlags } from "../cli/globals.ts";

/** Entry of the boot role; returns the exit status. */
export function bootMain(_argv: string[], _globals: GlobalFlags): Promise<number> {
  console.error("runsc boot: not built yet");
  return Promise.resolve(1);
}
