// A file over a host fd the Sentry holds: the application's stdin/stdout/stderr given to the
// sandbox (a terminal, a pipe, a regular file, /dev/null). Reads and writes go to the host fd,
// which is made O_NONBLOCK so a read with nothing to read parks the task on the Sentry's
// single wait point (t.hostReadiness) instead of blocking the whole Sentry. The original host
// flags come back on release (the terminal is shared with the user's shell).
import { E } from "../../../../ffi/errno.ts";
import { close as hostClose } from "../../../../ffi/libc.ts";
import type { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_ACCMODE, O_NONBLOCK, O_RDWR, POLLIN, POLLOUT, S_IFMT, S_IFREG } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import {
  hostFcntl,
  hostFstat,
  hostIoctl,
  hostLseek,
  hostPoll,
  hostPread,
  hostPwrite,
  hostRead,
  hostWrite,
} from "./hostcalls.ts";
import { FIONREAD, TCGETS, ttyIoctl, TtyState } from "./tty.ts";
import { consoleIdentity } from "../devpts/console.ts";

const F_GETFL = 3;
const F_SETFL = 4;

/** Options of {@link HostFile}. */
export interface HostFileOptions {
  /** Close the host fd on release (false for fds the Sentry shares, e.g. its own stderr). */
  readonly owned?: boolean;
  /** Terminal state to share between the files of one tty; created when omitted. */
  readonly tty?: TtyState;
  /** Called with the host fd on release (the Sentry forgets its readiness watch). */
  readonly onRelease?: (fd: number) => void;
}

/** An open file backed by a host fd. */
export class HostFile extends FileDescription {
  /** The host fd. */
  readonly fd: number;
  /** Terminal state when the host fd is a tty, else null. */
  readonly tty: TtyState | null;
  private readonly owned: boolean;
  private readonly onRelease?: (fd: number) => void;
  /** Host identity (dev:ino) for the shared record of original flags. */
  private readonly key: string;
  private readonly isRegular: boolean;

  /** Wraps host fd `fd`; `flags` are the application-visible open flags (O_RDWR by default). */
  constructor(fd: number, flags: number = O_RDWR, opts: HostFileOptions = {}) {
    super(flags & ~O_NONBLOCK, null);
    this.fd = fd;
    this.owned = opts.owned ?? true;
    this.onRelease = opts.onRelease;
    const probe = new Uint8Array(64);
    this.tty = hostIoctl(fd, TCGETS, probe) === 0 ? (opts.tty ?? new TtyState()) : null;
    const st = hostFstat(fd);
    this.isRegular = typeof st !== "number" && (st.mode & S_IFMT) === S_IFREG;
    // Pipe ends share an inode but not a description: the access mode tells them apart.
    const acc = hostFcntl(fd, F_GETFL, 0) & O_ACCMODE;
    this.key = typeof st === "number" ? `fd:${fd}` : `${st.dev}:${st.ino}:${acc}`;
    if (!this.isRegular) makeNonblocking(fd, this.key);
  }

  /** Host regular files keep their offset on the host; others are streams. */
  override get seekable(): boolean {
    return this.isRegular;
  }

  /** See FileDescription.read: host offset, EAGAIN → park on the wait point. */
  override read(t: FileTask, dst: Uint8Array): number {
    if (dst.length === 0) return 0;
    const n = hostRead(this.fd, dst);
    if (n === -E.EAGAIN && (this.flags & O_NONBLOCK) === 0) {
      t.blockOn([t.hostReadiness(this.fd, POLLIN)]);
      return BLOCK;
    }
    return n;
  }

  /** See FileDescription.write. */
  override write(t: FileTask, src: Uint8Array): number {
    if (src.length === 0) return 0;
    const n = hostWrite(this.fd, src);
    if (n === -E.EAGAIN && (this.flags & O_NONBLOCK) === 0) {
      t.blockOn([t.hostReadiness(this.fd, POLLOUT)]);
      return BLOCK;
    }
    if (n === -E.EPIPE) t.sendSignal?.(13);
    return n;
  }

  /** pread(2): only on host regular files. */
  override pread(_t: FileTask, dst: Uint8Array, pos: number): number {
    return this.isRegular ? hostPread(this.fd, dst, pos) : -E.ESPIPE;
  }

  /** pwrite(2): only on host regular files. */
  override pwrite(_t: FileTask, src: Uint8Array, pos: number): number {
    return this.isRegular ? hostPwrite(this.fd, src, pos) : -E.ESPIPE;
  }

