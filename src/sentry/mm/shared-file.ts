// MAP_SHARED file mappings: one memory-file chunk per (file, range) shared by every mapping of
// it in the sandbox (across processes and forks), filled from the file when first mapped and
// written back on msync and when its last mapping goes. Mappings are therefore coherent with
// each other (SQLite's WAL index, shm_open + mmap, memfd), not with read()/write() on the file
// while mapped. A new mapping overlapping existing chunks reuses them and fills only the gaps.
import type { MemoryFile } from "./memfile.ts";
import type { Segment } from "./vma.ts";

/** What a shared file mapping needs of its file (set on MapSource for MAP_SHARED maps). */
export interface SharedFile {
  /** Identifies the file (same for every open of it). */
  readonly key: string;
  /** Writes mapped bytes back at file offset `off` (never past the file's current end). */
  writeBack(data: Uint8Array, off: number): void;
  /** Keeps the file open while a chunk lives; the returned function lets it go. */
  hold(): () => void;
}

/** A chunk of a shared file: the memory-file range of [fileOff, fileOff + seg.len). */
export interface FileChunk {
  readonly file: SharedFile;
  readonly fileOff: number;
  readonly drop: () => void;
}

const registries = new WeakMap<MemoryFile, Map<string, Segment[]>>();

function registry(mf: MemoryFile): Map<string, Segment[]> {
  let r = registries.get(mf);
  if (r === undefined) registries.set(mf, r = new Map());
  return r;
}

/** The live chunk containing file offset `fo` of `key`, or null. */
export function chunkAt(mf: MemoryFile, key: string, fo: number): Segment | null {
  for (const s of registry(mf).get(key) ?? []) {
    const c = s.chunk!;
    if (c.fileOff <= fo && fo < c.fileOff + s.len) return s;
  }
  return null;
}

/** The first chunk offset of `key` after `fo` (Infinity when none). */
export function nextChunkStart(mf: MemoryFile, key: string, fo: number): number {
  let n = Infinity;
  for (const s of registry(mf).get(key) ?? []) if (s.chunk!.fileOff > fo) n = Math.min(n, s.chunk!.fileOff);
  return n;
}

/** Registers a new chunk segment (refs 1) of `file` at `fileOff` over memory-file `off`. */
export function addChunk(
  mf: MemoryFile,
  file: SharedFile,
  fileOff: number,
  off: number,
  len: number,
): Segment {
  const seg: Segment = { off, len, refs: 1, chunk: { file, fileOff, drop: file.hold() } };
  const r = registry(mf);
  const list = r.get(file.key);
  if (list === undefined) r.set(file.key, [seg]);
  else list.push(seg);
  return seg;
}

/** Writes [off, off+len) of chunk `seg` (memory-file offsets) back to its file. */
export function writeBack(mf: MemoryFile, seg: Segment, off = seg.off, len = seg.len): void {
  const c = seg.chunk;
  if (c === undefined || len <= 0) return;
  const buf = new Uint8Array(len);
  mf.read(off, buf);
  c.file.writeBack(buf, c.fileOff + (off - seg.off));
}

/** The last mapping of chunk `seg` went: writes it back and forgets it (the caller frees it). */
export function retireChunk(mf: MemoryFile, seg: Segment): void {
  const c = seg.chunk;
  if (c === undefined) return;
  writeBack(mf, seg);
  const r = registry(mf);
  const list = r.get(c.file.key);
  if (list !== undefined) {
    const i = list.indexOf(seg);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) r.delete(c.file.key);
  }
  c.drop();
}
