// Copy-on-write for private memory after fork (see vma.ts for the representation). fork turns
// each private VMA of the parent into a read-only view of its old range (the `cow` source, now
// shared with the child) plus a fresh, empty own range on each side. A write fault on a page
// copies that one page into the own range and maps it writable. When only one VMA still uses
// a source (the other side exited or exec'd), the next fault "adopts" the source instead: the
// few copied pages go back into it and the VMA owns it outright again, with one remap — so the
// usual fork+exec costs the parent one fault per VMA it writes, not a copy of its memory.
import type { AddressSpace } from "../../platform/platform.ts";
import type { MemoryFile } from "./memfile.ts";
import type { Vma } from "./vma.ts";
import { PAGE_SIZE } from "./layout.ts";
import { PROT_WRITE } from "../../../ffi/mman.ts";
import { GRANULE, populate, populatedRuns } from "./file-cache.ts";

/** Pages copied per write fault on a page-cache mapping (Linux's fault-around window). */
const FAULT_AROUND = 16 * PAGE_SIZE;

/** Runs [start, end) of VMA addresses whose pages are private (copied), sorted. */
function privRuns(v: Vma): [number, number][] {
  const priv = v.priv;
  if (priv === null || priv.size === 0) return [];
  const len = v.end - v.start;
  const ds: number[] = [];
  for (const o of priv) {
    const d = o - v.off;
    if (d >= 0 && d < len) ds.push(d);
  }
  ds.sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const d of ds) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === v.start + d) last[1] += PAGE_SIZE;
    else runs.push([v.start + d, v.start + d + PAGE_SIZE]);
  }
  return runs;
}

/** True when the page at `page` (aligned) of COW VMA `v` has its own copy. */
export function isPrivate(v: Vma, page: number): boolean {
  return v.priv !== null && v.priv.has(v.off + (page - v.start));
}

/** Memory-file offset holding the byte at `addr` of `v` now (for reading). */
export function readOffset(v: Vma, addr: number): number {
  const d = addr - v.start;
  if (v.cow === null) return v.off + d;
  const pd = d - (d % PAGE_SIZE);
  return v.priv!.has(v.off + pd) ? v.off + d : v.srcOff + d;
}

/** Maps VMA `v` into `as` as it is: the source read-only, private pages with `v.prot`. */
export function mapVma(as: AddressSpace, v: Vma): number {
  if (v.cow === null) return as.map(v.start, v.end - v.start, v.off, v.prot);
  return mapCowRange(as, v, v.start, v.end);
}

/** Segment-relative offset of address `a` of COW VMA `v` in its source. */
function srcRel(v: Vma, a: number): number {
  return v.srcOff - v.cow!.off + (a - v.start);
}

/**
 * (Re)maps [s, e) of COW VMA `v`: the source read-only where it has been read in (a page-cache
 * source not read yet stays unmapped, so the application faults there first), private pages
 * with `v.prot`.
 */
export function mapCowRange(as: AddressSpace, v: Vma, s: number, e: number): number {
  const seg = v.cow!;
  const base = srcRel(v, v.start);
  const prot = v.prot & ~PROT_WRITE;
  const r = populatedRuns(
    seg,
    srcRel(v, s),
    srcRel(v, e),
    (rs, re) => as.map(v.start + (rs - base), re - rs, seg.off + rs, prot),
  );
  if (r < 0) return r;
  for (const [ps, pe] of privRuns(v)) {
    const a = Math.max(ps, s), b = Math.min(pe, e);
    if (a >= b) continue;
    const r2 = as.map(a, b - a, v.off + (a - v.start), v.prot);
    if (r2 < 0) return r2;
  }
  return 0;
}

/** Reads in the page-cache source of COW VMA `v` under [s, e) (no-op for other sources). */
export function populateCow(mf: MemoryFile, v: Vma, s: number, e: number): number {
  const seg = v.cow;
  if (seg === null || seg.fill === undefined) return 0;
  return populate(mf, seg, srcRel(v, s), srcRel(v, e));
}

