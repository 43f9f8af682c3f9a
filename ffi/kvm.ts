// KVM bindings: ioctl numbers, struct layouts (linux/kvm.h, asm/kvm.h for x86_64) and thin
// calls through koffi. Layouts are byte offsets into reused buffers, so the hot path (KVM_RUN and
// the register exchange through kvm_run's sync-regs area) allocates nothing.
import { koffi } from "./koffi.ts";
import { errno, libc, sys } from "./libc.ts";
import { SYS } from "./sysno.ts";

/** ioctl request numbers (values checked against linux/kvm.h with a C program). */
export const KVM = {
  GET_API_VERSION: 0xae00,
  CREATE_VM: 0xae01,
  CHECK_EXTENSION: 0xae03,
  GET_VCPU_MMAP_SIZE: 0xae04,
  GET_SUPPORTED_CPUID: 0xc008ae05,
  SET_USER_MEMORY_REGION: 0x4020ae46,
  CREATE_VCPU: 0xae41,
  RUN: 0xae80,
  GET_REGS: 0x8090ae81,
  SET_REGS: 0x4090ae82,
  GET_SREGS: 0x8138ae83,
  SET_SREGS: 0x4138ae84,
  GET_MSRS: 0xc008ae88,
  SET_MSRS: 0x4008ae89,
  SET_SIGNAL_MASK: 0x4004ae8b,
  SET_CPUID2: 0x4008ae90,
  GET_XSAVE: 0x9000aea4,
  SET_XSAVE: 0x5000aea5,
} as const;

/** The only stable KVM API version. */
export const KVM_API_VERSION = 12;

/** Capabilities the platform checks (KVM_CHECK_EXTENSION arguments). */
export const KVM_CAP = {
  USER_MEMORY: 3,
  EXT_CPUID: 7,
  NR_VCPUS: 9,
  NR_MEMSLOTS: 10,
  XSAVE: 55,
  MAX_VCPUS: 66,
  SYNC_REGS: 74,
  IMMEDIATE_EXIT: 136,
} as const;

/** kvm_run.exit_reason values. */
export const KVM_EXIT = {
  UNKNOWN: 0,
  EXCEPTION: 1,
  IO: 2,
  HYPERCALL: 3,
  DEBUG: 4,
  HLT: 5,
  MMIO: 6,
  SHUTDOWN: 8,
  FAIL_ENTRY: 9,
  INTR: 10,
  INTERNAL_ERROR: 17,
} as const;

/** kvm_run.kvm_valid_regs / kvm_dirty_regs bits. */
export const KVM_SYNC_X86_REGS = 1;
export const KVM_SYNC_X86_SREGS = 2;
export const KVM_SYNC_X86_EVENTS = 4;

/** Byte offsets in struct kvm_run. */
export const RUN = {
  immediateExit: 1,
  exitReason: 8,
  /** union: io.direction u8, io.size u8, io.port u16, io.count u32, io.data_offset u64. */
  ioDirection: 32,
  ioPort: 34,
  /** union: internal.suberror u32; fail_entry.hardware_entry_failure_reason u64. */
  internalSuberror: 32,
  validRegs: 288,
  dirtyRegs: 296,
  /** struct kvm_sync_regs: regs (144 bytes), sregs (312), events. */
  syncRegs: 304,
  syncSregs: 304 + 144,
} as const;

/** Index (in 8-byte words) of each field of struct kvm_regs. */
export const KREG = {
  rax: 0,
  rbx: 1,
  rcx: 2,
  rdx: 3,
  rsi: 4,
  rdi: 5,
  rsp: 6,
  rbp: 7,
  r8: 8,
  r9: 9,
  r10: 10,
  r11: 11,
  r12: 12,
  r13: 13,
  r14: 14,
  r15: 15,
  rip: 16,
  rflags: 17,
} as const;

/** sizeof(struct kvm_regs), sizeof(struct kvm_sregs), sizeof(struct kvm_xsave). */
export const KVM_REGS_SIZE = 144;
export const KVM_SREGS_SIZE = 312;
export const KVM_XSAVE_SIZE = 4096;

