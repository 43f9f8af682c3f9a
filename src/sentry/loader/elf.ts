// ELF64 header parsing (x86_64, little endian). Pure functions over the first bytes of a file;
// every field is checked before use because the binary is untrusted input.
import { E } from "../../../ffi/errno.ts";

/** Program header types and flags we use. */
export const PT_LOAD = 1;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_GNU_STACK = 0x6474e551;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const ET_EXEC = 2;
export const ET_DYN = 3;

/** One program header. */
export interface Phdr {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

/** The parts of an ELF file the loader needs. */
export interface ElfInfo {
  readonly type: number;
  readonly entry: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phdrs: readonly Phdr[];
}

function u64(dv: DataView, off: number): number {
  const lo = dv.getUint32(off, true), hi = dv.getUint32(off + 4, true);
  if (hi >= 0x200000) return -1;
  return hi * 4294967296 + lo;
}

/** Parses the ELF header and program headers from `head` (the file's first bytes). */
export function parseElf(head: Uint8Array): ElfInfo | number {
  if (head.length < 64) return -E.ENOEXEC;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return -E.ENOEXEC;
  if (head[4] !== 2 || head[5] !== 1) return -E.ENOEXEC; // ELFCLASS64, little endian
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const type = dv.getUint16(16, true);
  if (type !== ET_EXEC && type !== ET_DYN) return -E.ENOEXEC;
  if (dv.getUint16(18, true) !== 62) return -E.ENOEXEC; // EM_X86_64
  const entry = u64(dv, 24);
  const phoff = u64(dv, 32);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (entry < 0 || phoff < 0 || phentsize !== 56 || phnum === 0 || phnum > 128) return -E.ENOEXEC;
  if (phoff + phnum * 56 > head.length) return -E.ENOEXEC;
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
    const p: Phdr = {
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      offset: u64(dv, o + 8),
      vaddr: u64(dv, o + 16),
      filesz: u64(dv, o + 32),
      memsz: u64(dv, o + 40),
    };
    if (p.type === PT_LOAD && (p.offset < 0 || p.vaddr < 0 || p.filesz < 0 || p.memsz < p.filesz)) {
      return -E.ENOEXEC;
    }
    if (p.type === PT_LOAD && p.vaddr % 4096 !== p.offset % 4096) return -E.EINVAL;
    phdrs.push(p);
  }
  return { type, entry, phoff, phentsize, phdrs };
}
