// The pass-through entry (src/cli/pass-through.ts): `do`, `boot` and `gofer` reach their main
// without the command table; anything that is not plainly one of them goes to the CLI.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isPassThrough, runPassThrough } from "../../../src/cli/pass-through.ts";

describe("pass-through entry", () => {
  it("recognises do, boot and gofer as the first non-flag argument only", () => {
    assert.equal(isPassThrough(["do", "/bin/true"]), true);
    assert.equal(isPassThrough(["--root=/r", "--debug", "boot", "--spec-fd=4"]), true);
    assert.equal(isPassThrough(["gofer", "--io-fd=3"]), true);
    assert.equal(isPassThrough(["run", "do"]), false, "a later argument named do");
    assert.equal(isPassThrough(["--version"]), false);
    assert.equal(isPassThrough(["constructor"]), false, "no inherited property names");
    assert.equal(isPassThrough([]), false);
  });

  it("hands back to the CLI what only looked like one (a flag's value, --version, bad flags)", async () => {
    // `--log boot`: "boot" is the log file, the command is `state`.
    assert.equal(await runPassThrough(["--log", "boot", "state", "x"]), null);
    assert.equal(await runPassThrough(["--version", "do", "/bin/true"]), null);
    assert.equal(await runPassThrough(["--no-such-flag", "do", "/bin/true"]), null);
  });

  it("runs the command's main: a usage error of do is its exit status 2", async () => {
    assert.equal(await runPassThrough(["do"]), 2);
  });
});
