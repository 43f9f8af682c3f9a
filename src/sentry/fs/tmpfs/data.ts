// File contents held in Sentry memory (tmpfs files, overlay files after copy-up): a growable
// byte array with a logical size.
import { E } from "../../../../ffi/errno.ts";

/** Largest in-memory file (keeps one typed array addressable). */
export const MAX_MEM_FILE = 1 << 30;

/** Contents of one in-memory file. */
export class MemData {
  private buf: Uint8Array;
  /** Logical size (st_size). */
  size = 0;

  /** Contents initialised from `init` (copied). */
  constructor(init?: Uint8Array) {
    this.buf = new Uint8Array(init === undefined ? 0 : init.length);
    if (init !== undefined) {
      this.buf.set(init);
      this.size = init.length;
    }
  }

  /** Reads at `pos`; 0 at or past the end. */
  readAt(dst: Uint8Array, pos: number): number {
    if (pos >= this.size) return 0;
    const n = Math.min(dst.length, this.size - pos);
    dst.set(this.buf.subarray(pos, pos + n));
    return n;
  }

  /** Writes at `pos`, growing (holes read as zeros). */
  writeAt(src: Uint8Array, pos: number): number {
    const end = pos + src.length;
    if (end > MAX_MEM_FILE) return -E.EFBIG;
    this.reserve(end);
    this.buf.set(src, pos);
    if (end > this.size) this.size = end;
    return src.length;
  }

  /** Sets the size; bytes past a shrink are zeroed so a later grow reads zeros. */
  truncate(size: number): number {
    if (size < 0) return -E.EINVAL;
    if (size > MAX_MEM_FILE) return -E.EFBIG;
    if (size < this.size) this.buf.fill(0, size, this.size);
    else this.reserve(size);
    this.size = size;
    return 0;
  }

  /** The current contents (a view; valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.size);
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    const cap = Math.min(MAX_MEM_FILE, Math.max(n, this.buf.length * 2, 4096));
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.size));
    this.buf = nb;
  }
}
