// Placeholder dispatcher; replaced by the full CLI.
import { OCI_SPEC_VERSION, VERSION } from "../runtime.ts";
import { getpid } from "../../ffi/libc.ts";

export function runCli(argv: string[]): Promise<number> {
  if (argv[0] === "--version") {
    console.log(`runsc version ${VERSION}\nspec: ${OCI_SPEC_VERSION}\npid ${getpid()}`);
    return Promise.resolve(0);
  }
  console.error("usage: runsc --version");
  return Promise.resolve(2);
}
