// The memory manager of one application address space: the sorted VMA list, the memory-file
// ranges behind it and the platform address space mirroring it. All mutations go through
// here so the three stay consistent. Arguments are validated by the syscall handlers (mm
// syscalls) before they get here; these methods still return -errno instead of throwing.
import type { AddressSpace, HostMapping } from "../../platform/platform.ts";
import type { MemoryFile } from "./memfile.ts";
import { sliceVma } from "./vma.ts";
import type { Segment, Vma } from "./vma.ts";
import { MMAP_TOP, PAGE_SIZE, RESERVED_END, RESERVED_START, USER_END, USER_MIN } from "./layout.ts";
import { E } from "../../../ffi/errno.ts";
import { PROT_WRITE } from "../../../ffi/mman.ts";
import { addChunk, chunkAt, nextChunkStart, retireChunk, type SharedFile, writeBack } from "./shared-file.ts";
import {
  breakCow,
  faultWindow,
  fillFault,
  forkVma,
  isPrivate,
  mapVma,
  populateCow,
  protectVma,
  releaseCow,
  uncow,
  writeProtect,
  zeroCow,
} from "./cow.ts";
import { cacheSegment } from "./file-cache.ts";

let mmIds = 1;

/** Results of MemoryManager.writeFault. */
export const FAULT_REAL = 0, FAULT_COW = 1, FAULT_STALE = 2;

/** Where file contents of a private file mapping come from. */
export interface MapSource {
  /** Reads file bytes at `off` into `dst`; returns bytes read (0 at EOF) or -errno. */
  pread(dst: Uint8Array, off: number): number;
  readonly name: string;
  readonly dev: number;
  readonly ino: number;
  /**
   * Set when the file's contents cannot change under this key (e.g. dev:ino:size:mtime of a
   * read-only lower file): its pages are then read once into the memory file, on first touch,
   * and shared copy-on-write by every private mapping of it (exec of dynamic programs maps
   * libc each time). Needs `hostFd`.
   */
  readonly cacheKey?: string;
  /** With cacheKey: a host fd of the file, valid during the call (the cache duplicates it). */
  readonly hostFd?: number;
  /** File size in bytes (required with cacheKey). */
  readonly size?: number;
  /** Set for MAP_SHARED mappings of a file: its pages are shared with every other mapping. */
  readonly shared?: SharedFile;
}

/** One application address space. */
export class MemoryManager {
  /** Unique id (private futex keys). */
  readonly id: number = mmIds++;
  /** VMAs sorted by start, non-overlapping. */
  readonly vmas: Vma[] = [];
  readonly mf: MemoryFile;
  readonly as: AddressSpace;
  /** Program break: start (end of the data segment) and current value. */
  brkStart = 0;
  brk = 0;
  /** The argv (NUL-terminated strings) and name the host is shown (AddressSpace.describe). */
  hostArgs: Uint8Array | null = null;
  hostComm: Uint8Array | null = null;
  /** Users (thread groups) of this mm; released at 0. */
  users = 1;
  private last: Vma | null = null;
  /**
   * The platform's host mappings still present (the vDSO): reserved like the stub page, shown
   * in /proc/[pid]/maps, dropped for good when the application unmaps or maps over them.
   */
  special: HostMapping[];

  /** An empty address space backed by `mf` and mirrored into platform space `as`. */
  constructor(mf: MemoryFile, as: AddressSpace) {
    this.mf = mf;
    this.as = as;
    this.special = as.special === undefined ? [] : [...as.special];
  }

  /** The special mapping overlapping [start, end), or null. */
  private specialIn(start: number, end: number): HostMapping | null {
    for (const h of this.special) if (start < h.end && end > h.start) return h;
    return null;
  }

  /**
   * Removes the special mappings within [start, end) from the host address space and from this
   * mm. Like Linux's special mappings they cannot be split: a range that covers one only in
   * part is EINVAL; and the host decides the rest (a kernel that seals them answers EPERM).
   */
  private dropSpecial(start: number, end: number): number {
    for (let h = this.specialIn(start, end); h !== null; h = this.specialIn(start, end)) {
      if (start > h.start || end < h.end) return -E.EINVAL;
      const r = this.as.unmap(h.start, h.end - h.start);
      if (r < 0) return r;
      this.special = this.special.filter((x) => x !== h);
    }
    return 0;
  }

