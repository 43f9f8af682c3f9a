// socket(2) and socketpair(2): which (family, type, protocol) triples exist in the sandbox and
// the errno Linux gives for the others (EAFNOSUPPORT for absent families, ESOCKTNOSUPPORT /
// EPROTONOSUPPORT / EPROTOTYPE for the wrong type or protocol).
import { E } from "../../../ffi/errno.ts";
import { O_NONBLOCK } from "../vfs/consts.ts";
import type { FileTask } from "../vfs/task.ts";
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_UNIX,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NETLINK_ROUTE,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCK_SEQPACKET,
  SOCK_STREAM,
} from "./consts.ts";
import { NetlinkSocket } from "./netlink.ts";
import type { SocketFile } from "./socket.ts";
import { TcpSocket } from "./tcp.ts";
import { UdpSocket } from "./udp.ts";
import { UnixConn, UnixDgram, unixPair } from "./unix.ts";

/** A new socket, or -errno. `type` is without SOCK_NONBLOCK/SOCK_CLOEXEC; `flags` O_NONBLOCK. */
export function newSocket(
  family: number,
  type: number,
  protocol: number,
  flags: number,
): SocketFile | number {
  const f = flags & SOCK_NONBLOCK ? O_NONBLOCK : 0;
  switch (family) {
    case AF_UNIX:
      if (protocol !== 0 && protocol !== AF_UNIX) return -E.EPROTONOSUPPORT;
      if (type === SOCK_STREAM || type === SOCK_SEQPACKET) return new UnixConn(type, f);
      if (type === SOCK_DGRAM) return new UnixDgram(f);
      return -E.ESOCKTNOSUPPORT;
    case AF_INET:
    case AF_INET6:
      if (type === SOCK_STREAM) {
        if (protocol !== IPPROTO_IP && protocol !== IPPROTO_TCP) return -E.EPROTONOSUPPORT;
        return new TcpSocket(family, f);
      }
      if (type === SOCK_DGRAM) {
        if (protocol !== IPPROTO_IP && protocol !== IPPROTO_UDP) return -E.EPROTONOSUPPORT;
        return new UdpSocket(family, f);
      }
      // Raw sockets need CAP_NET_RAW, which the sandbox does not grant for them.
      if (type === SOCK_RAW) return -E.EPERM;
      return -E.ESOCKTNOSUPPORT;
    case AF_NETLINK:
      if (type !== SOCK_RAW && type !== SOCK_DGRAM) return -E.ESOCKTNOSUPPORT;
      if (protocol !== NETLINK_ROUTE) return -E.EPROTONOSUPPORT;
      return new NetlinkSocket(type, f);
  }
  if (family < 0 || family >= 46) return -E.EAFNOSUPPORT;
  return -E.EAFNOSUPPORT;
}

/** socketpair(2): only AF_UNIX has pairs; `flags` holds SOCK_NONBLOCK. */
export function newSocketPair(
  t: FileTask,
  family: number,
  type: number,
  protocol: number,
  flags: number,
): [SocketFile, SocketFile] | number {
  if (family === AF_INET || family === AF_INET6) return -E.EOPNOTSUPP;
  if (family !== AF_UNIX) return -E.EAFNOSUPPORT;
  if (protocol !== 0 && protocol !== AF_UNIX) return -E.EPROTONOSUPPORT;
  if (type !== SOCK_STREAM && type !== SOCK_SEQPACKET && type !== SOCK_DGRAM) return -E.ESOCKTNOSUPPORT;
  return unixPair(t, type, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
}
