// Loads a program into a fresh MemoryManager: `#!` scripts (up to 4 levels), static and
// PT_INTERP (dynamic) ELF64 executables, the stack with argv/envp/auxv. Files come through
// an ExecOpener (the VFS, or the gofer stand-in), never from host paths.
import { E } from "../../../ffi/errno.ts";
import type { MapSource, MemoryManager } from "../mm/mm.ts";
import type { MmAccess } from "../mm/access.ts";
import { PAGE_SIZE, pageDown, pageUp, PIE_BASE, STACK_SIZE, STACK_TOP } from "../mm/layout.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import { ET_DYN, parseElf, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR } from "./elf.ts";
import type { ElfInfo } from "./elf.ts";
import { AT, buildStack } from "./stack.ts";

/** An executable file opened for loading. */
export interface ExecFile extends MapSource {
  readonly size: number;
  close(): void;
}

/** Opens executables by path (resolved in the task's filesystem context). */
export interface ExecOpener {
  /** Opens `path` for execution: -ENOENT, -EACCES (not executable), -EISDIR, ... */
  open(path: string): ExecFile | number;
}

/** Identity values for auxv. */
export interface ExecCreds {
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
}

/** Where the new program starts. */
export interface LoadResult {
  readonly entry: number;
  readonly sp: number;
  /** argv after `#!` rewriting (what /proc/self/cmdline shows). */
  readonly argv: readonly string[];
  /** The executable's path (for /proc/self/exe). */
  readonly path: string;
}

const HEAD = 4096;

function readHead(f: ExecFile): Uint8Array | number {
  const buf = new Uint8Array(Math.min(HEAD, f.size));
  const r = f.pread(buf, 0);
  if (r < 0) return r;
  return buf.subarray(0, r);
}

/** Parses a `#!` line; returns [interpreter, optional argument] or -ENOEXEC. */
function parseShebang(head: Uint8Array): [string, string | null] | number {
  let end = head.indexOf(10);
  if (end < 0) end = Math.min(head.length, 256);
  const line = new TextDecoder().decode(head.subarray(2, end)).replace(/[ \t]+$/, "").replace(/^[ \t]+/, "");
  if (line === "") return -E.ENOEXEC;
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (m === null) return -E.ENOEXEC;
  return [m[1], m[2] !== undefined && m[2] !== "" ? m[2] : null];
}

/**
 * Maps the PT_LOAD segments of `elf` at `bias`; returns the end of the highest segment. The
 * file-backed pages map `f` itself (so a cacheable file is shared, not copied: MapSource
 * cacheKey), the .bss pages beyond them are anonymous, and the bytes of the last file page
 * beyond p_filesz are zeroed through `mem` (which gives that page its own copy).
 */
function mapSegments(mm: MemoryManager, mem: MmAccess, f: ExecFile, elf: ElfInfo, bias: number): number {
  let top = 0;
  for (const p of elf.phdrs) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    const start = pageDown(bias + p.vaddr);
    const end = pageUp(bias + p.vaddr + p.memsz);
    let prot = 0;
    if (p.flags & PF_R) prot |= PROT_READ;
    if (p.flags & PF_W) prot |= PROT_WRITE;
    if (p.flags & PF_X) prot |= PROT_EXEC;
    const fileStart = pageDown(p.offset);
    const fileMapEnd = p.filesz === 0 ? start : Math.min(end, pageUp(bias + p.vaddr + p.filesz));
    if (fileMapEnd > start) {
      const r = mm.mapAt(start, fileMapEnd - start, prot, false, f, fileStart);
      if (r < 0) return r;
    }
    if (end > fileMapEnd) {
      const r = mm.mapAt(fileMapEnd, end - fileMapEnd, prot, false, null, 0);
      if (r < 0) return r;
    }
    // Bytes of the last file page beyond p_filesz belong to .bss: they must read as zero.
    const tailStart = bias + p.vaddr + p.filesz;
    const tailEnd = Math.min(pageUp(tailStart), fileMapEnd);
    if (p.filesz > 0 && tailEnd > tailStart) {
      const r = mem.writeForce(tailStart, new Uint8Array(tailEnd - tailStart));
      if (r < 0) return r;
    }
    if (end > top) top = end;
  }
  return top;
}

/** Span of the PT_LOAD segments (lowest page, highest end). */
function span(elf: ElfInfo): [number, number] {
  let lo = Infinity, hi = 0;
  for (const p of elf.phdrs) {
    if (p.type !== PT_LOAD) continue;
    lo = Math.min(lo, pageDown(p.vaddr));
    hi = Math.max(hi, pageUp(p.vaddr + p.memsz));
  }
  return [lo, hi];
}

/**
 * Loads `path` with `argv`/`envp` into `mm` (which must be empty) and builds the stack.
 * Returns the entry point and stack pointer, or -errno (-ENOEXEC, -ENOENT, -ENOMEM, ...).
 */
