// The Sentry's side of LISAFS: a synchronous GoferClient over the gofer socket. Each call
// sends one request packet and blocks in recvmsg for its answer (the gofer is local and
// answers in microseconds; the Sentry's core is synchronous by design).
//
// The gofer is less trusted than nothing else in the sandbox, but it is still another process:
// every reply is checked (length, id, op, fd count, payload bounds, entry names) and anything
// malformed becomes -EIO, with received fds closed. After a protocol violation the connection
// is considered broken and every later call answers -EIO.
import { E } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import { closeAll, MSG_TRUNC, recvWithFds, sendFds } from "../../ffi/socket.ts";
import type { GoferClient, GoferDirent, GoferResult, GoferStat } from "./api.ts";
import { decodeDirent, decodeStat } from "./messages.ts";
import { checkName } from "./path.ts";
import { LISAFS_VERSION, MAX_MESSAGE, Op, Reader, RESP_HEADER, Writer } from "./wire.ts";

/** Largest errno a reply may carry (the kernel's MAX_ERRNO). */
const MAX_ERRNO = 4095;

/** A decoded reply: `result` < 0 is an errno; else `r` reads the payload. */
interface Reply {
  readonly result: number;
  readonly r: Reader;
  readonly fds: number[];
}

/** GoferClient over a connected SOCK_SEQPACKET socket to a `runsc gofer`. */
export class LisafsClient implements GoferClient {
  private readonly out = new Writer(new Uint8Array(MAX_MESSAGE));
  private readonly inBuf = new Uint8Array(MAX_MESSAGE);
  private nextId = 1;
  private broken = false;

  /** Takes ownership of `sock` (closed by {@link close}). Call {@link hello} first. */
  constructor(private sock: number) {}

  /** Version handshake; 0, or -errno (-EPROTONOSUPPORT if the gofer speaks another version). */
  hello(): number {
    const rep = this.call(Op.HELLO, (w) => w.u32(LISAFS_VERSION), 0);
    if (typeof rep === "number") return rep;
    const v = rep.r.u32();
    return this.finish(rep, rep.r.done() && v === LISAFS_VERSION ? 0 : -E.EIO);
  }

  /** lstat of `path`. */
  stat(path: string): GoferResult<GoferStat> {
    const rep = this.call(Op.STAT, (w) => w.str16(path), 0);
    if (typeof rep === "number") return rep;
    const st = decodeStat(rep.r);
    const bad = this.finish(rep, rep.r.done() ? 0 : -E.EIO);
    return bad < 0 ? bad : st;
  }

  /** Target of the symlink at `path`. */
  readlink(path: string): GoferResult<string> {
    const rep = this.call(Op.READLINK, (w) => w.str16(path), 0);
    if (typeof rep === "number") return rep;
    const target = rep.r.str16(4096);
    const bad = this.finish(rep, rep.r.done() && target !== "" ? 0 : -E.EIO);
    return bad < 0 ? bad : target;
  }

  /** Every entry of the directory at `path`, fetched page by page. */
  readdir(path: string): GoferResult<GoferDirent[]> {
    const all: GoferDirent[] = [];
    let cookie = 0n;
    for (;;) {
      const rep = this.call(Op.READDIR, (w) => w.str16(path).u64(cookie), 0);
      if (typeof rep === "number") return rep;
      const r = rep.r;
      const next = r.u64();
      const eof = r.u8();
      const count = r.u16();
      let ok = r.ok && eof <= 1;
      for (let i = 0; ok && i < count; i++) {
        const d = decodeDirent(r);
        // A gofer must never hand the Sentry a name it could not have read from a directory.
        ok = r.ok && checkName(d.name) === 0;
        all.push(d);
      }
      const bad = this.finish(rep, ok && r.done() ? 0 : -E.EIO);
      if (bad < 0) return bad;
      if (eof === 1) return all;
      // A page that neither ends nor advances would loop forever: a protocol error.
      if (count === 0 && next === cookie) return this.fail();
      cookie = next;
    }
  }

  /** Opens `path` read-only in the gofer; returns the donated host fd (caller closes it). */
  openRead(path: string): GoferResult<number> {
    const rep = this.call(Op.OPEN_READ, (w) => w.str16(path), 1);
    if (typeof rep === "number") return rep;
    if (!rep.r.done() || rep.fds.length !== 1) {
      closeAll(rep.fds);
      return this.fail();
    }
    return rep.fds[0];
  }

  /** Closes the socket; the gofer sees EOF and exits. Later calls answer -EBADF. */
  close(): void {
    if (this.sock >= 0) close(this.sock);
    this.sock = -1;
  }

  /** Marks the connection broken and returns -EIO. */
  private fail(): number {
    this.broken = true;
    return -E.EIO;
  }

  /** Ends a reply that carried no fd: 0, or -EIO (and broken) if `status` says malformed. */
  private finish(rep: Reply, status: number): number {
    if (rep.fds.length > 0) {
      closeAll(rep.fds);
      return this.fail();
    }
    return status < 0 ? this.fail() : 0;
  }

  /**
   * Sends one request and waits for its reply. Returns -errno for transport failures, protocol
   * violations (-EIO) and gofer-side errors (the reply's result, with no fds kept).
   */
  private call(op: number, body: (w: Writer) => Writer, maxFds: number): Reply | number {
    if (this.sock < 0) return -E.EBADF;
    if (this.broken) return -E.EIO;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const w = this.out.reset();
    w.u32(0).u32(id).u16(op).u16(0);
    body(w).sealLength();
    if (!w.ok) return -E.ENAMETOOLONG; // only a path can make a request this large
    const s = sendFds(this.sock, w.buf.subarray(0, w.off));
    if (s < 0) return s === -E.EPIPE || s === -E.ECONNRESET ? this.fail() : s;
    const got = recvWithFds(this.sock, this.inBuf, maxFds);
    if (got.n <= 0) {
      closeAll(got.fds);
      return this.fail(); // the gofer died or the socket broke mid-call
    }
    const r = new Reader(this.inBuf, 0, got.n);
    const len = r.u32();
    const rid = r.u32();
    const rop = r.u16();
    const nfds = r.u16();
    const result = r.i32();
    const valid = got.n >= RESP_HEADER && (got.flags & MSG_TRUNC) === 0 && len === got.n && rid === id &&
      rop === op && nfds === got.fds.length && result <= 0 && result >= -MAX_ERRNO &&
      (result === 0 || (nfds === 0 && got.n === RESP_HEADER));
    if (!valid) {
      closeAll(got.fds);
      return this.fail();
    }
    if (result < 0) return result;
    return { result, r, fds: got.fds };
  }
}

/**
 * Connects a client over an already-connected gofer socket `sock` and performs the handshake.
 * Returns the client, or -errno (then `sock` has been closed).
 */
export function connectGofer(sock: number): LisafsClient | number {
  const c = new LisafsClient(sock);
  const r = c.hello();
  if (r < 0) {
    c.close();
    return r;
  }
  return c;
}
