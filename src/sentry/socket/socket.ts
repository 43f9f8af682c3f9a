// The socket file description: what every socket kind shares (fd-table life, fstat as a
// sockfs inode, read/write as recv/send, the SOL_SOCKET options, blocking with optional
// SO_RCVTIMEO/SO_SNDTIMEO deadlines). Kinds (unix, tcp, udp, netlink) override the protocol
// operations; defaults answer with Linux's errno for a socket that does not support them.
import { E } from "../../../ffi/errno.ts";
import { WaitQueue } from "../kernel/waitqueue.ts";
import { BLOCK } from "../syscalls/abi.ts";
import { O_NONBLOCK, O_RDWR, S_IFSOCK } from "../vfs/consts.ts";
import { FileDescription } from "../vfs/file.ts";
import { allocDev, type StatInfo } from "../vfs/inode.ts";
import type { FileTask } from "../vfs/task.ts";
import type { SockAddr } from "./addr.ts";
import { ifIoctl, isIfIoctl } from "./ifioctl.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { keptDeadline } from "../syscalls/file/util.ts";

/** FIONREAD (= SIOCINQ) and SIOCOUTQ (= TIOCOUTQ). */
const FIONREAD = 0x541b;
const SIOCOUTQ = 0x5411;
import {
  DEFAULT_BUF,
  MAX_BUF,
  MIN_BUF,
  MSG_DONTWAIT,
  SO_ACCEPTCONN,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PASSCRED,
  SO_PEERCRED,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_SNDTIMEO,
  SO_TYPE,
  SOL_SOCKET,
} from "./consts.ts";

/** struct ucred: what SCM_CREDENTIALS and SO_PEERCRED carry. */
export interface Ucred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The credentials of the calling task as a socket records them. */
export function taskCred(t: FileTask): Ucred {
  return { pid: t.tgid, uid: t.creds.euid, gid: t.creds.egid };
}

/** One sendmsg: data already copied in, destination, SCM_RIGHTS files (no refs taken yet). */
export interface SendReq {
  readonly data: Uint8Array;
  readonly to: SockAddr | null;
  readonly rights: FileDescription[] | null;
  readonly creds: Ucred | null;
  readonly flags: number;
}

/** One recvmsg's result: `data` to copy out, `ret` the return value (MSG_TRUNC may exceed). */
export interface RecvRes {
  readonly data: Uint8Array;
  readonly ret: number;
  readonly from: SockAddr | null;
  /** Files to install (one reference each, owned by the result). */
  readonly rights: FileDescription[] | null;
  readonly creds: Ucred | null;
  readonly msgFlags: number;
}

const SOCKFS_DEV = allocDev();
let sockIno = 1;

