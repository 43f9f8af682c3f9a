// In-sandbox pseudo-terminal pairs, as gVisor's devpts has them: opening /dev/ptmx makes a
// pair (master = the opened file, slave = /dev/pts/N, locked until TIOCSPTLCK 0). Bytes the
// master writes go through the line discipline to the slave's reader; bytes the slave writes
// come back to the master (ONLCR applied). Closing the master hangs the slave up (EOF on
// read, EIO on write); once every slave file is closed the master reads EIO.
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../../vfs/consts.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import {
  FIONREAD,
  KERNEL_TERMIOS_SIZE,
  TCFLSH,
  TCGETS,
  TCSBRK,
  TCSETS,
  TCSETSF,
  TCSETSW,
  TCXONC,
  TIOCGPGRP,
  TIOCGSID,
  TIOCGWINSZ,
  TIOCNOTTY,
  TIOCOUTQ,
  TIOCSCTTY,
  TIOCSPGRP,
  TIOCSWINSZ,
} from "../host/tty.ts";
import { LineDiscipline } from "./ldisc.ts";
import { dropCtty, isCtty, jobControl, JOBCTL_WAIT, setCtty, setForeground } from "./jobctl.ts";

const SIGTTIN = 21, SIGTTOU = 22;

/** ioctls of the master (asm-generic/ioctls.h). */
export const TIOCGPTN = 0x80045430;
export const TIOCSPTLCK = 0x40045431;
export const TIOCGPTLCK = 0x80045439;

/** One pty pair's shared state. */
export class PtyPair {
  readonly index: number;
  readonly ld: LineDiscipline = new LineDiscipline();
  /** Slave opens refused until the master unlocks (TIOCSPTLCK 0), as Linux's. */
  locked = true;
  masterOpen = true;
  slaveFiles = 0;
  slaveEverOpened = false;
  /** Foreground process group and session (sandbox ids) set through either end. */
  fgPgrp = 0;
  sid = 0;
  /** Woken when the slave can read / the master can read / input room appears. */
  readonly toSlave: WaitQueue = new WaitQueue();
  readonly toMaster: WaitQueue = new WaitQueue();
  readonly room: WaitQueue = new WaitQueue();
  /** Called when the master's last reference goes (devpts removes /dev/pts/N). */
  onMasterClosed: (() => void) | null = null;
  /** Called then too, first: the session it controls is hung up (jobctl.ts). */
  onHangup: (() => void) | null = null;

  /** Pair number `index` (its slave is /dev/pts/index). */
  constructor(index: number) {
    this.index = index;
  }

  /** Wakes everyone: readiness of both ends may have changed. */
  notifyAll(): void {
    this.toSlave.notify();
    this.toMaster.notify();
    this.room.notify();
  }
}

const scratch = new Uint8Array(64);
const view = new DataView(scratch.buffer);

/** A job-control verdict as a syscall result: wait for the signal sent, or go on (0). */
function jobctlResult(t: FileTask, p: PtyPair, r: number): number {
  if (r !== JOBCTL_WAIT) return r;
  t.blockOn([p.toSlave]);
  return BLOCK;
}

/**
 * The ioctls both ends answer; `null` when `cmd` is not one of them. On the slave, the
 * terminal queries need it to be the caller's controlling terminal and changes from a
 * background group get SIGTTOU, as Linux's.
 */
function commonIoctl(t: FileTask, p: PtyPair, cmd: number, arg: number, slave: boolean): number | null {
  const out = (b: Uint8Array) => (t.mem.write(arg, b) < 0 ? -E.EFAULT : 0);
  const inInto = (b: Uint8Array) => (t.mem.readInto(arg, b) < 0 ? -E.EFAULT : 0);
  const int = (v: number) => {
    view.setInt32(0, v, true);
    return out(scratch.subarray(0, 4));
  };
  switch (cmd) {
    case TCGETS:
      return out(p.ld.termios);
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      if (slave) {
        const j = jobControl(t, p, SIGTTOU);
        if (j !== 0) return jobctlResult(t, p, j);
      }
      const b = new Uint8Array(KERNEL_TERMIOS_SIZE);
      const r = inInto(b);
      if (r === 0) p.ld.termios.set(b);
      p.notifyAll();
      return r;
    }
    case TIOCGWINSZ:
      return out(p.ld.winsize);
    case TIOCSWINSZ: {
      const b = new Uint8Array(8);
      const r = inInto(b);
      if (r === 0) p.ld.winsize.set(b);
      return r;
    }
    case TIOCGPGRP:
      return slave && !isCtty(t, p) ? -E.ENOTTY : int(p.fgPgrp);
    case TIOCSPGRP: {
      const j = jobControl(t, p, SIGTTOU);
      if (j !== 0) return j === -E.EIO ? -E.ENOTTY : jobctlResult(t, p, j);
      if (!isCtty(t, p)) return -E.ENOTTY;
      const r = inInto(scratch.subarray(0, 4));
      return r < 0 ? r : setForeground(t, p, view.getInt32(0, true));
    }
    case TIOCGSID:
      return (slave && !isCtty(t, p)) || p.sid === 0 ? -E.ENOTTY : int(p.sid);
    case TIOCSCTTY:
      return setCtty(t, p, arg === 1);
    case TIOCNOTTY:
      return dropCtty(t, p);
    case TCSBRK:
    case TCXONC:
    case TCFLSH:
      return 0;
    case TIOCOUTQ:
      return int(0);
    default:
      return null;
  }
}

/** The master side: the file /dev/ptmx opened. */
export class PtyMaster extends FileDescription {
  readonly pair: PtyPair;

