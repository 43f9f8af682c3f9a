// The page cache of read-only files at the memory-manager level, with a fake platform address
// space that records what the Sentry maps: a private file mapping maps nothing until touched;
// a fault (or the Sentry reading it) reads one granule and maps it; a write fault copies the
// fault-around window; mprotect, fork and exit work over partly read mappings.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryFile } from "../../../src/sentry/mm/memfile.ts";
import {
  FAULT_COW,
  FAULT_REAL,
  FAULT_STALE,
  type MapSource,
  MemoryManager,
} from "../../../src/sentry/mm/mm.ts";
import { MmAccess } from "../../../src/sentry/mm/access.ts";
import { GRANULE } from "../../../src/sentry/mm/file-cache.ts";
import type { AddressSpace } from "../../../src/platform/platform.ts";
import { close, libc } from "../../../ffi/libc.ts";
import { pread } from "../../../ffi/memfd.ts";

const hostOpen = libc.func("int open(const char *, int, int)") as (p: string, f: number, m: number) => number;
const R = 1, W = 2, PAGE = 4096;

/** Records host mappings page by page: address → [memory-file offset, prot]. */
class FakeAs implements AddressSpace {
  readonly pages = new Map<number, [number, number]>();
  map(addr: number, len: number, off: number, prot: number): number {
    for (let p = 0; p < len; p += PAGE) this.pages.set(addr + p, [off + p, prot]);
    return 0;
  }
  unmap(addr: number, len: number): number {
    for (let p = 0; p < len; p += PAGE) this.pages.delete(addr + p);
    return 0;
  }
  protect(addr: number, len: number, prot: number): number {
    for (let p = 0; p < len; p += PAGE) {
      const e = this.pages.get(addr + p);
      if (e === undefined) return -12; // like mprotect(2) over a hole: ENOMEM
      e[1] = prot;
    }
    return 0;
  }
  release(): void {}
}

/** The byte the application would read at `addr`, or null when the page is not mapped. */
function appRead(mf: MemoryFile, as: FakeAs, addr: number): number | null {
  const page = addr - (addr % PAGE);
  const e = as.pages.get(page);
  if (e === undefined) return null;
  const b = new Uint8Array(1);
  mf.read(e[0] + (addr - page), b);
  return b[0];
}

/** Byte at file offset `o` of the test file. */
const fileByte = (o: number) => (o * 7 + (o >> 12)) & 0xff;

