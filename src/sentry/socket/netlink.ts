// AF_NETLINK NETLINK_ROUTE, as much as getifaddrs(3) and if_nameindex(3) ask: RTM_GETLINK and
// RTM_GETADDR dumps answer with the loopback interface only (lo, index 1, 127.0.0.1/8 and
// ::1/128); other requests get an empty dump or an error message, as a kernel without them.
import { E } from "../../../ffi/errno.ts";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../vfs/consts.ts";
import type { FileTask } from "../vfs/task.ts";
import type { NetlinkAddr, SockAddr } from "./addr.ts";
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNSPEC,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_ROUTE,
  SOL_NETLINK,
} from "./consts.ts";
import { intOpt, type RecvRes, type SendReq, SocketFile } from "./socket.ts";

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_MULTI = 2;
const NLM_F_ACK = 4;
const NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const ARPHRD_LOOPBACK = 772;
/** IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP. */
const LO_FLAGS = 0x1 | 0x8 | 0x40 | 0x10000;
const RT_SCOPE_HOST = 254;
const IFA_F_PERMANENT = 0x80;

const usedPids = new Set<number>();
let nextPid = -4096;

/** Builds netlink messages: nlmsghdr + fixed part + attributes, 4-byte aligned. */
class MsgWriter {
  private readonly parts: Uint8Array[] = [];

  /** Appends one message; `attrs` are [type, bytes]. */
  msg(
    type: number,
    flags: number,
    seq: number,
    pid: number,
    fixed: Uint8Array,
    attrs: [number, Uint8Array][],
  ): void {
    let len = 16 + align(fixed.length);
    for (const [, v] of attrs) len += align(4 + v.length);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, len, true);
    dv.setUint16(4, type, true);
    dv.setUint16(6, flags, true);
    dv.setUint32(8, seq, true);
    dv.setUint32(12, pid, true);
    b.set(fixed, 16);
    let o = 16 + align(fixed.length);
    for (const [t, v] of attrs) {
      dv.setUint16(o, 4 + v.length, true);
      dv.setUint16(o + 2, t, true);
      b.set(v, o + 4);
      o += align(4 + v.length);
    }
    this.parts.push(b);
  }

  /** All messages as one datagram. */
  take(): Uint8Array {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    this.parts.length = 0;
    return out;
  }
}

