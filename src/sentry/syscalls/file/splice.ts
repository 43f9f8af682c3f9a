// splice, tee, copy_file_range: copies through the Sentry buffer. A pipe end is checked for
// data and room BEFORE anything moves, and a pipe source is only consumed by what was written,
// so a handler that must block (BLOCK) has changed nothing and can be re-run.
import { IN, notifiedIf, notifyTransfer } from "../../vfs/fsnotify.ts";
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { BLOCK } from "../abi.ts";
import { PipeFile } from "../../fs/pipe/pipe.ts";
import { O_APPEND, O_NONBLOCK, POLLOUT, S_IFDIR, S_IFMT, S_IFREG } from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { CHUNK, count, getI64, int, putI64, row, scratch } from "./util.ts";

const SPLICE_F_NONBLOCK = 2;
const SPLICE_FLAGS = 0xf;

/** The pipe end `f` is (reader side when `reader`), or null. */
function pipeEnd(f: FileDescription, reader: boolean): PipeFile | null {
  return f instanceof PipeFile && (reader ? f.readable : f.writable) ? f : null;
}

/** -EAGAIN, or parks `t` on `q` and answers BLOCK. */
function wait(t: FileTask, nonblock: boolean, q: Parameters<FileTask["blockOn"]>[0][number]): number {
  if (nonblock) return -E.EAGAIN;
  t.blockOn([q]);
  return BLOCK;
}

/** Room in pipe end `out` (> 0), or -EPIPE/-EAGAIN/BLOCK. */
function roomOf(t: FileTask, out: PipeFile, nonblock: boolean): number {
  const p = out.pipe;
  if (p.readers === 0) {
    t.sendSignal?.(13);
    return -E.EPIPE;
  }
  return p.room > 0 ? p.room : wait(t, nonblock, p.writable);
}

/** Reads an optional loff_t offset argument: -1 when absent, -errno when bad. */
function offArg(t: FileTask, addr: number): number {
  if (addr === 0) return -1;
  const v = getI64(t, addr);
  if (v === null) return -E.EFAULT;
  return v < 0 ? -E.EINVAL : v;
}

function sysSplice(
  t: FileTask,
  fdIn: number,
  offInAddr: number,
  fdOut: number,
  offOutAddr: number,
  len: number,
  flags: number,
): number {
  const inp = t.fds.get(int(fdIn)), out = t.fds.get(int(fdOut));
  if (inp === undefined || out === undefined || !inp.readable || !out.writable) return -E.EBADF;
  if ((flags & ~SPLICE_FLAGS) !== 0) return -E.EINVAL;
  const pin = pipeEnd(inp, true), pout = pipeEnd(out, false);
  if (pin === null && pout === null) return -E.EINVAL;
  if ((pin !== null && offInAddr !== 0) || (pout !== null && offOutAddr !== 0)) return -E.ESPIPE;
  if (pin !== null && pout !== null && pin.pipe === pout.pipe) return -E.EINVAL;
  if ((out.flags & O_APPEND) !== 0 && pout === null) return -E.EINVAL;
  const want = count(len);
  if (want === 0) return 0;
  const nb = (flags & SPLICE_F_NONBLOCK) !== 0;
  if (pin !== null) {
    const p = pin.pipe;
    if (p.len === 0) return p.writers === 0 ? 0 : wait(t, nb || (inp.flags & O_NONBLOCK) !== 0, p.readable);
    let n = Math.min(want, p.len);
    if (pout !== null) {
      const room = roomOf(t, pout, nb || (out.flags & O_NONBLOCK) !== 0);
      if (room < 0) return room;
      n = Math.min(n, room);
    } else if (out.readiness(t, POLLOUT) === 0) {
      const q = out.waitQueue(t, POLLOUT);
      if (q !== null) return wait(t, nb || (out.flags & O_NONBLOCK) !== 0, q);
    }
    const pos = offArg(t, offOutAddr);
    if (pos < -1) return pos;
    const buf = scratch(n);
    p.peek(buf);
    const w = pos >= 0 ? out.pwrite(t, buf, pos) : out.write(t, buf);
    if (w <= 0) return w;
    p.take(buf.subarray(0, w));
    p.writable.notify();
    if (pos >= 0 && putI64(t, offOutAddr, pos + w) < 0) return -E.EFAULT;
    return notifiedIf(out.vd, w, IN.MODIFY);
  }
  // File (or socket) into a pipe: read no more than the pipe can take now.
  const room = roomOf(t, pout!, nb || (out.flags & O_NONBLOCK) !== 0);
  if (room < 0) return room;
  const pos = offArg(t, offInAddr);
  if (pos < -1) return pos;
  const buf = scratch(Math.min(want, room, CHUNK));
  const r = pos >= 0 ? inp.pread(t, buf, pos) : inp.read(t, buf);
  if (r <= 0) return r;
  pout!.pipe.put(buf.subarray(0, r));
  pout!.pipe.readable.notify();
  if (pos >= 0 && putI64(t, offInAddr, pos + r) < 0) return -E.EFAULT;
  return notifiedIf(inp.vd, r, IN.ACCESS);
}

