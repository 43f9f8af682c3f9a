// Connection-oriented sockets (unix stream/seqpacket, loopback TCP): a pair of endpoints,
// each with a receive queue of segments the peer appended. Flow control is the receiver's
// SO_RCVBUF: a sender without room sleeps on its own queue, which the receiver notifies
// when it consumes. Listening sockets keep fully connected server ends until accept.
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../syscalls/abi.ts";
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDHUP,
  POLLRDNORM,
  POLLWRNORM,
  SIGPIPE,
} from "../vfs/consts.ts";
import type { FileDescription } from "../vfs/file.ts";
import type { FileTask } from "../vfs/task.ts";
import type { SockAddr } from "./addr.ts";
import {
  MSG_NOSIGNAL,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SOCK_SEQPACKET,
} from "./consts.ts";
import { type RecvRes, type SendReq, SocketFile, type Ucred } from "./socket.ts";

/** Linux's sk_shutdown bits. */
export const RCV_SHUTDOWN = 1;
export const SEND_SHUTDOWN = 2;

/** A unit of queued data: bytes with the ancillary data sent with them. */
export interface Segment {
  data: Uint8Array;
  off: number;
  rights: FileDescription[] | null;
  creds: Ucred | null;
}

/** Connection states. */
export type ConnState = "init" | "listening" | "connected";

/** One endpoint of a connection-oriented socket. */
export abstract class ConnSocket extends SocketFile {
  state: ConnState = "init";
  peer: ConnSocket | null = null;
  /** The peer released its end. */
  peerGone = false;
  /** sk_shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN. */
  shut = 0;
  readonly rx: Segment[] = [];
  rxBytes = 0;
  backlog = 0;
  readonly acceptQ: ConnSocket[] = [];
  /** SO_PEERCRED. */
  peerCreds: Ucred = { pid: 0, uid: -1, gid: -1 };

  /** Message boundaries kept (SOCK_SEQPACKET). */
  get records(): boolean {
    return this.type === SOCK_SEQPACKET;
  }

  /** The errno of data calls on a socket that never connected. */
  protected abstract notConnectedErr(sending: boolean): number;

  /** True when peer shutdowns mirror both directions (unix) rather than TCP's FIN. */
  protected abstract get mirrorsShutdown(): boolean;

  override get listening(): boolean {
    return this.state === "listening";
  }

  override peerCred(): Ucred {
    return this.peerCreds;
  }

  /** Joins two fresh endpoints (socketpair, connect/accept). */
  static link(a: ConnSocket, b: ConnSocket): void {
    a.peer = b;
    b.peer = a;
    a.state = "connected";
    b.state = "connected";
  }

  override send(t: FileTask, req: SendReq): number {
    if (this.state !== "connected") return this.notConnectedErr(true);
    const p = this.peer!;
    if ((this.shut & SEND_SHUTDOWN) !== 0 || this.peerGone) {
      if (this.err !== 0) {
        const e = this.err;
        this.err = 0;
        return -e;
      }
      if ((req.flags & MSG_NOSIGNAL) === 0) t.sendSignal?.(SIGPIPE);
      return -E.EPIPE;
    }
    const len = req.data.length;
    if (len === 0 && !this.records) return 0;
    if (this.records && len > this.sndbuf) return -E.EMSGSIZE;
    const room = p.rcvbuf - p.rxBytes;
    const need = this.records ? Math.max(len, 1) : 1;
    if (room < need && !(this.records && p.rxBytes === 0)) return this.wait(t, req.flags, true);
    const n = this.records ? len : Math.min(len, room);
    const rights = req.rights;
    if (rights !== null) { for (const f of rights) f.incRef(); }
    p.rx.push({ data: req.data.slice(0, n), off: 0, rights, creds: req.creds });
    p.rxBytes += n;
    p.q.notify();
    return n;
  }

  override recv(t: FileTask, len: number, flags: number): RecvRes | number {
    if (this.state === "listening") return -E.EINVAL;
    if (this.state !== "connected") {
      const e = this.notConnectedErr(false);
      if (e !== BLOCK) return e;
      return this.wait(t, flags, false);
    }
    const eof = (this.shut & RCV_SHUTDOWN) !== 0;
    if (this.rx.length === 0) {
      if (this.err !== 0) {
        const e = this.err;
        this.err = 0;
        return -e;
      }
      if (eof) return { data: new Uint8Array(0), ret: 0, from: null, rights: null, creds: null, msgFlags: 0 };
      return this.wait(t, flags, false);
    }
    const peek = (flags & MSG_PEEK) !== 0;
    if (this.records) return this.recvRecord(len, flags, peek);
    if ((flags & MSG_WAITALL) !== 0 && !peek && this.rxBytes < len && !eof && !this.peerGone) {
      // Waits for everything without consuming part of it (the handler is re-run).
      if (this.rxBytes < this.rcvbuf && !this.nonblocking(flags)) return this.wait(t, flags, false);
    }
    const out = new Uint8Array(Math.min(len, this.rxBytes));
    let got = 0;
    let rights: FileDescription[] | null = null;
    let creds: Ucred | null = null;
    let i = 0;
    while (got < out.length && i < this.rx.length) {
      const s = this.rx[i];
      // Ancillary data is not merged: a segment with rights starts a new read.
      if (got > 0 && s.rights !== null) break;
      if (i === 0) creds = s.creds;
      const m = Math.min(out.length - got, s.data.length - s.off);
      out.set(s.data.subarray(s.off, s.off + m), got);
      got += m;
      if (s.rights !== null) {
        rights = s.rights;
        if (peek) { for (const f of rights) f.incRef(); }
        else s.rights = null;
      }
      if (!peek) {
        s.off += m;
        if (s.off === s.data.length) {
          this.rx.shift();
          i--;
        }
      }
      i++;
      if (rights !== null) break;
    }
    if (!peek) {
      this.rxBytes -= got;
      this.peer?.q.notify();
    }
    return { data: out.subarray(0, got), ret: got, from: null, rights, creds, msgFlags: 0 };
  }