/** Byte offsets in struct kvm_sregs (segments are 24-byte struct kvm_segment). */
export const SREGS = {
  cs: 0,
  ds: 24,
  es: 48,
  fs: 72,
  gs: 96,
  ss: 120,
  tr: 144,
  ldt: 168,
  gdt: 192,
  idt: 208,
  cr0: 224,
  cr2: 232,
  cr3: 240,
  cr4: 248,
  cr8: 256,
  efer: 264,
  apicBase: 272,
} as const;

/** Model-specific registers the guest set-up writes. */
export const MSR = {
  EFER: 0xc0000080,
  STAR: 0xc0000081,
  LSTAR: 0xc0000082,
  CSTAR: 0xc0000083,
  SFMASK: 0xc0000084,
  FS_BASE: 0xc0000100,
  GS_BASE: 0xc0000101,
  KERNEL_GS_BASE: 0xc0000102,
} as const;

/** A segment register's fields as struct kvm_segment holds them. */
export interface Segment {
  readonly base: number;
  readonly limit: number;
  readonly selector: number;
  readonly type: number;
  readonly present: number;
  readonly dpl: number;
  readonly db: number;
  readonly s: number;
  readonly l: number;
  readonly g: number;
}

/** Writes `seg` as a struct kvm_segment at byte `off` of `dv`. */
export function putSegment(dv: DataView, off: number, seg: Segment): void {
  dv.setBigUint64(off, BigInt(seg.base), true);
  dv.setUint32(off + 8, seg.limit >>> 0, true);
  dv.setUint16(off + 12, seg.selector, true);
  dv.setUint8(off + 14, seg.type);
  dv.setUint8(off + 15, seg.present);
  dv.setUint8(off + 16, seg.dpl);
  dv.setUint8(off + 17, seg.db);
  dv.setUint8(off + 18, seg.s);
  dv.setUint8(off + 19, seg.l);
  dv.setUint8(off + 20, seg.g);
  dv.setUint8(off + 21, 0); // avl
  dv.setUint8(off + 22, 0); // unusable
}

/** Writes a struct kvm_dtable (GDT/IDT base and limit) at byte `off` of `dv`. */
export function putDtable(dv: DataView, off: number, base: bigint, limit: number): void {
  dv.setBigUint64(off, base, true);
  dv.setUint16(off + 8, limit, true);
}

/** A struct kvm_userspace_memory_region. */
export function memoryRegion(slot: number, gpa: bigint, size: number, hostAddr: bigint): Uint8Array {
  const b = new Uint8Array(32);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, slot, true);
  dv.setUint32(4, 0, true); // flags
  dv.setBigUint64(8, gpa, true);
  dv.setBigUint64(16, BigInt(size), true);
  dv.setBigUint64(24, hostAddr, true);
  return b;
}

/** A struct kvm_msrs with one kvm_msr_entry (index, data) per pair. */
export function msrList(entries: readonly (readonly [number, bigint])[]): Uint8Array {
  const b = new Uint8Array(8 + 16 * entries.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, entries.length, true);
  entries.forEach(([index, data], i) => {
    dv.setUint32(8 + 16 * i, index, true);
    dv.setBigUint64(8 + 16 * i + 8, data, true);
  });
  return b;
}

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const _open = libc.func("int open(const char *, int)") as (path: string, flags: number) => number;
const _ioctlBuf = libc.func("int ioctl(int, unsigned long, void *)") as (
  fd: number,
  req: number,
  buf: Uint8Array,
) => number;

/** Opens `path` (normally /dev/kvm) read-write; returns the fd or -errno. */
export function openKvm(path: string): number {
  const fd = _open(path, O_RDWR | O_CLOEXEC);
  return fd < 0 ? -errno() : fd;
}

/** ioctl with an integer argument; returns the result or -errno. */
export function kvmIoctl(fd: number, req: number, arg: number = 0): number {
  return sys(SYS.ioctl, fd, req, arg);
}

/** ioctl whose argument points at `buf` (read and/or written by the kernel); result or -errno. */
export function kvmIoctlBuf(fd: number, req: number, buf: Uint8Array): number {
  const r = _ioctlBuf(fd, req, buf);
  return r === -1 ? -errno() : r;
}