/** 8-byte little-endian int option value. */
export function intOpt(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** Reads an int option value; null when shorter than an int. */
export function readIntOpt(v: Uint8Array): number | null {
  if (v.length < 4) return null;
  return new DataView(v.buffer, v.byteOffset, v.length).getInt32(0, true);
}

/** A socket (Linux's struct socket + struct sock). */
export abstract class SocketFile extends FileDescription {
  readonly ino: number = sockIno++;
  /** Notified on any change of this socket's state (data, room, connection, error). */
  readonly q: WaitQueue = new WaitQueue();
  /** Pending asynchronous error (SO_ERROR), 0 when none. */
  err = 0;
  rcvbuf: number = DEFAULT_BUF;
  sndbuf: number = DEFAULT_BUF;
  reuseAddr = false;
  reusePort = false;
  passCred = false;
  /** SO_RCVTIMEO / SO_SNDTIMEO in nanoseconds (0: none). */
  rcvTimeoNs = 0;
  sndTimeoNs = 0;
  /** Options accepted and reported back but without effect here (keepalive, linger...). */
  readonly stored: Map<string, Uint8Array> = new Map();
  private readonly ctimeNs: bigint = BigInt(Date.now()) * 1_000_000n;

  /** A socket of `family`/`type`/`protocol`; `flags` may hold O_NONBLOCK. */
  constructor(readonly family: number, readonly type: number, readonly protocol: number, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null);
  }

  /** Sockets are streams for lseek/pread. */
  override get seekable(): boolean {
    return false;
  }

  /** True when this call must not sleep. */
  nonblocking(flags: number): boolean {
    return (this.flags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
  }

  /**
   * Parks the caller on `queues` (default: this socket's) or answers EAGAIN: non-blocking
   * calls, and re-runs after a SO_RCVTIMEO/SO_SNDTIMEO deadline passed.
   */
  wait(t: FileTask, flags: number, sending: boolean, queues?: readonly WaitQueue[]): number {
    if (this.nonblocking(flags)) return -E.EAGAIN;
    const timeo = sending ? this.sndTimeoNs : this.rcvTimeoNs;
    if (timeo > 0) {
      if (t.timedOut) return -E.EAGAIN;
      t.blockOn(queues ?? [this.q], keptDeadline(t, monotonicNs() + timeo));
      return BLOCK;
    }
    t.blockOn(queues ?? [this.q]);
    return BLOCK;
  }

  /** bind(2). */
  bind(_t: FileTask, _a: SockAddr): number {
    return -E.EOPNOTSUPP;
  }

  /** listen(2). */
  listen(_t: FileTask, _backlog: number): number {
    return -E.EOPNOTSUPP;
  }

  /** accept4(2): a new connected socket, or -errno / BLOCK. */
  accept(_t: FileTask, _flags: number): SocketFile | number {
    return -E.EOPNOTSUPP;
  }

  /** connect(2). */
  connect(_t: FileTask, _a: SockAddr): number {
    return -E.EOPNOTSUPP;
  }

  /** getsockname(2). */
  abstract sockname(): SockAddr;

  /** getpeername(2). */
  peername(): SockAddr | number {
    return -E.ENOTCONN;
  }

  /** sendmsg(2) of one message; returns bytes sent, -errno or BLOCK (nothing consumed). */
  abstract send(t: FileTask, req: SendReq): number;

  /** recvmsg(2) of at most `len` bytes; a result, -errno or BLOCK. */
  abstract recv(t: FileTask, len: number, flags: number): RecvRes | number;

  /** shutdown(2). */
  shutdown(_t: FileTask, _how: number): number {
    return -E.ENOTCONN;
  }

  /** SO_PEERCRED. */
  peerCred(): Ucred {
    return { pid: 0, uid: -1, gid: -1 };
  }

  /** True while listening (SO_ACCEPTCONN). */
  get listening(): boolean {
    return false;
  }

  /** setsockopt(2): SOL_SOCKET here, other levels in the kinds. */
  setsockopt(_t: FileTask, level: number, name: number, val: Uint8Array): number {
    if (level !== SOL_SOCKET) return this.setProtoOpt(level, name, val);
    if (name === SO_RCVTIMEO || name === SO_SNDTIMEO) {
      if (val.length < 16) return -E.EINVAL;
      const v = new DataView(val.buffer, val.byteOffset, 16);
      const sec = Number(v.getBigInt64(0, true)), usec = Number(v.getBigInt64(8, true));
      if (usec < 0 || usec >= 1_000_000) return -E.EDOM;
      const ns = sec < 0 ? 0 : sec * 1e9 + usec * 1e3;
      if (name === SO_RCVTIMEO) this.rcvTimeoNs = ns;
      else this.sndTimeoNs = ns;
      return 0;
    }
    if (name === SO_LINGER) {
      if (val.length < 8) return -E.EINVAL;
      this.stored.set(`${level}:${name}`, val.slice(0, 8));
      return 0;
    }
    const n = readIntOpt(val);
    if (n === null) return -E.EINVAL;
    switch (name) {
      case SO_REUSEADDR:
        this.reuseAddr = n !== 0;
        return 0;
      case SO_REUSEPORT:
        this.reusePort = n !== 0;
        return 0;
      case SO_PASSCRED:
        this.passCred = n !== 0;
        return 0;
      case SO_RCVBUF:
      case SO_RCVBUFFORCE:
        this.rcvbuf = Math.min(MAX_BUF, Math.max(MIN_BUF, Math.min(n, MAX_BUF / 2) * 2));
        return 0;
      case SO_SNDBUF:
      case SO_SNDBUFFORCE:
        this.sndbuf = Math.min(MAX_BUF, Math.max(MIN_BUF * 2, Math.min(n, MAX_BUF / 2) * 2));
        return 0;
      case SO_TYPE:
      case SO_PROTOCOL:
      case SO_DOMAIN:
      case SO_ERROR:
      case SO_PEERCRED:
      case SO_ACCEPTCONN:
        return -E.ENOPROTOOPT;
    }
    this.stored.set(`${level}:${name}`, intOpt(n === 0 ? 0 : name === SO_KEEPALIVE ? 1 : n));
    return 0;
  }

  /** getsockopt(2): the option's bytes (the caller truncates to optlen) or -errno. */
  getsockopt(_t: FileTask, level: number, name: number): Uint8Array | number {
    if (level !== SOL_SOCKET) return this.getProtoOpt(level, name);
    switch (name) {
      case SO_TYPE:
        return intOpt(this.type);
      case SO_DOMAIN:
        return intOpt(this.family);
      case SO_PROTOCOL:
        return intOpt(this.protocol);
      case SO_ERROR: {
        const e = this.err;
        this.err = 0;
        return intOpt(e);
      }
      case SO_RCVBUF:
        return intOpt(this.rcvbuf);
      case SO_SNDBUF:
        return intOpt(this.sndbuf);
      case SO_REUSEADDR:
        return intOpt(this.reuseAddr ? 1 : 0);
      case SO_REUSEPORT:
        return intOpt(this.reusePort ? 1 : 0);
      case SO_PASSCRED:
        return intOpt(this.passCred ? 1 : 0);
      case SO_ACCEPTCONN:
        return intOpt(this.listening ? 1 : 0);
      case SO_PEERCRED: {
        const c = this.peerCred();
        const b = new Uint8Array(12);
        const v = new DataView(b.buffer);
        v.setInt32(0, c.pid, true);
        v.setInt32(4, c.uid, true);
        v.setInt32(8, c.gid, true);
        return b;
      }
      case SO_RCVTIMEO:
      case SO_SNDTIMEO: {
        const ns = name === SO_RCVTIMEO ? this.rcvTimeoNs : this.sndTimeoNs;
        const b = new Uint8Array(16);
        const v = new DataView(b.buffer);
        v.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
        v.setBigInt64(8, BigInt(Math.floor((ns % 1e9) / 1e3)), true);
        return b;
      }
      case SO_LINGER:
        return this.stored.get(`${level}:${name}`) ?? new Uint8Array(8);
    }
    return this.stored.get(`${level}:${name}`) ?? intOpt(0);
  }

  /** Options of the protocol levels (IPPROTO_TCP, IPPROTO_IPV6, ...). */
  protected setProtoOpt(_level: number, _name: number, _val: Uint8Array): number {
    return -E.ENOPROTOOPT;
  }

  /** Options of the protocol levels. */
  protected getProtoOpt(_level: number, _name: number): Uint8Array | number {
    return -E.ENOPROTOOPT;
  }

  /** read(2) = recv without flags; the data is copied into `dst`. */
  override read(t: FileTask, dst: Uint8Array): number {
    const r = this.recv(t, dst.length, 0);
    if (typeof r === "number") return r;
    dst.set(r.data.subarray(0, Math.min(dst.length, r.data.length)));
    if (r.rights !== null) { for (const f of r.rights) f.decRef(); }
    return Math.min(r.ret, dst.length);
  }

  /** write(2) = send without flags. */
  override write(t: FileTask, src: Uint8Array): number {
    return this.send(t, { data: src, to: null, rights: null, creds: null, flags: 0 });
  }

  /** Bytes a read would return now (FIONREAD/SIOCINQ). */
  available(): number {
    return 0;
  }

  /** FIONREAD/SIOCINQ, SIOCOUTQ (nothing is ever in flight) and the interface ioctls. */
  override ioctl(t: FileTask, cmd: number, arg: number): number {
    if (isIfIoctl(cmd)) return ifIoctl(t, cmd, arg);
    if (cmd !== FIONREAD && cmd !== SIOCOUTQ) return -E.ENOTTY;
    const b = intOpt(cmd === FIONREAD ? this.available() : 0);
    return t.mem.write(arg, b) < 0 ? -E.EFAULT : 0;
  }

  /** No positioned I/O on sockets. */
  override pread(): number {
    return -E.ESPIPE;
  }

  /** No positioned I/O on sockets. */
  override pwrite(): number {
    return -E.ESPIPE;
  }

  /** One queue for every readiness change. */
  override waitQueue(_t: FileTask, _mask: number): WaitQueue {
    return this.q;
  }

  /** fstat: a socket inode on sockfs. */
  override stat(): StatInfo {
    return {
      dev: SOCKFS_DEV,
      ino: this.ino,
      nlink: 1,
      mode: S_IFSOCK | 0o777,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: 0,
      blksize: 4096,
      blocks: 0,
      atimeNs: this.ctimeNs,
      mtimeNs: this.ctimeNs,
      ctimeNs: this.ctimeNs,
    };
  }

  /** "socket:[ino]", as /proc/[pid]/fd shows. */
  override anonName(): string {
    return `socket:[${this.ino}]`;
  }
}