  /** The VMA containing `addr`, or null. */
  find(addr: number): Vma | null {
    const l = this.last;
    if (l !== null && addr >= l.start && addr < l.end) return l;
    const i = this.indexAfter(addr) - 1;
    if (i >= 0 && this.vmas[i].end > addr) {
      this.last = this.vmas[i];
      return this.vmas[i];
    }
    return null;
  }

  /** Index of the first VMA whose start is > addr. */
  private indexAfter(addr: number): number {
    let lo = 0, hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid].start <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True if [start, end) overlaps no VMA and no reserved range. */
  isFree(start: number, end: number): boolean {
    if (start < USER_MIN || end > USER_END || start >= end) return false;
    if (start < RESERVED_END && end > RESERVED_START) return false;
    if (this.special.length !== 0 && this.specialIn(start, end) !== null) return false;
    const i = this.indexAfter(start) - 1;
    if (i >= 0 && this.vmas[i].end > start) return false;
    const j = i + 1;
    return j >= this.vmas.length || this.vmas[j].start >= end;
  }

  /** Finds a free range of `len` bytes searching down from `top`; returns its start or -ENOMEM. */
  findGap(len: number, top: number = MMAP_TOP): number {
    let end = top;
    for (let i = this.indexAfter(end - 1) - 1;;) {
      if (end - USER_MIN < len) return -E.ENOMEM;
      // Skip down past every VMA (walking down the sorted list) or special mapping in the way.
      if (i >= 0 && this.vmas[i].end > end - len) {
        end = Math.min(end, this.vmas[i--].start);
        continue;
      }
      const h = this.special.length === 0 ? null : this.specialIn(end - len, end);
      if (h === null) return end - len;
      end = h.start;
      while (i >= 0 && this.vmas[i].start >= end) i--;
    }
  }

  /** Inserts `v` (precondition: its range is free) and maps it in the platform. */
  private insert(v: Vma): number {
    const r = mapVma(this.as, v);
    if (r < 0) return r;
    this.vmas.splice(this.indexAfter(v.start), 0, v);
    return 0;
  }

  /**
   * Creates an anonymous (or private-file, with `src`) mapping at exactly [addr, addr+len),
   * replacing what was there. `shared` makes it MAP_SHARED memory. Returns addr or -errno.
   */
  mapAt(
    addr: number,
    len: number,
    prot: number,
    shared: boolean,
    src: MapSource | null,
    fileOff: number,
    name = "",
  ): number {
    const u = this.unmap(addr, len);
    if (u < 0) return u;
    if (src !== null && shared && src.shared !== undefined) {
      return this.mapSharedFile(addr, len, prot, src, fileOff);
    }
    if (src !== null && !shared && src.cacheKey !== undefined && src.size !== undefined) {
      // A mapping longer than the file (ld.so reserves a library's whole span this way):
      // the file's pages from the cache, zero pages after them (Linux would SIGBUS there).
      const flen = Math.ceil(src.size / PAGE_SIZE) * PAGE_SIZE;
      if (fileOff < flen && fileOff + len > flen) {
        const head = flen - fileOff;
        const r = this.mapAt(addr, head, prot, false, src, fileOff);
        if (r < 0) return r;
        const r2 = this.mapAt(addr + head, len - head, prot, false, null, 0);
        return r2 < 0 ? r2 : addr;
      }
      const seg = this.cached(src, fileOff, len);
      if (seg !== null) {
        const own = this.mf.allocate(len);
        if (own < 0) return -E.ENOMEM;
        seg.refs++;
        const cv: Vma = {
          start: addr,
          end: addr + len,
          prot,
          off: own,
          segment: null,
          cow: seg,
          srcOff: seg.off + fileOff,
          priv: new Set(),
          name: src.name,
          fileOff,
          dev: src.dev,
          ino: src.ino,
        };
        const r = this.insert(cv);
        if (r < 0) {
          releaseCow(this.mf, cv);
          return r;
        }
        return addr;
      }
    }
    const off = this.mf.allocate(len);
    if (off < 0) return -E.ENOMEM;
    if (src !== null) {
      const r = this.fill(off, len, src, fileOff);
      if (r < 0) {
        this.mf.free(off, len);
        return r;
      }
    }
    const segment: Segment | null = shared ? { off, len, refs: 1 } : null;
    const v: Vma = {
      start: addr,
      end: addr + len,
      prot,
      off,
      segment,
      cow: null,
      srcOff: 0,
      priv: null,
      name: src !== null ? src.name : name,
      fileOff: src !== null ? fileOff : 0,
      dev: src !== null ? src.dev : 0,
      ino: src !== null ? src.ino : 0,
    };
    const r = this.insert(v);
    if (r < 0) {
      this.mf.free(off, len);
      return r;
    }
    return addr;
  }