/** KVM_RUN on `vcpuFd`: 0 or -errno (-EINTR when a signal interrupted the guest). */
export function kvmRun(vcpuFd: number): number {
  return sys(SYS.ioctl, vcpuFd, KVM.RUN, 0);
}

/** An ArrayBuffer over native memory at `addr` (no copy). */
export function nativeView(addr: bigint, len: number): ArrayBuffer {
  return koffi.view(addr, len) as ArrayBuffer;
}

/** SIGURG: ignored by default and unused by the JS runtimes; the vCPU preemption signal. */
export const SIG_PREEMPT = 23;
const SIGEV_THREAD_ID = 4;
const CLOCK_MONOTONIC = 1;

const _timerCreate = libc.func("long syscall(long, long, void *, _Out_ int *)") as (
  nr: number,
  clock: number,
  sev: Uint8Array,
  id: Int32Array,
) => number;
const _bufSyscall = libc.func("long syscall(long, long, void *, void *, long)") as (
  nr: number,
  a: number,
  b: Uint8Array | null,
  c: Uint8Array | null,
  d: number,
) => number;

/** A sigset with only SIG_PREEMPT. */
function preemptSet(): Uint8Array {
  const s = new Uint8Array(8);
  s[(SIG_PREEMPT - 1) >> 3] = 1 << ((SIG_PREEMPT - 1) & 7);
  return s;
}
const PREEMPT_SET = preemptSet();
const ZERO_TIMESPEC = new Uint8Array(16);
const _syscallPP = libc.func("long syscall(long, long, long, void *, void *)") as (
  nr: number,
  a: number,
  b: number,
  c: BigInt64Array,
  d: null,
) => number;
const _sigtimedwait = libc.func("long syscall(long, void *, void *, void *, long)") as (
  nr: number,
  set: Uint8Array,
  info: null,
  timeout: Uint8Array,
  size: number,
) => number;

/**
 * Blocks SIG_PREEMPT in the calling thread and creates a periodic CLOCK_MONOTONIC timer that
 * sends it to this thread every `periodNs`. While blocked the signal only stays pending; vCPUs
 * unblock it during KVM_RUN (KVM_SET_SIGNAL_MASK), so a pending tick ends KVM_RUN with EINTR.
 * Returns the timer id or -errno.
 */
export function createPreemptTimer(periodNs: number): number {
  const r = _bufSyscall(SYS.rt_sigprocmask, 0, /* SIG_BLOCK */ PREEMPT_SET, null, 8);
  if (r === -1) return -errno();
  const sev = new Uint8Array(64);
  const dv = new DataView(sev.buffer);
  dv.setInt32(8, SIG_PREEMPT, true);
  dv.setInt32(12, SIGEV_THREAD_ID, true);
  dv.setInt32(16, sys(SYS.gettid), true);
  const id = new Int32Array(1);
  if (_timerCreate(SYS.timer_create, CLOCK_MONOTONIC, sev, id) === -1) return -errno();
  const its = new BigInt64Array([0n, BigInt(periodNs), 0n, BigInt(periodNs)]);
  if (_syscallPP(SYS.timer_settime, id[0], 0, its, null) === -1) return -errno();
  return id[0];
}

/** Deletes a timer made by {@link createPreemptTimer}. */
export function deletePreemptTimer(id: number): void {
  sys(SYS.timer_delete, id);
}

/** Consumes a pending SIG_PREEMPT; true if one was pending. */
export function consumePreempt(): boolean {
  return _sigtimedwait(SYS.rt_sigtimedwait, PREEMPT_SET, null, ZERO_TIMESPEC, 8) === SIG_PREEMPT;
}

/** KVM_SET_SIGNAL_MASK argument: nothing blocked while the guest runs. */
export function runSignalMask(): Uint8Array {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint32(0, 8, true); // len: 8-byte kernel sigset
  return b;
}

const _epollWait = libc.func("int epoll_wait(int, _Out_ void *, int, int)") as (
  ep: number,
  events: Uint8Array,
  max: number,
  timeoutMs: number,
) => number;

/** epoll_wait into `events` (12-byte packed entries); count or -errno. */
export function epollWait(ep: number, events: Uint8Array, max: number, timeoutMs: number): number {
  const r = _epollWait(ep, events, max, timeoutMs);
  return r === -1 ? -errno() : r;
}
