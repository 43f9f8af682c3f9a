// Layouts of the structs file syscalls hand to the application (x86_64): struct stat (144
// bytes), struct statx (256), struct statfs (120), linux_dirent64 and linux_dirent. Written
// with a DataView into reused buffers; the caller copies them out.
import { devParts } from "../../vfs/device.ts";
import type { DirEntry, FsStats, StatInfo } from "../../vfs/inode.ts";

const statBuf = new Uint8Array(256);
const statView = new DataView(statBuf.buffer);
const NS = 1_000_000_000n;

function ts(v: DataView, off: number, ns: bigint): void {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  v.setBigInt64(off, sec, true);
  v.setBigInt64(off + 8, nsec, true);
}

/** struct stat for `s` (a view valid until the next call). */
export function encodeStat(s: StatInfo): Uint8Array {
  const v = statView;
  statBuf.fill(0, 0, 144);
  v.setBigUint64(0, BigInt(s.dev), true);
  v.setBigUint64(8, BigInt(s.ino), true);
  v.setBigUint64(16, BigInt(s.nlink), true);
  v.setUint32(24, s.mode, true);
  v.setUint32(28, s.uid >>> 0, true);
  v.setUint32(32, s.gid >>> 0, true);
  v.setBigUint64(40, BigInt(s.rdev), true);
  v.setBigInt64(48, BigInt(s.size), true);
  v.setBigInt64(56, BigInt(s.blksize), true);
  v.setBigInt64(64, BigInt(s.blocks), true);
  ts(v, 72, s.atimeNs);
  ts(v, 88, s.mtimeNs);
  ts(v, 104, s.ctimeNs);
  return statBuf.subarray(0, 144);
}

/** statx mask bits. */
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_MNT_ID = 0x1000;

function sxts(v: DataView, off: number, ns: bigint): void {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  v.setBigInt64(off, sec, true);
  v.setUint32(off + 8, Number(nsec), true);
}

/** struct statx for `s` (basic stats + mount id). */
export function encodeStatx(s: StatInfo, mntId: number): Uint8Array {
  const v = statView;
  statBuf.fill(0, 0, 256);
  v.setUint32(0, STATX_BASIC_STATS | STATX_MNT_ID, true);
  v.setUint32(4, s.blksize, true);
  v.setUint32(16, s.nlink, true);
  v.setUint32(20, s.uid >>> 0, true);
  v.setUint32(24, s.gid >>> 0, true);
  v.setUint16(28, s.mode, true);
  v.setBigUint64(32, BigInt(s.ino), true);
  v.setBigUint64(40, BigInt(s.size), true);
  v.setBigUint64(48, BigInt(s.blocks), true);
  sxts(v, 64, s.atimeNs); // atime
  sxts(v, 96, s.ctimeNs); // ctime
  sxts(v, 112, s.mtimeNs); // mtime
  const [rmaj, rmin] = devParts(s.rdev);
  const [dmaj, dmin] = devParts(s.dev);
  v.setUint32(128, rmaj, true);
  v.setUint32(132, rmin, true);
  v.setUint32(136, dmaj, true);
  v.setUint32(140, dmin, true);
  v.setBigUint64(144, BigInt(mntId), true);
  return statBuf.subarray(0, 256);
}

/** struct statfs for `s`. */
export function encodeStatfs(s: FsStats, dev: number): Uint8Array {
  const v = statView;
  statBuf.fill(0, 0, 120);
  v.setBigInt64(0, BigInt(s.type), true);
  v.setBigInt64(8, BigInt(s.bsize), true);
  v.setBigUint64(16, BigInt(s.blocks), true);
  v.setBigUint64(24, BigInt(s.bfree), true);
  v.setBigUint64(32, BigInt(s.bavail), true);
  v.setBigUint64(40, BigInt(s.files), true);
  v.setBigUint64(48, BigInt(s.ffree), true);
  v.setInt32(56, dev | 0, true);
  v.setBigInt64(64, BigInt(s.namelen), true);
  v.setBigInt64(72, BigInt(s.bsize), true);
  v.setBigInt64(80, BigInt(s.flags), true);
  return statBuf.subarray(0, 120);
}

const enc = new TextEncoder();

/**
 * Serialises entries[from..] as linux_dirent64 records into `out`; returns [bytes, count].
 * d_off is the index of the next entry (what lseek on the directory accepts).
 */
export function encodeDirents64(
  entries: readonly DirEntry[],
  from: number,
  out: Uint8Array,
): [number, number] {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pos = 0, i = from;
  for (; i < entries.length; i++) {
    const e = entries[i];
    const name = enc.encode(e.name);
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (pos + reclen > out.length) break;
    v.setBigUint64(pos, BigInt(e.ino), true);
    v.setBigInt64(pos + 8, BigInt(i + 1), true);
    v.setUint16(pos + 16, reclen, true);
    v.setUint8(pos + 18, e.type);
    out.set(name, pos + 19);
    out.fill(0, pos + 19 + name.length, pos + reclen);
    pos += reclen;
  }
  return [pos, i - from];
}

/** The same for the old getdents (linux_dirent: d_type in the record's last byte). */
export function encodeDirents(entries: readonly DirEntry[], from: number, out: Uint8Array): [number, number] {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pos = 0, i = from;
  for (; i < entries.length; i++) {
    const e = entries[i];
    const name = enc.encode(e.name);
    const reclen = (18 + name.length + 2 + 7) & ~7;
    if (pos + reclen > out.length) break;
    v.setBigUint64(pos, BigInt(e.ino), true);
    v.setBigInt64(pos + 8, BigInt(i + 1), true);
    v.setUint16(pos + 16, reclen, true);
    out.set(name, pos + 18);
    out.fill(0, pos + 18 + name.length, pos + reclen);
    v.setUint8(pos + reclen - 1, e.type);
    pos += reclen;
  }
  return [pos, i - from];
}
