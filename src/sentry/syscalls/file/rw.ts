// read/write family: read write readv writev pread64 pwrite64 preadv pwritev preadv2
// pwritev2. Data moves through a reused Sentry buffer: one file operation per chunk, so a
// pipe write of <= PIPE_BUF stays atomic and a blocked stream returns BLOCK only before any
// byte moved (the restarted call then redoes everything).
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { IN, notifiedIf } from "../../vfs/fsnotify.ts";
import { CHUNK, count, int, readIovecs, row, scratch, SegList } from "./util.ts";

const segs = new SegList();

/** The read loop of readSegs; `pos` < 0 uses (and advances) the file offset. */
function readSegs0(t: FileTask, f: FileDescription, sl: SegList, pos: number): number {
  if (!f.readable) return -E.EBADF;
  if (pos >= 0 && !f.seekable) return -E.ESPIPE;
  let done = 0, si = 0, so = 0;
  while (done < sl.total) {
    const want = Math.min(sl.total - done, CHUNK);
    const buf = scratch(want);
    const n = pos < 0 ? f.read(t, buf) : f.pread(t, buf, pos + done);
    if (n < 0) return done > 0 ? done : n;
    // Scatter n bytes.
    let k = 0;
    while (k < n) {
      while (so >= sl.len[si]) {
        si++;
        so = 0;
      }
      const m = Math.min(n - k, sl.len[si] - so);
      if (t.mem.write(sl.addr[si] + so, buf.subarray(k, k + m)) < 0) {
        const got = done + k;
        return got > 0 ? got : -E.EFAULT;
      }
      k += m;
      so += m;
    }
    done += n;
    if (n < want || !f.seekable) break;
  }
  return done;
}

/** The write loop of writeSegs. */
function writeSegs0(t: FileTask, f: FileDescription, sl: SegList, pos: number): number {
  if (!f.writable) return -E.EBADF;
  if (pos >= 0 && !f.seekable) return -E.ESPIPE;
  if (sl.total === 0) {
    const n = pos < 0 ? f.write(t, scratch(0)) : f.pwrite(t, scratch(0), pos);
    return n < 0 ? n : 0;
  }
  let done = 0, si = 0, so = 0;
  while (done < sl.total) {
    const want = Math.min(sl.total - done, CHUNK);
    const buf = scratch(want);
    // Gather; on a fault, write what was gathered before it.
    let k = 0;
    let fault = false;
    while (k < want) {
      while (so >= sl.len[si]) {
        si++;
        so = 0;
      }
      const m = Math.min(want - k, sl.len[si] - so);
      if (t.mem.readInto(sl.addr[si] + so, buf.subarray(k, k + m)) < 0) {
        fault = true;
        break;
      }
      k += m;
      so += m;
    }
    if (k === 0) return done > 0 ? done : -E.EFAULT;
    const n = pos < 0 ? f.write(t, buf.subarray(0, k)) : f.pwrite(t, buf.subarray(0, k), pos + done);
    if (n < 0) return done > 0 ? done : n;
    done += n;
    if (fault || n < k) break;
  }
  return done;
}

/** Reads into the segments; `pos` < 0 uses the file offset. IN_ACCESS when bytes came. */
export function readSegs(t: FileTask, f: FileDescription, sl: SegList, pos: number): number {
  const n = readSegs0(t, f, sl, pos);
  return n > 0 ? notifiedIf(f.vd, n, IN.ACCESS) : n;
}

/** Writes from the segments; `pos` < 0 uses the file offset (or O_APPEND). IN_MODIFY when bytes went. */
export function writeSegs(t: FileTask, f: FileDescription, sl: SegList, pos: number): number {
  const n = writeSegs0(t, f, sl, pos);
  return n > 0 ? notifiedIf(f.vd, n, IN.MODIFY) : n;
}

function file(t: FileTask, fd: number): FileDescription | undefined {
  return t.fds.get(int(fd));
}

function sysRead(t: FileTask, fd: number, buf: number, n: number): number {
  const f = file(t, fd);
  if (f === undefined) return -E.EBADF;
  return readSegs(t, f, segs.single(buf, count(n)), -1);
}

function sysWrite(t: FileTask, fd: number, buf: number, n: number): number {
  const f = file(t, fd);
  if (f === undefined) return -E.EBADF;
  return writeSegs(t, f, segs.single(buf, count(n)), -1);
}

function sysPread(t: FileTask, fd: number, buf: number, n: number, pos: number): number {
  const f = file(t, fd);
  if (f === undefined) return -E.EBADF;
  if (pos < 0 || !Number.isSafeInteger(pos)) return -E.EINVAL;
  return readSegs(t, f, segs.single(buf, count(n)), pos);
}

function sysPwrite(t: FileTask, fd: number, buf: number, n: number, pos: number): number {
  const f = file(t, fd);
  if (f === undefined) return -E.EBADF;
  if (pos < 0 || !Number.isSafeInteger(pos)) return -E.EINVAL;
  return writeSegs(t, f, segs.single(buf, count(n)), pos);
}

/** Positioning of a vectored call: none, an offset, or an offset where -1 means "current". */
const NONE = 0, AT = 1, AT_OR_CUR = 2;

function vec(write: boolean, mode: number) {
  return (t: FileTask, fd: number, iov: number, cnt: number, posArg: number): number => {
    const f = file(t, fd);
    if (f === undefined) return -E.EBADF;
    const r = readIovecs(t, iov, cnt, segs);
    if (r < 0) return r;
    let pos = -1;
    if (mode !== NONE && !(mode === AT_OR_CUR && posArg === -1)) {
      if (posArg < 0 || !Number.isSafeInteger(posArg)) return -E.EINVAL;
      pos = posArg;
    }
    return write ? writeSegs(t, f, segs, pos) : readSegs(t, f, segs, pos);
  };
}

/** Rows of the read/write family. */
export const RW_SYSCALLS: SyscallEntry[] = [
  row(SYS.read, "read", "full", "", sysRead),
  row(SYS.write, "write", "full", "pipe writes > PIPE_BUF may return short counts", sysWrite),
  row(SYS.pread64, "pread64", "full", "", sysPread),
  row(SYS.pwrite64, "pwrite64", "full", "", sysPwrite),
  row(SYS.readv, "readv", "full", "", vec(false, NONE)),
  row(SYS.writev, "writev", "full", "", vec(true, NONE)),
  row(SYS.preadv, "preadv", "full", "", vec(false, AT)),
  row(SYS.pwritev, "pwritev", "full", "", vec(true, AT)),
  row(SYS.preadv2, "preadv2", "partial", "flags ignored", vec(false, AT_OR_CUR)),
  row(SYS.pwritev2, "pwritev2", "partial", "flags ignored", vec(true, AT_OR_CUR)),
];
