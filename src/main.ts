// Entry point of every role of the runsc binary: the CLI, `runsc boot` and `runsc gofer`.
// No top-level await: the single executable is a CommonJS bundle.
import { runCli } from "./cli/run.ts";
import process from "node:process";
import { args, exit } from "./runtime.ts";

runCli(args()).then(exit, (e: unknown) => {
  // Last resort: a bug escaped the CLI's own error handling. Still no stack trace unless asked.
  console.error(`runsc: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.RUNSC_DEBUG_STACK) console.error(e);
  exit(128);
});
