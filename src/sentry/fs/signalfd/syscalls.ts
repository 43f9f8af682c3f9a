// signalfd(2) and signalfd4(2): create a signalfd or change the mask of an existing one.
import { SYS } from "../../../../ffi/sysno.ts";
import { E } from "../../../../ffi/errno.ts";
import { def } from "../../syscalls/table.ts";
import type { SyscallEntry } from "../../syscalls/abi.ts";
import type { Task } from "../../kernel/task.ts";
import { O_CLOEXEC, O_NONBLOCK } from "../../vfs/consts.ts";
import { SignalFd } from "./signalfd.ts";

const buf = new Uint8Array(8);
const view = new DataView(buf.buffer);

function signalfd4(t: Task, fd: number, maskAddr: number, size: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -E.EINVAL;
  if (size !== 8) return -E.EINVAL;
  if (t.mem.readInto(maskAddr, buf) < 0) return -E.EFAULT;
  const mask = view.getBigUint64(0, true);
  if (fd !== -1) {
    const f = t.fds.get(fd);
    if (f === undefined) return -E.EBADF;
    if (!(f instanceof SignalFd)) return -E.EINVAL;
    f.setMask(t.tg, mask);
    return fd;
  }
  const f = new SignalFd(mask, flags);
  const nfd = t.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (nfd < 0) f.decRef();
  return nfd;
}

/** Rows of signalfd. */
export const SIGNALFD_SYSCALLS: SyscallEntry[] = [
  def(SYS.signalfd4, "signalfd4", "full", "", (t, fd, m, s, f) => signalfd4(t, fd | 0, m, s, f | 0)),
  def(SYS.signalfd, "signalfd", "full", "", (t, fd, m, s) => signalfd4(t, fd | 0, m, s, 0)),
];
