// mmap/munmap bindings for the Sentry's own address space (the memory file's mapping), plus
// the PROT_/MAP_ constants shared with the application-facing mm code.
import { koffi } from "./koffi.ts";
import { libc, sys } from "./libc.ts";
import { SYS } from "./sysno.ts";

/** Protection bits. */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** mmap flags (x86_64). */
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_32BIT = 0x40;
export const MAP_GROWSDOWN = 0x100;
export const MAP_DENYWRITE = 0x800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_SYNC = 0x80000;
export const MAP_FIXED_NOREPLACE = 0x100000;

const _mmap = libc.func("void *mmap(void *, size_t, int, int, int, long)") as (
  addr: null,
  len: number,
  prot: number,
  flags: number,
  fd: number,
  off: number,
) => unknown;

/** A mapping in the Sentry's own address space. */
export interface HostMapping {
  /** The opaque koffi pointer (for koffi.view). */
  readonly ptr: unknown;
  /** Its address. */
  readonly addr: bigint;
  readonly len: number;
}

/** mmap(NULL, len, prot, flags, fd, off) in the Sentry; throws on failure. */
export function mmapHost(len: number, prot: number, flags: number, fd: number, off: number): HostMapping {
  const ptr = _mmap(null, len, prot, flags, fd, off);
  const addr = BigInt(koffi.address(ptr) as bigint | number);
  if (addr === 0xffffffffffffffffn || addr === 0n) throw new Error(`mmap of ${len} bytes failed`);
  return { ptr, addr, len };
}

/** munmap of a mapping made by {@link mmapHost}. */
export function munmapHost(m: HostMapping): void {
  sys(SYS.munmap, m.addr, m.len);
}

/** An ArrayBuffer over `len` bytes of `m` starting at `off` (no copy). */
export function viewHost(m: HostMapping, off: number, len: number): ArrayBuffer {
  return koffi.view(m.addr + BigInt(off), len) as ArrayBuffer;
}