function align(n: number): number {
  return (n + 3) & ~3;
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

function cstr(s: string): Uint8Array {
  return new TextEncoder().encode(s + "\0");
}

function linkMsg(w: MsgWriter, seq: number, pid: number, flags: number): void {
  const ifi = new Uint8Array(16);
  const v = new DataView(ifi.buffer);
  v.setUint8(0, AF_UNSPEC);
  v.setUint16(2, ARPHRD_LOOPBACK, true);
  v.setInt32(4, 1, true);
  v.setUint32(8, LO_FLAGS, true);
  w.msg(RTM_NEWLINK, flags, seq, pid, ifi, [
    [3, cstr("lo")], // IFLA_IFNAME
    [13, u32(1000)], // IFLA_TXQLEN
    [16, new Uint8Array([0])], // IFLA_OPERSTATE: unknown, as lo reports
    [17, new Uint8Array([0])], // IFLA_LINKMODE
    [4, u32(65536)], // IFLA_MTU
    [6, cstr("noqueue")], // IFLA_QDISC
    [1, new Uint8Array(6)], // IFLA_ADDRESS
    [2, new Uint8Array(6)], // IFLA_BROADCAST
    [7, new Uint8Array(96)], // IFLA_STATS
  ]);
}

function addrMsgs(w: MsgWriter, seq: number, pid: number, flags: number, family: number): void {
  if (family === AF_UNSPEC || family === AF_INET) {
    const ifa = new Uint8Array([AF_INET, 8, IFA_F_PERMANENT, RT_SCOPE_HOST, 1, 0, 0, 0]);
    const ip = new Uint8Array([127, 0, 0, 1]);
    w.msg(RTM_NEWADDR, flags, seq, pid, ifa, [[1, ip], [2, ip], [3, cstr("lo")], [8, u32(IFA_F_PERMANENT)]]);
  }
  if (family === AF_UNSPEC || family === AF_INET6) {
    const ifa = new Uint8Array([AF_INET6, 128, IFA_F_PERMANENT, RT_SCOPE_HOST, 1, 0, 0, 0]);
    const ip = new Uint8Array(16);
    ip[15] = 1;
    w.msg(RTM_NEWADDR, flags, seq, pid, ifa, [[1, ip], [8, u32(IFA_F_PERMANENT)]]);
  }
}

/** An AF_NETLINK socket of protocol NETLINK_ROUTE. */
export class NetlinkSocket extends SocketFile {
  private pid = 0;
  private readonly rx: Uint8Array[] = [];

  /** A route netlink socket (SOCK_RAW or SOCK_DGRAM). */
  constructor(type: number, flags: number) {
    super(AF_NETLINK, type, NETLINK_ROUTE, flags);
  }

  private autobind(t: FileTask, want: number): number {
    if (this.pid !== 0) return 0;
    let pid = want;
    if (pid === 0) {
      pid = t.tgid;
      while (usedPids.has(pid)) pid = nextPid--;
    } else if (usedPids.has(pid)) {
      return -E.EADDRINUSE;
    }
    usedPids.add(pid);
    this.pid = pid;
    return 0;
  }

  override bind(t: FileTask, a: SockAddr): number {
    if (a.family !== AF_NETLINK) return -E.EINVAL;
    if (this.pid !== 0) return a.pid === 0 || a.pid === this.pid ? 0 : -E.EINVAL;
    return this.autobind(t, a.pid);
  }

  override connect(t: FileTask, a: SockAddr): number {
    if (a.family !== AF_NETLINK && a.family !== AF_UNSPEC) return -E.EINVAL;
    return this.autobind(t, 0);
  }

  override sockname(): SockAddr {
    return { family: AF_NETLINK, pid: this.pid, groups: 0 };
  }

  override peername(): SockAddr | number {
    return { family: AF_NETLINK, pid: 0, groups: 0 };
  }

  override send(t: FileTask, req: SendReq): number {
    if (req.to !== null && (req.to.family !== AF_NETLINK || (req.to as NetlinkAddr).pid !== 0)) {
      return req.to.family !== AF_NETLINK ? -E.EINVAL : -E.ECONNREFUSED;
    }
    const r = this.autobind(t, 0);
    if (r < 0) return r;
    const b = req.data;
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    let o = 0;
    while (o + 16 <= b.length) {
      const len = dv.getUint32(o, true);
      if (len < 16 || o + len > b.length) break;
      this.answer(
        b.subarray(o, o + len),
        dv.getUint16(o + 4, true),
        dv.getUint16(o + 6, true),
        dv.getUint32(o + 8, true),
      );
      o += align(len);
    }
    this.q.notify();
    return b.length;
  }

  private answer(msg: Uint8Array, type: number, flags: number, seq: number): void {
    if ((flags & NLM_F_REQUEST) === 0) return;
    const w = new MsgWriter();
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    if (type === RTM_GETLINK || type === RTM_GETADDR || dump) {
      const family = msg.length > 16 ? msg[16] : AF_UNSPEC;
      const f = dump ? NLM_F_MULTI : 0;
      if (type === RTM_GETLINK) linkMsg(w, seq, this.pid, f);
      else if (type === RTM_GETADDR) addrMsgs(w, seq, this.pid, f, family);
      if (dump) {
        const first = w.take();
        if (first.length > 0) this.rx.push(first);
        w.msg(NLMSG_DONE, NLM_F_MULTI, seq, this.pid, new Uint8Array(4), []);
      }
      this.rx.push(w.take());
      if (!dump && (flags & NLM_F_ACK) !== 0) this.ack(msg, seq, 0);
      return;
    }
    this.ack(msg, seq, -E.EOPNOTSUPP);
  }

  /** An NLMSG_ERROR carrying `error` (0: ACK) and the request's header. */
  private ack(msg: Uint8Array, seq: number, error: number): void {
    const w = new MsgWriter();
    const body = new Uint8Array(4 + 16);
    new DataView(body.buffer).setInt32(0, error, true);
    body.set(msg.subarray(0, 16), 4);
    w.msg(NLMSG_ERROR, 0, seq, this.pid, body, []);
    this.rx.push(w.take());
  }

  override recv(t: FileTask, len: number, flags: number): RecvRes | number {
    const d = this.rx[0];
    if (d === undefined) return this.wait(t, flags, false);
    if ((flags & MSG_PEEK) === 0) this.rx.shift();
    const trunc = d.length > len;
    const data = d.subarray(0, Math.min(len, d.length));
    return {
      data,
      ret: trunc && (flags & MSG_TRUNC) !== 0 ? d.length : data.length,
      from: { family: AF_NETLINK, pid: 0, groups: 0 },
      rights: null,
      creds: null,
      msgFlags: trunc ? MSG_TRUNC : 0,
    };
  }

  override readiness(_t: FileTask, mask: number): number {
    return ((this.rx.length > 0 ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM) & mask;
  }

  protected override setProtoOpt(level: number, name: number, val: Uint8Array): number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    this.stored.set(`${level}:${name}`, val.slice(0, 4));
    return 0;
  }

  protected override getProtoOpt(level: number, name: number): Uint8Array | number {
    if (level !== SOL_NETLINK) return -E.ENOPROTOOPT;
    return this.stored.get(`${level}:${name}`) ?? intOpt(0);
  }

  protected override release(): void {
    if (this.pid !== 0) usedPids.delete(this.pid);
    this.rx.length = 0;
  }
}
