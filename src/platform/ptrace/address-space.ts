// An application address space on the ptrace platform: one stub process whose main thread is
// the "control thread". It never runs application code; the Sentry injects mmap/munmap/
// mprotect of the memory file into it, so mapping changes never disturb application threads.
import type { AddressSpace, HostMapping } from "../platform.ts";
import { Regs } from "../../../ffi/regs.ts";
import { STUB_MEMFD } from "../../../ffi/stub.ts";
import { MAP_FIXED, MAP_SHARED } from "../../../ffi/mman.ts";
import { SYS } from "../../../ffi/sysno.ts";
import { sys } from "../../../ffi/libc.ts";
import { CPUCLOCK_PROF, CPUCLOCK_SCHED, CPUCLOCK_VIRT, processCpuNs } from "../../../ffi/cputime.ts";
import { cloneStubThread, getRegs, inject, injectExit, nameStub } from "./stubs.ts";

/** A stub process serving as one application address space. */
export class PtraceAddressSpace implements AddressSpace {
  /** Host pid of the stub process (= tid of its control thread). */
  readonly pid: number;
  private readonly regs = new Regs();
  private released = false;
  /** Number of live contexts (threads) in this stub besides the control thread. */
  threads = 0;

  /** Wraps stub process `pid`, stopped in its control thread, with host mappings `special`. */
  constructor(pid: number, readonly special: readonly HostMapping[] = []) {
    this.pid = pid;
    getRegs(pid, this.regs);
  }

  /** Maps memory-file range [off, off+len) at `addr` (see AddressSpace.map). */
  map(addr: number, len: number, off: number, prot: number): number {
    const r = inject(this.pid, this.regs, SYS.mmap, addr, len, prot, MAP_SHARED | MAP_FIXED, STUB_MEMFD, off);
    return r < 0 ? r : 0;
  }

  /** See AddressSpace.unmap. */
  unmap(addr: number, len: number): number {
    return inject(this.pid, this.regs, SYS.munmap, addr, len);
  }

  /** See AddressSpace.protect. */
  protect(addr: number, len: number, prot: number): number {
    return inject(this.pid, this.regs, SYS.mprotect, addr, len, prot);
  }

  /** See AddressSpace.describe. */
  describe(args: Uint8Array, comm: Uint8Array): void {
    nameStub(this.pid, this.regs, args, comm);
  }

  /** Runs any syscall in the control thread (for tests and platform internals). */
  injectSyscall(nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    return inject(this.pid, this.regs, nr, a0, a1, a2, a3, a4, a5);
  }

  /** Creates a new stopped host thread in this stub; returns its tid. */
  newThread(): number {
    const tid = cloneStubThread(this.pid, this.regs);
    this.threads++;
    return tid;
  }

  /** Ends a stopped thread of this stub by injecting exit() into it. */
  exitThread(tid: number, regs: Regs): void {
    injectExit(tid, regs);
    this.threads--;
  }

  /** See AddressSpace.cpuTime: the stub's process clocks, split as Linux's cputime_adjust. */
  cpuTime(out: Float64Array): void {
    const total = Math.max(0, processCpuNs(this.pid, CPUCLOCK_SCHED));
    const user = processCpuNs(this.pid, CPUCLOCK_VIRT), prof = processCpuNs(this.pid, CPUCLOCK_PROF);
    // The user/system ticks only give the ratio; the scheduler's runtime is exact.
    out[0] = prof > 0 && user >= 0 ? Math.round((total * user) / prof) : total;
    out[1] = total - out[0];
  }

  /** Kills the stub process (all its threads). Its exit events are drained by the platform. */
  release(): void {
    if (this.released) return;
    this.released = true;
    sys(SYS.kill, this.pid, 9);
  }
}
