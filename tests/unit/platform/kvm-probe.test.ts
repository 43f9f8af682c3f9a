// The KVM probe: a clear error when the device cannot be opened, and the facts a usable
// /dev/kvm reports (skipped, loudly, on a machine without KVM: see kvm-here.ts). Either way,
// `runsc --platform=kvm do true` must work or fail in one clear line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { KVM_MISSING, kvmSuite } from "./kvm-here.ts";
import {
  detectBackend,
  kvmAvailable,
  KvmUnavailableError,
  openKvmDevice,
} from "../../../src/platform/kvm/probe.ts";

describe("kvm probe", () => {
  it("names the device and the errno when it cannot be opened", () => {
    assert.throws(
      () => openKvmDevice("/nonexistent/kvm"),
      (e: unknown) =>
        e instanceof KvmUnavailableError && e.errno === 2 &&
        e.message === "KVM is not available: /nonexistent/kvm: ENOENT (No such file or directory)",
    );
  });

  it("detects the backend from the loaded module", () => {
    const want = existsSync("/sys/module/kvm_pvm")
      ? "pvm"
      : existsSync("/sys/module/kvm_intel")
      ? "vmx"
      : existsSync("/sys/module/kvm_amd")
      ? "svm"
      : undefined;
    if (want !== undefined) assert.equal(detectBackend(), want);
    else assert.notEqual(detectBackend(), "pvm");
  });
});

describe("kvm probe on this machine's /dev/kvm", kvmSuite, () => {
  it("finds API version 12, user memory and sync regs on /dev/kvm", () => {
    const info = kvmAvailable();
    assert.equal(info.apiVersion, 12);
    assert.ok(info.vcpuMmapSize >= 4096, `vcpu mmap size ${info.vcpuMmapSize}`);
    assert.ok((info.syncRegs & 1) !== 0, "KVM_CAP_SYNC_REGS lacks KVM_SYNC_X86_REGS");
    assert.ok(info.maxVcpus >= 1);
  });
});

describe("runsc --platform=kvm: runs, or says KVM is missing", () => {
  const repo = path.resolve(import.meta.dirname ?? ".", "../../..");
  const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");

  it("runs /bin/true, or fails with one line naming /dev/kvm and exit 128", () => {
    const r = spawnSync(bin, ["--platform=kvm", "do", "/bin/true"], { encoding: "utf8", timeout: 60_000 });
    if (KVM_MISSING === undefined) {
      assert.equal(r.status, 0, r.stderr);
    } else {
      assert.equal(r.status, 128, r.stderr);
      assert.match(
        r.stderr,
        /^runsc do: starting sandbox: KVM is not available: \/dev\/kvm: E[A-Z]+ \([^)]+\)\n$/,
      );
    }
  });
});
