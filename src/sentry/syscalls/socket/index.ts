// The socket syscalls' table rows: socket socketpair bind listen accept accept4 connect
// getsockname getpeername sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown
// setsockopt getsockopt. Sockets are file descriptions (src/sentry/socket/); these handlers
// copy arguments in and out and map fds to sockets (ENOTSOCK for other files).
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import { BLOCK, type SyscallEntry } from "../abi.ts";
import type { FileTask } from "../../vfs/task.ts";
import {
  MSG_CMSG_CLOEXEC,
  MSG_DONTWAIT,
  MSG_WAITFORONE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_TYPE_MASK,
} from "../../socket/consts.ts";
import { newSocket, newSocketPair } from "../../socket/create.ts";
import { SocketFile } from "../../socket/socket.ts";
import { count, endDeadline, getI32, int, putI32, row, SegList } from "../file/util.ts";
import {
  gather,
  readControl,
  readMsgHdr,
  readSockAddr,
  scatter,
  writeControl,
  writeSockAddr,
} from "./msg.ts";

/** The socket at `fd`: -EBADF / -ENOTSOCK otherwise. */
function sock(t: FileTask, fd: number): SocketFile | number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  return f instanceof SocketFile ? f : -E.ENOTSOCK;
}

/** Ends a call that may have kept a SO_*TIMEO deadline. */
function done(t: FileTask, r: number): number {
  if (r !== BLOCK) endDeadline(t);
  return r;
}

function sysSocket(t: FileTask, family: number, type: number, protocol: number): number {
  type = int(type);
  const flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const s = newSocket(int(family), type & SOCK_TYPE_MASK, int(protocol), flags);
  if (typeof s === "number") return s;
  const fd = t.fds.install(s, (flags & SOCK_CLOEXEC) !== 0);
  if (fd < 0) s.decRef();
  return fd;
}

function sysSocketpair(t: FileTask, family: number, type: number, protocol: number, sv: number): number {
  type = int(type);
  const flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
  if ((type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const p = newSocketPair(t, int(family), type & SOCK_TYPE_MASK, int(protocol), flags);
  if (typeof p === "number") return p;
  const cloexec = (flags & SOCK_CLOEXEC) !== 0;
  const a = t.fds.install(p[0], cloexec);
  if (a < 0) {
    p[0].decRef();
    p[1].decRef();
    return a;
  }
  const b = t.fds.install(p[1], cloexec);
  if (b < 0) {
    t.fds.close(a);
    p[1].decRef();
    return b;
  }
  if (putI32(t, sv, a) < 0 || putI32(t, sv + 4, b) < 0) {
    t.fds.close(a);
    t.fds.close(b);
    return -E.EFAULT;
  }
  return 0;
}

function sysBind(t: FileTask, fd: number, addr: number, len: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const a = readSockAddr(t, s, addr, len, false);
  if (typeof a === "number") return a;
  if (a === null) return -E.EINVAL;
  return s.bind(t, a);
}

function sysListen(t: FileTask, fd: number, backlog: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  return s.listen(t, int(backlog));
}

function sysAccept4(t: FileTask, fd: number, addr: number, lenp: number, flags: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  flags = int(flags);
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return -E.EINVAL;
  const c = s.accept(t, flags);
  if (typeof c === "number") return done(t, c);
  endDeadline(t);
  const nfd = t.fds.install(c, (flags & SOCK_CLOEXEC) !== 0);
  if (nfd < 0) {
    c.decRef();
    return nfd;
  }
  const peer = c.peername();
  const w = writeSockAddr(t, typeof peer === "number" ? null : peer, addr, lenp);
  if (w < 0) {
    t.fds.close(nfd);
    return w;
  }
  return nfd;
}

function sysAccept(t: FileTask, fd: number, addr: number, lenp: number): number {
  return sysAccept4(t, fd, addr, lenp, 0);
}

function sysConnect(t: FileTask, fd: number, addr: number, len: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const a = readSockAddr(t, s, addr, len, true);
  if (typeof a === "number") return a;
  if (a === null) return -E.EINVAL;
  return done(t, s.connect(t, a));
}

function sysGetsockname(t: FileTask, fd: number, addr: number, lenp: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  if (lenp === 0) return -E.EFAULT;
  return writeSockAddr(t, s.sockname(), addr, lenp);
}

function sysGetpeername(t: FileTask, fd: number, addr: number, lenp: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const p = s.peername();
  if (typeof p === "number") return p;
  if (lenp === 0) return -E.EFAULT;
  return writeSockAddr(t, p, addr, lenp);
}

const one = new SegList();

function sysSendto(
  t: FileTask,
  fd: number,
  buf: number,
  len: number,
  flags: number,
  addr: number,
  alen: number,
): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const to = readSockAddr(t, s, addr, alen, false);
  if (typeof to === "number") return to;
  const data = gather(t, s, one.single(buf, count(len)));
  if (typeof data === "number") return data;
  return done(t, s.send(t, { data, to, rights: null, creds: null, flags: int(flags) }));
}

function sysRecvfrom(
  t: FileTask,
  fd: number,
  buf: number,
  len: number,
  flags: number,
  addr: number,
  lenp: number,
): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const r = s.recv(t, count(len), int(flags));
  if (typeof r === "number") return done(t, r);
  endDeadline(t);
  if (r.rights !== null) { for (const f of r.rights) f.decRef(); }
  if (r.data.length > 0 && t.mem.write(buf, r.data) < 0) return -E.EFAULT;
  const w = writeSockAddr(t, r.from, addr, lenp);
  return w < 0 ? w : r.ret;
}

