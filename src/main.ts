// Entry point of every role of the runsc binary: the CLI, `runsc boot` and `runsc gofer`.
// No top-level await: the single executable is a CommonJS bundle. `do`, the roles and the CLI
// are imported dynamically, so each process evaluates only its own modules (esbuild turns the
// dynamic imports into lazily initialised modules of the bundle): cli/pass-through.ts.
import process from "node:process";
import { args, exit, startupTrace } from "./runtime.ts";

const argv = args();

startupTrace(
  `main: entry (bundle began at +${
    ((globalThis as { __RUNSC_T0__?: number }).__RUNSC_T0__ ?? 0).toFixed(1)
  }ms)`,
);

async function main(): Promise<number> {
  if (argv.some((a) => a === "do" || a === "boot" || a === "gofer")) {
    const { isPassThrough, runPassThrough } = await import("./cli/pass-through.ts");
    if (isPassThrough(argv)) {
      const code = await runPassThrough(argv);
      if (code !== null) return code;
    }
  }
  const { runCli } = await import("./cli/run.ts");
  startupTrace("main: CLI modules evaluated");
  return await runCli(argv);
}

main().then((code) => {
  startupTrace("exit");
  exit(code);
}, (e: unknown) => {
  // Last resort: a bug escaped the CLI's own error handling. Still no stack trace unless asked.
  console.error(`runsc: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.RUNSC_DEBUG_STACK) console.error(e);
  exit(128);
});