/**
 * A fault at the unmapped address `addr` of COW VMA `v` whose source is read on demand: reads
 * the source's granule there and maps it (with the VMA's other pages in that granule). Returns
 * false when the fault is not one of these.
 */
export function fillFault(mf: MemoryFile, as: AddressSpace, v: Vma, addr: number): boolean {
  if (v.cow === null || v.cow.fill === undefined) return false;
  const rel = srcRel(v, addr);
  const s = Math.max(v.start, addr - (rel % GRANULE));
  const e = Math.min(v.end, s + GRANULE);
  return populateCow(mf, v, s, e) === 0 && mapCowRange(as, v, s, e) === 0;
}

/** Sets the host protection of COW VMA part [s, e) after `v.prot` changed. */
export function protectVma(as: AddressSpace, v: Vma, s: number, e: number): number {
  // A source read on demand may be partly unmapped (mprotect would fail there): remap instead.
  if (v.cow !== null && v.cow.fill !== undefined) return mapCowRange(as, v, s, e);
  if (v.cow === null || (v.prot & PROT_WRITE) === 0) return as.protect(s, e - s, v.prot);
  const r = as.protect(s, e - s, v.prot & ~PROT_WRITE);
  if (r < 0) return r;
  for (const [rs, re] of privRuns(v)) {
    const a = Math.max(rs, s), b = Math.min(re, e);
    if (a < b) {
      const r2 = as.protect(a, b - a, v.prot);
      if (r2 < 0) return r2;
    }
  }
  return 0;
}

/** Drops `v`'s reference on its source, freeing the source when it was the last. */
function dropSource(mf: MemoryFile, v: Vma): void {
  const seg = v.cow!;
  if (--seg.refs === 0) mf.free(seg.off, seg.len);
  v.cow = null;
  v.priv = null;
  v.srcOff = 0;
}

/** Frees what a COW VMA being unmapped holds: its own range and its source reference. */
export function releaseCow(mf: MemoryFile, v: Vma): void {
  // An own range no page was ever copied into holds no pages: no hole to punch.
  mf.free(v.off, v.end - v.start, v.priv !== null && v.priv.size > 0);
  dropSource(mf, v);
}

/**
 * Removes write access from [s, e) runs of `v` in the host (not from the VMA), so that the
 * Sentry can copy those pages while other threads of the address space keep running: a write
 * faults and is re-run once the VMA is remapped. Returns 0 or -errno.
 */
export function writeProtect(as: AddressSpace, v: Vma, runs: readonly (readonly [number, number])[]): number {
  if ((v.prot & PROT_WRITE) === 0) return 0;
  for (const [s, e] of runs) {
    const r = as.protect(s, e - s, v.prot & ~PROT_WRITE);
    if (r < 0) return r;
  }
  return 0;
}

/**
 * Gives `v` a plain private range again: by adopting its source when nobody else uses it,
 * else by copying the pages it has not copied yet. Remaps it. Returns 0 or -errno.
 */
export function uncow(mf: MemoryFile, as: AddressSpace, v: Vma): number {
  const seg = v.cow;
  if (seg === null) return 0;
  const len = v.end - v.start;
  const p = populateCow(mf, v, v.start, v.end);
  if (p < 0) return p;
  const runs = privRuns(v);
  if (seg.refs === 1) {
    // Adopt: copied pages go back into the source, the rest of the source is freed. The other
    // threads of this address space run on while the Sentry copies: write-protect the copied
    // pages first, or a write between the copy and the remap is lost (a mutex word reverting
    // deadlocked MariaDB). Their write faults find a plain VMA afterwards and are re-run.
    const w = writeProtect(as, v, runs);
    if (w < 0) return w;
    for (const [s, e] of runs) {
      const d = s - v.start;
      mf.zero(v.srcOff + d, e - s);
      mf.copy(v.off + d, v.srcOff + d, e - s);
    }
    mf.free(v.off, len);
    const headLen = v.srcOff - seg.off, tail = v.srcOff + len;
    mf.free(seg.off, headLen);
    mf.free(tail, seg.off + seg.len - tail);
    seg.refs = 0;
    v.off = v.srcOff;
    v.cow = null;
    v.priv = null;
    v.srcOff = 0;
  } else {
    // Materialize: copy the shared pages this VMA has not copied (holes stay holes).
    let a = v.start;
    for (const [s, e] of [...runs, [v.end, v.end] as [number, number]]) {
      if (s > a) mf.copy(v.srcOff + (a - v.start), v.off + (a - v.start), s - a);
      a = e;
    }
    dropSource(mf, v);
  }
  return as.map(v.start, len, v.off, v.prot);
}

