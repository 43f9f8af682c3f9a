// fcntl record locks: F_GETLK F_SETLK F_SETLKW and F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW.
// struct flock (x86_64, 32 bytes): short l_type, short l_whence, off_t l_start @8,
// off_t l_len @16, pid_t l_pid @24.
import { E } from "../../../../ffi/errno.ts";
import { BLOCK } from "../abi.ts";
import {
  F_GETLK,
  F_OFD_GETLK,
  F_OFD_SETLKW,
  F_SETLKW,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import { F_RDLCK, F_UNLCK, F_WRLCK, lockQueue, setLock, testLock } from "../../vfs/lock.ts";
import type { FileTask } from "../../vfs/task.ts";
import { small } from "./util.ts";

const FLOCK_SIZE = 32;

/** Handles a record-lock fcntl `cmd` on `f` (open at `fd`) with struct flock at `arg`. */
export function fcntlLock(t: FileTask, f: FileDescription, cmd: number, arg: number): number {
  const ofd = cmd >= F_OFD_GETLK && cmd <= F_OFD_SETLKW;
  const inode = f.inode;
  if (inode === null || f.vd === null) return -E.EINVAL;
  const v = small.view;
  if (t.mem.readInto(arg, small.buf.subarray(0, FLOCK_SIZE)) < 0) return -E.EFAULT;
  const type = v.getInt16(0, true);
  const whence = v.getInt16(2, true);
  const start0 = Number(v.getBigInt64(8, true));
  const len = Number(v.getBigInt64(16, true));
  if (ofd && v.getInt32(24, true) !== 0) return -E.EINVAL;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -E.EINVAL;
  let base: number;
  if (whence === SEEK_SET) base = 0;
  else if (whence === SEEK_CUR) base = f.offset;
  else if (whence === SEEK_END) {
    const st = f.stat();
    if (typeof st === "number") return st;
    base = st.size;
  } else return -E.EINVAL;
  let start = base + start0;
  let end = len === 0 ? Infinity : start + len;
  if (len < 0) {
    end = start;
    start = start + len;
  }
  if (start < 0 || !Number.isSafeInteger(start)) return -E.EINVAL;
  const owner: object = ofd ? f : t.fds;
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) return -E.EINVAL;
    const c = testLock(inode, owner, type, start, end);
    if (c === null) v.setInt16(0, F_UNLCK, true);
    else {
      v.setInt16(0, c.type, true);
      v.setInt16(2, SEEK_SET, true);
      v.setBigInt64(8, BigInt(c.start), true);
      v.setBigInt64(16, BigInt(c.end === Infinity ? 0 : c.end - c.start), true);
      v.setInt32(24, c.pid, true);
    }
    return t.mem.write(arg, small.buf.subarray(0, FLOCK_SIZE)) < 0 ? -E.EFAULT : 0;
  }
  if (type === F_RDLCK && !f.readable) return -E.EBADF;
  if (type === F_WRLCK && !f.writable) return -E.EBADF;
  if (type !== F_UNLCK && testLock(inode, owner, type, start, end) !== null) {
    if (cmd !== F_SETLKW && cmd !== F_OFD_SETLKW) return -E.EAGAIN;
    t.blockOn([lockQueue(inode)]);
    return BLOCK;
  }
  setLock(inode, owner, ofd ? -1 : t.tgid, type, start, end);
  return 0;
}