  /**
   * A MAP_SHARED file mapping at [addr, addr+len): one VMA per run of file pages, each over the
   * sandbox-wide chunk already holding those pages or a new chunk filled from the file.
   */
  private mapSharedFile(addr: number, len: number, prot: number, src: MapSource, fileOff: number): number {
    const file = src.shared!;
    for (let p = 0; p < len;) {
      const fo = fileOff + p;
      let seg = chunkAt(this.mf, file.key, fo);
      let n: number, off: number;
      if (seg !== null) {
        n = Math.min(len - p, seg.chunk!.fileOff + seg.len - fo);
        off = seg.off + (fo - seg.chunk!.fileOff);
        seg.refs++;
      } else {
        n = Math.min(len - p, nextChunkStart(this.mf, file.key, fo) - fo);
        off = this.mf.allocate(n);
        if (off < 0) return (this.unmap(addr, p), -E.ENOMEM);
        const r = this.fill(off, n, src, fo);
        if (r < 0) return (this.mf.free(off, n), this.unmap(addr, p), r);
        seg = addChunk(this.mf, file, fo, off, n);
      }
      const v: Vma = {
        start: addr + p,
        end: addr + p + n,
        prot,
        off,
        segment: seg,
        cow: null,
        srcOff: 0,
        priv: null,
        name: src.name,
        fileOff: fo,
        dev: src.dev,
        ino: src.ino,
      };
      const r = this.insert(v);
      if (r < 0) return (this.release(v), this.unmap(addr, p), r);
      p += n;
    }
    return addr;
  }

  /** msync: writes the shared file pages of [addr, addr+len) back to their files. */
  syncShared(addr: number, len: number): void {
    const end = addr + len;
    for (const v of this.vmas) {
      if (v.end <= addr || v.start >= end || v.segment?.chunk === undefined) continue;
      const s = Math.max(v.start, addr), e = Math.min(v.end, end);
      writeBack(this.mf, v.segment, v.off + (s - v.start), e - s);
    }
  }

  /**
   * The page-cache segment of all of `src` when [fileOff, fileOff+len) lies within it (read
   * in on demand: file-cache.ts), or null when `src` is not cacheable.
   */
  private cached(src: MapSource, fileOff: number, len: number): Segment | null {
    const key = src.cacheKey, size = src.size, fd = src.hostFd;
    if (key === undefined || size === undefined || fd === undefined || fd < 0) return null;
    const seg = cacheSegment(this.mf, key, fd, size);
    return seg !== null && fileOff + len <= seg.len ? seg : null;
  }

  /** Reads up to `len` bytes of `src` at `fileOff` into memory-file range `off`. */
  private fill(off: number, len: number, src: MapSource, fileOff: number): number {
    const STEP = 1 << 20;
    for (let done = 0; done < len; done += STEP) {
      const n = Math.min(STEP, len - done);
      const view = this.mf.slice(off + done, n);
      const buf = view ?? new Uint8Array(n);
      const r = src.pread(buf, fileOff + done);
      if (r < 0) return r;
      if (view === null) this.mf.write(off + done, buf.subarray(0, r));
      if (r < n) break;
    }
    return 0;
  }

  /** Splits the VMA containing `addr` so that a VMA starts at `addr` (no-op if none). */
  private splitAt(addr: number): void {
    const i = this.indexAfter(addr) - 1;
    if (i < 0) return;
    const v = this.vmas[i];
    if (v.start >= addr || v.end <= addr) return;
    const hi = sliceVma(v, addr, v.end);
    v.end = addr;
    if (v.segment !== null) v.segment.refs++;
    if (v.cow !== null) v.cow.refs++;
    this.vmas.splice(i + 1, 0, hi);
    this.last = null;
  }

