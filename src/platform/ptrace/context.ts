// One application thread on the ptrace platform: a host thread of an address-space stub that
// runs application code under PTRACE_SYSEMU, so each syscall stops it before the host runs it.
import type { Context } from "../platform.ts";
import { PTRACE, ptrace, ptraceBuf } from "../../../ffi/ptrace.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import { STUB_SYSCALL_GADGET } from "../../../ffi/stub.ts";
import type { PtraceAddressSpace } from "./address-space.ts";
import { getRegs } from "./stubs.ts";
import { threadCpuNs } from "../../../ffi/cputime.ts";

/** A stub thread that runs one application thread. */
export class PtraceContext implements Context {
  readonly regs: Regs = new Regs();
  readonly as: PtraceAddressSpace;
  owner: unknown = null;
  /** Host tid of the stub thread. */
  readonly tid: number;
  /** True between resume() and the next event. */
  running = false;
  /** Set by interrupt(), cleared when the interrupt stop is reported. */
  interruptPending = false;
  /** Set when the host thread is gone. */
  dead = false;
  private readonly onResume: (c: PtraceContext) => void;

  /** Wraps stopped stub thread `tid`; `onResume` lets the platform count running contexts. */
  constructor(as: PtraceAddressSpace, tid: number, onResume: (c: PtraceContext) => void) {
    this.as = as;
    this.tid = tid;
    this.onResume = onResume;
    getRegs(tid, this.regs);
    const keep = [REG.cs, REG.ss, REG.ds, REG.es, REG.fs, REG.gs, REG.eflags];
    const saved = keep.map((i) => this.regs.big(i));
    this.regs.bytes.fill(0);
    keep.forEach((i, k) => this.regs.setBig(i, saved[k]));
    this.regs.set(REG.rip, STUB_SYSCALL_GADGET + 2);
  }

  /** Writes the registers back and runs the thread until its next syscall or signal. */
  resume(): void {
    if (this.dead || this.running) return;
    ptraceBuf(PTRACE.SETREGS, this.tid, 0, this.regs.bytes);
    if (ptrace(PTRACE.SYSEMU, this.tid, 0, 0) < 0) {
      this.dead = true;
      return;
    }
    this.running = true;
    this.onResume(this);
  }

  /** See Context.getFpregs. */
  getFpregs(out: Uint8Array): number {
    return ptraceBuf(PTRACE.GETFPREGS, this.tid, 0, out);
  }

  /** See Context.setFpregs. */
  setFpregs(src: Uint8Array): number {
    return ptraceBuf(PTRACE.SETFPREGS, this.tid, 0, src);
  }

  /** See Context.interrupt. */
  interrupt(): void {
    if (!this.running || this.interruptPending || this.dead) return;
    this.interruptPending = true;
    ptrace(PTRACE.INTERRUPT, this.tid, 0, 0);
  }

  /** See Context.cpuNs. */
  cpuNs(): number {
    return Math.max(0, threadCpuNs(this.as.pid, this.tid));
  }

  /** Ends the host thread (precondition: stopped). */
  release(): void {
    if (this.dead) return;
    this.dead = true;
    if (!this.running) this.as.exitThread(this.tid, this.regs);
  }
}
