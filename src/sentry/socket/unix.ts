// AF_UNIX sockets: stream and seqpacket (ConnSocket) and datagram. Names live in unixns.ts;
// peers' credentials are taken at connect/listen time (SO_PEERCRED) and with every message
// (SCM_CREDENTIALS, delivered to receivers with SO_PASSCRED).
import { E } from "../../../ffi/errno.ts";
import { BLOCK } from "../syscalls/abi.ts";
import { O_NONBLOCK, POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../vfs/consts.ts";
import type { FileTask } from "../vfs/task.ts";
import type { SockAddr, UnixAddr } from "./addr.ts";
import {
  AF_UNIX,
  AF_UNSPEC,
  MAX_DGRAM_QLEN,
  MSG_PEEK,
  MSG_TRUNC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOMAXCONN,
} from "./consts.ts";
import { ConnSocket, type Segment } from "./conn.ts";
import { type Binding, bindName, lookupName, unbindName } from "./unixns.ts";
import { type RecvRes, type SendReq, SocketFile, taskCred, type Ucred } from "./socket.ts";

const UNNAMED: UnixAddr = { family: AF_UNIX, name: new Uint8Array(0) };

/** A sender's name as recvfrom reports it: null (length 0) when unnamed. */
function fromName(a: UnixAddr): UnixAddr | null {
  return a.name.length === 0 ? null : a;
}

/** A unix stream or seqpacket socket. */
export class UnixConn extends ConnSocket {
  name: UnixAddr = UNNAMED;
  private binding: Binding | null = null;
  private listenCreds: Ucred = { pid: 0, uid: -1, gid: -1 };

  /** A socket of `type` (SOCK_STREAM or SOCK_SEQPACKET). */
  constructor(type: number, flags: number) {
    super(AF_UNIX, type, 0, flags);
  }

  protected notConnectedErr(sending: boolean): number {
    // Linux: sends fail with ENOTCONN; a read on an unconnected stream socket just waits.
    return sending ? -E.ENOTCONN : BLOCK;
  }

  protected get mirrorsShutdown(): boolean {
    return true;
  }

  override bind(t: FileTask, a: SockAddr): number {
    if (a.family !== AF_UNIX) return -E.EINVAL;
    if (this.binding !== null) return -E.EINVAL;
    const r = bindName(t, this, a);
    if (typeof r === "number") return r;
    this.binding = r.b;
    this.name = r.addr;
    return 0;
  }

  override listen(t: FileTask, backlog: number): number {
    if (this.state === "connected") return -E.EINVAL;
    if (this.binding === null) return -E.EINVAL;
    this.backlog = Math.min(Math.max(backlog, 0), SOMAXCONN);
    if (this.state !== "listening") this.listenCreds = taskCred(t);
    this.state = "listening";
    this.q.notify();
    return 0;
  }

  override connect(t: FileTask, a: SockAddr): number {
    if (a.family !== AF_UNIX) return -E.EINVAL;
    if (this.state === "connected") return -E.EISCONN;
    if (this.state === "listening") return -E.EINVAL;
    const target = lookupName(t, a);
    if (typeof target === "number") return target;
    if (!(target instanceof UnixConn)) return -E.EPROTOTYPE;
    if (target.type !== this.type) return -E.EPROTOTYPE;
    if (target.state !== "listening") return -E.ECONNREFUSED;
    if (target.acceptQ.length > target.backlog) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([target.q, this.q]);
      return BLOCK;
    }
    if (this.passCred && this.binding === null) this.bind(t, UNNAMED);
    const server = new UnixConn(this.type, 0);
    server.name = target.name;
    server.passCred = target.passCred;
    server.peerCreds = taskCred(t);
    this.peerCreds = target.listenCreds;
    ConnSocket.link(this, server);
    target.acceptQ.push(server);
    target.q.notify();
    this.q.notify();
    return 0;
  }

  override accept(t: FileTask, flags: number): SocketFile | number {
    if (this.state !== "listening") return -E.EINVAL;
    const s = this.acceptQ.shift();
    if (s === undefined) return this.wait(t, 0, false);
    s.flags = (s.flags & ~O_NONBLOCK) | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
    this.q.notify();
    return s;
  }

  override sockname(): SockAddr {
    return this.name;
  }

  override peername(): SockAddr | number {
    if (this.state !== "connected" || this.peer === null) return -E.ENOTCONN;
    return (this.peer as UnixConn).name;
  }

  override send(t: FileTask, req: SendReq): number {
    if (req.to !== null) return this.state === "connected" ? -E.EISCONN : -E.EOPNOTSUPP;
    return super.send(t, { ...req, creds: req.creds ?? taskCred(t) });
  }

  override recv(t: FileTask, len: number, flags: number): RecvRes | number {
    const r = super.recv(t, len, flags);
    if (typeof r === "number" || this.peer === null) return r;
    return { ...r, from: fromName((this.peer as UnixConn).name) };
  }

  protected unbind(): void {
    if (this.binding !== null) unbindName(this, this.binding);
  }
}

/** A datagram in a unix datagram socket's queue. */
interface Dgram extends Segment {
  from: UnixAddr;
}

/** A unix datagram socket. */
export class UnixDgram extends SocketFile {
  name: UnixAddr = UNNAMED;
  private binding: Binding | null = null;
  /** connect()ed default destination. */
  private target: UnixDgram | null = null;
  private readonly rx: Dgram[] = [];
  private rxBytes = 0;
  private dead = false;
  private connCreds: Ucred = { pid: 0, uid: -1, gid: -1 };

