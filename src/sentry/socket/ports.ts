// Loopback port tables for TCP and UDP: who is bound where, Linux's bind conflict rules
// (wildcards overlap everything of their family, SO_REUSEADDR for non-listening TCP and
// for UDP, SO_REUSEPORT when both ask), ephemeral port choice, and destination lookup.
import { E } from "../../../ffi/errno.ts";
import { isAny, isMapped, isV4Any, isV6Any, sameBytes } from "./addr.ts";
import { EPHEMERAL_HI, EPHEMERAL_LO } from "./consts.ts";

/** What the table needs of a bound socket. */
export interface PortUser {
  /** Bound address, 16 bytes (IPv4 mapped). */
  readonly localIp: Uint8Array;
  readonly reuseAddr: boolean;
  readonly reusePort: boolean;
  /** An AF_INET6 socket with IPV6_V6ONLY. */
  readonly v6only: boolean;
  /** AF_INET6 socket (else AF_INET). */
  readonly v6: boolean;
  /** TCP listening (SO_REUSEADDR does not let two listeners share). */
  readonly listening: boolean;
}

/** True when a socket bound at `ip` on family (`v6`, `v6only`) may receive for `dst`. */
export function accepts(u: PortUser, dst: Uint8Array): boolean {
  const dstV4 = isMapped(dst);
  if (!u.v6) return dstV4 && (isV4Any(u.localIp) || sameBytes(u.localIp, dst));
  if (isV6Any(u.localIp)) return !dstV4 || !u.v6only;
  return sameBytes(u.localIp, dst);
}

function overlaps(a: PortUser, b: PortUser): boolean {
  // Families: a v4 socket and a v6-only socket never overlap.
  const aV4 = !a.v6 || (isMapped(a.localIp) && !isV6Any(a.localIp));
  const bV4 = !b.v6 || (isMapped(b.localIp) && !isV6Any(b.localIp));
  const aCovers4 = aV4 || (a.v6 && isV6Any(a.localIp) && !a.v6only);
  const bCovers4 = bV4 || (b.v6 && isV6Any(b.localIp) && !b.v6only);
  const aCovers6 = a.v6 && !aV4;
  const bCovers6 = b.v6 && !bV4;
  if (!((aCovers4 && bCovers4) || (aCovers6 && bCovers6))) return false;
  if (isAny(a.localIp) || isAny(b.localIp)) return true;
  return sameBytes(a.localIp, b.localIp);
}

/** One protocol's port space. */
export class PortTable {
  private readonly ports = new Map<number, Set<PortUser>>();
  private next = EPHEMERAL_LO + Math.floor(Math.random() * (EPHEMERAL_HI - EPHEMERAL_LO));

  /** Constructs a table; `tcp` selects TCP's SO_REUSEADDR rule. */
  constructor(private readonly tcp: boolean) {}

  private conflicts(u: PortUser, port: number): boolean {
    const users = this.ports.get(port);
    if (users === undefined) return false;
    for (const o of users) {
      if (o === u || !overlaps(u, o)) continue;
      if (u.reusePort && o.reusePort) continue;
      if (u.reuseAddr && o.reuseAddr && (!this.tcp || (!o.listening && !u.listening))) continue;
      return true;
    }
    return false;
  }

  /** Binds `u` at `port` (0: an ephemeral port); returns the port or -EADDRINUSE. */
  bind(u: PortUser, port: number): number {
    if (port === 0) {
      const span = EPHEMERAL_HI - EPHEMERAL_LO + 1;
      for (let i = 0; i < span; i++) {
        const p = EPHEMERAL_LO + ((this.next - EPHEMERAL_LO + i) % span);
        if (this.ports.has(p) && this.conflicts(u, p)) continue;
        if (this.ports.has(p) && !u.reusePort) continue;
        this.next = p + 1;
        this.add(u, p);
        return p;
      }
      return -E.EADDRINUSE;
    }
    if (this.conflicts(u, port)) return -E.EADDRINUSE;
    this.add(u, port);
    return port;
  }

  /** Re-checks a bound socket becoming a listener (TCP: SO_REUSEADDR no longer shares). */
  mayListen(u: PortUser, port: number): boolean {
    const users = this.ports.get(port);
    if (users === undefined) return true;
    for (const o of users) {
      if (o === u || !overlaps(u, o)) continue;
      if (u.reusePort && o.reusePort) continue;
      if (o.listening) return false;
    }
    return true;
  }

  private add(u: PortUser, port: number): void {
    let s = this.ports.get(port);
    if (s === undefined) this.ports.set(port, s = new Set());
    s.add(u);
  }

  /** Removes `u` from `port`. */
  unbind(u: PortUser, port: number): void {
    const s = this.ports.get(port);
    if (s === undefined) return;
    s.delete(u);
    if (s.size === 0) this.ports.delete(port);
  }

  /** Sockets at `port` that accept `dst`, exact address matches first. */
  lookup<T extends PortUser>(port: number, dst: Uint8Array, pred: (u: T) => boolean): T | null {
    const s = this.ports.get(port);
    if (s === undefined) return null;
    let wild: T | null = null;
    for (const o of s as Set<T>) {
      if (!accepts(o, dst) || !pred(o)) continue;
      if (!isAny(o.localIp)) return o;
      if (wild === null || (o.v6 === false && isMapped(dst))) wild = o;
    }
    return wild;
  }
}

/** The TCP and UDP port spaces of the sandbox's loopback stack. */
export const TCP_PORTS: PortTable = new PortTable(true);
export const UDP_PORTS: PortTable = new PortTable(false);