export function loadProgram(
  mm: MemoryManager,
  mem: MmAccess,
  opener: ExecOpener,
  path: string,
  argv: readonly string[],
  envp: readonly string[],
  creds: ExecCreds,
  random: Uint8Array,
): LoadResult | number {
  let args = [...argv];
  let file: ExecFile | number = -E.ENOENT;
  let head: Uint8Array | number = -E.ENOEXEC;
  let cur = path;
  for (let depth = 0;; depth++) {
    file = opener.open(cur);
    if (typeof file === "number") return file;
    head = readHead(file);
    if (typeof head === "number") return (file.close(), head);
    if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      file.close();
      if (depth >= 4) return -E.ELOOP;
      const sb = parseShebang(head);
      if (typeof sb === "number") return sb;
      args = [sb[0], ...(sb[1] !== null ? [sb[1]] : []), cur, ...args.slice(1)];
      cur = sb[0];
      continue;
    }
    break;
  }
  const exe = file as ExecFile;
  const elf = parseElf(head as Uint8Array);
  if (typeof elf === "number") return (exe.close(), elf);
  const bias = elf.type === ET_DYN ? PIE_BASE : 0;
  const top = mapSegments(mm, mem, exe, elf, bias);
  if (top < 0) return (exe.close(), top);
  let interpPath: string | null = null;
  for (const p of elf.phdrs) {
    if (p.type !== PT_INTERP) continue;
    if (p.filesz > 4096 || p.filesz < 2) return (exe.close(), -E.ENOEXEC);
    const b = new Uint8Array(p.filesz);
    if (exe.pread(b, p.offset) !== p.filesz) return (exe.close(), -E.ENOEXEC);
    interpPath = new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  }
  exe.close();
  let entry = bias + elf.entry;
  let base = 0;
  if (interpPath !== null) {
    const ifile = opener.open(interpPath);
    if (typeof ifile === "number") return ifile === -E.EACCES ? ifile : -E.ENOENT;
    const ihead = readHead(ifile);
    const ielf = typeof ihead === "number" ? ihead : parseElf(ihead);
    if (typeof ielf === "number" || ielf.type !== ET_DYN) return (ifile.close(), -E.ELIBBAD);
    const [lo, hi] = span(ielf);
    const at = mm.findGap(hi - lo);
    if (at < 0) return (ifile.close(), at);
    base = at - lo;
    const r = mapSegments(mm, mem, ifile, ielf, base);
    ifile.close();
    if (r < 0) return r;
    entry = base + ielf.entry;
  }
  mm.brkStart = mm.brk = top;
  let phdrAddr = 0;
  const phdrSeg = elf.phdrs.find((p) => p.type === PT_PHDR);
  if (phdrSeg !== undefined) phdrAddr = bias + phdrSeg.vaddr;
  else {
    const first = elf.phdrs.find((p) => p.type === PT_LOAD && p.offset <= elf.phoff);
    if (first !== undefined) phdrAddr = bias + first.vaddr - first.offset + elf.phoff;
  }
  const stackStart = STACK_TOP - STACK_SIZE;
  const sr = mm.mapAt(stackStart, STACK_SIZE, PROT_READ | PROT_WRITE, false, null, 0, "[stack]");
  if (sr < 0) return sr;
  // The host vDSO the platform keeps in every address space (ptrace), unless the stack or an
  // executable was placed over it: glibc, musl and Go then call clock_gettime without a trap.
  const vdso = mm.special.find((h) => h.name === "[vdso]");
  const st = buildStack(STACK_TOP, {
    argv: args,
    envp,
    execfn: path,
    random,
    auxv: [
      [AT.PHDR, phdrAddr],
      [AT.PHENT, 56],
      [AT.PHNUM, elf.phdrs.length],
      [AT.PAGESZ, PAGE_SIZE],
      [AT.BASE, base],
      [AT.FLAGS, 0],
      [AT.ENTRY, bias + elf.entry],
      [AT.UID, creds.uid],
      [AT.EUID, creds.euid],
      [AT.GID, creds.gid],
      [AT.EGID, creds.egid],
      [AT.SECURE, 0],
      [AT.HWCAP, 0x178bfbff],
      [AT.HWCAP2, 0],
      [AT.CLKTCK, 100],
      [AT.MINSIGSTKSZ, 2048],
      ...(vdso === undefined ? [] : [[AT.SYSINFO_EHDR, vdso.start] as const]),
    ],
  });
  if (st === null) return -E.E2BIG;
  const w = mem.writeForce(STACK_TOP - st.bytes.length, st.bytes);
  if (w < 0) return w;
  // The host's view of the process (ps, docker top): argv as the command line, comm the basename.
  const enc = new TextEncoder();
  mm.describe(
    enc.encode(args.map((a) => a + "\0").join("")),
    enc.encode(path.slice(path.lastIndexOf("/") + 1)),
  );
  // /proc/self/exe is the resolved file, not the symlink exec was given: ld.so expands $ORIGIN
  // from it (java's RPATH $ORIGIN/../lib behind /usr/bin/java -> /etc/alternatives/java).
  const exePath = exe.name.startsWith("/") ? exe.name : cur;
  return { entry, sp: st.sp, argv: args, path: exePath };
}
