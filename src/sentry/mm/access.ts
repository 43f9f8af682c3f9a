// MemoryAccess over a MemoryManager: copy-in/copy-out through the Sentry's view of the memory
// file, with every application address checked against the VMAs and their protection
// (-EFAULT on any hole, overflow or missing permission), like copy_from_user/copy_to_user.
import type { MemoryAccess } from "../syscalls/abi.ts";
import type { MemoryManager } from "./mm.ts";
import { USER_END } from "./layout.ts";
import { PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import { E } from "../../../ffi/errno.ts";
import { readOffset } from "./cow.ts";
import { PAGE_SIZE } from "./layout.ts";

const decoder = new TextDecoder();

/** Application memory access for one task; `mm` changes on execve. */
export class MmAccess implements MemoryAccess {
  mm: MemoryManager;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);

  /** Access to `mm`. */
  constructor(mm: MemoryManager) {
    this.mm = mm;
  }

  /** Copies between application memory and `buf`; `toApp` selects the direction. */
  private copy(addr: number, buf: Uint8Array, toApp: boolean, need: number): number {
    const len = buf.length;
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + len > USER_END) return -E.EFAULT;
    const mm = this.mm;
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const v = mm.find(a);
      if (v === null || (v.prot & need) === 0) return -E.EFAULT;
      let n = Math.min(len - done, v.end - a);
      let off: number;
      if (v.cow === null) off = v.off + (a - v.start);
      else if (toApp) {
        // Writing breaks copy-on-write first (the VMA may then stop being COW).
        const r = mm.prepareWrite(v, a, n);
        if (r < 0) return -E.EFAULT;
        off = v.off + (a - v.start);
      } else {
        // Copied and shared pages live in different ranges: one page at a time.
        n = Math.min(n, PAGE_SIZE - (a % PAGE_SIZE));
        if (v.cow.fill !== undefined && mm.prepareRead(v, a, n) < 0) return -E.EFAULT;
        off = readOffset(v, a);
      }
      if (toApp) mm.mf.write(off, buf.subarray(done, done + n));
      else mm.mf.read(off, buf.subarray(done, done + n));
      done += n;
    }
    return 0;
  }

  /** See MemoryAccess.readInto. */
  readInto(addr: number, dst: Uint8Array): number {
    return this.copy(addr, dst, false, PROT_READ);
  }

  /** See MemoryAccess.write. */
  write(addr: number, src: Uint8Array): number {
    return this.copy(addr, src, true, PROT_WRITE);
  }

  /** Writes ignoring protection (the loader filling read-only segments and the stack). */
  writeForce(addr: number, src: Uint8Array): number {
    return this.copy(addr, src, true, 0xffff);
  }

  /** See MemoryAccess.readCString. */
  readCString(addr: number, max: number): string | number {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr >= USER_END) return -E.EFAULT;
    const mm = this.mm;
    const parts: Uint8Array[] = [];
    let total = 0;
    let a = addr;
    while (total < max) {
      const v = mm.find(a);
      if (v === null || (v.prot & PROT_READ) === 0) return -E.EFAULT;
      // Scan at most to the end of the page run we can view in one piece.
      const n = v.cow === null
        ? Math.min(v.end - a, max - total, 4096 - (a % 4096) + 4096 * 15)
        : Math.min(v.end - a, max - total, 4096 - (a % 4096));
      if (v.cow !== null && v.cow.fill !== undefined && mm.prepareRead(v, a, n) < 0) return -E.EFAULT;
      const off = readOffset(v, a);
      let view = mm.mf.slice(off, n);
      if (view === null) {
        view = new Uint8Array(n);
        mm.mf.read(off, view);
      }
      const z = view.indexOf(0);
      if (z >= 0) {
        parts.push(view.subarray(0, z));
        total += z;
        return parts.length === 1 ? decoder.decode(parts[0]) : decoder.decode(concat(parts, total));
      }
      parts.push(view.slice());
      total += n;
      a += n;
    }
    return -E.ENAMETOOLONG;
  }

  /** Reads a u64 as a number (values >= 2^53 are returned as -1 for callers to reject). */
  readU64(addr: number): number {
    const r = this.readInto(addr, this.scratch);
    if (r < 0) return r;
    const lo = this.scratchView.getUint32(0, true), hi = this.scratchView.getUint32(4, true);
    if (hi >= 0x200000) return -E.EFAULT;
    return hi * 4294967296 + lo;
  }

  /** Writes a u64 given as a safe integer (negatives as two's complement). */
  writeU64(addr: number, v: number): number {
    this.scratchView.setBigInt64(0, BigInt(v), true);
    return this.write(addr, this.scratch);
  }

  /** Writes a u32/i32. */
  writeU32(addr: number, v: number): number {
    this.scratchView.setUint32(0, v >>> 0, true);
    return this.write(addr, this.scratch.subarray(0, 4));
  }

  /** Reads an i32, or returns null on fault (the value itself may be negative). */
  readI32(addr: number): number | null {
    const r = this.readInto(addr, this.scratch.subarray(0, 4));
    if (r < 0) return null;
    return this.scratchView.getInt32(0, true);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    const n = Math.min(p.length, total - o);
    out.set(p.subarray(0, n), o);
    o += n;
  }
  return out;
}
