// Whether this machine can run the KVM suites. The project's machines had /dev/kvm (PVM) until
// 2026-11-23, when machines came up whose kernel is itself a PVM guest: kvm_pvm refuses to bind
// ("this kernel is itself a kvm-pvm guest") and there is no /dev/kvm at all. CI runs on such a
// machine too, so the suites cannot simply fail there: they are skipped, loudly, with the reason
// in the runner's output ("ignored") and on stderr. Only an absent device skips: a /dev/kvm that
// exists but cannot be used (EACCES, wrong API version, missing capability) still fails, and
// RUNSC_REQUIRE_KVM=1 turns the skip into a failure on machines that must have KVM.
import { existsSync } from "node:fs";
import { kvmAvailable, KvmUnavailableError } from "../../../src/platform/kvm/probe.ts";

const ENOENT = 2, ENXIO = 6, ENODEV = 19;

function probe(): string | undefined {
  if (process.env.RUNSC_REQUIRE_KVM === "1") return undefined;
  if (existsSync("/dev/kvm")) {
    try {
      kvmAvailable();
    } catch (e) {
      // A node without a driver behind it is as absent as no node.
      if (e instanceof KvmUnavailableError && [ENOENT, ENXIO, ENODEV].includes(e.errno ?? 0)) {
        return e.message;
      }
    }
    return undefined;
  }
  return "/dev/kvm does not exist on this machine (no KVM: with PVM, a kernel that is itself a PVM guest has none)";
}

/** The reason the KVM suites cannot run here, or undefined when they must run. */
export const KVM_MISSING: string | undefined = probe();

if (KVM_MISSING !== undefined) {
  console.error(`\n*** KVM suites NOT RUN: ${KVM_MISSING}; RUNSC_REQUIRE_KVM=1 makes this a failure ***\n`);
}

/** Options for describe(): skip with the reason when KVM is missing. */
export const kvmSuite = { skip: KVM_MISSING ?? false };