  /** lseek(2) on the host fd. */
  override seek(off: number, whence: number): number {
    return this.isRegular ? hostLseek(this.fd, off, whence) : -E.ESPIPE;
  }

  /**
   * fstat(2) of the host fd; the sandbox's terminal reports its /dev/pts/0 node's dev, ino
   * and rdev (ttyname(3) compares them with a stat of the path).
   */
  override stat(): StatInfo | number {
    const s = hostFstat(this.fd);
    if (typeof s === "number") return s;
    const id = this.tty !== null ? consoleIdentity(s.rdev) : null;
    if (id !== null) return { ...s, dev: id.dev, ino: id.ino, rdev: id.rdev };
    return { ...s };
  }

  /** Terminal ioctls when a tty, FIONREAD always, ENOTTY otherwise. */
  override ioctl(t: FileTask, cmd: number, arg: number): number {
    if (this.tty !== null) return ttyIoctl(t, this.fd, this.tty, cmd, arg);
    if (cmd === FIONREAD) {
      const b = new Uint8Array(4);
      const r = hostIoctl(this.fd, cmd, b);
      if (r < 0) return r;
      return t.mem.write(arg, b) < 0 ? -E.EFAULT : 0;
    }
    return -E.ENOTTY;
  }

  /** Host readiness, polled with a zero timeout. */
  override readiness(_t: FileTask, mask: number): number {
    return hostPoll(this.fd, mask) & (mask | 0x18);
  }

  /** The Sentry's queue for this host fd. */
  override waitQueue(t: FileTask, mask: number): WaitQueue | null {
    return t.hostReadiness(this.fd, mask);
  }

  /** Restores the host flags, then closes the fd when owned. */
  protected override release(): void {
    if (!this.isRegular) releaseNonblocking(this.fd, this.key, this.owned);
    this.onRelease?.(this.fd);
    if (this.owned) hostClose(this.fd);
  }

  /** Like Linux for a tty (its devpts path) or pipe given by the host. */
  override anonName(): string {
    const st = hostFstat(this.fd);
    if (this.tty !== null) {
      return (typeof st !== "number" ? consoleIdentity(st.rdev)?.path : undefined) ?? "/dev/tty";
    }
    if (typeof st === "number") return `host:[${this.fd}]`;
    const type = st.mode & S_IFMT;
    if (type === 0o010000) return `pipe:[${st.ino}]`;
    if (type === 0o140000) return `socket:[${st.ino}]`;
    return `host:[${st.ino}]`;
  }

  /** The host fd (splice, mmap of host regular files). */
  override hostFd(): number {
    return this.fd;
  }
}

/** Original host flags per host file, restored when its last wrapper goes. */
const originals = new Map<string, { flags: number; refs: number; fds: Set<number> }>();

/**
 * Makes host fd `fd` non-blocking, remembering the flags the first wrapper of this host file
 * saw (later wrappers of dup'ed fds would otherwise record our own O_NONBLOCK).
 */
function makeNonblocking(fd: number, key: string): void {
  let o = originals.get(key);
  const fl = hostFcntl(fd, F_GETFL, 0);
  if (o === undefined) {
    o = { flags: fl, refs: 0, fds: new Set() };
    originals.set(key, o);
  }
  o.refs++;
  o.fds.add(fd);
  if (fl >= 0 && (fl & O_NONBLOCK) === 0) hostFcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

function releaseNonblocking(fd: number, key: string, closing: boolean): void {
  const o = originals.get(key);
  if (o === undefined) return;
  if (--o.refs > 0) {
    if (closing) o.fds.delete(fd);
    return;
  }
  originals.delete(key);
  if (o.flags < 0 || (o.flags & O_NONBLOCK) !== 0) return;
  hostFcntl(fd, F_SETFL, o.flags);
  for (const other of o.fds) if (other !== fd) hostFcntl(other, F_SETFL, o.flags);
}

/**
 * Gives every host file still wrapped its original blocking mode back (call when the
 * Sentry exits: the user's terminal must not stay O_NONBLOCK).
 */
export function restoreHostFlags(): void {
  for (const o of originals.values()) {
    if (o.flags < 0 || (o.flags & O_NONBLOCK) !== 0) continue;
    for (const fd of o.fds) hostFcntl(fd, F_SETFL, o.flags);
  }
  originals.clear();
}

/** The application-visible access mode of host fd `fd` (from its host flags). */
export function hostAccessMode(fd: number): number {
  const fl = hostFcntl(fd, F_GETFL, 0);
  return fl < 0 ? O_RDWR : fl & O_ACCMODE;
}
