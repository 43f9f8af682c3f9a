// One KVM virtual machine: the Sentry's memory file as guest-physical memory (slot 0 at GPA 0),
// the platform's private region (slot 1 at PRIV_GPA) with the trampoline, descriptor tables and
// page tables, and the vCPUs. Set-up registers an undo for each step so a failure half way
// releases everything acquired so far.
import { close } from "../../../ffi/libc.ts";
import { ftruncate, memfdCreate } from "../../../ffi/memfd.ts";
import { MAP_SHARED, mmapHost, munmapHost, PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import type { HostMapping } from "../../../ffi/mman.ts";
import { KVM, kvmIoctl, kvmIoctlBuf, memoryRegion, nativeView } from "../../../ffi/kvm.ts";
import { PORT_SYSCALL, syscallPage, vectorPage } from "../../../ffi/kvm-guest.ts";
import { KvmUnavailableError, openKvmDevice, probeKvm } from "./probe.ts";
import type { KvmInfo } from "./probe.ts";
import { OFF, PRIV_GPA, PRIV_SIZE, writeDescriptorTables } from "./layout.ts";
import { PagePool, PageTables, PTE } from "./pagetables.ts";
import { Vcpu } from "./vcpu.ts";

/** How a machine is built. */
export interface MachineOptions {
  /** The memory file (guest-physical memory from 0). */
  readonly memfd: number;
  /** Its size in bytes (a multiple of 2 MiB). */
  readonly memSize: number;
  /** Device path (default /dev/kvm). */
  readonly device?: string;
}

const NX_HI = 0x80000000;
/** Granule of memory-file registration, and the slot number of its first chunk. */
const RAM_CHUNK = 2 ** 30;
const RAM_SLOT0 = 2;

/** A VM with the guest layout of layout.ts. */
export class KvmMachine {
  readonly info: KvmInfo;
  readonly kvmFd: number;
  readonly vmFd: number;
  /** The private region: u32 words and a DataView over the same memory. */
  readonly priv32: Uint32Array;
  readonly privView: DataView;
  /** Page-table pages. */
  readonly pool: PagePool;
  /** The memory file's mapping in the Sentry (the guest's RAM as the host sees it). */
  readonly ram: HostMapping;
  /** Supported CPUID entries (struct kvm_cpuid2), given to every vCPU. */
  readonly cpuid: Uint8Array;
  /**
   * NX enforcement. Off on PVM: there, with EFER.NXE set, fetching from a read-only user page
   * in the upper half faults (measured), which the syscall entry page needs.
   */
  readonly nx: boolean;
  /** Set by the first syscall exit: whether `syscall` entered LSTAR at CPL 0 (VMX/SVM) or 3 (PVM). */
  syscallCpl = -1;
  private readonly memSize: number;
  /** Which 1 GiB chunks of the memory file are registered as memory slots. */
  private readonly ramChunks: boolean[] = [];
  private readonly privMap: HostMapping;
  private readonly privFd: number;
  private readonly vcpus: Vcpu[] = [];
  private nextVcpuId = 0;
  private readonly undo: (() => void)[] = [];
  private closed = false;

  /** Opens /dev/kvm and builds the VM; throws KvmUnavailableError when KVM cannot be used. */
  constructor(opts: MachineOptions) {
    const path = opts.device ?? "/dev/kvm";
    try {
      this.kvmFd = openKvmDevice(path);
      this.undo.push(() => close(this.kvmFd));
      this.info = probeKvm(this.kvmFd, path);
      const vm = kvmIoctl(this.kvmFd, KVM.CREATE_VM, 0);
      if (vm < 0) throw new KvmUnavailableError(path, `KVM_CREATE_VM failed (errno ${-vm})`, -vm);
      this.vmFd = vm;
      this.undo.push(() => close(vm));
      this.ram = mmapHost(opts.memSize, PROT_READ | PROT_WRITE, MAP_SHARED, opts.memfd, 0);
      this.undo.push(() => munmapHost(this.ram));
      this.memSize = opts.memSize;
      this.privFd = memfdCreate("runsc-kvm-private");
      this.undo.push(() => close(this.privFd));
      const r = ftruncate(this.privFd, PRIV_SIZE);
      if (r < 0) throw new Error(`kvm: sizing the private region failed: errno ${-r}`);
      this.privMap = mmapHost(PRIV_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, this.privFd, 0);
      this.undo.push(() => munmapHost(this.privMap));
      this.setRegion(1, PRIV_GPA, PRIV_SIZE, this.privMap.addr);
      const buf = nativeView(this.privMap.addr, PRIV_SIZE);
      this.priv32 = new Uint32Array(buf);
      this.privView = new DataView(buf);
      this.nx = this.info.backend !== "pvm";
      this.pool = new PagePool(this.priv32, this.nx);
      this.writeKernel();
      this.cpuid = this.supportedCpuid();
    } catch (e) {
      this.runUndo();
      throw e;
    }
  }

  /**
   * Registers the memory file's range [off, off+len) as guest memory, in 1 GiB slots made on
   * first use: one slot for the whole (sparse, 1 TiB) file costs seconds of KVM metadata
   * (measured: ~3 s here), a chunk a fraction of a millisecond.
   */
  ensureRam(off: number, len: number): void {
    const first = Math.floor(off / RAM_CHUNK), last = Math.floor((off + Math.max(len, 1) - 1) / RAM_CHUNK);
    for (let c = first; c <= last; c++) {
      if (this.ramChunks[c]) continue;
      const start = c * RAM_CHUNK;
      const size = Math.min(RAM_CHUNK, this.memSize - start);
      if (size <= 0) throw new RangeError(`kvm: memory-file offset ${start} beyond the file`);
      this.setRegion(RAM_SLOT0 + c, start, size, this.ram.addr + BigInt(start));
      this.ramChunks[c] = true;
    }
  }

  /**
   * Makes the guest forget every translation derived from the page tables, after the host
   * removed or narrowed mappings. Under shadow paging (PVM) the backend caches guest page tables
   * and only notices the guest's own writes, never the host's: deleting and re-adding the slot
   * that holds them drops all shadow pages (measured: works, ~0.15 ms). An in-guest CR3 reload
   * is not reachable from a syscall stop there (`int $n` at CPL 3 is #UD) and was not tried.
   */
  flushShadow(): void {
    this.setRegion(1, PRIV_GPA, 0, this.privMap.addr);
    this.setRegion(1, PRIV_GPA, PRIV_SIZE, this.privMap.addr);
  }

  private setRegion(slot: number, gpa: number, size: number, host: bigint): void {
    const r = kvmIoctlBuf(this.vmFd, KVM.SET_USER_MEMORY_REGION, memoryRegion(slot, BigInt(gpa), size, host));
    if (r < 0) throw new Error(`kvm: KVM_SET_USER_MEMORY_REGION slot ${slot} failed: errno ${-r}`);
  }

  /** Writes trampoline pages, descriptor tables and the kernel half of the page tables. */
  private writeKernel(): void {
    const bytes = new Uint8Array(this.privView.buffer);
    bytes.set(syscallPage(), OFF.syscallPage);
    bytes.set(vectorPage(), OFF.vectorPage);
    writeDescriptorTables(this.privView, PORT_SYSCALL);
    const u = this.priv32;
    const put = (table: number, i: number, lo: number, hi: number): void => {
      u[(table >> 2) + 2 * i] = lo >>> 0;
      u[(table >> 2) + 2 * i + 1] = hi >>> 0;
    };
    const gpaHi = Math.floor(PRIV_GPA / 2 ** 32);
    const link = PTE.P | PTE.RW | PTE.US;
    put(OFF.kpdpt, 0, OFF.kpd | link, gpaHi);
    put(OFF.kpd, 0, OFF.kpt | link, gpaHi);
    // Leaves: only the syscall page is user-accessible; code pages executable; the rest NX.
    const leaf = (off: number, lo: number, nx: boolean): void =>
      put(OFF.kpt, off >> 12, off | PTE.P | PTE.A | lo, gpaHi | (nx && this.nx ? NX_HI : 0));
    leaf(OFF.syscallPage, PTE.US, false);
    leaf(OFF.vectorPage, 0, false);
    leaf(OFF.gdt, PTE.RW | PTE.D, true);
    leaf(OFF.tss, PTE.RW | PTE.D, true);
    leaf(OFF.idt, PTE.RW | PTE.D, true);
    for (let off = 0x5000; off < OFF.istTop; off += 0x1000) leaf(off, PTE.RW | PTE.D, true);
  }

  /** KVM_GET_SUPPORTED_CPUID: the CPU model the guest sees (the host's, as KVM filters it). */
  private supportedCpuid(): Uint8Array {
    const n = 256;
    const b = new Uint8Array(8 + 40 * n);
    new DataView(b.buffer).setUint32(0, n, true);
    const r = kvmIoctlBuf(this.kvmFd, KVM.GET_SUPPORTED_CPUID, b);
    if (r < 0) throw new Error(`kvm: KVM_GET_SUPPORTED_CPUID failed: errno ${-r}`);
    return b;
  }

  /**
   * Makes `v` (and, on PVM, every vCPU) see page-table entries the host removed or narrowed.
   * Adding entries needs nothing: a missing translation is always looked up afresh.
   */
  flush(v: Vcpu): void {
    if (this.info.backend === "pvm") this.flushShadow();
    else v.tlbDirty = true;
  }

  /** New page tables for an address space (kernel half shared). */
  newPageTables(): PageTables {
    return new PageTables(this.pool, OFF.kpdpt);
  }

  /** Creates a vCPU running in `pt`, stopped at CPL 3 with zeroed registers. */
  newVcpu(pt: PageTables): Vcpu {
    const id = this.nextVcpuId++;
    const fd = kvmIoctl(this.vmFd, KVM.CREATE_VCPU, id);
    if (fd < 0) throw new Error(`kvm: KVM_CREATE_VCPU ${id} failed: errno ${-fd}`);
    const v = new Vcpu(this, fd, pt);
    this.vcpus.push(v);
    return v;
  }

  /** Forgets a released vCPU (KVM keeps it until the VM closes; its fd and mapping go now). */
  dropVcpu(v: Vcpu): void {
    const i = this.vcpus.indexOf(v);
    if (i >= 0) this.vcpus.splice(i, 1);
  }

  private runUndo(): void {
    while (this.undo.length > 0) {
      try {
        this.undo.pop()!();
      } catch {
        // best effort: keep releasing the rest
      }
    }
  }

  /** Destroys the VM and every vCPU. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const v of this.vcpus.splice(0)) v.close();
    this.runUndo();
  }
}
