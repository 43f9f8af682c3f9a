// A first-fit allocator of page-aligned ranges of the memory file. Free ranges are kept sorted
// and coalesced; the file is sparse, so generous ranges cost only offset space.

/** Allocator over [0, size). */
export class RangeAllocator {
  /** Sorted, non-adjacent free ranges as parallel arrays. */
  private readonly starts: number[] = [];
  private readonly lens: number[] = [];

  /** Starts with everything free. */
  constructor(size: number) {
    this.starts.push(0);
    this.lens.push(size);
  }

  /** Allocates `len` bytes; returns the offset or -1. */
  allocate(len: number): number {
    for (let i = 0; i < this.starts.length; i++) {
      if (this.lens[i] >= len) {
        const off = this.starts[i];
        this.starts[i] += len;
        this.lens[i] -= len;
        if (this.lens[i] === 0) {
          this.starts.splice(i, 1);
          this.lens.splice(i, 1);
        }
        return off;
      }
    }
    return -1;
  }

  /** Grows [off, off+len) to newLen if the bytes right after it are free. */
  extend(off: number, len: number, newLen: number): boolean {
    const end = off + len;
    const need = newLen - len;
    for (let i = 0; i < this.starts.length; i++) {
      if (this.starts[i] === end) {
        if (this.lens[i] < need) return false;
        this.starts[i] += need;
        this.lens[i] -= need;
        if (this.lens[i] === 0) {
          this.starts.splice(i, 1);
          this.lens.splice(i, 1);
        }
        return true;
      }
      if (this.starts[i] > end) return false;
    }
    return false;
  }

  /** Returns [off, off+len) to the free list. */
  free(off: number, len: number): void {
    let i = 0;
    while (i < this.starts.length && this.starts[i] < off) i++;
    this.starts.splice(i, 0, off);
    this.lens.splice(i, 0, len);
    if (i + 1 < this.starts.length && off + len === this.starts[i + 1]) {
      this.lens[i] += this.lens[i + 1];
      this.starts.splice(i + 1, 1);
      this.lens.splice(i + 1, 1);
    }
    if (i > 0 && this.starts[i - 1] + this.lens[i - 1] === off) {
      this.lens[i - 1] += this.lens[i];
      this.starts.splice(i, 1);
      this.lens.splice(i, 1);
    }
  }
}
