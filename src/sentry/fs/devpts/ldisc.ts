// The line discipline of an in-sandbox pty pair (a small N_TTY): termios in the kernel ABI
// layout, input processing (ICRNL, canonical lines with ERASE/KILL/EOF, echo) for bytes the
// master writes, and output processing (OPOST|ONLCR) for bytes the slave writes. Signals
// from VINTR/VQUIT/VSUSP are handed to a hook: the Sentry's kernel decides whom they reach.
import { KERNEL_TERMIOS_SIZE } from "../host/tty.ts";

// termios flag bits (asm-generic/termbits.h) and c_cc indices.
const ICRNL = 0o400;
const IXON = 0o2000;
const OPOST = 0o1;
const ONLCR = 0o4;
const ISIG = 0o1;
const ICANON = 0o2;
const ECHO = 0o10;
const ECHOE = 0o20;
const ECHOK = 0o40;
const ECHONL = 0o100;
const ECHOCTL = 0o1000;
const ECHOKE = 0o4000;
const IEXTEN = 0o100000;
const TOSTOP = 0o400;
const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VSUSP = 10, VEOL = 11;
const CC_OFF = 17;
const SIGINT = 2, SIGQUIT = 3, SIGTSTP = 20;
/** Most bytes a slave reader may have waiting (Linux's N_TTY_BUF_SIZE). */
export const LDISC_CAPACITY = 4096;

/** Linux's tty_std_termios: cooked mode, echo, 38400 baud 8N1. */
function defaultTermios(): Uint8Array {
  const b = new Uint8Array(KERNEL_TERMIOS_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, ICRNL | IXON, true);
  v.setUint32(4, OPOST | ONLCR, true);
  v.setUint32(8, 0o17 | 0o60 | 0o200 | 0o2000, true); // B38400 | CS8 | CREAD | HUPCL
  v.setUint32(12, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, true);
  const cc = [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0];
  b.set(cc, CC_OFF);
  return b;
}

/** Input and output processing of one pty pair. */
export class LineDiscipline {
  /** struct termios (kernel layout), shared by both ends. */
  readonly termios: Uint8Array = defaultTermios();
  /** struct winsize. */
  readonly winsize: Uint8Array = new Uint8Array(8);
  /** Ready for the slave to read: completed lines (canonical) or raw bytes; [] means EOF. */
  private readonly ready: number[][] = [];
  private readyBytes = 0;
  /** The canonical line being edited. */
  private line: number[] = [];
  /** For the master to read: processed slave output and echo. */
  private out: number[] = [];
  /** Called with SIGINT/SIGQUIT/SIGTSTP for a signal character (ISIG). */
  onSignal: ((sig: number) => void) | null = null;

  private flag(off: number): number {
    return new DataView(this.termios.buffer).getUint32(off, true);
  }

  private cc(i: number): number {
    return this.termios[CC_OFF + i];
  }

  /** TOSTOP: background writers get SIGTTOU. */
  get tostop(): boolean {
    return (this.flag(12) & TOSTOP) !== 0;
  }

  /** Bytes the slave can read now (FIONREAD of the slave). */
  get readable(): number {
    return this.readyBytes;
  }

  /** True when a slave read would return something (data or EOF). */
  get slaveCanRead(): boolean {
    return this.ready.length > 0;
  }

  /** Bytes the master can read. */
  get masterCanRead(): number {
    return this.out.length;
  }

  /** Room for master writes (input). */
  get inputRoom(): number {
    return LDISC_CAPACITY - this.readyBytes - this.line.length;
  }

  /** Input: the master wrote `src`; returns how many bytes were taken. */
  input(src: Uint8Array): number {
    const iflag = this.flag(0), lflag = this.flag(12);
    let n = 0;
    for (; n < src.length && this.inputRoom > 0; n++) {
      let c = src[n];
      if (c === 13 && (iflag & ICRNL) !== 0) c = 10;
      if ((lflag & ISIG) !== 0) {
        const sig = c === this.cc(VINTR)
          ? SIGINT
          : c === this.cc(VQUIT)
          ? SIGQUIT
          : c === this.cc(VSUSP)
          ? SIGTSTP
          : 0;
        if (sig !== 0 && c !== 0) {
          this.echo(c, lflag);
          this.line = [];
          this.onSignal?.(sig);
          continue;
        }
      }
      if ((lflag & ICANON) === 0) {
        this.push([c]);
        this.echo(c, lflag);
        continue;
      }
      if (c === this.cc(VERASE)) {
        if (this.line.length > 0) {
          this.line.pop();
          if ((lflag & ECHO) !== 0 && (lflag & ECHOE) !== 0) this.emit([8, 32, 8]);
        }
        continue;
      }
      if (c === this.cc(VKILL)) {
        this.line = [];
        if ((lflag & ECHO) !== 0 && (lflag & ECHOK) !== 0) this.emit([10]);
        continue;
      }
      if (c === this.cc(VEOF)) {
        this.push(this.line);
        this.line = [];
        continue;
      }
      this.line.push(c);
      this.echo(c, lflag);
      if (c === 10 || (c === this.cc(VEOL) && c !== 0)) {
        this.push(this.line);
        this.line = [];
      }
    }
    return n;
  }

  /** A chunk becomes readable; raw bytes join the previous raw chunk. */
  private push(bytes: number[]): void {
    const canon = (this.flag(12) & ICANON) !== 0;
    const last = this.ready[this.ready.length - 1];
    if (!canon && last !== undefined && last.length > 0) last.push(...bytes);
    else this.ready.push(bytes);
    this.readyBytes += bytes.length;
  }

  private echo(c: number, lflag: number): void {
    if ((lflag & ECHO) === 0) {
      if (c === 10 && (lflag & ECHONL) !== 0) this.emit([10]);
      return;
    }
    if (c < 32 && c !== 10 && c !== 9 && (lflag & ECHOCTL) !== 0) this.out.push(94, c + 64);
    else this.emit([c]);
  }

  /** Output processing (ONLCR) into the master's queue. */
  private emit(bytes: ArrayLike<number>): void {
    const oflag = this.flag(4);
    const crlf = (oflag & OPOST) !== 0 && (oflag & ONLCR) !== 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 10 && crlf) this.out.push(13);
      this.out.push(bytes[i]);
    }
  }

  /** Output: the slave wrote `src` (always taken whole). */
  output(src: Uint8Array): number {
    this.emit(src);
    return src.length;
  }

  /** Slave read: up to dst.length bytes of the first ready chunk; 0 at EOF. */
  readSlave(dst: Uint8Array): number {
    const first = this.ready[0];
    if (first === undefined) return 0;
    if (first.length === 0) {
      this.ready.shift();
      return 0;
    }
    const n = Math.min(dst.length, first.length);
    dst.set(first.slice(0, n));
    first.splice(0, n);
    this.readyBytes -= n;
    if (first.length === 0) this.ready.shift();
    return n;
  }

  /** Master read: processed output. */
  readMaster(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.out.length);
    dst.set(this.out.slice(0, n));
    this.out.splice(0, n);
    return n;
  }
}