/**
 * Handles writes to [s, e) (page-aligned) of COW VMA `v`: copies the pages not copied yet (or
 * adopts the source) and maps the range writable with one mapping. Returns 0 or -errno.
 */
export function breakCow(mf: MemoryFile, as: AddressSpace, v: Vma, s: number, e: number): number {
  if (v.cow === null) return 0;
  if (v.cow.refs === 1) return uncow(mf, as, v);
  const p = populateCow(mf, v, s, e);
  if (p < 0) return p;
  for (let p = s; p < e; p += PAGE_SIZE) {
    const d = p - v.start;
    if (v.priv!.has(v.off + d)) continue;
    const src = mf.slice(v.srcOff + d, PAGE_SIZE), dst = mf.slice(v.off + d, PAGE_SIZE);
    if (src !== null && dst !== null) dst.set(src);
    v.priv!.add(v.off + d);
  }
  return as.map(s, e - s, v.off + (s - v.start), v.prot);
}

/**
 * The pages a write fault at `page` of COW VMA `v` copies: that page alone, or for a page-cache
 * source (a private file mapping: relocations and .data are written page after page) the
 * aligned fault-around window around it within the VMA. Returns [start, end).
 */
export function faultWindow(v: Vma, page: number): [number, number] {
  if (v.cow === null || v.cow.fill === undefined) return [page, page + PAGE_SIZE];
  const s = Math.max(v.start, page - (page % FAULT_AROUND));
  return [s, Math.min(v.end, s + FAULT_AROUND)];
}

/**
 * Makes private VMA `v` (of the parent, already mapped in `as`) copy-on-write and returns the
 * child's VMA (not yet mapped), or -errno.
 */
export function forkVma(mf: MemoryFile, as: AddressSpace, v: Vma): Vma | number {
  const len = v.end - v.start;
  const theirs = mf.allocate(len);
  if (theirs < 0) return -12;
  if (v.cow !== null) {
    // Already copy-on-write (another fork, or a cached file): the child shares the same source
    // and gets copies of the pages we copied; our mapping does not change at all.
    const priv = new Set<number>();
    for (const [s, e] of privRuns(v)) {
      const d = s - v.start;
      mf.copy(v.off + d, theirs + d, e - s);
      for (let p = d; p < e - v.start; p += PAGE_SIZE) priv.add(theirs + p);
    }
    v.cow.refs++;
    return { ...v, off: theirs, priv };
  }
  const mine = mf.allocate(len);
  if (mine < 0) {
    mf.free(theirs, len);
    return -12;
  }
  v.cow = { off: v.off, len, refs: 2 };
  v.srcOff = v.off;
  v.off = mine;
  v.priv = new Set();
  if ((v.prot & PROT_WRITE) !== 0) {
    const r = as.protect(v.start, len, v.prot & ~PROT_WRITE);
    if (r < 0) return r;
  }
  return { ...v, off: theirs, priv: new Set() };
}

/** Marks [s, e) of COW VMA `v` as private zero pages (MADV_DONTNEED) and maps them. */
export function zeroCow(mf: MemoryFile, as: AddressSpace, v: Vma, s: number, e: number): number {
  const d = s - v.start;
  mf.zero(v.off + d, e - s);
  for (let p = s; p < e; p += PAGE_SIZE) v.priv!.add(v.off + (p - v.start));
  return as.map(s, e - s, v.off + d, v.prot);
}
