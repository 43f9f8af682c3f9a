// One vCPU: its kvm_run mapping, the register exchange through KVM_CAP_SYNC_REGS (no GET/SET_REGS
// ioctl per exit), and the decoding of exits into application events. The vCPU stops either at
// CPL 3 (initially, and after a syscall on PVM, where `syscall` keeps CPL 3) — then the host
// resumes it by setting RIP/RSP/RFLAGS directly — or at CPL 0 in a trampoline stub (exceptions;
// syscalls on VMX/SVM) — then the host writes an iretq frame and points RIP at an `iretq`.
import { close } from "../../../ffi/libc.ts";
import { MAP_SHARED, mmapHost, munmapHost, PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import type { HostMapping } from "../../../ffi/mman.ts";
import {
  consumePreempt,
  KREG,
  KVM,
  KVM_EXIT,
  KVM_SREGS_SIZE,
  KVM_SYNC_X86_REGS,
  KVM_XSAVE_SIZE,
  kvmIoctlBuf,
  kvmRun,
  MSR,
  msrList,
  nativeView,
  putDtable,
  putSegment,
  RUN,
  runSignalMask,
  SREGS,
} from "../../../ffi/kvm.ts";
import {
  FLUSH_AND_IRETQ_OFFSET,
  NUM_VECTORS,
  PORT_SYSCALL,
  USER_FLUSH_OFFSET,
  VECTOR_STUB_IRETQ,
} from "../../../ffi/kvm-guest.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import { FRAME_OFF, GDT_LIMIT, hasErrorCode, IDT_LIMIT, KVA, kva, OFF, SEL, TSS_LIMIT } from "./layout.ts";
import type { PageTables } from "./pagetables.ts";
import type { KvmMachine } from "./machine.ts";

/** Exit kinds reported by {@link Vcpu.run}. */
export const VX_SYSCALL = 1;
export const VX_FAULT = 2;
export const VX_INTR = 3;

/** What stopped the guest, beyond the registers. */
export interface VcpuExit {
  kind: number;
  /** VX_FAULT: exception vector, error code (0 if none) and CR2 (#PF). */
  vector: number;
  error: number;
  cr2: number;
}

/** Raised when the guest does something the trampoline never does (a platform bug). */
export class GuestError extends Error {
  override readonly name = "GuestError";
}

const ENOSYS = 38;
/** RFLAGS bits an application may set (CF PF AF ZF SF TF DF OF AC ID, plus RF/NT cleared). */
const USER_FLAGS = 0x254dd5;
/** Always set in user mode: bit 1 and IF. */
const FLAGS_FIXED = 0x202;
const TWO32 = 4294967296;
const SYSCALL_PAGE_LO = Number(kva(OFF.syscallPage) & 0xffffffffn);
const SYSCALL_RIP_LO = SYSCALL_PAGE_LO + 2;
const KVA_HI = Number(KVA >> 32n);
const VECTOR_LO = Number(kva(OFF.vectorPage) & 0xffffffffn);

/** Pairs (kvm_regs index, user_regs_struct index) copied unchanged between the two layouts. */
const GPRS: readonly (readonly [number, number])[] = [
  [KREG.rax, REG.rax],
  [KREG.rbx, REG.rbx],
  [KREG.rcx, REG.rcx],
  [KREG.rdx, REG.rdx],
  [KREG.rsi, REG.rsi],
  [KREG.rdi, REG.rdi],
  [KREG.rsp, REG.rsp],
  [KREG.rbp, REG.rbp],
  [KREG.r8, REG.r8],
  [KREG.r9, REG.r9],
  [KREG.r10, REG.r10],
  [KREG.r11, REG.r11],
  [KREG.r12, REG.r12],
  [KREG.r13, REG.r13],
  [KREG.r14, REG.r14],
  [KREG.r15, REG.r15],
];

/** A vCPU running application code of one address space. */
export class Vcpu {
  readonly fd: number;
  readonly pt: PageTables;
  private readonly m: KvmMachine;
  private readonly runMap: HostMapping;
  private readonly run8: Uint8Array;
  private readonly run32: Uint32Array;
  /** u32 index of kvm_run.s.regs. */
  private readonly sr: number;
  /** Where the vCPU stopped: true = in a CPL 0 stub (resume through an iretq frame). */
  private atCpl0 = false;
  /** The page tables changed since the last entry: resume through the CR3-reload stub. */
  tlbDirty = false;
  private fsLo = 0;
  private fsHi = 0;
  private gsLo = 0;
  private gsHi = 0;
  private readonly sregs = new Uint8Array(KVM_SREGS_SIZE);
  private readonly sregsView = new DataView(this.sregs.buffer);
  /** The last exit (reused object). */
  readonly exit: VcpuExit = { kind: 0, vector: 0, error: 0, cr2: 0 };

  /** Wraps new vCPU `fd`: maps kvm_run and loads the long-mode user state. */
  constructor(m: KvmMachine, fd: number, pt: PageTables) {
    this.m = m;
    this.fd = fd;
    this.pt = pt;
    this.runMap = mmapHost(m.info.vcpuMmapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const buf = nativeView(this.runMap.addr, m.info.vcpuMmapSize);
    this.run8 = new Uint8Array(buf);
    this.run32 = new Uint32Array(buf);
    this.sr = RUN.syncRegs >> 2;
    this.check("KVM_SET_CPUID2", kvmIoctlBuf(fd, KVM.SET_CPUID2, m.cpuid));
    // Nothing blocked while the guest runs, so the preemption tick (blocked in the Sentry's
    // thread otherwise) ends KVM_RUN.
    this.check("KVM_SET_SIGNAL_MASK", kvmIoctlBuf(fd, KVM.SET_SIGNAL_MASK, runSignalMask()));
    this.initSregs();
    this.check(
      "KVM_SET_MSRS",
      this.setMsrs([
        [MSR.STAR, (0x23n << 48n) | (BigInt(SEL.kcode) << 32n)],
        [MSR.LSTAR, kva(OFF.syscallPage)],
        [MSR.SFMASK, 0x47700n], // TF DF IF IOPL AC NT cleared on entry, as Linux does
        [MSR.FS_BASE, 0n],
        [MSR.GS_BASE, 0n],
      ]),
    );
    if (m.info.syncRegs & KVM_SYNC_X86_REGS) this.run32[RUN.validRegs >> 2] = KVM_SYNC_X86_REGS;
    else throw new GuestError("kvm: KVM_CAP_SYNC_REGS without register sync is not supported");
    // Zeroed user registers, stopped at CPL 3.
    this.run32.fill(0, this.sr, this.sr + 36);
    this.run32[this.sr + 2 * KREG.rflags] = FLAGS_FIXED;
    this.run32[RUN.dirtyRegs >> 2] = KVM_SYNC_X86_REGS;
  }

  private check(what: string, r: number): void {
    if (r < 0) throw new GuestError(`kvm: ${what} failed: errno ${-r}`);
  }

  private setMsrs(list: readonly (readonly [number, bigint])[]): number {
    const r = kvmIoctlBuf(this.fd, KVM.SET_MSRS, msrList(list));
    return r === list.length ? 0 : r < 0 ? r : -22;
  }

  /** Long mode, paging, user segments, GDT/IDT/TSS of the private region. */
  private initSregs(): void {
    const dv = this.sregsView;
    this.check("KVM_GET_SREGS", kvmIoctlBuf(this.fd, KVM.GET_SREGS, this.sregs));
    const flat = { base: 0, limit: 0xffffffff, present: 1, dpl: 3, s: 1, g: 1 };
    putSegment(dv, SREGS.cs, { ...flat, selector: SEL.ucode, type: 0xb, db: 0, l: 1 });
    const data = { ...flat, selector: SEL.udata, type: 0x3, db: 1, l: 0 };
    putSegment(dv, SREGS.ss, data);
    for (const s of [SREGS.ds, SREGS.es, SREGS.fs, SREGS.gs]) putSegment(dv, s, { ...data, selector: 0 });
    const tss = kva(OFF.tss);
    // The TSS base is a 64-bit address: putSegment takes a number, so patch the base after.
    putSegment(dv, SREGS.tr, {
      base: 0,
      limit: TSS_LIMIT,
      selector: SEL.tss,
      type: 11,
      present: 1,
      dpl: 0,
      db: 0,
      s: 0,
      l: 0,
      g: 0,
    });
    dv.setBigUint64(SREGS.tr, tss, true);
    putDtable(dv, SREGS.gdt, kva(OFF.gdt), GDT_LIMIT);
    putDtable(dv, SREGS.idt, kva(OFF.idt), IDT_LIMIT);
    dv.setBigUint64(SREGS.cr0, 0x80050033n, true); // PG WP AM NE ET MP PE
    dv.setBigUint64(SREGS.cr3, BigInt(this.pt.cr3), true);
    dv.setBigUint64(SREGS.cr4, 0x6a0n, true); // PAE PGE OSFXSR OSXMMEXCPT
    dv.setBigUint64(SREGS.efer, this.m.nx ? 0xd01n : 0x501n, true); // SCE LME LMA (NXE)
    this.check("KVM_SET_SREGS", kvmIoctlBuf(this.fd, KVM.SET_SREGS, this.sregs));
  }

  /** Loads `regs` into the vCPU (the state the application resumes with). */
  private load(regs: Regs): void {
    const k = this.run32, u = regs.u32, sr = this.sr;
    for (const [ki, ui] of GPRS) {
      k[sr + 2 * ki] = u[2 * ui];
      k[sr + 2 * ki + 1] = u[2 * ui + 1];
    }
    const flags = ((u[2 * REG.eflags] & USER_FLAGS) | FLAGS_FIXED) >>> 0;
    if (this.atCpl0 || this.tlbDirty) {
      // Stopped at CPL 3 with a flush due: `int $0x20` in the syscall page reaches the flush
      // stub at CPL 0, which then irets through the frame written here.
      // Resume through an iretq frame on the kernel stack: rip, cs, rflags, rsp, ss.
      const f = this.m.priv32, w = FRAME_OFF >> 2;
      f[w] = u[2 * REG.rip];
      f[w + 1] = u[2 * REG.rip + 1];
      f[w + 2] = SEL.ucode;
      f[w + 3] = 0;
      f[w + 4] = flags;
      f[w + 5] = 0;
      f[w + 6] = u[2 * REG.rsp];
      f[w + 7] = u[2 * REG.rsp + 1];
      f[w + 8] = SEL.udata;
      f[w + 9] = 0;
      const rsp = kva(FRAME_OFF);
      k[sr + 2 * KREG.rsp] = Number(rsp & 0xffffffffn);
      k[sr + 2 * KREG.rsp + 1] = KVA_HI;
      if (this.atCpl0) {
        const stub = this.tlbDirty ? FLUSH_AND_IRETQ_OFFSET : VECTOR_STUB_IRETQ;
        k[sr + 2 * KREG.rip] = VECTOR_LO + stub;
        k[sr + 2 * KREG.rflags] = 0x2;
      } else {
        k[sr + 2 * KREG.rip] = SYSCALL_PAGE_LO + USER_FLUSH_OFFSET;
        k[sr + 2 * KREG.rflags] = FLAGS_FIXED;
      }
      k[sr + 2 * KREG.rip + 1] = KVA_HI;
      k[sr + 2 * KREG.rflags + 1] = 0;
    } else {
      k[sr + 2 * KREG.rip] = u[2 * REG.rip];
      k[sr + 2 * KREG.rip + 1] = u[2 * REG.rip + 1];
      k[sr + 2 * KREG.rflags] = flags;
      k[sr + 2 * KREG.rflags + 1] = 0;
    }
    k[RUN.dirtyRegs >> 2] = KVM_SYNC_X86_REGS;
    if (u[2 * REG.fs_base] !== this.fsLo || u[2 * REG.fs_base + 1] !== this.fsHi) this.loadBase(regs, true);
    if (u[2 * REG.gs_base] !== this.gsLo || u[2 * REG.gs_base + 1] !== this.gsHi) this.loadBase(regs, false);
  }

  private loadBase(regs: Regs, fs: boolean): void {
    const i = fs ? REG.fs_base : REG.gs_base;
    this.check("KVM_SET_MSRS", this.setMsrs([[fs ? MSR.FS_BASE : MSR.GS_BASE, regs.big(i)]]));
    if (fs) [this.fsLo, this.fsHi] = [regs.lo(i), regs.hi(i)];
    else [this.gsLo, this.gsHi] = [regs.lo(i), regs.hi(i)];
  }

  /** Copies the general registers of the stopped guest into `regs` (segments: user values). */
  private store(regs: Regs): void {
    const k = this.run32, u = regs.u32, sr = this.sr;
    for (const [ki, ui] of GPRS) {
      u[2 * ui] = k[sr + 2 * ki];
      u[2 * ui + 1] = k[sr + 2 * ki + 1];
    }
    u[2 * REG.rip] = k[sr + 2 * KREG.rip];
    u[2 * REG.rip + 1] = k[sr + 2 * KREG.rip + 1];
    u[2 * REG.eflags] = k[sr + 2 * KREG.rflags];
    u[2 * REG.eflags + 1] = 0;
    u[2 * REG.cs] = SEL.ucode;
    u[2 * REG.ss] = SEL.udata;
    u[2 * REG.fs_base] = this.fsLo;
    u[2 * REG.fs_base + 1] = this.fsHi;
    u[2 * REG.gs_base] = this.gsLo;
    u[2 * REG.gs_base + 1] = this.gsHi;
  }

  /**
   * Runs the guest from `regs` until the next syscall, fault or host interruption, and leaves
   * the application's registers in `regs` (ptrace's view: for a syscall rip is after the
   * instruction, orig_rax the number, rax -ENOSYS). Returns this.exit.
   */
  run(regs: Regs): VcpuExit {
    this.load(regs);
    const k = this.run32, sr = this.sr;
    let r = kvmRun(this.fd);
    // A host signal that stops the guest inside the trampoline (an exception or syscall stub
    // before its `out`, or a resume stub before its iretq) leaves state that `regs` does not
    // describe: the application may have run since the last exit (resuming from `regs` would
    // replay it), and CS may be the kernel's (loading a user rip would run the application at
    // CPL 0). So the trampoline is finished first: the tick is consumed and the vCPU re-entered
    // with its registers untouched (KVM cleared kvm_dirty_regs) until a real exit.
    for (let n = 0; this.interrupted(r) && k[sr + 2 * KREG.rip + 1] === KVA_HI; n++) {
      if (r < 0 && r !== -4) throw new GuestError(`kvm: KVM_RUN failed: errno ${-r}`);
      if (n === 1000) throw new GuestError("kvm: the guest trampoline keeps being interrupted");
      consumePreempt();
      r = kvmRun(this.fd);
    }
    this.tlbDirty = false;
    const ex = this.exit;
    const ripLo = k[sr + 2 * KREG.rip], ripHi = k[sr + 2 * KREG.rip + 1];
    if (this.interrupted(r)) {
      if (r < 0 && r !== -4) throw new GuestError(`kvm: KVM_RUN failed: errno ${-r}`);
      // A host signal stopped the guest in application code (at CPL 3).
      this.store(regs);
      this.atCpl0 = false;
      ex.kind = VX_INTR;
      return ex;
    }
    const reason = k[RUN.exitReason >> 2];
    if (reason !== KVM_EXIT.IO) throw this.unexpected(reason);
    const port = this.run8[RUN.ioPort] | (this.run8[RUN.ioPort + 1] << 8);
    this.store(regs);
    if (port === PORT_SYSCALL && ripLo === SYSCALL_RIP_LO && ripHi === KVA_HI) {
      if (this.m.syscallCpl < 0) this.m.syscallCpl = this.readCpl();
      this.atCpl0 = this.m.syscallCpl === 0;
      // The CPU saved the return address in rcx and the flags in r11, as on Linux.
      regs.u32[2 * REG.rip] = k[sr + 2 * KREG.rcx];
      regs.u32[2 * REG.rip + 1] = k[sr + 2 * KREG.rcx + 1];
      regs.u32[2 * REG.eflags] = k[sr + 2 * KREG.r11];
      regs.u32[2 * REG.eflags + 1] = 0;
      regs.u32[2 * REG.orig_rax] = k[sr + 2 * KREG.rax];
      regs.u32[2 * REG.orig_rax + 1] = k[sr + 2 * KREG.rax + 1];
      regs.set(REG.rax, -ENOSYS);
      ex.kind = VX_SYSCALL;
      return ex;
    }
    if (port < NUM_VECTORS && ripHi === KVA_HI && ripLo === VECTOR_LO + port * 16 + 2) {
      this.atCpl0 = true;
      return this.fault(port, regs);
    }
    // `out` executed by the application itself (only port 0x80 is open at CPL 3): like Linux
    // without ioperm, a #GP. rip points after the 2-byte instruction.
    this.atCpl0 = false;
    regs.set(REG.rip, regs.get(REG.rip) - 2);
    ex.kind = VX_FAULT;
    ex.vector = 13;
    ex.error = 0;
    ex.cr2 = 0;
    return ex;
  }

  private interrupted(r: number): boolean {
    return r < 0 || this.run32[RUN.exitReason >> 2] === KVM_EXIT.INTR;
  }

  /** Decodes exception `v`'s frame on the kernel stack into `regs`. */
  private fault(v: number, regs: Regs): VcpuExit {
    const k = this.run32, sr = this.sr;
    const rspOff = Number(((BigInt(k[sr + 2 * KREG.rsp + 1]) << 32n) | BigInt(k[sr + 2 * KREG.rsp])) - KVA);
    const f = this.m.priv32;
    let w = rspOff >> 2;
    const ex = this.exit;
    ex.kind = VX_FAULT;
    ex.vector = v;
    ex.error = 0;
    ex.cr2 = 0;
    if (hasErrorCode(v)) {
      ex.error = f[w];
      w += 2;
    }
    if (f[w + 2] !== SEL.ucode || f[w + 1] === KVA_HI) {
      throw new GuestError(
        `kvm: exception ${v} in the guest trampoline (cs ${f[w + 2]}, rip ${f[w].toString(16)})`,
      );
    }
    const u = regs.u32;
    u[2 * REG.rip] = f[w];
    u[2 * REG.rip + 1] = f[w + 1];
    u[2 * REG.eflags] = f[w + 4];
    u[2 * REG.eflags + 1] = 0;
    u[2 * REG.rsp] = f[w + 6];
    u[2 * REG.rsp + 1] = f[w + 7];
    regs.set(REG.orig_rax, -1);
    if (v === 14) {
      this.check("KVM_GET_SREGS", kvmIoctlBuf(this.fd, KVM.GET_SREGS, this.sregs));
      const lo = this.sregsView.getUint32(SREGS.cr2, true),
        hi = this.sregsView.getUint32(SREGS.cr2 + 4, true);
      ex.cr2 = hi < 0x200000 ? hi * TWO32 + lo : -1;
    }
    return ex;
  }

  private readCpl(): number {
    this.check("KVM_GET_SREGS", kvmIoctlBuf(this.fd, KVM.GET_SREGS, this.sregs));
    return this.sregs[SREGS.cs + 12] & 3;
  }

  private unexpected(reason: number): GuestError {
    const sub = this.run32[RUN.internalSuberror >> 2];
    const rip = this.run32[this.sr + 2 * KREG.rip].toString(16);
    const names: Record<number, string> = {
      5: "HLT",
      8: "SHUTDOWN (triple fault)",
      9: "FAIL_ENTRY",
      17: "INTERNAL_ERROR",
    };
    return new GuestError(
      `kvm: unexpected exit ${names[reason] ?? reason} (suberror ${sub}, rip low ${rip})`,
    );
  }

  /** Reads the x87/SSE state (fxsave layout, 512 bytes) into `out`; 0 or -errno. */
  getFpregs(out: Uint8Array): number {
    const x = new Uint8Array(KVM_XSAVE_SIZE);
    const r = kvmIoctlBuf(this.fd, KVM.GET_XSAVE, x);
    if (r < 0) return r;
    out.set(x.subarray(0, Math.min(512, out.length)));
    return 0;
  }

  /** Writes the x87/SSE state (fxsave layout) from `src`; 0 or -errno. */
  setFpregs(src: Uint8Array): number {
    const x = new Uint8Array(KVM_XSAVE_SIZE);
    const r = kvmIoctlBuf(this.fd, KVM.GET_XSAVE, x);
    if (r < 0) return r;
    x.set(src.subarray(0, 512));
    return kvmIoctlBuf(this.fd, KVM.SET_XSAVE, x);
  }

  /** Unmaps kvm_run and closes the fd (KVM frees the vCPU with the VM). */
  close(): void {
    munmapHost(this.runMap);
    close(this.fd);
    this.m.dropVcpu(this);
  }
}
