// In-Sentry pipes: a 64 KiB ring buffer shared by a read end and a write end. Blocking is
// done with wait queues: a reader with nothing to read (and writers left) parks on
// `readable`, a writer without room parks on `writable`; each side notifies the other.
// Writes of at most PIPE_BUF bytes are atomic (all or nothing, never interleaved).
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import {
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
  S_IFIFO,
  SIGPIPE,
} from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import { allocDev, type StatInfo } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { FIONREAD } from "../host/tty.ts";

/** Default and maximum capacity of a pipe (Linux's default 16 pages). */
export const PIPE_CAPACITY = 65536;
/** Writes up to this size are atomic. */
export const PIPE_BUF = 4096;

const PIPEFS_DEV = allocDev();
let pipeIno = 1;

/** The shared buffer of one pipe. */
export class Pipe {
  readonly ino: number = pipeIno++;
  private readonly buf = new Uint8Array(PIPE_CAPACITY);
  private head = 0;
  /** Bytes buffered. */
  len = 0;
  /** Open read and write ends (descriptions, not fds). */
  readers = 0;
  writers = 0;
  /** Notified when data arrives or the last writer goes. */
  readonly readable: WaitQueue = new WaitQueue();
  /** Notified when room appears or the last reader goes. */
  readonly writable: WaitQueue = new WaitQueue();
  readonly ctimeNs: bigint = BigInt(Date.now()) * 1_000_000n;

  /** Free space. */
  get room(): number {
    return PIPE_CAPACITY - this.len;
  }

  /** Copies up to dst.length buffered bytes out; returns the count. */
  take(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.len);
    const first = Math.min(n, PIPE_CAPACITY - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first), 0);
    if (n > first) dst.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % PIPE_CAPACITY;
    this.len -= n;
    if (this.len === 0) this.head = 0;
    return n;
  }

  /** Copies up to dst.length buffered bytes out without consuming them (tee, splice). */
  peek(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.len);
    const first = Math.min(n, PIPE_CAPACITY - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first), 0);
    if (n > first) dst.set(this.buf.subarray(0, n - first), first);
    return n;
  }

  /** Appends up to `room` bytes of src; returns the count. */
  put(src: Uint8Array): number {
    const n = Math.min(src.length, this.room);
    const tail = (this.head + this.len) % PIPE_CAPACITY;
    const first = Math.min(n, PIPE_CAPACITY - tail);
    this.buf.set(src.subarray(0, first), tail);
    if (n > first) this.buf.set(src.subarray(first, n), 0);
    this.len += n;
    return n;
  }
}

/** One end of a pipe. */
export class PipeFile extends FileDescription {
  readonly pipe: Pipe;
  private readonly isReader: boolean;

  /** An end of `pipe`: the read end when `reader`. Counts itself in the pipe. */
  constructor(pipe: Pipe, reader: boolean, statusFlags: number) {
    super((reader ? O_RDONLY : O_WRONLY) | (statusFlags & O_NONBLOCK), null);
    this.pipe = pipe;
    this.isReader = reader;
    if (reader) pipe.readers++;
    else pipe.writers++;
  }

  /** Pipes are streams. */
  override get seekable(): boolean {
    return false;
  }

  /** read(2): what is buffered; EOF when no writer is left; else block or EAGAIN. */
  override read(t: FileTask, dst: Uint8Array): number {
    if (dst.length === 0) return 0;
    const p = this.pipe;
    if (p.len === 0) {
      if (p.writers === 0) return 0;
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([p.readable]);
      return BLOCK;
    }
    const n = p.take(dst);
    p.writable.notify();
    return n;
  }

  /**
   * write(2). At most PIPE_BUF bytes: all at once or not at all. More: as much as fits (a
   * short count, which callers' write loops handle; this keeps the handler restartable).
   */
  override write(t: FileTask, src: Uint8Array): number {
    const p = this.pipe;
    if (p.readers === 0) {
      t.sendSignal?.(SIGPIPE);
      return -E.EPIPE;
    }
    if (src.length === 0) return 0;
    const need = src.length <= PIPE_BUF ? src.length : 1;
    if (p.room < need) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([p.writable]);
      return BLOCK;
    }
    const n = p.put(src);
    p.readable.notify();
    return n;
  }

  /** No positioned I/O on pipes. */
  override pread(): number {
    return -E.ESPIPE;
  }

  /** No positioned I/O on pipes. */
  override pwrite(): number {
    return -E.ESPIPE;
  }

  /** poll: the read end is readable with data or without writers (HUP); the write end is
   * writable with PIPE_BUF of room, in error without readers. */
  override readiness(_t: FileTask, mask: number): number {
    const p = this.pipe;
    let r = 0;
    if (this.isReader) {
      if (p.len > 0) r |= POLLIN | POLLRDNORM;
      if (p.writers === 0) r |= POLLHUP;
    } else {
      if (p.room >= PIPE_BUF) r |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) r |= POLLERR;
    }
    return r & (mask | POLLHUP | POLLERR);
  }

  /** The queue of this end's direction. */
  override waitQueue(_t: FileTask, _mask: number): WaitQueue {
    return this.isReader ? this.pipe.readable : this.pipe.writable;
  }

  /** FIONREAD: bytes buffered. */
  override ioctl(t: FileTask, cmd: number, arg: number): number {
    if (cmd !== FIONREAD) return -E.ENOTTY;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, this.pipe.len, true);
    return t.mem.write(arg, b) < 0 ? -E.EFAULT : 0;
  }

  /** fstat: a FIFO on pipefs. */
  override stat(): StatInfo {
    const p = this.pipe;
    return {
      dev: PIPEFS_DEV,
      ino: p.ino,
      nlink: 1,
      mode: S_IFIFO | 0o600,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: 0,
      blksize: 4096,
      blocks: 0,
      atimeNs: p.ctimeNs,
      mtimeNs: p.ctimeNs,
      ctimeNs: p.ctimeNs,
    };
  }

  /** Last close of this end: the peer sees EOF or EPIPE. */
  protected override release(): void {
    const p = this.pipe;
    if (this.isReader) p.readers--;
    else p.writers--;
    // Both directions may change: readers see EOF, writers see EPIPE.
    p.readable.notify();
    p.writable.notify();
  }

  /** "pipe:[ino]", as /proc/[pid]/fd shows. */
  override anonName(): string {
    return `pipe:[${this.pipe.ino}]`;
  }
}

/** A new pipe's read and write ends; `flags` may hold O_NONBLOCK. */
export function newPipe(flags: number): [PipeFile, PipeFile] {
  const p = new Pipe();
  return [new PipeFile(p, true, flags), new PipeFile(p, false, flags)];
}