describe("page cache of read-only files (memory manager)", () => {
  const dir = mkdtempSync(join(tmpdir(), "runsc-file-cache-"));
  const path = join(dir, "data");
  const SIZE = 4 * GRANULE + 3 * PAGE + 100; // a partial last page
  const content = new Uint8Array(SIZE).map((_, i) => fileByte(i));
  writeFileSync(path, content);
  const fd = hostOpen(path, 0, 0);
  const mf = new MemoryFile(2 ** 32);
  after(() => {
    mf.close();
    close(fd);
    rmSync(dir, { recursive: true });
  });
  const src: MapSource = {
    pread: (dst, off) => pread(fd, dst, off),
    name: path,
    dev: 1,
    ino: 2,
    size: SIZE,
    cacheKey: "test:1",
    hostFd: fd,
  };
  const A = 0x10000000, LEN = Math.ceil(SIZE / PAGE) * PAGE;

  it("maps nothing until touched, then one granule per fault", () => {
    const as = new FakeAs();
    const mm = new MemoryManager(mf, as);
    assert.equal(mm.mapAt(A, LEN, R, false, src, 0), A);
    assert.equal(as.pages.size, 0, "no page mapped (and none read) at mmap time");
    assert.equal(mf.fileCacheBytes, 0);
    const addr = A + GRANULE + 5 * PAGE + 9;
    assert.equal(appRead(mf, as, addr), null);
    assert.equal(mm.mapFault(addr), FAULT_STALE);
    assert.equal(as.pages.size, GRANULE / PAGE, "the granule around the fault");
    assert.equal(mf.fileCacheBytes, GRANULE);
    assert.equal(appRead(mf, as, addr), fileByte(GRANULE + 5 * PAGE + 9));
    assert.equal(appRead(mf, as, A + GRANULE), fileByte(GRANULE));
    assert.equal(appRead(mf, as, A + GRANULE - 1), null, "the granule before is still unmapped");
    assert.equal(as.pages.get(A + GRANULE)![1], R);
    // The partial last page reads as the file, then zeros.
    assert.equal(mm.mapFault(A + SIZE - 1), FAULT_STALE);
    assert.equal(appRead(mf, as, A + SIZE - 1), fileByte(SIZE - 1));
    assert.equal(appRead(mf, as, A + SIZE), 0);
    assert.equal(mm.mapFault(A + LEN), FAULT_REAL, "past the mapping");
    mm.destroy();
  });

  it("reads what the Sentry copies out of unread granules, and a second mapping shares them", () => {
    const as = new FakeAs();
    const mm = new MemoryManager(mf, as);
    mm.mapAt(A, LEN, R, false, src, 0);
    assert.equal(as.pages.size, GRANULE / PAGE + 4, "granules 1 and 4 (4 pages) were read before");
    const mapped = as.pages.size;
    const got = new Uint8Array(3 * PAGE);
    const at = 3 * GRANULE - PAGE - 2; // across two granules
    assert.equal(new MmAccess(mm).readInto(A + at, got), 0);
    assert.deepEqual(got, content.subarray(at, at + got.length));
    assert.equal(as.pages.size, mapped, "the Sentry's reads map nothing");
    // Another mapping of the file at another offset: granules already read are mapped at once.
    const as2 = new FakeAs();
    const mm2 = new MemoryManager(mf, as2);
    mm2.mapAt(A, 2 * GRANULE, R, false, src, GRANULE);
    assert.equal(appRead(mf, as2, A), fileByte(GRANULE), "granule 1 was read before");
    assert.equal(appRead(mf, as2, A + GRANULE), fileByte(2 * GRANULE));
    mm.destroy();
    mm2.destroy();
  });

  it("copies the fault-around window on a write, and mprotect/fork keep unread parts unmapped", () => {
    const as = new FakeAs();
    const mm = new MemoryManager(mf, as);
    mm.mapAt(A, LEN, R | W, false, src, 0);
    const addr = A + 2 * GRANULE + 20 * PAGE + 1;
    assert.equal(mm.mapFault(addr), FAULT_STALE);
    assert.equal(as.pages.get(addr - 1)![1], R, "mapped read-only first");
    assert.equal(mm.writeFault(addr), FAULT_COW);
    const page = addr - (addr % PAGE);
    const winStart = page - (page % (16 * PAGE));
    for (let p = winStart; p < winStart + 16 * PAGE; p += PAGE) {
      assert.equal(as.pages.get(p)![1], R | W, `page ${(p - A) / PAGE} writable`);
    }
    assert.equal(as.pages.get(winStart + 16 * PAGE)![1], R, "outside the window: still shared");
    assert.equal(mm.writeFault(addr), FAULT_STALE);
    mf.write(as.pages.get(page)![0], new Uint8Array([0xee]));
    assert.equal(appRead(mf, as, page), 0xee);

    // mprotect over a partly read mapping: no error, unread granules stay unmapped.
    assert.equal(mm.protect(A, LEN, R), 0);
    assert.equal(as.pages.get(page)![1], R);
    assert.equal(as.pages.has(A), false, "granule 0 was never read");
    assert.equal(mm.protect(A, LEN, R | W), 0);

    // fork: the child sees the private copy and faults the rest in from the shared cache.
    const cas = new FakeAs();
    const child = new MemoryManager(mf, cas);
    assert.equal(mm.copyInto(child), 0);
    assert.equal(appRead(mf, cas, page), 0xee);
    assert.equal(cas.pages.has(A), false);
    assert.equal(child.mapFault(A + 1), FAULT_STALE);
    assert.equal(appRead(mf, cas, A + 1), fileByte(1));
    child.destroy();
    mm.destroy();
  });
});
