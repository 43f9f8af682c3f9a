// The guest's fixed layout. Two memory slots: the Sentry's memory file at guest-physical 0 (so a
// file offset IS a guest-physical address, and page-table entries point straight at it), and a
// private region owned by the platform at PRIV_GPA holding the trampoline, descriptor tables,
// the kernel stack and the page-table pool. The private region is mapped in every address space
// at KVA (PML4 slot 511), above anything the application can map.
//
//   private offset   kernel VA           contents                      access
//   0x0000           KVA+0x0000          syscall entry (LSTAR)         user R+X (PVM runs it at CPL 3)
//   0x1000           KVA+0x1000          exception stubs, flush+iretq  supervisor R+X
//   0x2000           KVA+0x2000          GDT                           supervisor R
//   0x3000           KVA+0x3000          TSS + I/O bitmap (port 0x80)  supervisor RW
//   0x4000           KVA+0x4000          IDT (32 gates)                supervisor R
//   0x5000-0x8000    KVA+0x5000          kernel stack (RSP0), frame    supervisor RW
//   0x8000-0x9000    KVA+0x8000          IST1 stack (#DF)              supervisor RW
//   0x9000/a000/b000 -                   kernel PDPT / PD / PT         (not mapped)
//   0x10000-         -                   page-table pool               (not mapped)
import { FLUSH_GATE_OFFSET, FLUSH_VECTOR, NUM_VECTORS, VECTORS_WITH_ERROR } from "../../../ffi/kvm-guest.ts";

/** Guest-physical base of the private region (64 TiB, far above any memory file). */
export const PRIV_GPA = 2 ** 46;
/** Size of the private region (sparse memfd). */
export const PRIV_SIZE = 64 * 2 ** 20;
/** Kernel virtual base where the private region's first 2 MiB are mapped. */
export const KVA = 0xffffff8000000000n;
/** KVA as a JS number's worth of offset arithmetic is done on private offsets. */
export const OFF = {
  syscallPage: 0x0000,
  vectorPage: 0x1000,
  gdt: 0x2000,
  tss: 0x3000,
  idt: 0x4000,
  kstackTop: 0x8000,
  istTop: 0x9000,
  kpdpt: 0x9000,
  kpd: 0xa000,
  kpt: 0xb000,
  pool: 0x10000,
} as const;

/** Where the host writes the interrupt frame it resumes through (top of the kernel stack). */
export const FRAME_OFF = OFF.kstackTop - 64;

/** Segment selectors (Linux's layout: STAR user base 0x23 gives CS 0x33, SS 0x2b). */
export const SEL = { kcode: 0x08, kdata: 0x10, udata: 0x2b, ucode: 0x33, tss: 0x40 } as const;

/** GDT limit (bytes - 1): 8 descriptors + the 16-byte TSS descriptor. */
export const GDT_LIMIT = 0x4f;
/** TSS: 104-byte header, I/O bitmap of 32 bytes (ports 0..255) and the 0xff terminator. */
export const TSS_IOMAP = 0x68;
export const TSS_LIMIT = TSS_IOMAP + 32;
/** IDT limit: the 32 exceptions and the flush gate. */
export const IDT_LIMIT = (FLUSH_VECTOR + 1) * 16 - 1;

/** Kernel VA of a private-region offset. */
export function kva(off: number): bigint {
  return KVA + BigInt(off);
}

/** A flat 64-bit code or data segment descriptor. */
function segDesc(code: boolean, dpl: number): bigint {
  let d = 0xffffn | (0xfn << 48n); // limit
  d |= BigInt(code ? 0xb : 0x3) << 40n; // type: code exec/read accessed, data r/w accessed
  d |= 1n << 44n; // S: code/data
  d |= BigInt(dpl) << 45n;
  d |= 1n << 47n; // P
  d |= code ? 1n << 53n : 1n << 54n; // L for code, D/B for data
  d |= 1n << 55n; // G
  return d;
}

/** Writes the GDT, TSS (with RSP0, IST1 and the I/O bitmap) and IDT into the private region. */
export function writeDescriptorTables(priv: DataView, syscallPort: number): void {
  const gdt = OFF.gdt;
  priv.setBigUint64(gdt + 0x08, segDesc(true, 0), true);
  priv.setBigUint64(gdt + 0x10, segDesc(false, 0), true);
  priv.setBigUint64(gdt + 0x28, segDesc(false, 3), true);
  priv.setBigUint64(gdt + 0x30, segDesc(true, 3), true);
  const tss = kva(OFF.tss);
  const lo = BigInt(TSS_LIMIT) | ((tss & 0xffffffn) << 16n) | (0x89n << 40n) |
    (((tss >> 24n) & 0xffn) << 56n);
  priv.setBigUint64(gdt + SEL.tss, lo, true);
  priv.setBigUint64(gdt + SEL.tss + 8, tss >> 32n, true);
  // TSS: RSP0 (+4) for CPL 3 -> 0 transitions, IST1 (+0x24) for #DF, I/O bitmap base (+0x66).
  // RSP0 is the host's resume frame: what the CPU pushes lands just below it.
  priv.setBigUint64(OFF.tss + 4, kva(FRAME_OFF), true);
  priv.setBigUint64(OFF.tss + 0x24, kva(OFF.istTop), true);
  priv.setUint16(OFF.tss + 0x66, TSS_IOMAP, true);
  for (let i = 0; i <= 32; i++) priv.setUint8(OFF.tss + TSS_IOMAP + i, 0xff);
  // Clear the syscall port's bit: `out` to it is allowed at CPL 3 (PVM's syscall entry).
  const b = OFF.tss + TSS_IOMAP + (syscallPort >> 3);
  priv.setUint8(b, priv.getUint8(b) & ~(1 << (syscallPort & 7)));
  for (let v = 0; v <= FLUSH_VECTOR; v++) {
    if (v >= NUM_VECTORS && v !== FLUSH_VECTOR) continue;
    const target = kva(OFF.vectorPage + (v === FLUSH_VECTOR ? FLUSH_GATE_OFFSET : v * 16));
    // Interrupt gate; DPL 3 for #BP and #OF so int3/into work from user mode as on Linux, and
    // for the flush gate.
    const dpl = v === 3 || v === 4 || v === FLUSH_VECTOR ? 3n : 0n;
    const ist = v === 8 ? 1n : 0n;
    const g = (target & 0xffffn) | (BigInt(SEL.kcode) << 16n) | (ist << 32n) |
      ((0x8en | (dpl << 5n)) << 40n) |
      (((target >> 16n) & 0xffffn) << 48n);
    priv.setBigUint64(OFF.idt + v * 16, g, true);
    priv.setBigUint64(OFF.idt + v * 16 + 8, target >> 32n, true);
  }
}

/** True when exception `v` pushes an error code. */
export function hasErrorCode(v: number): boolean {
  return VECTORS_WITH_ERROR.has(v);
}
