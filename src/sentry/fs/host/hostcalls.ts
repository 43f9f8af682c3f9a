// FFI bindings for I/O on host fds the Sentry already holds (application stdio, fds donated
// by the gofer). Kept apart so the unsafe surface of the file layer is this one module. It
// never opens a host path: the Sentry has none to open.
import { libc } from "../../../../ffi/libc.ts";
import { koffi } from "../../../../ffi/koffi.ts";

type Buf = Uint8Array;
const _pread = libc.func("long pread64(int, void *, size_t, long)") as (
  fd: number,
  b: Buf,
  n: number,
  off: number,
) => number;
const _pwrite = libc.func("long pwrite64(int, const void *, size_t, long)") as (
  fd: number,
  b: Buf,
  n: number,
  off: number,
) => number;
const _read = libc.func("long read(int, void *, size_t)") as (fd: number, b: Buf, n: number) => number;
const _write = libc.func("long write(int, const void *, size_t)") as (
  fd: number,
  b: Buf,
  n: number,
) => number;
const _lseek = libc.func("long lseek(int, long, int)") as (fd: number, off: number, whence: number) => number;
const _ioctlPtr = libc.func("int ioctl(int, unsigned long, void *)") as (
  fd: number,
  req: number,
  arg: Buf,
) => number;
const _fstat = libc.func("int fstat(int, void *)") as (fd: number, st: Buf) => number;
const _poll = libc.func("int poll(void *, unsigned long, int)") as (
  fds: Buf,
  n: number,
  timeout: number,
) => number;
const _fcntl = libc.func("int fcntl(int, int, long)") as (fd: number, cmd: number, arg: number) => number;

function ret(r: number): number {
  return r < 0 ? -(koffi.errno() as number) : r;
}

/** pread(2) on a host fd: bytes read or -errno. */
export function hostPread(fd: number, b: Uint8Array, pos: number): number {
  return ret(_pread(fd, b, b.length, pos));
}

/** pwrite(2) on a host fd: bytes written or -errno. */
export function hostPwrite(fd: number, b: Uint8Array, pos: number): number {
  return ret(_pwrite(fd, b, b.length, pos));
}

/** read(2) on a host fd. */
export function hostRead(fd: number, b: Uint8Array): number {
  return ret(_read(fd, b, b.length));
}

/** write(2) on a host fd. */
export function hostWrite(fd: number, b: Uint8Array): number {
  return ret(_write(fd, b, b.length));
}

/** lseek(2) on a host fd. */
export function hostLseek(fd: number, off: number, whence: number): number {
  return ret(_lseek(fd, off, whence));
}

/** ioctl(2) with a pointer argument (the buffer is both input and output). */
export function hostIoctl(fd: number, req: number, arg: Uint8Array): number {
  return ret(_ioctlPtr(fd, req, arg));
}

/** fcntl(2) with an integer argument. */
export function hostFcntl(fd: number, cmd: number, arg: number): number {
  return ret(_fcntl(fd, cmd, arg));
}

const statBuf = new Uint8Array(144);
const statView = new DataView(statBuf.buffer);

/** The fields of a host fstat the file layer uses. */
export interface HostStat {
  mode: number;
  ino: number;
  dev: number;
  rdev: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** fstat(2) of a host fd, or -errno. */
export function hostFstat(fd: number): HostStat | number {
  const r = ret(_fstat(fd, statBuf));
  if (r < 0) return r;
  const v = statView;
  const ts = (o: number) => v.getBigInt64(o, true) * 1_000_000_000n + v.getBigInt64(o + 8, true);
  return {
    dev: Number(v.getBigUint64(0, true)),
    ino: Number(v.getBigUint64(8, true)),
    nlink: Number(v.getBigUint64(16, true)),
    mode: v.getUint32(24, true),
    uid: v.getUint32(28, true),
    gid: v.getUint32(32, true),
    rdev: Number(v.getBigUint64(40, true)),
    size: Number(v.getBigInt64(48, true)),
    blksize: Number(v.getBigInt64(56, true)),
    blocks: Number(v.getBigInt64(64, true)),
    atimeNs: ts(72),
    mtimeNs: ts(88),
    ctimeNs: ts(104),
  };
}

const pollBuf = new Uint8Array(8);
const pollView = new DataView(pollBuf.buffer);

/** Readiness of a host fd for `events` right now (poll with a zero timeout); revents. */
export function hostPoll(fd: number, events: number): number {
  pollView.setInt32(0, fd, true);
  pollView.setInt16(4, events, true);
  pollView.setInt16(6, 0, true);
  const r = _poll(pollBuf, 1, 0);
  if (r <= 0) return 0;
  return pollView.getUint16(6, true);
}