  private recvRecord(len: number, flags: number, peek: boolean): RecvRes {
    const s = this.rx[0];
    const size = s.data.length;
    const data = s.data.subarray(0, Math.min(len, size));
    let rights = s.rights;
    if (peek) {
      if (rights !== null) { for (const f of rights) f.incRef(); }
    } else {
      this.rx.shift();
      this.rxBytes -= size;
      this.peer?.q.notify();
    }
    if (!peek) s.rights = null;
    if (rights !== null && rights.length === 0) rights = null;
    const trunc = size > len;
    return {
      data,
      ret: trunc && (flags & MSG_TRUNC) !== 0 ? size : data.length,
      from: null,
      rights,
      creds: s.creds,
      msgFlags: trunc ? MSG_TRUNC : 0,
    };
  }

  /** FIONREAD: queued bytes (seqpacket: the next record). */
  override available(): number {
    if (this.records) return this.rx.length > 0 ? this.rx[0].data.length : 0;
    return this.rxBytes;
  }

  override shutdown(_t: FileTask, how: number): number {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -E.EINVAL;
    if (this.state !== "connected") return -E.ENOTCONN;
    const bits = how === SHUT_RD
      ? RCV_SHUTDOWN
      : how === SHUT_WR
      ? SEND_SHUTDOWN
      : RCV_SHUTDOWN | SEND_SHUTDOWN;
    this.shut |= bits;
    const p = this.peer;
    if (p !== null && !this.peerGone) {
      if (this.mirrorsShutdown) {
        if ((bits & RCV_SHUTDOWN) !== 0) p.shut |= SEND_SHUTDOWN;
        if ((bits & SEND_SHUTDOWN) !== 0) p.shut |= RCV_SHUTDOWN;
      } else if ((bits & SEND_SHUTDOWN) !== 0) {
        p.shut |= RCV_SHUTDOWN;
      }
      p.q.notify();
    }
    this.q.notify();
    return 0;
  }

  override readiness(_t: FileTask, mask: number): number {
    let r = 0;
    if (this.state === "listening") {
      if (this.acceptQ.length > 0) r |= POLLIN | POLLRDNORM;
      return r & mask;
    }
    if (this.err !== 0) r |= POLLERR;
    if (this.state !== "connected") return (r | POLLOUT | POLLWRNORM | POLLHUP) & (mask | POLLHUP | POLLERR);
    const rdShut = (this.shut & RCV_SHUTDOWN) !== 0;
    if (this.rxBytes > 0 || this.rx.length > 0 || rdShut) r |= POLLIN | POLLRDNORM;
    if (rdShut) r |= POLLRDHUP;
    if (this.shut === (RCV_SHUTDOWN | SEND_SHUTDOWN)) r |= POLLHUP;
    const p = this.peer!;
    if ((this.shut & SEND_SHUTDOWN) !== 0 || this.peerGone || p.rcvbuf - p.rxBytes > 0) {
      r |= POLLOUT | POLLWRNORM;
    }
    return r & (mask | POLLHUP | POLLERR);
  }

  /** Drops queued data and the files in flight with it. */
  protected purge(): void {
    for (const s of this.rx) if (s.rights !== null) { for (const f of s.rights) f.decRef(); }
    this.rx.length = 0;
    this.rxBytes = 0;
  }

  /** The peer's address for getpeername. */
  abstract override sockname(): SockAddr;

  /** Hook run at release (unbinding from name tables). */
  protected abstract unbind(): void;

  protected override release(): void {
    this.unbind();
    if (this.state === "listening") {
      const pending = this.acceptQ.splice(0);
      for (const s of pending) s.decRef();
    }
    const p = this.peer;
    if (this.state === "connected" && p !== null && !this.peerGone) {
      p.peerGone = true;
      p.shut |= this.mirrorsShutdown ? RCV_SHUTDOWN | SEND_SHUTDOWN : RCV_SHUTDOWN;
      if (this.rxBytes > 0) {
        p.err = 104; // ECONNRESET: closed with unread data.
        if (!this.mirrorsShutdown) p.shut = RCV_SHUTDOWN | SEND_SHUTDOWN;
      }
      p.q.notify();
    }
    this.purge();
    this.peer = null;
    this.q.notify();
  }
}