/** One sendmsg of the msghdr at `msg`. */
function sendOne(t: FileTask, s: SocketFile, msg: number, flags: number): number {
  const h = readMsgHdr(t, msg);
  if (typeof h === "number") return h;
  const to = readSockAddr(t, s, h.name, h.namelen, false);
  if (typeof to === "number") return to;
  const c = readControl(t, s, h.control, h.controllen);
  if (typeof c === "number") return c;
  const data = gather(t, s, h.iov);
  if (typeof data === "number") return data;
  return s.send(t, { data, to, rights: c.rights, creds: c.creds, flags });
}

/** One recvmsg into the msghdr at `msg`. */
function recvOne(t: FileTask, s: SocketFile, msg: number, flags: number): number {
  const h = readMsgHdr(t, msg);
  if (typeof h === "number") return h;
  const r = s.recv(t, h.iov.total, flags);
  if (typeof r === "number") return r;
  const n = scatter(t, r.data, h.iov);
  const cw = writeControl(t, r, s.passCred, h.control, h.controllen, flags);
  if (typeof cw === "number") return cw;
  if (n < 0) return n;
  const hb = new Uint8Array(8);
  const hv = new DataView(hb.buffer);
  if (h.name !== 0) {
    // msg_namelen is read from and written back to the msghdr itself.
    const w = writeSockAddr(t, r.from, h.name, msg + 8);
    if (w < 0) return w;
  } else {
    hv.setInt32(0, 0, true);
    if (t.mem.write(msg + 8, hb.subarray(0, 4)) < 0) return -E.EFAULT;
  }
  hv.setBigUint64(0, BigInt(cw[0]), true);
  if (t.mem.write(msg + 40, hb) < 0) return -E.EFAULT;
  hv.setInt32(0, r.msgFlags | cw[1] | (flags & MSG_CMSG_CLOEXEC), true);
  if (t.mem.write(msg + 48, hb.subarray(0, 4)) < 0) return -E.EFAULT;
  return r.ret;
}

function sysSendmsg(t: FileTask, fd: number, msg: number, flags: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  return done(t, sendOne(t, s, msg, int(flags)));
}

function sysRecvmsg(t: FileTask, fd: number, msg: number, flags: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  return done(t, recvOne(t, s, msg, int(flags)));
}

/** sizeof(struct mmsghdr). */
const MMSG = 64;
const VLEN_MAX = 1024;

function sysSendmmsg(t: FileTask, fd: number, vec: number, vlen: number, flags: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  vlen = Math.min(int(vlen) >>> 0, VLEN_MAX);
  let i = 0;
  for (; i < vlen; i++) {
    // Only the first message may sleep: a handler that blocked after progress could not be
    // re-run without sending twice.
    const r = sendOne(t, s, vec + i * MMSG, int(flags) | (i > 0 ? MSG_DONTWAIT : 0));
    if (r < 0) {
      if (i === 0) return done(t, r);
      break;
    }
    if (putI32(t, vec + i * MMSG + 56, r) < 0) return i > 0 ? i : -E.EFAULT;
  }
  endDeadline(t);
  return i;
}

