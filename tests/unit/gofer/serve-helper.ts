// Test helper: runs the real gofer role entry (`runsc gofer`) in a child process of the test,
// serving the directory given as argv[2] on fd 3.
import process from "node:process";
import { goferMain } from "../../../src/gofer/main.ts";
import { DEFAULT_GLOBALS } from "../../../src/cli/globals.ts";

goferMain(["--root-dir", process.argv[2], "--io-fd=3"], { ...DEFAULT_GLOBALS }).then((code) =>
  process.exit(code)
);
