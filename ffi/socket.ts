// Unix sockets through raw syscalls, with SCM_RIGHTS fd passing (sendmsg/recvmsg), which
// neither Deno nor Node offers. The kernel structs (msghdr, iovec, cmsghdr, sockaddr_un) are
// built in one native scratch block allocated once with koffi.alloc: its address never moves,
// unlike a small typed array that V8 may keep on its heap, so the pointers we store inside
// msghdr stay valid for the whole call. Payloads are copied between the caller's buffer and
// the scratch block (messages here are small; one copy is cheaper than any pinning scheme).
//
// Every call is blocking and synchronous (the Sentry and the gofer are synchronous loops) and
// returns >= 0 or -errno like the kernel; EINTR is retried.
import { koffi } from "./koffi.ts";
import { E } from "./errno.ts";
import { SYS } from "./sysno.ts";
import { check, close, libc, sys } from "./libc.ts";

/** Address families, socket types and flags (x86_64 Linux values). */
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SCM_RIGHTS = 1;
export const MSG_PEEK = 0x2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
/** Most fds one SCM_RIGHTS message may carry (SCM_MAX_FD in the kernel). */
export const SCM_MAX_FD = 253;

/** struct msghdr (x86_64): byte offsets of each field and the size. */
export const MSGHDR = {
  size: 56,
  name: 0, // void *msg_name
  namelen: 8, // socklen_t msg_namelen
  iov: 16, // struct iovec *msg_iov
  iovlen: 24, // size_t msg_iovlen
  control: 32, // void *msg_control
  controllen: 40, // size_t msg_controllen
  flags: 48, // int msg_flags
} as const;

/** struct iovec (x86_64). */
export const IOVEC = { size: 16, base: 0, len: 8 } as const;

/** struct cmsghdr (x86_64): the data starts right after the 16-byte header. */
export const CMSGHDR = { size: 16, len: 0, level: 8, type: 12, data: 16 } as const;

/** struct sockaddr_un: family (u16) then a 108-byte path. */
export const SOCKADDR_UN = { size: 110, family: 0, path: 2, pathMax: 108 } as const;

/** CMSG_ALIGN: control data is aligned to sizeof(size_t). */
export function cmsgAlign(n: number): number {
  return (n + 7) & ~7;
}

/** CMSG_SPACE(n): bytes a control message with n data bytes occupies in the buffer. */
export function cmsgSpace(n: number): number {
  return CMSGHDR.size + cmsgAlign(n);
}

/** CMSG_LEN(n): the cmsg_len value for n data bytes. */
export function cmsgLen(n: number): number {
  return CMSGHDR.size + n;
}

// Scratch block layout (offsets into the native allocation).
const OFF_MSG = 0;
const OFF_IOV = 64;
const OFF_ADDR = 128; // sockaddr_un, 110 bytes
const OFF_CTRL = 256;
const OFF_DATA = 2048;
// The control area must hold SCM_MAX_FD fds: cmsgSpace(253 * 4) = 1028 bytes.
if (OFF_CTRL + cmsgSpace(SCM_MAX_FD * 4) > OFF_DATA) throw new Error("socket scratch layout overlaps");

let scratchSize = 0;
let scratchPtr: bigint = 0n;
let scratch: Uint8Array = new Uint8Array(0);
let scratchView: DataView = new DataView(new ArrayBuffer(0));

/** Makes sure the scratch block can hold `dataLen` payload bytes. */
function ensureScratch(dataLen: number): void {
  const need = OFF_DATA + dataLen;
  if (need <= scratchSize) return;
  let size = Math.max(scratchSize, 64 * 1024);
  while (size < need) size *= 2;
  const ptr = koffi.alloc("uint8_t", size) as bigint;
  if (scratchSize !== 0) koffi.free(scratchPtr);
  scratchPtr = ptr;
  scratchSize = size;
  const ab = koffi.view(ptr, size);
  scratch = new Uint8Array(ab);
  scratchView = new DataView(ab);
  // Fields that never change between calls are written once per allocation, so the per-call
  // work is a few 32-bit stores (no BigInt on the hot path).
  const v = scratchView;
  msgAddr = addr(OFF_MSG);
  ctrlAddr = addr(OFF_CTRL);
  v.setBigUint64(OFF_IOV + IOVEC.base, addr(OFF_DATA), true);
  v.setBigUint64(OFF_MSG + MSGHDR.name, 0n, true);
  v.setUint32(OFF_MSG + MSGHDR.namelen, 0, true);
  v.setBigUint64(OFF_MSG + MSGHDR.iov, addr(OFF_IOV), true);
  v.setBigUint64(OFF_MSG + MSGHDR.iovlen, 1n, true);
}

let msgAddr = 0n;
let ctrlAddr = 0n;