function sysRecvmmsg(
  t: FileTask,
  fd: number,
  vec: number,
  vlen: number,
  flags: number,
  _timeout: number,
): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  vlen = Math.min(int(vlen) >>> 0, VLEN_MAX);
  flags = int(flags);
  let i = 0;
  for (; i < vlen; i++) {
    // Only the first message may sleep (MSG_WAITFORONE's behaviour; the handler must be
    // restartable, so a wait after progress is not possible).
    const later = i > 0;
    const r = recvOne(t, s, vec + i * MMSG, (flags & ~MSG_WAITFORONE) | (later ? MSG_DONTWAIT : 0));
    if (r < 0) {
      if (i === 0) return done(t, r);
      break;
    }
    if (putI32(t, vec + i * MMSG + 56, r) < 0) return i > 0 ? i : -E.EFAULT;
  }
  endDeadline(t);
  return i;
}

function sysShutdown(t: FileTask, fd: number, how: number): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  return s.shutdown(t, int(how));
}

function sysSetsockopt(
  t: FileTask,
  fd: number,
  level: number,
  name: number,
  val: number,
  len: number,
): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  len = int(len);
  if (len < 0) return -E.EINVAL;
  const b = new Uint8Array(Math.min(len, 4096));
  if (b.length > 0 && t.mem.readInto(val, b) < 0) return -E.EFAULT;
  return s.setsockopt(t, int(level), int(name), b);
}

function sysGetsockopt(
  t: FileTask,
  fd: number,
  level: number,
  name: number,
  val: number,
  lenp: number,
): number {
  const s = sock(t, fd);
  if (typeof s === "number") return s;
  const len = getI32(t, lenp);
  if (len === null) return -E.EFAULT;
  if (len < 0) return -E.EINVAL;
  const v = s.getsockopt(t, int(level), int(name));
  if (typeof v === "number") return v;
  const n = Math.min(len, v.length);
  if (n > 0 && t.mem.write(val, v.subarray(0, n)) < 0) return -E.EFAULT;
  return putI32(t, lenp, n);
}

const U = "AF_UNIX, loopback AF_INET/AF_INET6 and NETLINK_ROUTE (docs/sockets.md)";

/** All socket syscall rows. */
export const SOCKET_SYSCALLS: SyscallEntry[] = [
  row(SYS.socket, "socket", "partial", `${U}; other families EAFNOSUPPORT`, sysSocket),
  row(SYS.socketpair, "socketpair", "full", "AF_UNIX stream, dgram, seqpacket", sysSocketpair),
  row(SYS.bind, "bind", "partial", "unix paths and abstract names; loopback and wildcard IPs", sysBind),
  row(SYS.listen, "listen", "full", "", sysListen),
  row(SYS.accept, "accept", "full", "", sysAccept),
  row(SYS.accept4, "accept4", "full", "", sysAccept4),
  row(
    SYS.connect,
    "connect",
    "partial",
    "loopback only; non-blocking TCP connect answers EINPROGRESS",
    sysConnect,
  ),
  row(SYS.getsockname, "getsockname", "full", "", sysGetsockname),
  row(SYS.getpeername, "getpeername", "full", "", sysGetpeername),
  row(SYS.sendto, "sendto", "full", "", sysSendto),
  row(SYS.recvfrom, "recvfrom", "full", "", sysRecvfrom),
  row(SYS.sendmsg, "sendmsg", "partial", "SCM_RIGHTS, SCM_CREDENTIALS; IP-level cmsgs ignored", sysSendmsg),
  row(SYS.recvmsg, "recvmsg", "partial", "SCM_RIGHTS, SCM_CREDENTIALS (SO_PASSCRED)", sysRecvmsg),
  row(SYS.sendmmsg, "sendmmsg", "full", "", sysSendmmsg),
  row(SYS.recvmmsg, "recvmmsg", "partial", "timeout ignored", sysRecvmmsg),
  row(SYS.shutdown, "shutdown", "full", "", sysShutdown),
  row(SYS.setsockopt, "setsockopt", "partial", "common options kept; most without effect", sysSetsockopt),
  row(SYS.getsockopt, "getsockopt", "partial", "", sysGetsockopt),
];
