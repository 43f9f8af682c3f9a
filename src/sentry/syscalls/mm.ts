// Memory syscalls: brk, mmap family, mprotect, mremap, madvise, msync, mincore, mlock family.
// Every argument is application-controlled: alignment, overflow and range are checked here.
import { SYS } from "../../../ffi/sysno.ts";
import { E } from "../../../ffi/errno.ts";
import { def } from "./table.ts";
import type { SyscallEntry } from "./abi.ts";
import type { Task } from "../kernel/task.ts";
import {
  isPageAligned,
  PAGE_SIZE,
  pageUp,
  RESERVED_END,
  RESERVED_START,
  USER_END,
  USER_MIN,
} from "../mm/layout.ts";
import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_TYPE,
  PROT_READ,
  PROT_WRITE,
} from "../../../ffi/mman.ts";
import type { MapSource } from "../mm/mm.ts";

/** How a file descriptor is turned into a mapping source (set by the files layer). */
export type MmapSourceHook = (t: Task, fd: number, shared: boolean, prot: number) => MapSource | number;

let sourceHook: MmapSourceHook = () => -E.ENODEV;

/** Installs the files layer's fd → MapSource resolver. */
export function setMmapSourceHook(h: MmapSourceHook): void {
  sourceHook = h;
}

function okRange(addr: number, len: number): boolean {
  return addr >= USER_MIN && addr + len <= USER_END && !(addr < RESERVED_END && addr + len > RESERVED_START);
}

function mmap(
  t: Task,
  addr: number,
  len0: number,
  prot: number,
  flags: number,
  fd: number,
  off: number,
): number {
  if (len0 === 0 || len0 > USER_END) return len0 === 0 ? -E.EINVAL : -E.ENOMEM;
  if (!isPageAligned(off)) return -E.EINVAL;
  if ((prot & ~7) !== 0) return -E.EINVAL;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -E.EINVAL;
  const shared = type !== MAP_PRIVATE;
  const len = pageUp(len0);
  const mm = t.mm;
  const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
  let at: number;
  if (fixed) {
    if (!isPageAligned(addr)) return -E.EINVAL;
    if (!okRange(addr, len)) return -E.ENOMEM;
    if ((flags & MAP_FIXED) === 0 && !mm.isFree(addr, addr + len)) return -E.EEXIST;
    at = addr;
  } else {
    const hint = addr - (addr % PAGE_SIZE);
    at = hint !== 0 && mm.isFree(hint, hint + len) ? hint : mm.findGap(len);
    if (at < 0) return at;
  }
  let src: MapSource | null = null;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const s = sourceHook(t, fd | 0, shared, prot);
    if (typeof s === "number") return s;
    src = s;
  }
  return mm.mapAt(at, len, prot, shared, src, off);
}

function checkRange(addr: number, len: number): number {
  if (!isPageAligned(addr)) return -E.EINVAL;
  if (!Number.isSafeInteger(len) || len < 0 || addr + len > USER_END) return -E.EINVAL;
  return 0;
}

function munmap(t: Task, addr: number, len: number): number {
  const c = checkRange(addr, len);
  if (c < 0) return c;
  if (len === 0) return -E.EINVAL;
  return t.mm.unmap(addr, pageUp(len));
}

function mprotect(t: Task, addr: number, len: number, prot: number): number {
  const c = checkRange(addr, len);
  if (c < 0) return c;
  if ((prot & ~(7 | 0x01000000 | 0x02000000)) !== 0) return -E.EINVAL;
  if (len === 0) return 0;
  return t.mm.protect(addr, pageUp(len), prot & 7);
}

function brk(t: Task, addr: number): number {
  const mm = t.mm;
  if (addr < mm.brkStart || addr >= USER_END) return mm.brk;
  const cur = pageUp(mm.brk);
  const want = pageUp(addr);
  if (want > cur) {
    if (!mm.isFree(cur, want)) return mm.brk;
    const heap = mm.find(mm.brkStart);
    const r = heap !== null && heap.name === "[heap]" && heap.end === cur
      ? mm.growInPlace(heap.start, cur - heap.start, want - heap.start)
      : mm.mapAt(cur, want - cur, PROT_READ | PROT_WRITE, false, null, 0, "[heap]");
    if (r < 0) return mm.brk;
  } else if (want < cur) {
    mm.unmap(want, cur - want);
  }
  mm.brk = addr;
  return addr;
}

const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

