// Virtual memory areas: contiguous application address ranges with one protection and one
// backing. Every VMA is backed by a contiguous range of the memory file (`off` is the file
// offset of `start`), so the platform maps a VMA with one host mapping and never page-faults.
//
// Copy-on-write (after fork): a private VMA may also have a `cow` source, a read-only range
// shared with the other side of the fork. Page `start + d` then lives at `srcOff + d` (shared,
// mapped read-only) until it is written, and at `off + d` (its own range) afterwards; `priv`
// holds the own-range offsets of the pages already copied. Both ranges stay contiguous, so an
// address still translates with one addition.
import type { FileChunk } from "./shared-file.ts";
import type { LazyFill } from "./file-cache.ts";

/** A memory-file range shared by several VMAs (MAP_SHARED memory, possibly across forks). */
export interface Segment {
  readonly off: number;
  readonly len: number;
  /** VMAs (in any mm) referencing this segment; the range is freed when it drops to 0. */
  refs: number;
  /** Set when the segment holds a range of a MAP_SHARED file (shared-file.ts). */
  readonly chunk?: FileChunk;
  /** Set on page-cache segments, whose contents are read from the file on demand. */
  readonly fill?: LazyFill;
}

/** One VMA. Mutable only by its MemoryManager. */
export interface Vma {
  start: number;
  end: number;
  /** PROT_* bits. */
  prot: number;
  /** Memory-file offset backing `start`. */
  off: number;
  /** Set for shared memory; private VMAs own their file range outright. */
  segment: Segment | null;
  /** Copy-on-write source (private VMAs after fork), else null. */
  cow: Segment | null;
  /** Memory-file offset of `start` in the `cow` source. */
  srcOff: number;
  /** Own-range offsets of the pages already copied from `cow` (shared by slices of a VMA). */
  priv: Set<number> | null;
  /** What /proc/[pid]/maps shows: "" (anonymous), "[heap]", "[stack]" or a path. */
  name: string;
  /** File offset of `start` within the mapped file (for /proc maps), 0 when anonymous. */
  fileOff: number;
  /** Device and inode of the mapped file, for /proc maps. */
  dev: number;
  ino: number;
}

/** Copies `v` with new bounds [start, end) (offsets adjusted). */
export function sliceVma(v: Vma, start: number, end: number): Vma {
  const d = start - v.start;
  return {
    start,
    end,
    prot: v.prot,
    off: v.off + d,
    segment: v.segment,
    cow: v.cow,
    srcOff: v.srcOff + d,
    priv: v.priv,
    name: v.name,
    fileOff: v.name !== "" && v.name[0] !== "[" ? v.fileOff + d : 0,
    dev: v.dev,
    ino: v.ino,
  };
}