  /** Releases the memory-file backing of a removed VMA. */
  private release(v: Vma): void {
    if (v.cow !== null) releaseCow(this.mf, v);
    else if (v.segment === null) this.mf.free(v.off, v.end - v.start);
    else if (--v.segment.refs === 0) {
      retireChunk(this.mf, v.segment);
      this.mf.free(v.segment.off, v.segment.len);
    }
  }

  /** Unmaps [addr, addr+len) (page-aligned); returns 0 or -errno. */
  unmap(addr: number, len: number): number {
    const end = addr + len;
    if (this.special.length !== 0) {
      const r = this.dropSpecial(addr, end);
      if (r < 0) return r;
    }
    this.splitAt(addr);
    this.splitAt(end);
    const i = this.indexAfter(addr - 1);
    let j = i;
    while (j < this.vmas.length && this.vmas[j].start < end) j++;
    if (i === j) return 0;
    const gone = this.vmas.splice(i, j - i);
    this.last = null;
    for (const v of gone) this.release(v);
    return this.as.unmap(addr, len);
  }

  /** Changes protection of [addr, addr+len); -ENOMEM if part of it is unmapped. */
  protect(addr: number, len: number, prot: number): number {
    const end = addr + len;
    for (let a = addr; a < end;) {
      const v = this.find(a);
      if (v === null) return -E.ENOMEM;
      a = v.end;
    }
    this.splitAt(addr);
    this.splitAt(end);
    let cow = false;
    for (const v of this.vmas) {
      if (v.start >= addr && v.end <= end) {
        v.prot = prot;
        if (v.cow !== null) cow = true;
      }
    }
    if (!cow) return this.as.protect(addr, len, prot);
    for (const v of this.vmas) {
      if (v.start < addr || v.end > end) continue;
      const r = protectVma(this.as, v, v.start, v.end);
      if (r < 0) return r;
    }
    return 0;
  }

  /** Zeroes the pages of [addr, addr+len) (MADV_DONTNEED on anonymous memory). */
  zeroRange(addr: number, len: number): void {
    const end = addr + len;
    for (const v of this.vmas) {
      const s = Math.max(v.start, addr), e = Math.min(v.end, end);
      if (s >= e) continue;
      if (v.cow !== null) zeroCow(this.mf, this.as, v, s, e);
      else this.mf.zero(v.off + (s - v.start), e - s);
    }
  }

  /**
   * An access fault at `addr`: FAULT_COW when it hit a shared copy-on-write page of a writable
   * VMA (the page now has its own copy, with its fault-around neighbours), FAULT_STALE when the
   * page is already writable (another thread broke it first: re-run once), FAULT_REAL for a
   * real fault.
   */
  writeFault(addr: number): number {
    const v = this.find(addr);
    if (v === null || (v.prot & PROT_WRITE) === 0) return FAULT_REAL;
    const page = addr - (addr % PAGE_SIZE);
    if (v.cow === null || isPrivate(v, page)) return FAULT_STALE;
    const [s, e] = faultWindow(v, page);
    return breakCow(this.mf, this.as, v, s, e) === 0 ? FAULT_COW : FAULT_REAL;
  }

  /**
   * A fault at `addr` that had no host mapping (SEGV_MAPERR): FAULT_STALE (re-run once) when
   * it lies in a page-cache mapping not read in there yet, which is now read and mapped;
   * FAULT_REAL otherwise.
   */
  mapFault(addr: number): number {
    const v = this.find(addr);
    return v !== null && fillFault(this.mf, this.as, v, addr) ? FAULT_STALE : FAULT_REAL;
  }

  /** Reads in what the Sentry is about to read of [addr, addr+len) of COW VMA `v`; 0 or -errno. */
  prepareRead(v: Vma, addr: number, len: number): number {
    return populateCow(this.mf, v, addr, addr + len);
  }

  /** Gives the pages of [addr, addr+len) of `v` their own copies before the Sentry writes them. */
  prepareWrite(v: Vma, addr: number, len: number): number {
    if (v.cow === null) return 0;
    const s = addr - (addr % PAGE_SIZE);
    let e = Math.min(addr + len, v.end);
    e += (PAGE_SIZE - (e % PAGE_SIZE)) % PAGE_SIZE;
    let p = s;
    while (p < e && isPrivate(v, p)) p += PAGE_SIZE;
    return p < e ? breakCow(this.mf, this.as, v, p, e) : 0;
  }

