// Helpers shared by the file syscall handlers: argument conversion, reused buffers, and
// scatter/gather lists copied in from application memory (every pointer is hostile).
import { E } from "../../../../ffi/errno.ts";
import type { Support, SyscallEntry, SyscallHandler } from "../abi.ts";
import type { FileTask } from "../../vfs/task.ts";
import { MAX_RW_COUNT } from "../../vfs/consts.ts";

/** A handler taking the FileTask view of the calling task. */
export type FileHandler = (
  t: FileTask,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
) => number;

/** Declares a syscall table row whose handler needs a FileTask. */
export function row(nr: number, name: string, support: Support, note: string, h: FileHandler): SyscallEntry {
  return { nr, name, support, note, handler: h as unknown as SyscallHandler };
}

/** An `int` argument (fd, flags): the low 32 bits, signed, as the kernel reads it. */
export function int(v: number): number {
  return v | 0;
}

/** A `size_t` count: huge or negative values clamp to MAX_RW_COUNT as Linux does. */
export function count(v: number): number {
  return v < 0 || v > MAX_RW_COUNT ? MAX_RW_COUNT : v;
}

/** Largest chunk moved per file operation (reads of regular files loop over chunks). */
export const CHUNK = 256 * 1024;
let scratchBuf = new Uint8Array(64 * 1024);

/** A reused buffer of `n` bytes (n <= CHUNK); valid until the next call. */
export function scratch(n: number): Uint8Array {
  if (scratchBuf.length < n) scratchBuf = new Uint8Array(Math.max(n, Math.min(CHUNK, scratchBuf.length * 2)));
  return scratchBuf.subarray(0, n);
}

const smallBuf = new Uint8Array(256);
/** A reused small buffer and its DataView (structs up to 256 bytes). */
export const small: { readonly buf: Uint8Array; readonly view: DataView } = {
  buf: smallBuf,
  view: new DataView(smallBuf.buffer),
};

/** Writes a 32-bit int to application address `addr`; 0 or -EFAULT. */
export function putI32(t: FileTask, addr: number, v: number): number {
  small.view.setInt32(0, v, true);
  return t.mem.write(addr, smallBuf.subarray(0, 4)) < 0 ? -E.EFAULT : 0;
}

/** Reads a 32-bit int; the value, or null on fault. */
export function getI32(t: FileTask, addr: number): number | null {
  if (t.mem.readInto(addr, smallBuf.subarray(0, 4)) < 0) return null;
  return small.view.getInt32(0, true);
}

/** Writes a 64-bit value. */
export function putI64(t: FileTask, addr: number, v: number): number {
  small.view.setBigInt64(0, BigInt(v), true);
  return t.mem.write(addr, smallBuf.subarray(0, 8)) < 0 ? -E.EFAULT : 0;
}

/** Reads a 64-bit signed value; null on fault. */
export function getI64(t: FileTask, addr: number): number | null {
  if (t.mem.readInto(addr, smallBuf.subarray(0, 8)) < 0) return null;
  return Number(small.view.getBigInt64(0, true));
}

/** Max iovecs per call (UIO_MAXIOV). */
export const IOV_MAX = 1024;

/** A scatter/gather list: parallel arrays reused across calls. */
export class SegList {
  readonly addr: number[] = [];
  readonly len: number[] = [];
  n = 0;
  total = 0;

  /** One segment. */
  single(addr: number, len: number): this {
    this.addr[0] = addr;
    this.len[0] = len;
    this.n = 1;
    this.total = len;
    return this;
  }
}

const iovBuf = new Uint8Array(IOV_MAX * 16);
const iovView = new DataView(iovBuf.buffer);

/**
 * Copies in `cnt` struct iovec at `addr` into `segs`, clamping the total to MAX_RW_COUNT.
 * Returns 0, -EINVAL (bad count or length) or -EFAULT.
 */
export function readIovecs(t: FileTask, addr: number, cnt: number, segs: SegList): number {
  cnt = int(cnt);
  if (cnt < 0 || cnt > IOV_MAX) return -E.EINVAL;
  segs.n = 0;
  segs.total = 0;
  if (cnt === 0) return 0;
  if (t.mem.readInto(addr, iovBuf.subarray(0, cnt * 16)) < 0) return -E.EFAULT;
  for (let i = 0; i < cnt; i++) {
    const base = Number(iovView.getBigUint64(i * 16, true));
    const len = iovView.getBigInt64(i * 16 + 8, true);
    if (len < 0n) return -E.EINVAL;
    let l = Number(len);
    if (segs.total + l > MAX_RW_COUNT) l = MAX_RW_COUNT - segs.total;
    segs.addr[segs.n] = base;
    segs.len[segs.n] = l;
    segs.n++;
    segs.total += l;
  }
  return 0;
}

/** Tasks that keep a per-call deadline across restarts (the Sentry's Task: `ext`). */
interface WithExt {
  ext?: Record<string, unknown>;
}

/**
 * The deadline of a timed wait that must survive re-runs of the handler: the first run
 * computes it (`fresh`), re-runs and SA_RESTART restarts reuse it. The kernel forgets it when
 * the call ends with EINTR; handlers call {@link endDeadline} when they complete. Values <= 0
 * (no wait, wait forever) are not kept. Falls back to `fresh` for tasks without `ext`.
 */
export function keptDeadline(t: FileTask, fresh: number): number {
  const ext = (t as WithExt).ext;
  if (ext === undefined || fresh <= 0) return fresh;
  const kept = ext.sleepDeadline;
  if (typeof kept === "number") return kept;
  ext.sleepDeadline = fresh;
  return fresh;
}

/** Forgets the kept deadline (the call completed). */
export function endDeadline(t: FileTask): void {
  const ext = (t as WithExt).ext;
  if (ext !== undefined) ext.sleepDeadline = undefined;
}
