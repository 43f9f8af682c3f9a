// Address spaces and contexts of the KVM platform. An address space is a page-table tree in the
// private region; a context is a vCPU whose CR3 is that tree. Mapping changes edit page-table
// entries in place; removing or narrowing entries makes the guest drop cached translations.
import type { AddressSpace, Context } from "../platform.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import type { KvmMachine } from "./machine.ts";
import type { PageTables } from "./pagetables.ts";
import type { Vcpu } from "./vcpu.ts";

const MAX_USER = 2 ** 47;
const EINVAL = 22;

/** Whether [addr, addr+len) is a page-aligned range of the user half. */
function badRange(addr: number, len: number): boolean {
  return addr % 4096 !== 0 || len % 4096 !== 0 || addr < 0 || len < 0 || addr + len > MAX_USER;
}

/** An application address space: one page-table tree. */
export class KvmAddressSpace implements AddressSpace {
  readonly pt: PageTables;
  /** vCPUs running in this address space (to flush their translations). */
  readonly vcpus: Set<Vcpu> = new Set();
  private readonly m: KvmMachine;
  private released = false;

  /** A new empty address space of machine `m`. */
  constructor(m: KvmMachine) {
    this.m = m;
    this.pt = m.newPageTables();
  }

  private flush(): void {
    for (const v of this.vcpus) this.m.flush(v);
  }

  /** See AddressSpace.map (memory-file offset = guest-physical address). */
  map(addr: number, len: number, off: number, prot: number): number {
    if (badRange(addr, len) || off % 4096 !== 0) return -EINVAL;
    this.m.ensureRam(off, len);
    if (this.pt.map(addr, len, off, prot)) this.flush();
    return 0;
  }

  /** See AddressSpace.unmap. */
  unmap(addr: number, len: number): number {
    if (badRange(addr, len)) return -EINVAL;
    this.pt.unmap(addr, len);
    this.flush();
    return 0;
  }

  /** See AddressSpace.protect. */
  protect(addr: number, len: number, prot: number): number {
    if (badRange(addr, len)) return -EINVAL;
    this.pt.protect(addr, len, prot);
    this.flush();
    return 0;
  }

  /** See AddressSpace.release. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pt.release();
  }
}

/** One application thread: a vCPU. */
export class KvmContext implements Context {
  readonly regs: Regs = new Regs();
  readonly as: KvmAddressSpace;
  owner: unknown = null;
  readonly vcpu: Vcpu;
  /** Queued to run (between resume() and its next event). */
  running = false;
  interruptPending = false;
  dead = false;
  private readonly onResume: (c: KvmContext) => void;

  /** A stopped context on a new vCPU of `as`; `onResume` queues it in the platform. */
  constructor(m: KvmMachine, as: KvmAddressSpace, onResume: (c: KvmContext) => void) {
    this.as = as;
    this.vcpu = m.newVcpu(as.pt);
    as.vcpus.add(this.vcpu);
    this.onResume = onResume;
    this.regs.set(REG.cs, 0x33);
    this.regs.set(REG.ss, 0x2b);
    this.regs.set(REG.eflags, 0x202);
  }

  /** See Context.resume. */
  resume(): void {
    if (this.dead || this.running) return;
    this.running = true;
    this.onResume(this);
  }

  /** See Context.getFpregs. */
  getFpregs(out: Uint8Array): number {
    return this.vcpu.getFpregs(out);
  }

  /** See Context.setFpregs. */
  setFpregs(src: Uint8Array): number {
    return this.vcpu.setFpregs(src);
  }

  /** See Context.interrupt: a queued context reports EV_INTERRUPT instead of running. */
  interrupt(): void {
    if (this.running && !this.dead) this.interruptPending = true;
  }

  /** See Context.release. */
  release(): void {
    if (this.dead) return;
    this.dead = true;
    this.running = false;
    this.as.vcpus.delete(this.vcpu);
    this.vcpu.close();
  }
}
