// Loopback TCP: a ConnSocket whose names are (address, port) in TCP_PORTS. Connections
// complete at once (the listener gets a ready server end in its accept queue); a
// non-blocking connect still answers EINPROGRESS as Linux does on loopback, and poll then
// reports the socket writable with SO_ERROR 0.
import { E } from "../../../ffi/errno.ts";
import { O_NONBLOCK, POLLIN, POLLRDHUP, POLLRDNORM } from "../vfs/consts.ts";
import type { FileTask } from "../vfs/task.ts";
import type { SockAddr } from "./addr.ts";
import {
  AF_INET6,
  IPPROTO_TCP,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_TCP,
  SOMAXCONN,
  TCP_CONGESTION,
  TCP_INFO,
  TCP_MAXSEG,
  TCP_NODELAY,
} from "./consts.ts";
import { ConnSocket } from "./conn.ts";
import { anyFor, checkBind, checkDest, getIpOpt, setIpOpt, shown, sourceFor } from "./inet.ts";
import { type PortUser, TCP_PORTS } from "./ports.ts";
import { intOpt, readIntOpt, SocketFile, taskCred } from "./socket.ts";

/** A TCP socket on the sandbox's loopback. */
export class TcpSocket extends ConnSocket implements PortUser {
  localIp: Uint8Array;
  localPort = 0;
  remoteIp: Uint8Array;
  remotePort = 0;
  v6only = false;
  /** In TCP_PORTS (accepted sockets share their listener's port and are not). */
  private inTable = false;
  /** A non-blocking connect answered EINPROGRESS: the next connect reports 0 (Linux). */
  private connecting = false;
  /** A non-blocking connect was refused (Linux then reports POLLIN too, and ECONNABORTED). */
  private refused = false;

  /** A TCP socket of `family` (AF_INET or AF_INET6). */
  constructor(family: number, flags: number) {
    super(family, SOCK_STREAM, IPPROTO_TCP, flags);
    this.localIp = anyFor(family);
    this.remoteIp = anyFor(family);
  }

  /** True for AF_INET6. */
  get v6(): boolean {
    return this.family === AF_INET6;
  }

  /** True once a port is held. */
  get bound(): boolean {
    return this.localPort !== 0;
  }

  protected notConnectedErr(_sending: boolean): number {
    return -E.ENOTCONN;
  }

  protected get mirrorsShutdown(): boolean {
    return false;
  }

  override bind(_t: FileTask, a: SockAddr): number {
    const b = checkBind(this.family, this.v6only, a);
    if (typeof b === "number") return b;
    if (this.bound || this.state !== "init") return -E.EINVAL;
    const old = this.localIp;
    this.localIp = b.ip;
    const p = TCP_PORTS.bind(this, b.port);
    if (p < 0) {
      this.localIp = old;
      return p;
    }
    this.localPort = p;
    this.inTable = true;
    return 0;
  }

  override listen(t: FileTask, backlog: number): number {
    if (this.state === "connected") return -E.EINVAL;
    if (!this.bound) {
      const p = TCP_PORTS.bind(this, 0);
      if (p < 0) return p;
      this.localPort = p;
      this.inTable = true;
    } else if (this.state !== "listening" && !TCP_PORTS.mayListen(this, this.localPort)) {
      return -E.EADDRINUSE;
    }
    this.backlog = Math.min(Math.max(backlog, 0), SOMAXCONN);
    if (this.state !== "listening") this.peerCreds = { pid: 0, uid: -1, gid: -1 };
    this.state = "listening";
    void t;
    this.q.notify();
    return 0;
  }