/** Stores a non-negative size (< 2^32) into a 64-bit little-endian field. */
function setSize(off: number, n: number): void {
  scratchView.setUint32(off, n, true);
  scratchView.setUint32(off + 4, 0, true);
}

function addr(off: number): bigint {
  return scratchPtr + BigInt(off);
}

/** socket(2) returning the fd or -errno. */
export function socket(domain: number, type: number, protocol = 0): number {
  return sys(SYS.socket, domain, type, protocol);
}

/**
 * Writes a sockaddr_un for `path` into the scratch block; returns its length or -errno.
 * A leading "@" names an abstract socket (a NUL first byte), as ss(8) prints them.
 */
function putSockaddrUn(path: string): number {
  ensureScratch(0);
  const bytes = new TextEncoder().encode(path);
  if (bytes.length === 0 || bytes.length >= SOCKADDR_UN.pathMax) return -E.ENAMETOOLONG;
  scratch.fill(0, OFF_ADDR, OFF_ADDR + SOCKADDR_UN.size);
  scratchView.setUint16(OFF_ADDR + SOCKADDR_UN.family, AF_UNIX, true);
  scratch.set(bytes, OFF_ADDR + SOCKADDR_UN.path);
  if (bytes[0] === 0x40) {
    scratch[OFF_ADDR + SOCKADDR_UN.path] = 0; // abstract: "@name" → "\0name", length exact
    return SOCKADDR_UN.path + bytes.length;
  }
  return SOCKADDR_UN.path + bytes.length + 1;
}

/** bind(2) of a unix socket to a filesystem path (or "@abstract"); 0 or -errno. */
export function bindUnix(fd: number, path: string): number {
  const len = putSockaddrUn(path);
  return len < 0 ? len : sys(SYS.bind, fd, addr(OFF_ADDR), len);
}

/** connect(2) of a unix socket; 0 or -errno. */
export function connectUnix(fd: number, path: string): number {
  const len = putSockaddrUn(path);
  if (len < 0) return len;
  let r: number;
  do r = sys(SYS.connect, fd, addr(OFF_ADDR), len); while (r === -E.EINTR);
  return r;
}

/** listen(2); 0 or -errno. */
export function listen(fd: number, backlog = 16): number {
  return sys(SYS.listen, fd, backlog);
}

/** accept4(2) without the peer address; the new fd or -errno. */
export function accept(fd: number, flags = SOCK_CLOEXEC): number {
  let r: number;
  do r = sys(SYS.accept4, fd, 0, 0, flags); while (r === -E.EINTR);
  return r;
}

const SO_RCVTIMEO = 20;

/**
 * Sets SO_RCVTIMEO: a blocking receive gives up with -EAGAIN after `ms` milliseconds
 * (0 = wait forever). 0 or -errno.
 */
export function setRecvTimeout(fd: number, ms: number): number {
  ensureScratch(0);
  scratchView.setBigInt64(OFF_ADDR, BigInt(Math.floor(ms / 1000)), true);
  scratchView.setBigInt64(OFF_ADDR + 8, BigInt((ms % 1000) * 1000), true);
  return sys(SYS.setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, addr(OFF_ADDR), 16);
}

/** shutdown(2); 0 or -errno. */
export function shutdown(fd: number, how: number): number {
  return sys(SYS.shutdown, fd, how);
}

const _socketpair = libc.func("int socketpair(int, int, int, _Out_ int *sv)") as (
  d: number,
  t: number,
  p: number,
  sv: Int32Array,
) => number;

/**
 * A connected pair of unix sockets, close-on-exec by default so they never leak into
 * children by accident (a child gets one end only when it is placed explicitly).
 */
export function unixSocketpair(type: number = SOCK_SEQPACKET, cloexec = true): [number, number] {
  const sv = new Int32Array(2);
  check("socketpair", _socketpair(AF_UNIX, type | (cloexec ? SOCK_CLOEXEC : 0), 0, sv));
  return [sv[0], sv[1]];
}

/**
 * Sends `data` on `sock` with `fds` attached as one SCM_RIGHTS control message. Returns the
 * bytes sent or -errno. MSG_NOSIGNAL: a closed peer is EPIPE, never a SIGPIPE.
 * The fds stay open in the caller (the kernel duplicates them into the message).
 */
