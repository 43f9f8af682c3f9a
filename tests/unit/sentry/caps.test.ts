// Capabilities under the Sentry, differential: capget/capset (versions, unknown pid, subset
// rules), chown and DAC override refused once dropped, setuid to a non-root uid clearing the
// sets, /proc/self/status's Cap lines. The program prints sets relative to its starting one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sameAsNative } from "./helpers.ts";

describe("capabilities under the Sentry", () => {
  it("caps: capget/capset, dropped CAP_CHOWN/DAC_OVERRIDE enforced, setuid clears", () => {
    const { native } = sameAsNative("caps");
    assert.match(native.stdout, /chown without CAP_CHOWN: EPERM\n/);
    assert.match(native.stdout, /after setuid: capget 0 eff none prm none inh none\n/);
  });
});
