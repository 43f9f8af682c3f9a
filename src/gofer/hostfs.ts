// The gofer's host file calls (the FFI edge of the gofer): openat, fstatat, readlinkat,
// getdents64, lseek, fcntl. Every call returns a value or -errno; nothing here follows a
// symlink (callers pass O_NOFOLLOW / AT_SYMLINK_NOFOLLOW and the names are pre-validated).
import { close, errno, libc } from "../../ffi/libc.ts";
import { E } from "../../ffi/errno.ts";
import type { GoferStat } from "../lisafs/api.ts";

/** open(2) flags (x86_64). */
export const O_RDONLY = 0;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const O_NOCTTY = 0o400;
/** *at(2) flags. */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
/** File type bits of st_mode. */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** struct stat (x86_64) offsets. */
const STAT = {
  size: 144,
  dev: 0,
  ino: 8,
  nlink: 16,
  mode: 24,
  uid: 28,
  gid: 32,
  rdev: 40,
  sizeField: 48,
  blksize: 56,
  blocks: 64,
  atime: 72,
  mtime: 88,
  ctime: 104,
} as const;

type Buf = Uint8Array;
const _openat = libc.func("int openat(int, const char *, int, int)") as (
  d: number,
  p: string,
  f: number,
  m: number,
) => number;
const _fstatat = libc.func("int fstatat(int, const char *, _Out_ uint8_t *, int)") as (
  d: number,
  p: string,
  b: Buf,
  f: number,
) => number;
const _readlinkat = libc.func("long readlinkat(int, const char *, _Out_ uint8_t *, size_t)") as (
  d: number,
  p: string,
  b: Buf,
  n: number,
) => number;
const _getdents64 = libc.func("long getdents64(int, _Out_ uint8_t *, size_t)") as (
  fd: number,
  b: Buf,
  n: number,
) => number;
const _lseek = libc.func("long lseek(int, long, int)") as (fd: number, off: bigint, whence: number) => number;
const _fcntl = libc.func("int fcntl(int, int, int)") as (fd: number, cmd: number, arg: number) => number;
const _chroot = libc.func("int chroot(const char *)") as (p: string) => number;
const _chdir = libc.func("int chdir(const char *)") as (p: string) => number;
const _fchdir = libc.func("int fchdir(int)") as (fd: number) => number;

function ret(r: number): number {
  return r < 0 ? -errno() : r;
}

/** openat(2); the fd or -errno. */
export function openat(dirfd: number, name: string, flags: number, mode = 0): number {
  return ret(_openat(dirfd, name, flags, mode));
}

const statBuf = new Uint8Array(STAT.size);
const statView = new DataView(statBuf.buffer);

/** fstatat(2) decoded into a GoferStat, or -errno. */
export function fstatat(dirfd: number, name: string, flags: number): GoferStat | number {
  const r = _fstatat(dirfd, name, statBuf, flags);
  if (r < 0) return -errno();
  const v = statView;
  const ns = (off: number) => v.getBigInt64(off, true) * 1_000_000_000n + v.getBigInt64(off + 8, true);
  return {
    dev: Number(v.getBigUint64(STAT.dev, true)),
    ino: Number(v.getBigUint64(STAT.ino, true)),
    nlink: Number(v.getBigUint64(STAT.nlink, true)),
    mode: v.getUint32(STAT.mode, true),
    uid: v.getUint32(STAT.uid, true),
    gid: v.getUint32(STAT.gid, true),
    rdev: Number(v.getBigUint64(STAT.rdev, true)),
    size: Number(v.getBigInt64(STAT.sizeField, true)),
    blksize: Number(v.getBigInt64(STAT.blksize, true)),
    blocks: Number(v.getBigInt64(STAT.blocks, true)),
    atimeNs: ns(STAT.atime),
    mtimeNs: ns(STAT.mtime),
    ctimeNs: ns(STAT.ctime),
  };
}

/** fstat(2) of an fd (an O_PATH fd works too) via fstatat(fd, "", AT_EMPTY_PATH). */
export function fstat(fd: number): GoferStat | number {
  return fstatat(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

const linkBuf = new Uint8Array(4096);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** readlinkat(2) as a string, or -errno (-EILSEQ if the target is not valid UTF-8). */
export function readlinkat(dirfd: number, name: string): string | number {
  const n = _readlinkat(dirfd, name, linkBuf, linkBuf.byteLength);
  if (n < 0) return -errno();
  if (n >= linkBuf.byteLength) return -E.ENAMETOOLONG; // cannot happen on Linux (PATH_MAX); be safe
  try {
    return utf8.decode(linkBuf.subarray(0, n));
  } catch {
    return -E.EILSEQ; // the protocol carries UTF-8 names only
  }
}

/** getdents64(2) into `buf`; bytes or -errno. */
export function getdents64(fd: number, buf: Uint8Array): number {
  return ret(_getdents64(fd, buf, buf.byteLength));
}

/** lseek(2) to an absolute offset (a directory cookie); the offset or -errno. */
export function seekTo(fd: number, off: bigint): number {
  return ret(_lseek(fd, off, 0));
}

/** fcntl(F_SETFL, flags); 0 or -errno. */
export function setStatusFlags(fd: number, flags: number): number {
  return ret(_fcntl(fd, 4, flags));
}

/**
 * Makes the directory `dirFd` this process's root and working directory: fchdir + chroot(".").
 * Needs CAP_SYS_CHROOT; 0 or -errno.
 */
export function chrootToFd(dirFd: number): number {
  if (_fchdir(dirFd) < 0) return -errno();
  if (_chroot(".") < 0) return -errno();
  return ret(_chdir("/"));
}

/** Closes `fd` unless it is `keep` (the borrowed root fd). */
export function closeUnless(fd: number, keep: number): void {
  if (fd !== keep) close(fd);
}
