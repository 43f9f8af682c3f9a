// `runsc gofer`: the file server process. Placeholder until the roles work lands.
import type { GlobalFlags } from "../cli/globals.ts";

/** Entry of the gofer role; returns the exit status. */
export function goferMain(_argv: string[], _globals: GlobalFlags): Promise<number> {
  console.error("runsc gofer: not built yet");
  return Promise.resolve(1);
}
