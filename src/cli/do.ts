// `runsc do`: placeholder until the sandbox plumbing lands.
import type { GlobalFlags } from "./globals.ts";

/** Entry of `runsc do`; returns the exit status. */
export function doMain(_argv: string[], _globals: GlobalFlags): Promise<number> {
  console.error("runsc do: not built yet");
  return Promise.resolve(1);
}
