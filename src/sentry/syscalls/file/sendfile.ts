// sendfile(2): copies from a seekable file to any file through the Sentry buffer.
import { notifyTransfer } from "../../vfs/fsnotify.ts";
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import type { FileTask } from "../../vfs/task.ts";
import { CHUNK, count, getI64, int, putI64, row, scratch } from "./util.ts";

function sysSendfile(t: FileTask, outFd: number, inFd: number, offAddr: number, cnt: number): number {
  const out = t.fds.get(int(outFd));
  const inp = t.fds.get(int(inFd));
  if (out === undefined || inp === undefined || !inp.readable || !out.writable) return -E.EBADF;
  // Input must be seekable so that bytes read but not written can be given back.
  if (!inp.seekable) return -E.EINVAL;
  let pos = -1;
  if (offAddr !== 0) {
    const p = getI64(t, offAddr);
    if (p === null) return -E.EFAULT;
    if (p < 0) return -E.EINVAL;
    pos = p;
  }
  const want = count(cnt);
  let total = 0;
  while (total < want) {
    const chunk = Math.min(CHUNK, want - total);
    const buf = scratch(chunk);
    const n = pos >= 0 ? inp.pread(t, buf, pos + total) : inp.read(t, buf);
    if (n < 0) {
      if (total > 0) break;
      return n;
    }
    if (n === 0) break;
    const w = out.write(t, buf.subarray(0, n));
    const written = w < 0 ? 0 : w;
    if (pos < 0 && written < n) inp.offset -= n - written;
    total += written;
    if (w < 0) {
      if (total > 0) break;
      return w;
    }
    if (written < n) break;
  }
  if (pos >= 0 && putI64(t, offAddr, pos + total) < 0) return -E.EFAULT;
  return notifyTransfer(inp.vd, out.vd, total);
}

/** Rows of sendfile. */
export const SENDFILE_SYSCALLS: SyscallEntry[] = [
  row(SYS.sendfile, "sendfile", "partial", "input must be seekable", sysSendfile),
];
