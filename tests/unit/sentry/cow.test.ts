// Copy-on-write fork at the memory-manager level, with a fake platform address space that
// records what the Sentry maps: fork shares pages read-only and copies nothing; a write (by the
// application, seen as a fault, or by the Sentry's copy-out) copies one page; the last user
// adopts the source; exit frees everything.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile } from "../../../src/sentry/mm/memfile.ts";
import { FAULT_COW, FAULT_REAL, FAULT_STALE, MemoryManager } from "../../../src/sentry/mm/mm.ts";
import { MmAccess } from "../../../src/sentry/mm/access.ts";
import type { AddressSpace } from "../../../src/platform/platform.ts";
import { lseek, SEEK_DATA, SEEK_HOLE } from "../../../ffi/memfd.ts";

const R = 1, W = 2;

/** Records host mappings page by page: address → [file offset, prot]. */
class FakeAs implements AddressSpace {
  readonly pages = new Map<number, [number, number]>();
  calls = 0;
  map(addr: number, len: number, off: number, prot: number): number {
    this.calls++;
    for (let p = 0; p < len; p += 4096) this.pages.set(addr + p, [off + p, prot]);
    return 0;
  }
  unmap(addr: number, len: number): number {
    this.calls++;
    for (let p = 0; p < len; p += 4096) this.pages.delete(addr + p);
    return 0;
  }
  protect(addr: number, len: number, prot: number): number {
    this.calls++;
    for (let p = 0; p < len; p += 4096) {
      const e = this.pages.get(addr + p);
      if (e !== undefined) e[1] = prot;
    }
    return 0;
  }
  release(): void {}
}

/** Bytes of the memory file holding data (not holes). */
function dataBytes(mf: MemoryFile): number {
  let n = 0, pos = 0;
  for (;;) {
    const d = lseek(mf.fd, pos, SEEK_DATA);
    if (d < 0) return n;
    const h = lseek(mf.fd, d, SEEK_HOLE);
    n += h - d;
    pos = h;
  }
}

/** Simulates the application writing byte `b` at `addr`: a fault first when read-only. */
function appWrite(mm: MemoryManager, as: FakeAs, addr: number, b: number): void {
  const page = addr - (addr % 4096);
  const e = as.pages.get(page);
  assert.ok(e !== undefined, `page ${page.toString(16)} is mapped`);
  if ((e[1] & W) === 0) assert.equal(mm.writeFault(addr), FAULT_COW);
  const e2 = as.pages.get(page)!;
  assert.ok((e2[1] & W) !== 0, "writable after the fault");
  mm.mf.write(e2[0] + (addr - page), new Uint8Array([b]));
}

/** Reads one byte through the host mapping (what the application would see). */
function appRead(mm: MemoryManager, as: FakeAs, addr: number): number {
  const page = addr - (addr % 4096);
  const e = as.pages.get(page)!;
  const b = new Uint8Array(1);
  mm.mf.read(e[0] + (addr - page), b);
  return b[0];
}