function mremap(
  t: Task,
  old: number,
  oldLen0: number,
  newLen0: number,
  flags: number,
  newAddr: number,
): number {
  if (!isPageAligned(old) || (flags & ~7) !== 0) return -E.EINVAL;
  if (newLen0 === 0 || newLen0 > USER_END || oldLen0 > USER_END) return -E.EINVAL;
  const oldLen = pageUp(oldLen0), newLen = pageUp(newLen0);
  const mm = t.mm;
  const v = mm.find(old);
  if (v === null || old + oldLen > v.end) return -E.EFAULT;
  if ((flags & MREMAP_FIXED) !== 0) {
    if ((flags & MREMAP_MAYMOVE) === 0 || !isPageAligned(newAddr) || !okRange(newAddr, newLen)) {
      return -E.EINVAL;
    }
    return mm.move(old, oldLen, newLen, newAddr);
  }
  if (newLen <= oldLen) {
    if (newLen < oldLen) mm.unmap(old + newLen, oldLen - newLen);
    return old;
  }
  if (v.start === old && v.end === old + oldLen && mm.growInPlace(old, oldLen, newLen) === 0) return old;
  if ((flags & MREMAP_MAYMOVE) === 0) return -E.ENOMEM;
  const to = mm.findGap(newLen);
  if (to < 0) return to;
  return mm.move(old, oldLen, newLen, to);
}

const MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9;

function madvise(t: Task, addr: number, len: number, advice: number): number {
  const c = checkRange(addr, len);
  if (c < 0) return c;
  if (advice === MADV_DONTNEED || advice === MADV_REMOVE) {
    const l = pageUp(len);
    for (let a = addr; a < addr + l;) {
      const v = t.mm.find(a);
      if (v === null) return -E.ENOMEM;
      a = v.end;
    }
    t.mm.zeroRange(addr, l);
    return 0;
  }
  if (advice === MADV_FREE || (advice >= 0 && advice <= 100)) return 0;
  return -E.EINVAL;
}

function mincore(t: Task, addr: number, len: number, vec: number): number {
  const c = checkRange(addr, len);
  if (c < 0) return c;
  const pages = pageUp(len) / PAGE_SIZE;
  for (let a = addr; a < addr + pages * PAGE_SIZE;) {
    const v = t.mm.find(a);
    if (v === null) return -E.ENOMEM;
    a = v.end;
  }
  return t.mem.write(vec, new Uint8Array(pages).fill(1));
}

/** Rows of this module. */
export const MM_SYSCALLS: SyscallEntry[] = [
  def(SYS.brk, "brk", "full", "", (t, a) => brk(t, a)),
  def(
    SYS.mmap,
    "mmap",
    "partial",
    "anonymous private/shared, private file maps (copied), shared file maps (pages shared by every mapping, written back on msync/last unmap; not coherent with read/write)",
    (t, a, l, p, f, fd, o) => mmap(t, a, l, p, f, fd, o),
  ),
  def(SYS.munmap, "munmap", "full", "", (t, a, l) => munmap(t, a, l)),
  def(SYS.mprotect, "mprotect", "full", "", (t, a, l, p) => mprotect(t, a, l, p)),
  def(SYS.mremap, "mremap", "partial", "no MREMAP_DONTUNMAP", (t, a, b, c, d, e) => mremap(t, a, b, c, d, e)),
  def(
    SYS.madvise,
    "madvise",
    "partial",
    "DONTNEED/REMOVE zero the range; others accepted",
    (t, a, l, adv) => madvise(t, a, l, adv),
  ),
  def(
    SYS.msync,
    "msync",
    "partial",
    "writes shared file pages back; MS_INVALIDATE does not re-read",
    (t, a, len) => {
      if (!isPageAligned(a)) return -E.EINVAL;
      t.mm.syncShared(a, pageUp(Math.min(len, USER_END)));
      return 0;
    },
  ),
  def(
    SYS.mincore,
    "mincore",
    "partial",
    "every mapped page reported resident",
    (t, a, l, v) => mincore(t, a, l, v),
  ),
  def(SYS.mlock, "mlock", "partial", "no-op", () => 0),
  def(SYS.munlock, "munlock", "partial", "no-op", () => 0),
  def(SYS.mlockall, "mlockall", "partial", "no-op", () => 0),
  def(SYS.munlockall, "munlockall", "partial", "no-op", () => 0),
  def(SYS.membarrier, "membarrier", "errno", "ENOSYS", () => -E.ENOSYS),
];