  /**
   * Grows the mapping [addr, addr+oldLen) to newLen in place when the addresses after it are
   * free (one VMA, private). Returns 0, or -ENOMEM when it cannot.
   */
  growInPlace(addr: number, oldLen: number, newLen: number): number {
    const v = this.find(addr);
    if (v === null || v.start !== addr || v.end !== addr + oldLen || v.segment !== null) return -E.ENOMEM;
    if (!this.isFree(v.end, addr + newLen)) return -E.ENOMEM;
    const u = uncow(this.mf, this.as, v);
    if (u < 0) return u;
    const extra = newLen - oldLen;
    if (this.mf.extend(v.off, oldLen, newLen)) {
      const r = this.as.map(v.end, extra, v.off + oldLen, v.prot);
      if (r < 0) return r;
      v.end = addr + newLen;
      return 0;
    }
    // Move the backing to a larger file range and remap the whole VMA (write-protected during
    // the copy: other threads keep writing the heap while one grows it).
    const off = this.mf.allocate(newLen);
    if (off < 0) return -E.ENOMEM;
    const w = writeProtect(this.as, v, [[v.start, v.end]]);
    if (w < 0) return (this.mf.free(off, newLen), w);
    this.mf.copy(v.off, off, oldLen);
    const r = this.as.map(addr, newLen, off, v.prot);
    if (r < 0) {
      this.mf.free(off, newLen);
      return r;
    }
    this.mf.free(v.off, oldLen);
    v.off = off;
    v.end = addr + newLen;
    return 0;
  }

  /**
   * Moves [old, old+oldLen) (one VMA) to a fresh address with newLen bytes; returns the new
   * address or -errno. The file range is kept (extended or copied), so contents move with it.
   */
  move(old: number, oldLen: number, newLen: number, to: number): number {
    const v = this.find(old);
    if (v === null || v.end < old + oldLen) return -E.EFAULT;
    this.splitAt(old);
    this.splitAt(old + oldLen);
    const src = this.find(old)!;
    const u = uncow(this.mf, this.as, src);
    if (u < 0) return u;
    const keep = Math.min(oldLen, newLen);
    const off = this.mf.allocate(newLen);
    if (off < 0) return -E.ENOMEM;
    if (src.segment === null) {
      const w = writeProtect(this.as, src, [[src.start, src.end]]);
      if (w < 0) return (this.mf.free(off, newLen), w);
      this.mf.copy(src.off, off, keep);
    }
    const nv: Vma = { ...sliceVma(src, src.start, src.end), start: to, end: to + newLen, off, segment: null };
    if (src.segment !== null) {
      this.mf.free(off, newLen);
      nv.off = src.off;
      nv.segment = src.segment;
      nv.end = to + Math.min(newLen, oldLen);
      src.segment.refs++;
    }
    this.unmap(to, newLen);
    const r = this.insert(nv);
    if (r < 0) return r;
    this.unmap(old, oldLen);
    return to;
  }

  /**
   * Copies this address space into `child` (fork): shared memory is shared, private memory
   * becomes copy-on-write on both sides (cow.ts).
   */
  copyInto(child: MemoryManager): number {
    for (const v of this.vmas) {
      let cv: Vma;
      if (v.segment === null) {
        const r = forkVma(this.mf, this.as, v);
        if (typeof r === "number") return r;
        cv = r;
      } else {
        v.segment.refs++;
        cv = { ...v };
      }
      const r = child.insert(cv);
      if (r < 0) {
        child.release(cv);
        return r;
      }
    }
    // The child's stub has every special mapping; drop those this mm no longer has.
    for (const h of [...child.special]) if (!this.special.includes(h)) child.dropSpecial(h.start, h.end);
    child.brkStart = this.brkStart;
    child.brk = this.brk;
    if (this.hostArgs !== null && this.hostComm !== null) child.describe(this.hostArgs, this.hostComm);
    return 0;
  }

  /** Shows `args` and `comm` to the host (see AddressSpace.describe); forks inherit them. */
  describe(args: Uint8Array, comm: Uint8Array): void {
    this.hostArgs = args;
    this.hostComm = comm;
    this.as.describe?.(args, comm);
  }

  /** Drops every mapping and the platform address space. */
  destroy(): void {
    for (const v of this.vmas) this.release(v);
    this.vmas.length = 0;
    this.last = null;
    this.as.release();
  }
}

/** Page size re-exported for handlers. */
export const PAGE: number = PAGE_SIZE;
