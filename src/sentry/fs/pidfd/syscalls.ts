// pidfd_open(2) and pidfd_send_signal(2), and the pidfds clone hands out (CLONE_PIDFD).
import { SYS } from "../../../../ffi/sysno.ts";
import { E } from "../../../../ffi/errno.ts";
import { def } from "../../syscalls/table.ts";
import type { SyscallEntry } from "../../syscalls/abi.ts";
import type { Task } from "../../kernel/task.ts";
import type { ThreadGroup } from "../../kernel/thread-group.ts";
import { sendToGroup } from "../../signal/send.ts";
import { NSIG, type SigInfo } from "../../signal/state.ts";
import { O_NONBLOCK } from "../../vfs/consts.ts";
import { PidFile } from "./pidfd.ts";

const SI_USER = 0, SI_TKILL = -6;

/** Installs a new close-on-exec pidfd of `tg` in `t`'s table; the fd or -errno. */
export function installPidfd(t: Task, tg: ThreadGroup, flags = 0): number {
  const f = new PidFile(tg, flags);
  const fd = t.fds.install(f, true);
  if (fd < 0) f.decRef();
  return fd;
}

/** The process pidfd `fd` names, or -EBADF. */
export function pidfdTarget(t: Task, fd: number): ThreadGroup | number {
  const f = t.fds.get(fd);
  return f instanceof PidFile && f.tg !== null ? f.tg : -E.EBADF;
}

function pidfdOpen(t: Task, pid: number, flags: number): number {
  if ((flags & ~O_NONBLOCK) !== 0 || pid <= 0) return -E.EINVAL;
  const tg = t.kernel.groups.get(pid);
  if (tg === undefined) return t.kernel.tasks.has(pid) ? -E.EINVAL : -E.ESRCH; // a thread, not a process
  return installPidfd(t, tg, flags);
}

function pidfdSendSignal(t: Task, fd: number, sig: number, infoAddr: number, flags: number): number {
  if (flags !== 0) return -E.EINVAL;
  const tg = pidfdTarget(t, fd);
  if (typeof tg === "number") return tg;
  if (sig < 0 || sig > NSIG) return -E.EINVAL;
  let info: SigInfo = { signo: sig, code: SI_USER, pid: t.tgid, uid: t.creds.uid, status: 0, addr: 0 };
  if (infoAddr !== 0) {
    const b = new Uint8Array(128);
    if (t.mem.readInto(infoAddr, b) < 0) return -E.EFAULT;
    const v = new DataView(b.buffer);
    if (v.getInt32(0, true) !== sig) return -E.EINVAL;
    const code = v.getInt32(8, true);
    // Only a process signalling itself may pretend to be the kernel or tgkill.
    if (tg !== t.tg && (code >= 0 || code === SI_TKILL)) return -E.EPERM;
    info = {
      signo: sig,
      code,
      pid: v.getInt32(16, true),
      uid: v.getUint32(20, true),
      status: 0,
      addr: 0,
      value: v.getBigUint64(24, true),
    };
  }
  if (!t.kernel.groups.has(tg.tgid) || t.kernel.groups.get(tg.tgid) !== tg) return -E.ESRCH; // reaped
  if (sig !== 0 && !tg.zombie) sendToGroup(tg, info);
  return 0;
}

/** Rows of pidfd_open and pidfd_send_signal. */
export const PIDFD_SYSCALLS: SyscallEntry[] = [
  def(SYS.pidfd_open, "pidfd_open", "full", "", (t, pid, fl) => pidfdOpen(t, pid | 0, fl | 0)),
  def(
    SYS.pidfd_send_signal,
    "pidfd_send_signal",
    "full",
    "",
    (t, fd, sig, info, fl) => pidfdSendSignal(t, fd | 0, sig | 0, info, fl | 0),
  ),
];
