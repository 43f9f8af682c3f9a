// Guest page tables written by the host: 4-level x86-64 tables with 4 KiB leaves, one tree per
// application address space, all living in the platform's private region. User leaves point at
// memory-file offsets (= guest-physical addresses); PML4 slot 511 points at the shared kernel
// PDPT that maps the trampoline and descriptor tables. Entries are edited as two u32 halves so
// no 64-bit value passes through a float.
import { OFF, PRIV_GPA, PRIV_SIZE } from "./layout.ts";

const PAGE = 4096;
/** PTE bits (low word). */
export const PTE = { P: 1, RW: 2, US: 4, A: 0x20, D: 0x40, PS: 0x80, G: 0x100, NONE: 0x200 } as const;
/** NX is bit 63: bit 31 of the high word. */
const NX_HI = 0x80000000;
const TWO32 = 4294967296;
const ADDR_HI_MASK = 0xfffff; // bits 32..51
const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

/** Pages of the private region handed out for page tables (zeroed on allocation). */
export class PagePool {
  private next: number = OFF.pool;
  private readonly free: number[] = [];
  /** The private region as u32 words (shared with the tables). */
  readonly u32: Uint32Array;
  /** Whether leaves carry the NX bit (EFER.NXE on); see docs/platform-kvm.md for PVM. */
  readonly nx: boolean;

  /** `u32` views the whole private region. */
  constructor(u32: Uint32Array, nx: boolean) {
    this.u32 = u32;
    this.nx = nx;
  }

  /** A zeroed page; returns its private offset. Throws when the region is exhausted. */
  alloc(): number {
    let off = this.free.pop();
    if (off === undefined) {
      if (this.next + PAGE > PRIV_SIZE) throw new Error("kvm: page-table pool exhausted");
      off = this.next;
      this.next += PAGE;
    }
    this.u32.fill(0, off >> 2, (off + PAGE) >> 2);
    return off;
  }

  /** Returns page `off` to the pool. */
  release(off: number): void {
    this.free.push(off);
  }

  /** Pages in use (for tests and stats). */
  inUse(): number {
    return (this.next - OFF.pool) / PAGE - this.free.length;
  }
}

/** Writes entry `i` of table `tableOff` pointing at guest-physical `gpa` with flags. */
function setEntry(u32: Uint32Array, tableOff: number, i: number, gpa: number, lo: number, hi: number): void {
  const w = (tableOff >> 2) + 2 * i;
  u32[w] = (((gpa % TWO32) & 0xfffff000) | lo) >>> 0;
  u32[w + 1] = ((Math.floor(gpa / TWO32) & ADDR_HI_MASK) | hi) >>> 0;
}

/** The private offset a non-leaf entry points at (all tables live in the private region). */
function entryTable(u32: Uint32Array, tableOff: number, i: number): number {
  const w = (tableOff >> 2) + 2 * i;
  if ((u32[w] & PTE.P) === 0) return -1;
  const gpa = (u32[w + 1] & ADDR_HI_MASK) * TWO32 + ((u32[w] & 0xfffff000) >>> 0);
  return gpa - PRIV_GPA;
}

/** Leaf flags for mmap-style `prot`. PROT_NONE keeps the address under a not-present marker. */
function leafFlags(prot: number, nx: boolean): [number, number] {
  if ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) === 0) return [PTE.NONE, 0];
  const lo = PTE.P | PTE.US | PTE.A | ((prot & PROT_WRITE) !== 0 ? PTE.RW | PTE.D : 0);
  return [lo, nx && (prot & PROT_EXEC) === 0 ? NX_HI : 0];
}

/** What a leaf says about an address, for fault classification. */
export const LEAF_ABSENT = 0, LEAF_NONE = 1, LEAF_PRESENT = 2;

/** One address space's page tables. */
export class PageTables {
  /** Private offset of the PML4. */
  readonly root: number;
  private readonly pool: PagePool;
  private readonly u32: Uint32Array;

  /** Creates an empty tree whose slot 511 shares the kernel PDPT at private offset `kpdpt`. */
  constructor(pool: PagePool, kpdpt: number) {
    this.pool = pool;
    this.u32 = pool.u32;
    this.root = pool.alloc();
    setEntry(this.u32, this.root, 511, PRIV_GPA + kpdpt, PTE.P | PTE.RW | PTE.US, 0);
  }

