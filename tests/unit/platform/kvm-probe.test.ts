// The KVM probe: a clear error when the device cannot be opened, and the facts a usable
// /dev/kvm reports (it exists on the project's machines and in CI: its absence fails here).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
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

  it("finds API version 12, user memory and sync regs on /dev/kvm", () => {
    const info = kvmAvailable();
    assert.equal(info.apiVersion, 12);
    assert.ok(info.vcpuMmapSize >= 4096, `vcpu mmap size ${info.vcpuMmapSize}`);
    assert.ok((info.syncRegs & 1) !== 0, "KVM_CAP_SYNC_REGS lacks KVM_SYNC_X86_REGS");
    assert.ok(info.maxVcpus >= 1);
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
