// Loopback UDP: datagrams delivered straight into the receiving socket's queue, found in
// UDP_PORTS by destination (connected sockets only take their peer's datagrams). Like real
// UDP, a datagram to nobody or to a full queue is dropped; a connected sender learns of the
// missing peer with ECONNREFUSED on its next call (the ICMP error Linux reports).
import { E } from "../../../ffi/errno.ts";
import { POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../vfs/consts.ts";
import type { FileTask } from "../vfs/task.ts";
import { type InetAddr, sameBytes, type SockAddr } from "./addr.ts";
import {
  AF_INET6,
  AF_UNSPEC,
  IPPROTO_UDP,
  MSG_PEEK,
  MSG_TRUNC,
  SOCK_DGRAM,
  SOL_UDP,
  UDP_MAX,
} from "./consts.ts";
import { anyFor, checkBind, checkDest, getIpOpt, setIpOpt, shown, sourceFor } from "./inet.ts";
import { type PortUser, UDP_PORTS } from "./ports.ts";
import { intOpt, type RecvRes, type SendReq, SocketFile } from "./socket.ts";

interface Datagram {
  data: Uint8Array;
  from: InetAddr;
}

/** A UDP socket on the sandbox's loopback. */
export class UdpSocket extends SocketFile implements PortUser {
  localIp: Uint8Array;
  localPort = 0;
  v6only = false;
  remote: InetAddr | null = null;
  private readonly rx: Datagram[] = [];
  private rxBytes = 0;
  private rdShut = false;

  /** A UDP socket of `family`. */
  constructor(family: number, flags: number) {
    super(family, SOCK_DGRAM, IPPROTO_UDP, flags);
    this.localIp = anyFor(family);
  }

  /** True for AF_INET6. */
  get v6(): boolean {
    return this.family === AF_INET6;
  }

  /** True once a port is held. */
  get bound(): boolean {
    return this.localPort !== 0;
  }

  override bind(_t: FileTask, a: SockAddr): number {
    const b = checkBind(this.family, this.v6only, a);
    if (typeof b === "number") return b;
    if (this.bound) return -E.EINVAL;
    const old = this.localIp;
    this.localIp = b.ip;
    const p = UDP_PORTS.bind(this, b.port);
    if (p < 0) {
      this.localIp = old;
      return p;
    }
    this.localPort = p;
    return 0;
  }

  private autobind(): number {
    if (this.bound) return 0;
    const p = UDP_PORTS.bind(this, 0);
    if (p < 0) return -E.EAGAIN;
    this.localPort = p;
    return 0;
  }

  override connect(_t: FileTask, a: SockAddr): number {
    if (a.family === AF_UNSPEC) {
      this.remote = null;
      return 0;
    }
    const d = checkDest(this.family, this.v6only, a);
    if (typeof d === "number") return d;
    const r = this.autobind();
    if (r < 0) return r;
    this.localIp = sourceFor(this.localIp, d.ip);
    this.remote = d;
    return 0;
  }

  override sockname(): SockAddr {
    return shown(this.family, this.localIp, this.localPort);
  }

  override peername(): SockAddr | number {
    return this.remote === null ? -E.ENOTCONN : shown(this.family, this.remote.ip, this.remote.port);
  }

  override send(_t: FileTask, req: SendReq): number {
    let dst: InetAddr;
    if (req.to !== null) {
      const d = checkDest(this.family, this.v6only, req.to);
      if (typeof d === "number") return d;
      dst = d;
    } else {
      if (this.remote === null) return -E.EDESTADDRREQ;
      if (this.err !== 0) {
        const e = this.err;
        this.err = 0;
        return -e;
      }
      dst = this.remote;
    }
    if (dst.port === 0) return -E.EINVAL;
    if (req.data.length > UDP_MAX) return -E.EMSGSIZE;
    const r = this.autobind();
    if (r < 0) return r;
    const src = sourceFor(this.localIp, dst.ip);
    const port = this.localPort;
    const target = UDP_PORTS.lookup<UdpSocket>(
      dst.port,
      dst.ip,
      (u) =>
        u instanceof UdpSocket &&
        (u.remote === null || (sameBytes(u.remote.ip, src) && u.remote.port === port)),
    );
    if (target === null) {
      if (req.to === null) {
        this.err = E.ECONNREFUSED;
        this.q.notify();
      }
      return req.data.length;
    }
    if (target.rdShut || target.rxBytes + req.data.length > target.rcvbuf) return req.data.length;
    target.rx.push({ data: req.data.slice(), from: shown(target.family, src, port) });
    target.rxBytes += req.data.length;
    target.q.notify();
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
      if (this.rdShut) {
        return { data: new Uint8Array(0), ret: 0, from: null, rights: null, creds: null, msgFlags: 0 };
      }
      return this.wait(t, flags, false);
    }
    if ((flags & MSG_PEEK) === 0) {
      this.rx.shift();
      this.rxBytes -= d.data.length;
    }
    const size = d.data.length;
    const trunc = size > len;
    const data = d.data.subarray(0, Math.min(len, size));
    return {
      data,
      ret: trunc && (flags & MSG_TRUNC) !== 0 ? size : data.length,
      from: d.from,
      rights: null,
      creds: null,
      msgFlags: trunc ? MSG_TRUNC : 0,
    };
  }

  /** FIONREAD: the size of the next datagram. */
  override available(): number {
    return this.nextSize;
  }

  override shutdown(_t: FileTask, how: number): number {
    if (how < 0 || how > 2) return -E.EINVAL;
    if (this.remote === null) return -E.ENOTCONN;
    if (how !== 1) this.rdShut = true;
    this.q.notify();
    return 0;
  }

  override readiness(_t: FileTask, mask: number): number {
    let r = POLLOUT | POLLWRNORM;
    if (this.rx.length > 0 || this.rdShut) r |= POLLIN | POLLRDNORM;
    if (this.err !== 0) r |= POLLERR;
    return r & (mask | POLLERR);
  }

  /** FIONREAD/SIOCINQ: the size of the next datagram. */
  get nextSize(): number {
    return this.rx.length > 0 ? this.rx[0].data.length : 0;
  }

  protected override setProtoOpt(level: number, name: number, val: Uint8Array): number {
    if (level === SOL_UDP) {
      this.stored.set(`${level}:${name}`, val.slice(0, 4));
      return 0;
    }
    return setIpOpt(this, level, name, val);
  }

  protected override getProtoOpt(level: number, name: number): Uint8Array | number {
    if (level === SOL_UDP) return this.stored.get(`${level}:${name}`) ?? intOpt(0);
    return getIpOpt(this, level, name);
  }

  protected override release(): void {
    if (this.bound) UDP_PORTS.unbind(this, this.localPort);
    this.rx.length = 0;
    this.q.notify();
  }
}