function sysTee(t: FileTask, fdIn: number, fdOut: number, len: number, flags: number): number {
  const inp = t.fds.get(int(fdIn)), out = t.fds.get(int(fdOut));
  if (inp === undefined || out === undefined || !inp.readable || !out.writable) return -E.EBADF;
  if ((flags & ~SPLICE_FLAGS) !== 0) return -E.EINVAL;
  const pin = pipeEnd(inp, true), pout = pipeEnd(out, false);
  if (pin === null || pout === null || pin.pipe === pout.pipe) return -E.EINVAL;
  const want = count(len);
  if (want === 0) return 0;
  const nb = (flags & SPLICE_F_NONBLOCK) !== 0;
  const p = pin.pipe;
  if (p.len === 0) return p.writers === 0 ? 0 : wait(t, nb || (inp.flags & O_NONBLOCK) !== 0, p.readable);
  const room = roomOf(t, pout, nb || (out.flags & O_NONBLOCK) !== 0);
  if (room < 0) return room;
  const buf = scratch(Math.min(want, p.len, room));
  p.peek(buf);
  pout.pipe.put(buf);
  pout.pipe.readable.notify();
  return buf.length;
}

/** The size of regular file `f`, or -errno (EISDIR, EINVAL for other kinds). */
function regular(f: FileDescription): number {
  const st = f.stat();
  if (typeof st === "number") return st;
  if ((st.mode & S_IFMT) === S_IFDIR) return -E.EISDIR;
  return (st.mode & S_IFMT) === S_IFREG ? st.size : -E.EINVAL;
}

function sysCopyFileRange(
  t: FileTask,
  fdIn: number,
  offInAddr: number,
  fdOut: number,
  offOutAddr: number,
  len: number,
  flags: number,
): number {
  const inp = t.fds.get(int(fdIn)), out = t.fds.get(int(fdOut));
  if (inp === undefined || out === undefined || !inp.readable || !out.writable) return -E.EBADF;
  if ((out.flags & O_APPEND) !== 0) return -E.EBADF;
  if (flags !== 0) return -E.EINVAL;
  const ri = regular(inp), ro = regular(out);
  if (ri < 0) return ri;
  if (ro < 0) return ro;
  const pin = offArg(t, offInAddr), pout = offArg(t, offOutAddr);
  if (pin < -1) return pin;
  if (pout < -1) return pout;
  let posIn = pin >= 0 ? pin : inp.offset, posOut = pout >= 0 ? pout : out.offset;
  // Linux clamps the count to the source's size before the overlap check.
  const want = Math.min(count(len), Math.max(0, ri - posIn));
  if (inp.inode !== null && inp.inode === out.inode && posIn < posOut + want && posOut < posIn + want) {
    return -E.EINVAL;
  }
  let total = 0;
  while (total < want) {
    const buf = scratch(Math.min(CHUNK, want - total));
    const r = inp.pread(t, buf, posIn);
    if (r <= 0) {
      if (total > 0) break;
      return r;
    }
    const w = out.pwrite(t, buf.subarray(0, r), posOut);
    if (w <= 0) {
      if (total > 0) break;
      return w;
    }
    total += w;
    posIn += w;
    posOut += w;
    if (w < r) break;
  }
  if (pin >= 0) {
    if (putI64(t, offInAddr, posIn) < 0) return -E.EFAULT;
  } else inp.offset = posIn;
  if (pout >= 0) {
    if (putI64(t, offOutAddr, posOut) < 0) return -E.EFAULT;
  } else out.offset = posOut;
  return notifyTransfer(inp.vd, out.vd, total);
}

/** Rows of splice, tee and copy_file_range. */
export const SPLICE_SYSCALLS: SyscallEntry[] = [
  row(
    SYS.splice,
    "splice",
    "partial",
    "copies through the Sentry (no page moves); SPLICE_F_MOVE ignored",
    sysSplice,
  ),
  row(SYS.tee, "tee", "full", "", sysTee),
  row(SYS.copy_file_range, "copy_file_range", "full", "", sysCopyFileRange),
];
