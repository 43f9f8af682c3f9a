// The memory file: one memfd holding all application memory. The Sentry maps it once
// (MAP_SHARED) and reads/writes application memory through typed-array views of that mapping
// (copy-in/out cost no syscalls); platforms map ranges of the same file into application
// address spaces. The file is sparse: untouched pages cost nothing, freed ranges are punched.
//
// The mapping is viewed in 16 MiB chunks created lazily; a copy that crosses a chunk boundary is
// split. Small chunks because V8 counts each view as external memory: a 1 GiB view made V8 run
// a full garbage collection on the spot (~10-50 ms of every sandbox start, measured), while
// views of 16 MiB cost microseconds.
import {
  copyWithin,
  ftruncate,
  lseek,
  memfdCreate,
  punchHole,
  SEEK_DATA,
  SEEK_HOLE,
} from "../../../ffi/memfd.ts";
import {
  MAP_NORESERVE,
  MAP_SHARED,
  mmapHost,
  munmapHost,
  PROT_READ,
  PROT_WRITE,
  viewHost,
} from "../../../ffi/mman.ts";
import { close as hostClose } from "../../../ffi/libc.ts";
import type { HostMapping } from "../../../ffi/mman.ts";
import { RangeAllocator } from "./range-alloc.ts";
import type { Segment } from "./vma.ts";

const CHUNK_SHIFT = 24;
const CHUNK = 2 ** CHUNK_SHIFT;
/** Page size. */
export const PAGE = 4096;

/** The smallest memory file the Sentry settles for when address space is short. */
const MIN_SIZE = 2 ** 36;

/** The Sentry's memory file. */
export class MemoryFile {
  readonly fd: number;
  readonly size: number;
  private readonly host: HostMapping;
  private readonly chunks: (Uint8Array | undefined)[] = [];
  private readonly alloc: RangeAllocator;
  private closed = false;
  /** Page cache of file contents by MapSource.cacheKey (file-cache.ts). */
  readonly fileCache: Map<string, Segment> = new Map();
  /** Bytes of file data the page cache has read in. */
  fileCacheBytes = 0;
  /** Memory-file space the page cache has reserved. */
  fileCacheReserved = 0;

  /** Creates a sparse memfd of `size` bytes (a multiple of 1 GiB) mapped into the Sentry. */
  constructor(size: number = 2 ** 44) {
    this.fd = memfdCreate("runsc-memory");
    // A process has 128 TiB of address space: where the full reservation does not fit (several
    // Sentries in one test process), take the largest that does, down to MIN_SIZE.
    let host: HostMapping | undefined;
    for (;;) {
      try {
        host = mmapHost(size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, this.fd, 0);
        break;
      } catch (e) {
        if (size <= MIN_SIZE) throw e;
        size /= 2;
      }
    }
    this.host = host;
    this.size = size;
    const r = ftruncate(this.fd, size);
    if (r < 0) throw new Error(`ftruncate of the memory file failed: errno ${-r}`);
    this.alloc = new RangeAllocator(size);
  }

  /** The view of the chunk holding file offset `off`. */
  private chunk(idx: number): Uint8Array {
    let c = this.chunks[idx];
    if (c === undefined) {
      c = new Uint8Array(viewHost(this.host, idx * CHUNK, CHUNK));
      this.chunks[idx] = c;
    }
    return c;
  }

  /**
   * A view of [off, off+len) if it lies in one chunk, else null (callers then copy with
   * read/write). Page-sized and smaller aligned ranges never straddle chunks.
   */
  slice(off: number, len: number): Uint8Array | null {
    const idx = Math.floor(off / CHUNK);
    const start = off - idx * CHUNK;
    if (start + len > CHUNK) return null;
    return this.chunk(idx).subarray(start, start + len);
  }

  /** Copies file bytes at `off` into `dst`. */
  read(off: number, dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      const idx = Math.floor((off + done) / CHUNK);
      const start = off + done - idx * CHUNK;
      const n = Math.min(dst.length - done, CHUNK - start);
      dst.set(this.chunk(idx).subarray(start, start + n), done);
      done += n;
    }
  }

  /** Copies `src` into the file at `off`. */
  write(off: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const idx = Math.floor((off + done) / CHUNK);
      const start = off + done - idx * CHUNK;
      const n = Math.min(src.length - done, CHUNK - start);
      this.chunk(idx).set(src.subarray(done, done + n), start);
      done += n;
    }
  }

  /** Zeroes [off, off+len) by giving the pages back to the host. */
  zero(off: number, len: number): void {
    punchHole(this.fd, off, len);
  }

  /** Copies [from, from+len) to `to`, skipping holes (so sparse ranges stay sparse). */
  copy(from: number, to: number, len: number): void {
    let pos = from;
    const end = from + len;
    while (pos < end) {
      const data = lseek(this.fd, pos, SEEK_DATA);
      if (data < 0 || data >= end) break;
      let hole = lseek(this.fd, data, SEEK_HOLE);
      if (hole < 0 || hole > end) hole = end;
      this.copyBytes(data, to + (data - from), hole - data);
      pos = hole;
    }
  }

  private copyBytes(from: number, to: number, len: number): void {
    // In the kernel first: copying through the views page-faults on every destination page.
    const k = copyWithin(this.fd, from, to, len);
    if (k === len) return;
    const STEP = 1 << 20;
    for (let done = Math.max(k, 0); done < len; done += STEP) {
      const n = Math.min(STEP, len - done);
      const a = this.slice(from + done, n);
      const b = this.slice(to + done, n);
      if (a !== null && b !== null) b.set(a);
      else {
        const tmp = new Uint8Array(n);
        this.read(from + done, tmp);
        this.write(to + done, tmp);
      }
    }
  }

  /** Allocates `len` bytes (page multiple) of file space; returns the offset or -1 (ENOMEM). */
  allocate(len: number): number {
    return this.alloc.allocate(len);
  }

  /** Tries to grow the allocation at `off` from `len` to `newLen` in place. */
  extend(off: number, len: number, newLen: number): boolean {
    return this.alloc.extend(off, len, newLen);
  }

  /**
   * Frees [off, off+len) and gives its pages back to the host (`punch` false: the caller
   * knows the range holds no pages).
   */
  free(off: number, len: number, punch = true): void {
    if (len <= 0) return;
    if (punch) punchHole(this.fd, off, len);
    this.alloc.free(off, len);
  }

  /**
   * Unmaps the file from the Sentry and closes it (end of a sandbox run: a test process runs
   * many; each mapping takes 16 TiB of address space). Nothing may touch the file afterwards.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const seg of this.fileCache.values()) if (seg.fill !== undefined) hostClose(seg.fill.fd);
    this.fileCache.clear();
    this.chunks.length = 0;
    munmapHost(this.host);
    hostClose(this.fd);
  }
}