export function sendFds(
  sock: number,
  data: Uint8Array,
  fds: readonly number[] = [],
  flags: number = MSG_NOSIGNAL,
): number {
  if (fds.length > SCM_MAX_FD) return -E.EINVAL;
  ensureScratch(data.byteLength);
  const v = scratchView;
  scratch.set(data, OFF_DATA);
  setSize(OFF_IOV + IOVEC.len, data.byteLength);
  v.setInt32(OFF_MSG + MSGHDR.flags, 0, true);
  if (fds.length > 0) {
    const space = cmsgSpace(fds.length * 4);
    scratch.fill(0, OFF_CTRL, OFF_CTRL + space);
    setSize(OFF_CTRL + CMSGHDR.len, cmsgLen(fds.length * 4));
    v.setInt32(OFF_CTRL + CMSGHDR.level, SOL_SOCKET, true);
    v.setInt32(OFF_CTRL + CMSGHDR.type, SCM_RIGHTS, true);
    for (let i = 0; i < fds.length; i++) v.setInt32(OFF_CTRL + CMSGHDR.data + 4 * i, fds[i], true);
    v.setBigUint64(OFF_MSG + MSGHDR.control, ctrlAddr, true);
    setSize(OFF_MSG + MSGHDR.controllen, space);
  } else {
    v.setBigUint64(OFF_MSG + MSGHDR.control, 0n, true);
    setSize(OFF_MSG + MSGHDR.controllen, 0);
  }
  let r: number;
  do r = sys(SYS.sendmsg, sock, msgAddr, flags); while (r === -E.EINTR);
  return r;
}

/** What {@link recvWithFds} got: bytes (or -errno), the received fds, and msg_flags. */
export interface RecvResult {
  /** Bytes received (0 = orderly shutdown of the peer), or -errno. */
  readonly n: number;
  /** Fds received with the message, already close-on-exec; the caller owns them. */
  readonly fds: number[];
  /** msg_flags: MSG_TRUNC / MSG_CTRUNC tell that data or fds were cut. */
  readonly flags: number;
}

/**
 * Receives one message into `buf` with up to `maxFds` fds (MSG_CMSG_CLOEXEC). Blocks unless
 * `flags` has MSG_DONTWAIT. If the peer sent more fds than `maxFds`, the kernel closes the
 * extra ones and MSG_CTRUNC is set. Control data from the peer is parsed with bounds checks.
 */
export function recvWithFds(sock: number, buf: Uint8Array, maxFds = 0, flags = 0): RecvResult {
  if (maxFds < 0 || maxFds > SCM_MAX_FD) return { n: -E.EINVAL, fds: [], flags: 0 };
  ensureScratch(buf.byteLength);
  const v = scratchView;
  const ctrlLen = maxFds > 0 ? cmsgSpace(maxFds * 4) : 0;
  setSize(OFF_IOV + IOVEC.len, buf.byteLength);
  v.setBigUint64(OFF_MSG + MSGHDR.control, ctrlLen > 0 ? ctrlAddr : 0n, true);
  setSize(OFF_MSG + MSGHDR.controllen, ctrlLen);
  v.setInt32(OFF_MSG + MSGHDR.flags, 0, true);
  let r: number;
  do r = sys(SYS.recvmsg, sock, msgAddr, flags | MSG_CMSG_CLOEXEC); while (r === -E.EINTR);
  if (r < 0) return { n: r, fds: [], flags: 0 };
  let msgFlags = v.getInt32(OFF_MSG + MSGHDR.flags, true);
  // The kernel only ever shrinks msg_controllen, so its high half stays 0.
  const fds = ctrlLen > 0 ? parseRights(v.getUint32(OFF_MSG + MSGHDR.controllen, true), ctrlLen) : [];
  // CMSG_SPACE rounds up, so the kernel may deliver one fd more than asked (2 fit in the
  // space of 1): close the surplus so a peer can never make us hold more than maxFds.
  if (fds.length > maxFds) {
    closeAll(fds.splice(maxFds));
    msgFlags |= MSG_CTRUNC;
  }
  // With MSG_TRUNC in flags (SOCK_SEQPACKET) r is the full length; copy only what fit.
  buf.set(scratch.subarray(OFF_DATA, OFF_DATA + Math.min(r, buf.byteLength)));
  return { n: r, fds, flags: msgFlags };
}

/** Walks the received control messages and collects SCM_RIGHTS fds. */
function parseRights(controllen: number, capacity: number): number[] {
  const fds: number[] = [];
  const end = Math.min(controllen, capacity);
  let off = 0;
  while (off + CMSGHDR.size <= end) {
    const hi = scratchView.getUint32(OFF_CTRL + off + CMSGHDR.len + 4, true);
    const len = hi !== 0 ? -1 : scratchView.getUint32(OFF_CTRL + off + CMSGHDR.len, true);
    if (len < CMSGHDR.size || off + len > end) break;
    const level = scratchView.getInt32(OFF_CTRL + off + CMSGHDR.level, true);
    const type = scratchView.getInt32(OFF_CTRL + off + CMSGHDR.type, true);
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      const count = Math.floor((len - CMSGHDR.size) / 4);
      for (let i = 0; i < count; i++) {
        fds.push(scratchView.getInt32(OFF_CTRL + off + CMSGHDR.data + 4 * i, true));
      }
    }
    off += cmsgAlign(len);
  }
  return fds;
}

/** Closes every fd of a list (received fds the caller does not want). */
export function closeAll(fds: readonly number[]): void {
  for (const fd of fds) close(fd);
}