describe("copy-on-write fork (memory manager)", () => {
  const mf = new MemoryFile(2 ** 32);
  after(() => mf.close());
  const A = 0x10000000, LEN = 64 * 4096;

  it("shares pages read-only, copies one page per write, adopts when alone", () => {
    const pas = new FakeAs();
    const parent = new MemoryManager(mf, pas);
    assert.equal(parent.mapAt(A, LEN, R | W, false, null, 0), A);
    const pm = new MmAccess(parent);
    assert.equal(pm.write(A, new Uint8Array(LEN).fill(7)), 0);
    const before = dataBytes(mf);
    assert.equal(before, LEN);

    const cas = new FakeAs();
    const child = new MemoryManager(mf, cas);
    assert.equal(parent.copyInto(child), 0);
    assert.equal(dataBytes(mf), LEN, "fork copied nothing");
    assert.equal(pas.pages.get(A)![1] & W, 0, "parent page read-only");
    assert.equal(cas.pages.get(A)![1] & W, 0, "child page read-only");
    assert.equal(cas.pages.get(A + 4096)![0], pas.pages.get(A + 4096)![0], "same file page");

    appWrite(child, cas, A + 5 * 4096 + 3, 9);
    assert.equal(dataBytes(mf), LEN + 4096, "one page copied");
    assert.equal(appRead(parent, pas, A + 5 * 4096 + 3), 7);
    assert.equal(appRead(child, cas, A + 5 * 4096 + 3), 9);
    assert.equal(appRead(child, cas, A + 5 * 4096 + 4), 7, "rest of the page copied");
    assert.equal(child.writeFault(A + 5 * 4096), FAULT_STALE, "second fault on a copied page is stale");

    // The Sentry's copy-out into the parent copies the page too.
    assert.equal(pm.write(A + 4096 * 10, new Uint8Array([1, 2, 3])), 0);
    assert.equal(appRead(child, cas, A + 4096 * 10), 7);
    const cm = new MmAccess(child);
    const got = new Uint8Array(3);
    assert.equal(pm.readInto(A + 4096 * 10, got), 0);
    assert.deepEqual([...got], [1, 2, 3]);
    assert.equal(cm.readInto(A + 4096 * 5 + 3, got.subarray(0, 1)), 0);
    assert.equal(got[0], 9, "the Sentry reads the child's copy");

    // The child exits: the parent's next write adopts the source: its one run of copied pages
    // is write-protected while it is copied back (other threads may be writing it), then one
    // remap.
    child.destroy();
    const calls = pas.calls;
    appWrite(parent, pas, A + 4096 * 20, 5);
    assert.equal(pas.calls, calls + 2);
    for (let p = 0; p < LEN; p += 4096) assert.ok((pas.pages.get(A + p)![1] & W) !== 0);
    assert.equal(appRead(parent, pas, A + 4096 * 10 + 1), 2, "copied page merged back");
    assert.equal(appRead(parent, pas, A + 4096 * 20), 5);
    assert.equal(dataBytes(mf), LEN, "no page left behind");
    parent.destroy();
    assert.equal(dataBytes(mf), 0);
  });

  it("re-forks a COW mapping by sharing its source and copying only the pages already copied", () => {
    const pas = new FakeAs();
    const parent = new MemoryManager(mf, pas);
    parent.mapAt(A, LEN, R | W, false, null, 0);
    new MmAccess(parent).write(A, new Uint8Array(LEN).fill(1));
    const c1 = new MemoryManager(mf, new FakeAs());
    parent.copyInto(c1);
    appWrite(parent, pas, A, 2);
    c1.destroy();
    const c2as = new FakeAs();
    const c2 = new MemoryManager(mf, c2as);
    const calls = pas.calls;
    assert.equal(parent.copyInto(c2), 0);
    assert.equal(pas.calls, calls, "the parent's mappings are untouched");
    assert.equal(dataBytes(mf), LEN + 2 * 4096, "only the parent's one copied page is copied again");
    assert.equal(appRead(c2, c2as, A), 2, "the second child sees the parent's write");
    // A third child while the second lives shares the same source.
    const c3as = new FakeAs();
    const c3 = new MemoryManager(mf, c3as);
    assert.equal(parent.copyInto(c3), 0);
    assert.equal(appRead(c3, c3as, A), 2);
    appWrite(c2, c2as, A + 1, 3);
    assert.equal(appRead(c3, c3as, A + 1), 1);
    assert.equal(appRead(parent, pas, A + 1), 1);
    for (const m of [c2, c3, parent]) m.destroy();
    assert.equal(dataBytes(mf), 0, "everything freed");
  });

  it("keeps MAP_SHARED memory shared and reports real faults", () => {
    const pas = new FakeAs();
    const parent = new MemoryManager(mf, pas);
    parent.mapAt(A, 4096, R | W, true, null, 0);
    parent.mapAt(A + 4096, 4096, R, false, null, 0);
    const cas = new FakeAs();
    const child = new MemoryManager(mf, cas);
    parent.copyInto(child);
    assert.ok((cas.pages.get(A)![1] & W) !== 0);
    appWrite(child, cas, A, 4);
    assert.equal(appRead(parent, pas, A), 4);
    assert.equal(child.writeFault(A + 4096), FAULT_REAL, "read-only VMA");
    assert.equal(child.writeFault(A + 8192), FAULT_REAL, "unmapped");
    child.destroy();
    parent.destroy();
  });
});
