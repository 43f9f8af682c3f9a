// Address rules shared by loopback TCP and UDP: which local addresses exist (127.0.0.0/8,
// ::1 and the wildcards: --network=none has only lo), where a destination goes, and which
// source address a connection uses. The IP-level socket options accepted by both.
import { E } from "../../../ffi/errno.ts";
import {
  type InetAddr,
  isAny,
  isLoopback,
  isMapped,
  isV4Any,
  isV6Any,
  LOOPBACK4,
  LOOPBACK6,
  mapV4,
  type SockAddr,
} from "./addr.ts";
import { AF_INET, AF_INET6, IPV6_V6ONLY, SOL_IP, SOL_IPV6 } from "./consts.ts";
import { intOpt, readIntOpt } from "./socket.ts";

/** The wildcard of a family, 16 bytes. */
export function anyFor(family: number): Uint8Array {
  return family === AF_INET ? mapV4(0, 0, 0, 0) : new Uint8Array(16);
}

/** Validates a bind address for a socket of `family`: -EADDRNOTAVAIL off loopback. */
export function checkBind(family: number, v6only: boolean, a: SockAddr): InetAddr | number {
  if (a.family !== AF_INET && a.family !== AF_INET6) return -E.EAFNOSUPPORT;
  if (a.family !== family) return -E.EINVAL;
  if (family === AF_INET6 && v6only && isMapped(a.ip)) return -E.EINVAL;
  if (!isAny(a.ip) && !isLoopback(a.ip)) return -E.EADDRNOTAVAIL;
  return a;
}

/** A destination for connect/sendto, with the wildcard meaning "this host". */
export function checkDest(family: number, v6only: boolean, a: SockAddr): InetAddr | number {
  if (a.family !== AF_INET && a.family !== AF_INET6) return -E.EAFNOSUPPORT;
  if (a.family !== family) return -E.EAFNOSUPPORT;
  if (family === AF_INET6 && v6only && isMapped(a.ip)) return -E.ENETUNREACH;
  let ip = a.ip;
  if (isV4Any(ip)) ip = LOOPBACK4;
  else if (isV6Any(ip)) ip = LOOPBACK6;
  if (!isLoopback(ip)) return -E.ENETUNREACH;
  return { ...a, ip };
}

/** The source address of traffic from a socket bound at `local` to `dst`. */
export function sourceFor(local: Uint8Array, dst: Uint8Array): Uint8Array {
  if (!isAny(local)) return local;
  return isMapped(dst) ? LOOPBACK4 : LOOPBACK6;
}

/** What the IP-level options need of a socket. */
export interface IpOptHolder {
  readonly family: number;
  v6only: boolean;
  readonly bound: boolean;
  readonly stored: Map<string, Uint8Array>;
}

/** setsockopt at SOL_IP / SOL_IPV6: IPV6_V6ONLY kept, others stored. */
export function setIpOpt(s: IpOptHolder, level: number, name: number, val: Uint8Array): number {
  if (level === SOL_IPV6 && s.family !== AF_INET6) return -E.ENOPROTOOPT;
  if (level !== SOL_IP && level !== SOL_IPV6) return -E.EOPNOTSUPP;
  const n = readIntOpt(val);
  if (level === SOL_IPV6 && name === IPV6_V6ONLY) {
    if (n === null) return -E.EINVAL;
    if (s.bound) return -E.EINVAL;
    s.v6only = n !== 0;
    return 0;
  }
  s.stored.set(`${level}:${name}`, n === null ? val.slice() : intOpt(n));
  return 0;
}

/** getsockopt at SOL_IP / SOL_IPV6. */
export function getIpOpt(s: IpOptHolder, level: number, name: number): Uint8Array | number {
  if (level === SOL_IPV6 && s.family !== AF_INET6) return -E.ENOPROTOOPT;
  if (level !== SOL_IP && level !== SOL_IPV6) return -E.EOPNOTSUPP;
  if (level === SOL_IPV6 && name === IPV6_V6ONLY) return intOpt(s.v6only ? 1 : 0);
  return s.stored.get(`${level}:${name}`) ?? intOpt(level === SOL_IP && name === 2 ? 64 : 0);
}

/** An address of the socket's family for getsockname/getpeername/recvfrom. */
export function shown(family: number, ip: Uint8Array, port: number): InetAddr {
  return { family: family === AF_INET ? AF_INET : AF_INET6, ip, port, flowinfo: 0, scope: 0 };
}
