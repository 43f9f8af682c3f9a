// Finding out whether and how KVM can be used: open the device, check the API version and the
// capabilities the platform relies on, and tell which backend serves /dev/kvm. The backend
// matters: on PVM (kvm_pvm, no hardware virtualisation) a guest `syscall` stays at CPL 3 and
// the platform adapts its syscall path (see docs/platform-kvm.md).
import { existsSync, readFileSync } from "node:fs";
import { errnoName, errnoText } from "../../../ffi/errno.ts";
import { close } from "../../../ffi/libc.ts";
import { KVM, KVM_API_VERSION, KVM_CAP, kvmIoctl, openKvm } from "../../../ffi/kvm.ts";

/** The default device path. */
export const KVM_DEVICE = "/dev/kvm";

/** Raised when KVM cannot be used at all; the message is the sentence the CLI prints. */
export class KvmUnavailableError extends Error {
  override readonly name = "KvmUnavailableError";
  /** The device path that was tried. */
  readonly path: string;
  /** The errno of the failed step (0 when the failure was not a syscall error). */
  readonly errno: number;

  /** `reason` says what went wrong, e.g. "ENOENT (No such file or directory)". */
  constructor(path: string, reason: string, errno = 0) {
    super(`KVM is not available: ${path}: ${reason}`);
    this.path = path;
    this.errno = errno;
  }
}

/** Which kernel module serves /dev/kvm. */
export type KvmBackend = "vmx" | "svm" | "pvm" | "unknown";

/** What the probe found. */
export interface KvmInfo {
  readonly apiVersion: number;
  readonly backend: KvmBackend;
  /** KVM_GET_VCPU_MMAP_SIZE: bytes to mmap from a vCPU fd (struct kvm_run and more). */
  readonly vcpuMmapSize: number;
  /** Registers can be exchanged through kvm_run (no GET/SET_REGS ioctl per exit). */
  readonly syncRegs: number;
  readonly maxVcpus: number;
  readonly memSlots: number;
  readonly immediateExit: boolean;
  readonly xsave: boolean;
}

/** Opens the KVM device; throws KvmUnavailableError with the errno's text when it cannot. */
export function openKvmDevice(path: string = KVM_DEVICE): number {
  const fd = openKvm(path);
  if (fd < 0) throw new KvmUnavailableError(path, `${errnoName(-fd)} (${errnoText(-fd)})`, -fd);
  return fd;
}

/** Detects the backend from the loaded modules and CPU flags (files under /sys and /proc). */
export function detectBackend(): KvmBackend {
  if (existsSync("/sys/module/kvm_pvm")) return "pvm";
  if (existsSync("/sys/module/kvm_intel")) return "vmx";
  if (existsSync("/sys/module/kvm_amd")) return "svm";
  let flags = "";
  try {
    const m = /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    flags = m ? ` ${m[1]} ` : "";
  } catch {
    return "unknown";
  }
  if (flags.includes(" vmx ")) return "vmx";
  if (flags.includes(" svm ")) return "svm";
  return "unknown";
}

/**
 * Checks the API version and the capabilities the platform needs on an open /dev/kvm fd.
 * Throws KvmUnavailableError (naming `path`) when a requirement is missing.
 */
export function probeKvm(fd: number, path: string = KVM_DEVICE): KvmInfo {
  const api = kvmIoctl(fd, KVM.GET_API_VERSION);
  if (api !== KVM_API_VERSION) {
    throw new KvmUnavailableError(path, `KVM API version ${api}, want ${KVM_API_VERSION}`);
  }
  const cap = (c: number): number => Math.max(0, kvmIoctl(fd, KVM.CHECK_EXTENSION, c));
  if (cap(KVM_CAP.USER_MEMORY) === 0) {
    throw new KvmUnavailableError(path, "KVM_CAP_USER_MEMORY is not supported");
  }
  const mmapSize = kvmIoctl(fd, KVM.GET_VCPU_MMAP_SIZE);
  if (mmapSize <= 0) throw new KvmUnavailableError(path, `KVM_GET_VCPU_MMAP_SIZE failed (${mmapSize})`);
  return {
    apiVersion: api,
    backend: detectBackend(),
    vcpuMmapSize: mmapSize,
    syncRegs: cap(KVM_CAP.SYNC_REGS),
    maxVcpus: cap(KVM_CAP.MAX_VCPUS) || cap(KVM_CAP.NR_VCPUS),
    memSlots: cap(KVM_CAP.NR_MEMSLOTS),
    immediateExit: cap(KVM_CAP.IMMEDIATE_EXIT) !== 0,
    xsave: cap(KVM_CAP.XSAVE) !== 0,
  };
}

/** Opens and probes KVM, closing the fd again; for `runsc` diagnostics and tests. */
export function kvmAvailable(path: string = KVM_DEVICE): KvmInfo {
  const fd = openKvmDevice(path);
  try {
    return probeKvm(fd, path);
  } finally {
    close(fd);
  }
}
