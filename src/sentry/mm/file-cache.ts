// The page cache of unchangeable files (the gofer's read-only lower files): one memory-file
// segment per file, shared copy-on-write by every private mapping of it, and filled on demand
// one granule at a time when a mapping first touches it (the application faults on the
// still-unmapped addresses, the Sentry reads the granule and maps it). Reading a whole file at
// mmap/exec time cost `node -e 0` ~500 ms for its 99 MB binary, of which it touches a fraction.
//
// The segment reads the file through its own duplicate of the host fd, held for as long as the
// memory file lives (the cache never forgets a file: the application may map it again).
import { close as hostClose, fcntl } from "../../../ffi/libc.ts";
import { copyFileRange, pread } from "../../../ffi/memfd.ts";
import type { MemoryFile } from "./memfile.ts";
import type { Segment } from "./vma.ts";
import { PAGE_SIZE } from "./layout.ts";

/**
 * Bytes read per fill (and mapped per fault): large enough that a program's start takes few
 * faults, small enough that scattered touches of a big binary read little (Linux's readahead
 * window is 128 KiB by default).
 */
export const GRANULE = 256 * 1024;

/** fcntl(2) command: duplicate with close-on-exec. */
const F_DUPFD_CLOEXEC = 1030;

/** Files larger than this are copied per mapping rather than cached. */
const CACHE_MAX_FILE = 2 ** 32;
/** Memory-file space the cache may reserve in all (pages cost only once read). */
const CACHE_MAX_RESERVED = 2 ** 38;

/** How a cache segment gets its contents: `fd` read on demand, granule by granule. */
export interface LazyFill {
  readonly fd: number;
  /** File size in bytes. */
  readonly size: number;
  /** One byte per granule: 1 once read into the segment. */
  readonly filled: Uint8Array;
}

/**
 * The cache segment of the file with `key` (created empty on first use; `hostFd` is
 * duplicated), or null when the file is too large, the cache is full, or the fd cannot be
 * duplicated. The segment spans the file rounded up to whole pages.
 */
export function cacheSegment(mf: MemoryFile, key: string, hostFd: number, size: number): Segment | null {
  const seg = mf.fileCache.get(key);
  if (seg !== undefined) return seg;
  const flen = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  if (flen === 0 || size > CACHE_MAX_FILE || mf.fileCacheReserved + flen > CACHE_MAX_RESERVED) return null;
  let fd: number;
  try {
    fd = fcntl(hostFd, F_DUPFD_CLOEXEC, 0);
  } catch {
    return null;
  }
  const off = mf.allocate(flen);
  if (off < 0) {
    hostClose(fd);
    return null;
  }
  // The cache holds one reference for as long as the memory file lives.
  const made: Segment = {
    off,
    len: flen,
    refs: 1,
    fill: { fd, size, filled: new Uint8Array(Math.ceil(flen / GRANULE)) },
  };
  mf.fileCache.set(key, made);
  mf.fileCacheReserved += flen;
  return made;
}

/**
 * Reads the granules of cache segment `seg` covering segment-relative [s, e) that were not
 * read yet. Returns 0 or -errno (-EIO for a file that shrank under us).
 */
export function populate(mf: MemoryFile, seg: Segment, s: number, e: number): number {
  const f = seg.fill;
  if (f === undefined) return 0;
  const last = Math.min(Math.ceil(e / GRANULE), f.filled.length);
  for (let g = Math.floor(s / GRANULE); g < last; g++) {
    if (f.filled[g] === 1) continue;
    const from = g * GRANULE;
    const want = Math.min(GRANULE, f.size - from);
    if (want > 0) {
      let n = copyFileRange(mf.fd, seg.off + from, f.fd, from, want);
      if (n < 0 && n !== -22 && n !== -38) return n;
      if (n < 0) n = readInto(mf, seg.off + from, f.fd, from, want); // EINVAL/ENOSYS: no sendfile here
      if (n < 0) return n;
      if (n < want) return -5; // EIO: the file is shorter than when it was cached
      mf.fileCacheBytes += want;
    }
    f.filled[g] = 1;
  }
  return 0;
}

/** Reads `len` bytes of `fd` at `pos` into memory-file offset `off` through the Sentry's view. */
function readInto(mf: MemoryFile, off: number, fd: number, pos: number, len: number): number {
  const view = mf.slice(off, len);
  const buf = view ?? new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const n = pread(fd, buf.subarray(done), pos + done);
    if (n < 0) return n;
    if (n === 0) break;
    done += n;
  }
  if (view === null) mf.write(off, buf.subarray(0, done));
  return done;
}

/** True when every granule of segment-relative [s, e) has been read. */
export function isPopulated(seg: Segment, s: number, e: number): boolean {
  const f = seg.fill;
  if (f === undefined) return true;
  const last = Math.min(Math.ceil(e / GRANULE), f.filled.length);
  for (let g = Math.floor(s / GRANULE); g < last; g++) if (f.filled[g] !== 1) return false;
  return true;
}

/**
 * Calls `each(s, e)` for the maximal segment-relative runs within [s, e) that have been read
 * (clipped to [s, e)).
 */
export function populatedRuns(
  seg: Segment,
  s: number,
  e: number,
  each: (s: number, e: number) => number,
): number {
  const f = seg.fill;
  if (f === undefined) return s < e ? each(s, e) : 0;
  let runStart = -1;
  const last = Math.min(Math.ceil(e / GRANULE), f.filled.length);
  for (let g = Math.floor(s / GRANULE); g <= last; g++) {
    const on = g < last && f.filled[g] === 1;
    if (on && runStart < 0) runStart = Math.max(s, g * GRANULE);
    else if (!on && runStart >= 0) {
      const r = each(runStart, Math.min(e, g * GRANULE));
      if (r < 0) return r;
      runStart = -1;
    }
  }
  return 0;
}