  /** The master of `pair`, opened through ptmx node `vd`. */
  constructor(pair: PtyPair, vd: VirtualDentry, flags: number) {
    super(flags, vd);
    this.pair = pair;
  }

  override get seekable(): boolean {
    return false;
  }

  /** Slave output; EIO once the slave was opened and every slave file is closed. */
  override read(t: FileTask, dst: Uint8Array): number {
    const p = this.pair;
    if (dst.length === 0) return 0;
    if (p.ld.masterCanRead > 0) return p.ld.readMaster(dst);
    if (p.slaveEverOpened && p.slaveFiles === 0) return -E.EIO;
    if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
    t.blockOn([p.toMaster]);
    return BLOCK;
  }

  /** Input for the slave, through the line discipline (echo comes back to the master). */
  override write(t: FileTask, src: Uint8Array): number {
    const p = this.pair;
    if (src.length === 0) return 0;
    const n = p.ld.input(src);
    if (n === 0) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([p.room]);
      return BLOCK;
    }
    p.toSlave.notify();
    p.toMaster.notify();
    return n;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override pwrite(): number {
    return -E.ESPIPE;
  }

  /** TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, FIONREAD and the terminal ioctls. */
  override ioctl(t: FileTask, cmd: number, arg: number): number {
    const p = this.pair;
    switch (cmd) {
      case TIOCGPTN:
      case TIOCGPTLCK:
      case FIONREAD:
        view.setInt32(
          0,
          cmd === TIOCGPTN ? p.index : cmd === TIOCGPTLCK ? Number(p.locked) : p.ld.masterCanRead,
          true,
        );
        return t.mem.write(arg, scratch.subarray(0, 4)) < 0 ? -E.EFAULT : 0;
      case TIOCSPTLCK:
        if (t.mem.readInto(arg, scratch.subarray(0, 4)) < 0) return -E.EFAULT;
        p.locked = view.getInt32(0, true) !== 0;
        return 0;
    }
    return commonIoctl(t, p, cmd, arg, false) ?? -E.ENOTTY;
  }

  override readiness(_t: FileTask, mask: number): number {
    const p = this.pair;
    let r = POLLOUT | POLLWRNORM;
    if (p.ld.masterCanRead > 0) r |= POLLIN | POLLRDNORM;
    if (p.slaveEverOpened && p.slaveFiles === 0) r |= POLLHUP | POLLIN;
    return r & (mask | POLLHUP | POLLERR);
  }

  override waitQueue(_t: FileTask, mask: number): WaitQueue {
    return (mask & POLLIN) !== 0 ? this.pair.toMaster : this.pair.room;
  }

  /** Hangs the slave up and frees the pair's number. */
  protected override release(): void {
    this.pair.masterOpen = false;
    this.pair.onHangup?.();
    this.pair.notifyAll();
    this.pair.onMasterClosed?.();
  }
}

/** The slave side: /dev/pts/N opened. */
export class PtySlave extends FileDescription {
  readonly pair: PtyPair;

  /** A slave file of `pair` at node `vd`. */
  constructor(pair: PtyPair, vd: VirtualDentry, flags: number) {
    super(flags, vd);
    this.pair = pair;
    pair.slaveFiles++;
    pair.slaveEverOpened = true;
  }

  override get seekable(): boolean {
    return false;
  }

  /** Input the line discipline made ready (SIGTTIN for a background group); EOF after hangup. */
  override read(t: FileTask, dst: Uint8Array): number {
    const p = this.pair;
    const j = jobControl(t, p, SIGTTIN);
    if (j !== 0) return jobctlResult(t, p, j);
    // A hung-up terminal reads EOF at once, unread input included (Linux's hung_up_tty_read).
    if (dst.length === 0 || !p.masterOpen) return 0;
    if (p.ld.slaveCanRead) {
      const n = p.ld.readSlave(dst);
      p.room.notify();
      return n;
    }
    if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
    t.blockOn([p.toSlave]);
    return BLOCK;
  }

  /** Output for the master (OPOST/ONLCR applied); EIO after hangup. */
  override write(t: FileTask, src: Uint8Array): number {
    const p = this.pair;
    if (!p.masterOpen) return -E.EIO;
    if (p.ld.tostop) {
      const j = jobControl(t, p, SIGTTOU);
      if (j !== 0) return jobctlResult(t, p, j);
    }
    const n = p.ld.output(src);
    p.toMaster.notify();
    return n;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override pwrite(): number {
    return -E.ESPIPE;
  }

  /** Terminal ioctls and FIONREAD. */
  override ioctl(t: FileTask, cmd: number, arg: number): number {
    if (cmd === FIONREAD) {
      view.setInt32(0, this.pair.ld.readable, true);
      return t.mem.write(arg, scratch.subarray(0, 4)) < 0 ? -E.EFAULT : 0;
    }
    return commonIoctl(t, this.pair, cmd, arg, true) ?? -E.ENOTTY;
  }

  override readiness(_t: FileTask, mask: number): number {
    const p = this.pair;
    let r = p.masterOpen ? POLLOUT | POLLWRNORM : POLLHUP;
    if (p.ld.slaveCanRead || !p.masterOpen) r |= POLLIN | POLLRDNORM;
    return r & (mask | POLLHUP | POLLERR);
  }

  override waitQueue(_t: FileTask, mask: number): WaitQueue {
    return (mask & POLLIN) !== 0 ? this.pair.toSlave : this.pair.toMaster;
  }

  protected override release(): void {
    this.pair.slaveFiles--;
    this.pair.notifyAll();
  }
}
