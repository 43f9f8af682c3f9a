// Payload codecs for the LISAFS ops (see wire.ts for the framing): the fixed-size stat
// record and directory entries. Both sides use these, so the layout is defined once.
import type { GoferDirent, GoferStat } from "./api.ts";
import type { Reader, Writer } from "./wire.ts";

/** Bytes of an encoded stat: 4 × u32 then 9 × 64-bit fields. */
export const STAT_SIZE = 4 * 4 + 9 * 8;

/** Appends `st` to `w`. */
export function encodeStat(w: Writer, st: GoferStat): void {
  w.u32(st.mode).u32(st.uid).u32(st.gid).u32(st.blksize);
  w.u64(st.nlink).u64(st.size).u64(st.blocks).u64(st.ino).u64(st.dev).u64(st.rdev);
  w.i64(st.atimeNs).i64(st.mtimeNs).i64(st.ctimeNs);
}

/** Reads a stat written by {@link encodeStat}; check `r.ok` afterwards. */
export function decodeStat(r: Reader): GoferStat {
  const mode = r.u32();
  const uid = r.u32();
  const gid = r.u32();
  const blksize = r.u32();
  const nlink = r.num64();
  const size = r.num64();
  const blocks = r.num64();
  const ino = r.num64();
  const dev = r.num64();
  const rdev = r.num64();
  const atimeNs = r.i64();
  const mtimeNs = r.i64();
  const ctimeNs = r.i64();
  return { mode, uid, gid, nlink, size, blocks, blksize, ino, dev, rdev, atimeNs, mtimeNs, ctimeNs };
}

/** Bytes an encoded dirent takes: u64 ino, u8 type, u8 name length, name. */
export function direntSize(nameBytes: number): number {
  return 8 + 1 + 1 + nameBytes;
}

/** Appends a directory entry whose name is given as raw bytes (at most 255). */
export function encodeDirent(w: Writer, ino: bigint, type: number, name: Uint8Array): void {
  w.u64(ino).u8(type).u8(name.byteLength).bytes(name);
}

/** Reads one entry written by {@link encodeDirent}; check `r.ok` afterwards. */
export function decodeDirent(r: Reader): GoferDirent {
  const ino = r.num64();
  const type = r.u8();
  const len = r.u8();
  const name = r.bytesString(len);
  return { name, ino, type };
}