  /** A SOCK_DGRAM unix socket. */
  constructor(flags: number) {
    super(AF_UNIX, SOCK_DGRAM, 0, flags);
  }

  override bind(t: FileTask, a: SockAddr): number {
    if (a.family !== AF_UNIX) return -E.EINVAL;
    if (this.binding !== null) return -E.EINVAL;
    const r = bindName(t, this, a);
    if (typeof r === "number") return r;
    this.binding = r.b;
    this.name = r.addr;
    return 0;
  }

  override connect(t: FileTask, a: SockAddr): number {
    if (a.family === AF_UNSPEC) {
      this.target = null;
      return 0;
    }
    if (a.family !== AF_UNIX) return -E.EINVAL;
    const target = lookupName(t, a);
    if (typeof target === "number") return target;
    if (!(target instanceof UnixDgram)) return -E.EPROTOTYPE;
    if (this.passCred && this.binding === null) this.bind(t, UNNAMED);
    this.target = target;
    this.connCreds = taskCred(t);
    return 0;
  }

  /** Pairs two fresh sockets (socketpair). */
  static pair(a: UnixDgram, b: UnixDgram, c: Ucred): void {
    a.target = b;
    b.target = a;
    a.connCreds = c;
    b.connCreds = c;
  }

  override peerCred(): Ucred {
    return this.target === null ? { pid: 0, uid: -1, gid: -1 } : this.connCreds;
  }

  override sockname(): SockAddr {
    return this.name;
  }

  override peername(): SockAddr | number {
    return this.target === null ? -E.ENOTCONN : this.target.name;
  }

  override send(t: FileTask, req: SendReq): number {
    let dst: UnixDgram;
    if (req.to !== null) {
      if (req.to.family !== AF_UNIX) return -E.EINVAL;
      const r = lookupName(t, req.to);
      if (typeof r === "number") return r;
      if (!(r instanceof UnixDgram)) return -E.EPROTOTYPE;
      dst = r;
    } else {
      if (this.target === null) return -E.ENOTCONN;
      dst = this.target;
    }
    if (dst.dead) {
      if (req.to === null) this.target = null;
      return -E.ECONNREFUSED;
    }
    if (dst.target !== null && dst.target !== this && !dst.target.dead) return -E.EPERM;
    if (req.data.length > this.sndbuf - 32) return -E.EMSGSIZE;
    if (dst.rx.length >= MAX_DGRAM_QLEN || (dst.rxBytes > 0 && dst.rxBytes + req.data.length > dst.rcvbuf)) {
      return this.wait(t, req.flags, true, [dst.q, this.q]);
    }
    if (this.passCred && this.binding === null) this.bind(t, UNNAMED);
    if (req.rights !== null) { for (const f of req.rights) f.incRef(); }
    dst.rx.push({
      data: req.data.slice(),
      off: 0,
      rights: req.rights,
      creds: req.creds ?? taskCred(t),
      from: this.name,
    });
    dst.rxBytes += req.data.length;
    dst.q.notify();
    return req.data.length;
  }

  override recv(t: FileTask, len: number, flags: number): RecvRes | number {
    const d = this.rx[0];
    if (d === undefined) {
      if (this.err !== 0) {
        const e = this.err;
        this.err = 0;
        return -e;
      }
      return this.wait(t, flags, false);
    }
    const peek = (flags & MSG_PEEK) !== 0;
    let rights = d.rights;
    if (peek) {
      if (rights !== null) { for (const f of rights) f.incRef(); }
    } else {
      this.rx.shift();
      this.rxBytes -= d.data.length;
      d.rights = null;
      this.q.notify();
    }
    if (rights !== null && rights.length === 0) rights = null;
    const size = d.data.length;
    const trunc = size > len;
    const data = d.data.subarray(0, Math.min(len, size));
    return {
      data,
      ret: trunc && (flags & MSG_TRUNC) !== 0 ? size : data.length,
      from: fromName(d.from),
      rights,
      creds: d.creds,
      msgFlags: trunc ? MSG_TRUNC : 0,
    };
  }

  /** FIONREAD: the size of the next datagram. */
  override available(): number {
    return this.rx.length > 0 ? this.rx[0].data.length : 0;
  }

  override shutdown(_t: FileTask, _how: number): number {
    return this.target === null ? -E.ENOTCONN : 0;
  }

  override readiness(_t: FileTask, mask: number): number {
    let r = 0;
    if (this.rx.length > 0) r |= POLLIN | POLLRDNORM;
    if (this.err !== 0) r |= POLLERR;
    const d = this.target;
    if (d === null || d.dead || d.rx.length < MAX_DGRAM_QLEN) r |= POLLOUT | POLLWRNORM;
    return r & (mask | POLLERR);
  }

  protected override release(): void {
    this.dead = true;
    if (this.binding !== null) unbindName(this, this.binding);
    for (const d of this.rx) if (d.rights !== null) { for (const f of d.rights) f.decRef(); }
    this.rx.length = 0;
    this.rxBytes = 0;
    this.target = null;
    this.q.notify();
  }
}

/** socketpair(AF_UNIX, type): two connected sockets; `flags` may hold O_NONBLOCK. */
export function unixPair(t: FileTask, type: number, flags: number): [SocketFile, SocketFile] {
  const c = taskCred(t);
  if (type === SOCK_DGRAM) {
    const a = new UnixDgram(flags), b = new UnixDgram(flags);
    UnixDgram.pair(a, b, c);
    return [a, b];
  }
  const a = new UnixConn(type, flags), b = new UnixConn(type, flags);
  a.peerCreds = c;
  b.peerCreds = c;
  ConnSocket.link(a, b);
  return [a, b];
}
