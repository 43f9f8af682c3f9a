// Thin koffi bindings to libc. Every call that can fail has a checked variant that throws
// SysError; the raw `sys*` functions return -errno like the kernel does, for hot paths that
// branch on errors without exceptions.
import { koffi } from "./koffi.ts";
import { SysError } from "./errno.ts";

const libc = koffi.load("libc.so.6");

/** syscall(2) with all six argument registers; returns the raw libc result (-1 + errno). */
const syscall6 = libc.func("syscall", "long", ["long", "long", "long", "long", "long", "long", "long"]) as (
  nr: number,
  a: number | bigint,
  b: number | bigint,
  c: number | bigint,
  d: number | bigint,
  e: number | bigint,
  f: number | bigint,
) => number;

/** The calling thread's errno after the last FFI call. */
export function errno(): number {
  return koffi.errno() as number;
}

/**
 * Issues syscall `nr` with integer arguments and returns the kernel's value: >= 0 on
 * success, -errno on failure. Pointers must be passed as addresses (number or bigint).
 */
export function sys(
  nr: number,
  a: number | bigint = 0,
  b: number | bigint = 0,
  c: number | bigint = 0,
  d: number | bigint = 0,
  e: number | bigint = 0,
  f: number | bigint = 0,
): number {
  const r = syscall6(nr, a, b, c, d, e, f);
  return r === -1 ? -errno() : r;
}

/** Like {@link sys} but throws SysError named `what` on failure. */
export function sysCheck(
  what: string,
  nr: number,
  a: number | bigint = 0,
  b: number | bigint = 0,
  c: number | bigint = 0,
  d: number | bigint = 0,
  e: number | bigint = 0,
  f: number | bigint = 0,
): number {
  const r = sys(nr, a, b, c, d, e, f);
  if (r < 0) throw new SysError(what, -r);
  return r;
}

/** Throws SysError(`what`) if a libc call returned -1. */
export function check(what: string, r: number): number {
  if (r === -1) throw new SysError(what, errno());
  return r;
}

type Buf = Uint8Array | ArrayBufferView;

const _read = libc.func("long read(int, void *, size_t)") as (fd: number, buf: Buf, n: number) => number;
const _write = libc.func("long write(int, const void *, size_t)") as (
  fd: number,
  buf: Buf,
  n: number,
) => number;
const _close = libc.func("int close(int)") as (fd: number) => number;
const _pipe2 = libc.func("int pipe2(_Out_ int *fds, int flags)") as (
  fds: Int32Array,
  flags: number,
) => number;
const _socketpair = libc.func("int socketpair(int, int, int, _Out_ int *sv)") as (
  d: number,
  t: number,
  p: number,
  sv: Int32Array,
) => number;
const _fcntl = libc.func("int fcntl(int, int, int)") as (fd: number, cmd: number, arg: number) => number;
const _getpid = libc.func("int getpid()") as () => number;
const _gettid = libc.func("int gettid()") as () => number;

/** read(2); returns bytes read or -errno. */
export function read(fd: number, buf: Uint8Array, n = buf.byteLength): number {
  const r = _read(fd, buf, Math.min(n, buf.byteLength));
  return r === -1 ? -errno() : r;
}

/** write(2); returns bytes written or -errno. */
export function write(fd: number, buf: Uint8Array, n = buf.byteLength): number {
  const r = _write(fd, buf, Math.min(n, buf.byteLength));
  return r === -1 ? -errno() : r;
}

/** close(2), ignoring EINTR as Linux does (the fd is gone either way). */
export function close(fd: number): void {
  _close(fd);
}

/** pipe2(2): returns [readEnd, writeEnd]. */
export function pipe2(flags = 0): [number, number] {
  const fds = new Int32Array(2);
  check("pipe2", _pipe2(fds, flags));
  return [fds[0], fds[1]];
}

/** socketpair(2): returns both ends. */
export function socketpair(domain: number, type: number, protocol = 0): [number, number] {
  const sv = new Int32Array(2);
  check("socketpair", _socketpair(domain, type, protocol, sv));
  return [sv[0], sv[1]];
}

/** fcntl(2) with an integer argument; throws on failure. */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  return check("fcntl", _fcntl(fd, cmd, arg));
}

/** getpid(2) of the calling process. */
export function getpid(): number {
  return _getpid();
}

/** gettid(2) of the calling thread. */
export function gettid(): number {
  return _gettid();
}

/** The loaded libc handle, for subsystem-specific binding modules in ffi/. */
export { libc };