  override connect(t: FileTask, a: SockAddr): number {
    if (this.state === "connected") {
      if (!this.connecting) return -E.EISCONN;
      this.connecting = false;
      return 0;
    }
    if (this.state === "listening") return -E.EINVAL;
    if (this.err !== 0) {
      // The outcome of an earlier non-blocking attempt.
      const e = this.err;
      this.err = 0;
      this.refused = false;
      return -e;
    }
    if (this.refused) {
      this.refused = false;
      return -E.ECONNABORTED;
    }
    const d = checkDest(this.family, this.v6only, a);
    if (typeof d === "number") return d;
    const nonblock = (this.flags & O_NONBLOCK) !== 0;
    const listener = TCP_PORTS.lookup<TcpSocket>(d.port, d.ip, (u) => u instanceof TcpSocket && u.listening);
    if (listener === null || d.port === 0) {
      if (!nonblock) return -E.ECONNREFUSED;
      this.err = E.ECONNREFUSED;
      this.refused = true;
      this.q.notify();
      return -E.EINPROGRESS;
    }
    if (!this.bound) {
      const p = TCP_PORTS.bind(this, 0);
      if (p < 0) return -E.EADDRNOTAVAIL;
      this.localPort = p;
      this.inTable = true;
    }
    const src = sourceFor(this.localIp, d.ip);
    this.localIp = src;
    this.remoteIp = d.ip;
    this.remotePort = d.port;
    const server = new TcpSocket(listener.family, 0);
    server.localIp = d.ip;
    server.localPort = listener.localPort;
    server.remoteIp = src;
    server.remotePort = this.localPort;
    server.rcvbuf = listener.rcvbuf;
    server.sndbuf = listener.sndbuf;
    for (const [k, v] of listener.stored) server.stored.set(k, v);
    void taskCred(t);
    ConnSocket.link(this, server);
    listener.acceptQ.push(server);
    listener.q.notify();
    this.q.notify();
    this.connecting = nonblock;
    return nonblock ? -E.EINPROGRESS : 0;
  }

  override accept(t: FileTask, flags: number): SocketFile | number {
    if (this.state !== "listening") return -E.EINVAL;
    const s = this.acceptQ.shift();
    if (s === undefined) return this.wait(t, 0, false);
    s.flags = (s.flags & ~O_NONBLOCK) | ((flags & SOCK_NONBLOCK) !== 0 ? O_NONBLOCK : 0);
    return s;
  }

  override readiness(t: FileTask, mask: number): number {
    const r = super.readiness(t, mask);
    return this.refused ? r | ((POLLIN | POLLRDNORM | POLLRDHUP) & mask) : r;
  }

  override sockname(): SockAddr {
    return shown(this.family, this.localIp, this.localPort);
  }

  override peername(): SockAddr | number {
    if (this.state !== "connected") return -E.ENOTCONN;
    return shown(this.family, this.remoteIp, this.remotePort);
  }

  protected override setProtoOpt(level: number, name: number, val: Uint8Array): number {
    if (level !== SOL_TCP) return setIpOpt(this, level, name, val);
    if (name === TCP_CONGESTION) return 0;
    const n = readIntOpt(val);
    if (n === null) return -E.EINVAL;
    this.stored.set(`${level}:${name}`, intOpt(name === TCP_NODELAY ? (n !== 0 ? 1 : 0) : n));
    return 0;
  }

  protected override getProtoOpt(level: number, name: number): Uint8Array | number {
    if (level !== SOL_TCP) return getIpOpt(this, level, name);
    switch (name) {
      case TCP_INFO: {
        // struct tcp_info: state (1 = ESTABLISHED, 10 = LISTEN, 7 = CLOSE) first.
        const b = new Uint8Array(104);
        b[0] = this.state === "connected" ? (this.peerGone ? 8 : 1) : this.state === "listening" ? 10 : 7;
        return b;
      }
      case TCP_CONGESTION:
        return new TextEncoder().encode("cubic\0\0\0\0\0\0\0\0\0\0\0");
      case TCP_MAXSEG:
        return this.stored.get(`${level}:${name}`) ?? intOpt(65483);
    }
    return this.stored.get(`${level}:${name}`) ?? intOpt(0);
  }

  protected unbind(): void {
    if (this.inTable) TCP_PORTS.unbind(this, this.localPort);
    this.inTable = false;
  }
}