  /** Guest-physical address of the PML4 (the CR3 value). */
  get cr3(): number {
    return PRIV_GPA + this.root;
  }

  /** The leaf table (private offset) for `va`, allocating intermediate tables if `create`. */
  private leafTable(va: number, create: boolean): number {
    let t = this.root;
    for (const shift of [39, 30, 21]) {
      const i = Math.floor(va / 2 ** shift) % 512;
      let next = entryTable(this.u32, t, i);
      if (next < 0) {
        if (!create) return -1;
        next = this.pool.alloc();
        setEntry(this.u32, t, i, PRIV_GPA + next, PTE.P | PTE.RW | PTE.US, 0);
      }
      t = next;
    }
    return t;
  }

  /**
   * Maps [va, va+len) to guest-physical [gpa, gpa+len) with `prot`. Page-aligned arguments.
   * Returns true when a present leaf was replaced (the caller must flush translations).
   */
  map(va: number, len: number, gpa: number, prot: number): boolean {
    const [lo, hi] = leafFlags(prot, this.pool.nx);
    let t = -1;
    let replaced = false;
    for (let p = 0; p < len; p += PAGE) {
      const a = va + p;
      const i = Math.floor(a / PAGE) % 512;
      if (t < 0 || i === 0) t = this.leafTable(a, true);
      if ((this.u32[(t >> 2) + 2 * i] & PTE.P) !== 0) replaced = true;
      setEntry(this.u32, t, i, gpa + p, lo, hi);
    }
    return replaced;
  }

  /** Removes leaves in [va, va+len); skips absent tables a whole 2 MiB at a time. */
  unmap(va: number, len: number): void {
    this.forLeaves(va, len, (t, i) => {
      const w = (t >> 2) + 2 * i;
      this.u32[w] = 0;
      this.u32[w + 1] = 0;
    });
  }

  /** Changes the protection of existing leaves in [va, va+len), keeping their addresses. */
  protect(va: number, len: number, prot: number): void {
    const [lo, hi] = leafFlags(prot, this.pool.nx);
    this.forLeaves(va, len, (t, i) => {
      const w = (t >> 2) + 2 * i;
      if ((this.u32[w] & (PTE.P | PTE.NONE)) === 0) return;
      this.u32[w] = ((this.u32[w] & 0xfffff000) | lo) >>> 0;
      this.u32[w + 1] = ((this.u32[w + 1] & ADDR_HI_MASK) | hi) >>> 0;
    });
  }

  /** LEAF_ABSENT, LEAF_NONE (mapped PROT_NONE) or LEAF_PRESENT for the page holding `va`. */
  lookup(va: number): number {
    const t = this.leafTable(va, false);
    if (t < 0) return LEAF_ABSENT;
    const lo = this.u32[(t >> 2) + 2 * (Math.floor(va / PAGE) % 512)];
    if ((lo & PTE.P) !== 0) return LEAF_PRESENT;
    return (lo & PTE.NONE) !== 0 ? LEAF_NONE : LEAF_ABSENT;
  }

  /** Calls `f(table, index)` for each existing leaf slot in [va, va+len). */
  private forLeaves(va: number, len: number, f: (t: number, i: number) => void): void {
    const end = va + len;
    let a = va;
    while (a < end) {
      const t = this.leafTable(a, false);
      const next2m = (Math.floor(a / 2 ** 21) + 1) * 2 ** 21;
      const stop = Math.min(end, next2m);
      if (t >= 0) {
        for (let p = a; p < stop; p += PAGE) f(t, Math.floor(p / PAGE) % 512);
      }
      a = stop;
    }
  }

  /** Frees every table page of the user half and the root. */
  release(): void {
    const free = (t: number, level: number): void => {
      if (level > 1) {
        const n = level === 4 ? 256 : 512;
        for (let i = 0; i < n; i++) {
          const c = entryTable(this.u32, t, i);
          if (c >= 0) free(c, level - 1);
        }
      }
      this.pool.release(t);
    };
    free(this.root, 4);
  }
}
