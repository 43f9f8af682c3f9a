// clone3(2): struct clone_args validated as Linux's copy_clone_args_from_user and
// clone3_args_valid do, then the clone path shared with clone(2).
import { E } from "../../../ffi/errno.ts";
import type { Task } from "../kernel/task.ts";
import { CLONE } from "../kernel/clone.ts";
import { logger } from "../../log/log.ts";
import { CAP, capable } from "../kernel/caps.ts";

/** Sizes of the struct's versions (flags..tls, +set_tid/set_tid_size, +cgroup). */
const SIZE_VER0 = 64, SIZE_VER2 = 88, PAGE = 4096;
/** Flags above bit 31 (clone3 only): CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP. */
const CLEAR_SIGHAND_HI = 0x1, INTO_CGROUP_HI = 0x2;
const PID_MAX = 4194304, NSIG = 64, INT_MAX = 0x7fffffff;
/** Highest user address + 1 (x86_64: 2^47 minus a guard page). */
const TASK_SIZE_MAX = (1n << 47n) - 4096n;

/** Parsed, validated arguments of one clone3 call. */
export interface Clone3Args {
  /** Low 32 bits of flags with the exit signal in CSIGNAL, as clone(2) takes them. */
  flags: number;
  clearSighand: boolean;
  sp: number;
  ptid: number;
  ctid: number;
  tls: number;
  /** Where CLONE_PIDFD's fd number goes. */
  pidfd: number;
  /** The pid asked for through set_tid (checked free), or 0. */
  pid: number;
}

let loggedCgroup = false;

/** Reads and validates clone_args at `addr` (`size` bytes); returns the arguments or -errno. */
export function readCloneArgs(t: Task, addr: number, size: number): Clone3Args | number {
  if (size > PAGE) return -E.E2BIG;
  if (size < SIZE_VER0) return -E.EINVAL;
  const buf = new Uint8Array(size);
  if (t.mem.readInto(addr, buf) < 0) return -E.EFAULT;
  // A newer struct than ours is fine only when the fields we do not know are zero.
  for (let i = SIZE_VER2; i < size; i++) if (buf[i] !== 0) return -E.E2BIG;
  const dv = new DataView(buf.buffer);
  const u64 = (off: number) => off + 8 <= size ? dv.getBigUint64(off, true) : 0n;
  const flags = u64(0), exitSignal = u64(32), stack = u64(40), stackSize = u64(48);
  const setTidAddr = u64(64), setTidSize = u64(72), cgroup = u64(80);
  const hi = Number(flags >> 32n), lo = Number(flags & 0xffffffffn);
  if (setTidSize > 32n) return -E.EINVAL;
  if (setTidAddr === 0n && setTidSize > 0n) return -E.EINVAL;
  if (setTidAddr !== 0n && setTidSize === 0n) return -E.EINVAL;
  if ((exitSignal & ~0xffn) !== 0n || exitSignal > BigInt(NSIG)) return -E.EINVAL;
  if ((hi & INTO_CGROUP_HI) !== 0 && (cgroup > BigInt(INT_MAX) || size < SIZE_VER2)) return -E.EINVAL;
  let tid = 0;
  if (setTidSize > 0n) {
    // Linux copies the whole array before validating the flags.
    const n = Number(setTidSize);
    const tids = new Uint8Array(4 * n);
    if (setTidAddr >= 1n << 47n || t.mem.readInto(Number(setTidAddr), tids) < 0) return -E.EFAULT;
    tid = new DataView(tids.buffer).getInt32(0, true);
  }
  // clone3_args_valid
  if ((hi & ~(CLEAR_SIGHAND_HI | INTO_CGROUP_HI)) !== 0) return -E.EINVAL;
  if ((lo & (CLONE.DETACHED | 0xff)) !== 0) return -E.EINVAL;
  if ((lo & CLONE.SIGHAND) !== 0 && (hi & CLEAR_SIGHAND_HI) !== 0) return -E.EINVAL;
  if ((lo & (CLONE.THREAD | CLONE.PARENT)) !== 0 && exitSignal !== 0n) return -E.EINVAL;
  if (stack !== 0n ? stackSize === 0n : stackSize !== 0n) return -E.EINVAL;
  const sp = stack + stackSize;
  if (sp > TASK_SIZE_MAX) return -E.EINVAL; // clone3_stack_valid's access_ok
  if (setTidSize > 0n) {
    // One pid namespace level: only its own pid can be chosen (alloc_pid's checks).
    if (setTidSize > 1n) return -E.EINVAL;
    if (tid < 1 || tid >= PID_MAX) return -E.EINVAL;
    if (!capable(t.creds, CAP.CHECKPOINT_RESTORE) && !capable(t.creds, CAP.SYS_ADMIN)) return -E.EPERM;
    if (t.kernel.tasks.has(tid) || t.kernel.groups.has(tid)) return -E.EEXIST;
  }
  if ((hi & INTO_CGROUP_HI) !== 0) {
    // No cgroup2 hierarchy inside: no fd can name a cgroup directory (Linux: EBADF).
    if (!loggedCgroup) {
      loggedCgroup = true;
      logger.debug("sentry: clone3 CLONE_INTO_CGROUP: no cgroup2 inside, EBADF");
    }
    return -E.EBADF;
  }
  return {
    flags: lo | Number(exitSignal),
    clearSighand: (hi & CLEAR_SIGHAND_HI) !== 0,
    sp: Number(sp),
    pidfd: Number(u64(8)),
    ptid: Number(u64(24)),
    ctid: Number(u64(16)),
    tls: Number(u64(56)),
    pid: tid,
  };
}
