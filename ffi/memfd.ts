// memfd and file-space bindings for the Sentry's memory file: create, size, punch holes to
// give pages back, and find populated extents (SEEK_DATA/SEEK_HOLE) to copy only what exists.
import { SYS } from "./sysno.ts";
import { check, errno, libc, sys } from "./libc.ts";

/** memfd_create flags. */
export const MFD_CLOEXEC = 1;

/** fallocate modes. */
export const FALLOC_FL_KEEP_SIZE = 1;
export const FALLOC_FL_PUNCH_HOLE = 2;

/** lseek whences for sparse files. */
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

const _memfdCreate = libc.func("int memfd_create(const char *, unsigned int)") as (
  name: string,
  flags: number,
) => number;

/** Creates a memfd named `name`; throws SysError on failure. */
export function memfdCreate(name: string, flags = MFD_CLOEXEC): number {
  return check("memfd_create", _memfdCreate(name, flags));
}

/** ftruncate(2); returns 0 or -errno. */
export function ftruncate(fd: number, size: number): number {
  return sys(SYS.ftruncate, fd, size);
}

/** Gives the pages of [off, off+len) back to the host (they read as zeros afterwards). */
export function punchHole(fd: number, off: number, len: number): number {
  return sys(SYS.fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}

/** lseek(2); returns the offset or -errno (ENXIO when no data/hole follows). */
export function lseek(fd: number, off: number, whence: number): number {
  return sys(SYS.lseek, fd, off, whence);
}

const _pread = libc.func("long pread(int, void *, size_t, long)") as (
  fd: number,
  buf: Uint8Array,
  n: number,
  off: number,
) => number;

/** pread(2) into `buf`; returns bytes read or -errno. */
export function pread(fd: number, buf: Uint8Array, off: number): number {
  const r = _pread(fd, buf, buf.byteLength, off);
  return r === -1 ? -errno() : r;
}

const _sendfile = libc.func("long sendfile(int, int, void *, size_t)") as (
  out: number,
  inFd: number,
  inOff: BigInt64Array,
  n: number,
) => number;
const inOffBuf = new BigInt64Array(1);

/**
 * Copies `len` bytes of `inFd` at `inOff` into `outFd` at `outOff` inside the kernel (sendfile:
 * no pass through user memory, so no page faults on a mapping of `outFd` either; filling the
 * memory file this way was ~10x faster than pread into the Sentry's view of it, measured).
 * Moves `outFd`'s file position. Returns bytes copied (short at EOF of `inFd`) or -errno.
 */
export function copyFileRange(
  outFd: number,
  outOff: number,
  inFd: number,
  inOff: number,
  len: number,
): number {
  const p = lseek(outFd, outOff, 0);
  if (p < 0) return p;
  return copyLoop(len, (done) => {
    inOffBuf[0] = BigInt(inOff + done);
    return _sendfile(outFd, inFd, inOffBuf, len - done);
  });
}

/**
 * Calls `step(done)` (one in-kernel copy of the rest; bytes or -1 with errno) until `len` bytes
 * are done or it returns 0 (EOF); EINTR is retried. Returns bytes copied, or -errno if none.
 */
function copyLoop(len: number, step: (done: number) => number): number {
  let done = 0;
  while (done < len) {
    const n = step(done);
    if (n < 0) {
      const e = errno();
      if (e === 4 /* EINTR */) continue;
      return done > 0 ? done : -e;
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

const _copyFileRange = libc.func("long copy_file_range(int, void *, int, void *, size_t, unsigned int)") as (
  inFd: number,
  inOff: BigInt64Array,
  outFd: number,
  outOff: BigInt64Array,
  n: number,
  flags: number,
) => number;
const cfrIn = new BigInt64Array(1), cfrOut = new BigInt64Array(1);

/**
 * Copies [from, from+len) of `fd` to `to` (non-overlapping) inside the kernel
 * (copy_file_range: no page faults on a mapping of `fd`; ~10x faster than copying through the
 * Sentry's view of the memory file, measured). Returns bytes copied or -errno.
 */
export function copyWithin(fd: number, from: number, to: number, len: number): number {
  return copyLoop(len, (done) => {
    cfrIn[0] = BigInt(from + done);
    cfrOut[0] = BigInt(to + done);
    return _copyFileRange(fd, cfrIn, fd, cfrOut, len - done, 0);
  });
}
