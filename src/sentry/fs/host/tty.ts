// Terminal ioctls on a host tty the application was given. Attribute and window-size calls go
// to the host terminal (the user's terminal must really change mode for a shell's line
// editing); the foreground process group and session are sandbox ids, so they are kept here
// instead of being forwarded (host pgids mean nothing inside the sandbox).
import { E } from "../../../../ffi/errno.ts";
import type { FileTask } from "../../vfs/task.ts";
import { hostIoctl } from "./hostcalls.ts";

/** ioctl request numbers (asm-generic/ioctls.h). */
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TCSETSW = 0x5403;
export const TCSETSF = 0x5404;
export const TCSBRK = 0x5409;
export const TCXONC = 0x540a;
export const TCFLSH = 0x540b;
export const TIOCSCTTY = 0x540e;
export const TIOCGPGRP = 0x540f;
export const TIOCSPGRP = 0x5410;
export const TIOCOUTQ = 0x5411;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
export const FIONREAD = 0x541b;
export const TIOCNOTTY = 0x5422;
export const TIOCGSID = 0x5429;
export const FIONBIO = 0x5421;
export const FIOCLEX = 0x5451;
export const FIONCLEX = 0x5450;

/** sizeof(struct termios) as the kernel ABI has it (not glibc's larger one). */
export const KERNEL_TERMIOS_SIZE = 36;
const WINSIZE_SIZE = 8;

/** Sandbox-side state of one terminal: shared by every file wrapping it. */
export class TtyState {
  /** Foreground process group (sandbox pgid); 0 until a session leader takes the terminal. */
  fgPgrp: number;
  /** Session id of the controlling session (sandbox sid). */
  sid: number;

  /** State with foreground group `fgPgrp` and session `sid` (the init process's, usually). */
  constructor(fgPgrp = 1, sid = 1) {
    this.fgPgrp = fgPgrp;
    this.sid = sid;
  }
}

const buf = new Uint8Array(64);
const view = new DataView(buf.buffer);

/** Copies `n` bytes from the application into the scratch buffer; 0 or -EFAULT. */
function copyIn(t: FileTask, arg: number, n: number): number {
  return t.mem.readInto(arg, buf.subarray(0, n));
}

/** Runs a host ioctl whose argument is `n` bytes in and/or out. */
function forward(
  t: FileTask,
  fd: number,
  cmd: number,
  arg: number,
  n: number,
  input: boolean,
  output: boolean,
): number {
  buf.fill(0, 0, n);
  if (input && copyIn(t, arg, n) < 0) return -E.EFAULT;
  const r = hostIoctl(fd, cmd, buf.subarray(0, n));
  if (r < 0) return r;
  if (output && t.mem.write(arg, buf.subarray(0, n)) < 0) return -E.EFAULT;
  return r;
}

/** Writes an int to the application. */
function putInt(t: FileTask, arg: number, v: number): number {
  view.setInt32(0, v, true);
  return t.mem.write(arg, buf.subarray(0, 4)) < 0 ? -E.EFAULT : 0;
}

/** Handles a terminal ioctl on host tty `fd`; -ENOTTY for requests terminals do not know. */
export function ttyIoctl(t: FileTask, fd: number, st: TtyState, cmd: number, arg: number): number {
  switch (cmd) {
    case TCGETS:
      return forward(t, fd, cmd, arg, KERNEL_TERMIOS_SIZE, false, true);
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
      return forward(t, fd, cmd, arg, KERNEL_TERMIOS_SIZE, true, false);
    case TIOCGWINSZ:
      return forward(t, fd, cmd, arg, WINSIZE_SIZE, false, true);
    case TIOCSWINSZ:
      return forward(t, fd, cmd, arg, WINSIZE_SIZE, true, false);
    case FIONREAD:
    case TIOCOUTQ:
      return forward(t, fd, cmd, arg, 4, false, true);
    case TCSBRK:
    case TCXONC:
    case TCFLSH:
      // Drain/flow/flush: the host terminal is written synchronously; nothing is queued here.
      return 0;
    case TIOCGPGRP:
      return putInt(t, arg, st.fgPgrp);
    case TIOCSPGRP: {
      if (copyIn(t, arg, 4) < 0) return -E.EFAULT;
      const pg = view.getInt32(0, true);
      if (pg < 0) return -E.EINVAL;
      st.fgPgrp = pg;
      return 0;
    }
    case TIOCGSID:
      return putInt(t, arg, st.sid);
    case TIOCSCTTY:
    case TIOCNOTTY:
      return 0;
    default:
      return -E.ENOTTY;
  }
}
