// Entry point of every role of the runsc binary: the CLI, `runsc boot` and `runsc gofer`.
// No top-level await: the single executable is a CommonJS bundle.
import { runCli } from "./cli/run.ts";
import process from "node:process";
import { args, exit, startupTrace } from "./runtime.ts";

startupTrace(
  `main: modules evaluated (bundle began at +${
    ((globalThis as { __RUNSC_T0__?: number }).__RUNSC_T0__ ?? 0).toFixed(1)
  }ms)`,
);

runCli(args()).then((code) => {
  startupTrace("exit");
  exit(code);
}, (e: unknown) => {
  // Last resort: a bug escaped the CLI's own error handling. Still no stack trace unless asked.
  console.error(`runsc: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.RUNSC_DEBUG_STACK) console.error(e);
  exit(128);
});
