// Socket addresses: parsed from the application's bytes (hostile lengths and families are
// answered with -EINVAL/-EAFNOSUPPORT) and encoded back for getsockname/accept/recvfrom.
import { E } from "../../../ffi/errno.ts";
import { AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, AF_UNSPEC, UNIX_PATH_MAX } from "./consts.ts";

/** An AF_UNIX address: unnamed (name empty), a path, or an abstract name (leading NUL). */
export interface UnixAddr {
  readonly family: typeof AF_UNIX;
  /** sun_path bytes as Linux keeps them (abstract: starting with 0; path: without the NUL). */
  readonly name: Uint8Array;
}

/** An AF_INET or AF_INET6 address; `ip` is 16 bytes (IPv4 as ::ffff:a.b.c.d). */
export interface InetAddr {
  readonly family: typeof AF_INET | typeof AF_INET6;
  readonly ip: Uint8Array;
  readonly port: number;
  readonly flowinfo: number;
  readonly scope: number;
}

/** An AF_NETLINK address. */
export interface NetlinkAddr {
  readonly family: typeof AF_NETLINK;
  readonly pid: number;
  readonly groups: number;
}

/** AF_UNSPEC (connect(AF_UNSPEC) dissolves a datagram association). */
export interface UnspecAddr {
  readonly family: typeof AF_UNSPEC;
}

/** Any address a socket syscall takes or returns. */
export type SockAddr = UnixAddr | InetAddr | NetlinkAddr | UnspecAddr;

/** The 12-byte prefix of IPv4-mapped IPv6 addresses. */
const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** 16-byte form of an IPv4 address. */
export function mapV4(a: number, b: number, c: number, d: number): Uint8Array {
  return new Uint8Array([...MAPPED, a, b, c, d]);
}

/** True for ::ffff:a.b.c.d. */
export function isMapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (ip[i] !== MAPPED[i]) return false;
  return true;
}

/** True for :: (the IPv6 wildcard). */
export function isV6Any(ip: Uint8Array): boolean {
  return ip.every((b) => b === 0);
}

/** True for ::ffff:0.0.0.0 (INADDR_ANY). */
export function isV4Any(ip: Uint8Array): boolean {
  return isMapped(ip) && ip[12] === 0 && ip[13] === 0 && ip[14] === 0 && ip[15] === 0;
}

/** True for either wildcard. */
export function isAny(ip: Uint8Array): boolean {
  return isV6Any(ip) || isV4Any(ip);
}

/** True for 127.0.0.0/8 (as mapped) or ::1. */
export function isLoopback(ip: Uint8Array): boolean {
  if (isMapped(ip)) return ip[12] === 127;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false;
  return ip[15] === 1;
}

/** 127.0.0.1 and ::1. */
export const LOOPBACK4: Uint8Array = mapV4(127, 0, 0, 1);
export const LOOPBACK6: Uint8Array = (() => {
  const a = new Uint8Array(16);
  a[15] = 1;
  return a;
})();

/** Byte equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Hex key of an address's bytes (maps). */
export function ipKey(ip: Uint8Array): string {
  let s = "";
  for (const b of ip) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Parses `b` (the application's sockaddr of `b.length` bytes) expecting `family` (the
 * socket's domain). AF_UNSPEC is returned as such when `allowUnspec`.
 */
export function parseAddr(b: Uint8Array, family: number, allowUnspec = false): SockAddr | number {
  if (b.length < 2) return -E.EINVAL;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const fam = v.getUint16(0, true);
  if (fam === AF_UNSPEC && allowUnspec) return { family: AF_UNSPEC };
  switch (family) {
    case AF_UNIX: {
      if (fam !== AF_UNIX) return -E.EINVAL;
      if (b.length > 2 + UNIX_PATH_MAX) return -E.EINVAL;
      let name = b.slice(2);
      if (name.length > 0 && name[0] !== 0) {
        // A path ends at its first NUL (the length may include it or padding).
        const z = name.indexOf(0);
        if (z >= 0) name = name.slice(0, z);
      }
      return { family: AF_UNIX, name };
    }
    case AF_INET: {
      if (b.length < 16) return -E.EINVAL;
      if (fam !== AF_INET) return -E.EAFNOSUPPORT;
      return {
        family: AF_INET,
        ip: mapV4(b[4], b[5], b[6], b[7]),
        port: v.getUint16(2, false),
        flowinfo: 0,
        scope: 0,
      };
    }
    case AF_INET6: {
      if (fam === AF_INET && b.length >= 16) {
        // A v6 socket given a sockaddr_in: Linux refuses it (EAFNOSUPPORT for bind, EINVAL
        // when too short); dual-stack callers use v4-mapped addresses instead.
        return -E.EAFNOSUPPORT;
      }
      if (b.length < 24) return -E.EINVAL;
      if (fam !== AF_INET6) return -E.EAFNOSUPPORT;
      return {
        family: AF_INET6,
        ip: b.slice(8, 24),
        port: v.getUint16(2, false),
        flowinfo: v.getUint32(4, false),
        scope: b.length >= 28 ? v.getUint32(24, true) : 0,
      };
    }
    case AF_NETLINK: {
      if (b.length < 12) return -E.EINVAL;
      if (fam !== AF_NETLINK) return -E.EINVAL;
      return { family: AF_NETLINK, pid: v.getUint32(4, true), groups: v.getUint32(8, true) };
    }
  }
  return -E.EAFNOSUPPORT;
}

/** The bytes of `a` as Linux writes them back (with the length the kernel reports). */
export function encodeAddr(a: SockAddr): Uint8Array {
  switch (a.family) {
    case AF_UNIX: {
      const out = new Uint8Array(2 + a.name.length + (a.name.length > 0 && a.name[0] !== 0 ? 1 : 0));
      out[0] = AF_UNIX;
      out.set(a.name, 2);
      return out;
    }
    case AF_INET: {
      const out = new Uint8Array(16);
      const v = new DataView(out.buffer);
      v.setUint16(0, AF_INET, true);
      v.setUint16(2, a.port, false);
      out.set(a.ip.subarray(12, 16), 4);
      return out;
    }
    case AF_INET6: {
      const out = new Uint8Array(28);
      const v = new DataView(out.buffer);
      v.setUint16(0, AF_INET6, true);
      v.setUint16(2, a.port, false);
      v.setUint32(4, a.flowinfo, false);
      out.set(a.ip, 8);
      v.setUint32(24, a.scope, true);
      return out;
    }
    case AF_NETLINK: {
      const out = new Uint8Array(12);
      const v = new DataView(out.buffer);
      v.setUint16(0, AF_NETLINK, true);
      v.setUint32(4, a.pid, true);
      v.setUint32(8, a.groups, true);
      return out;
    }
    default: {
      return new Uint8Array(2);
    }
  }
}

/** Shows an inet address with the socket's family (v4 sockets show 4 bytes). */
export function inetAddr(family: typeof AF_INET | typeof AF_INET6, ip: Uint8Array, port: number): InetAddr {
  return { family, ip, port, flowinfo: 0, scope: 0 };
}
