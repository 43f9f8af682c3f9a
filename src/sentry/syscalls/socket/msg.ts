// struct msghdr and control messages between application memory and SendReq/RecvRes: the
// iovecs gathered into one buffer, SCM_RIGHTS fds resolved to files (and installed on
// receipt), SCM_CREDENTIALS checked against the sender. Every pointer and length is hostile.
import { E } from "../../../../ffi/errno.ts";
import { MAX_RW_COUNT } from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { encodeAddr, parseAddr, type SockAddr } from "../../socket/addr.ts";
import {
  AF_UNIX,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  SCM_CREDENTIALS,
  SCM_RIGHTS,
  SOCK_STREAM,
  SOCKADDR_STORAGE,
  SOL_SOCKET,
} from "../../socket/consts.ts";
import type { RecvRes, SocketFile, Ucred } from "../../socket/socket.ts";
import { readIovecs, SegList } from "../file/util.ts";
import { CAP, capable } from "../../kernel/caps.ts";

/** Largest number of fds in one SCM_RIGHTS (SCM_MAX_FD). */
const SCM_MAX_FD = 253;
/** Largest control buffer accepted (net.core.optmem_max). */
const OPTMEM_MAX = 20480;
/** Most bytes copied in for one stream send (the socket takes at most its buffer). */
const STREAM_CHUNK = 1 << 22;

/** A msghdr as read from the application. */
export interface MsgHdr {
  name: number;
  namelen: number;
  iov: SegList;
  control: number;
  controllen: number;
}

/** Reads the 56-byte msghdr at `addr`. */
export function readMsgHdr(t: FileTask, addr: number): MsgHdr | number {
  const b = new Uint8Array(56);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const v = new DataView(b.buffer);
  const iovlen = v.getBigUint64(24, true);
  if (iovlen > 1024n) return -E.EMSGSIZE;
  const iov = new SegList();
  const r = readIovecs(t, Number(v.getBigUint64(16, true)), Number(iovlen), iov);
  if (r < 0) return r;
  return {
    name: Number(v.getBigUint64(0, true)),
    namelen: v.getInt32(8, true),
    iov,
    control: Number(v.getBigUint64(32, true)),
    controllen: Number(v.getBigUint64(40, true) & 0xffffffffn),
  };
}

/** Copies in the sockaddr at `addr` for socket `s`; null when none was given. */
export function readSockAddr(
  t: FileTask,
  s: SocketFile,
  addr: number,
  len: number,
  allowUnspec: boolean,
): SockAddr | null | number {
  if (addr === 0) return null;
  len = len | 0;
  if (len < 0 || len > SOCKADDR_STORAGE) return -E.EINVAL;
  if (len === 0) return null;
  const b = new Uint8Array(len);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  return parseAddr(b, s.family, allowUnspec);
}

/** Writes `a` to (addr, *lenp) as accept/getsockname/recvfrom do; `a` null = length 0. */
export function writeSockAddr(t: FileTask, a: SockAddr | null, addr: number, lenp: number): number {
  if (addr === 0 || lenp === 0) return 0;
  const lb = new Uint8Array(4);
  if (t.mem.readInto(lenp, lb) < 0) return -E.EFAULT;
  const len = new DataView(lb.buffer).getInt32(0, true);
  if (len < 0) return -E.EINVAL;
  const enc = a === null ? new Uint8Array(0) : encodeAddr(a);
  if (len > 0 && enc.length > 0 && t.mem.write(addr, enc.subarray(0, Math.min(len, enc.length))) < 0) {
    return -E.EFAULT;
  }
  new DataView(lb.buffer).setInt32(0, enc.length, true);
  return t.mem.write(lenp, lb) < 0 ? -E.EFAULT : 0;
}

/** Gathers the iovecs into one buffer (streams: at most STREAM_CHUNK bytes). */
export function gather(t: FileTask, s: SocketFile, iov: SegList): Uint8Array | number {
  const total = s.type === SOCK_STREAM
    ? Math.min(iov.total, STREAM_CHUNK)
    : Math.min(iov.total, MAX_RW_COUNT);
  if (s.type !== SOCK_STREAM && iov.total > 1 << 21) return -E.EMSGSIZE;
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < iov.n && o < total; i++) {
    const m = Math.min(iov.len[i], total - o);
    if (m > 0 && t.mem.readInto(iov.addr[i], out.subarray(o, o + m)) < 0) return -E.EFAULT;
    o += m;
  }
  return out;
}

/** Scatters `data` over the iovecs; bytes copied or -EFAULT. */
export function scatter(t: FileTask, data: Uint8Array, iov: SegList): number {
  let o = 0;
  for (let i = 0; i < iov.n && o < data.length; i++) {
    const m = Math.min(iov.len[i], data.length - o);
    if (m > 0 && t.mem.write(iov.addr[i], data.subarray(o, o + m)) < 0) return -E.EFAULT;
    o += m;
  }
  return o;
}

/** Ancillary data of a send. */
export interface SendControl {
  rights: FileDescription[] | null;
  creds: Ucred | null;
}

/** Parses the control buffer of a sendmsg on `s`. */
export function readControl(t: FileTask, s: SocketFile, addr: number, len: number): SendControl | number {
  const out: SendControl = { rights: null, creds: null };
  if (len === 0) return out;
  if (len > OPTMEM_MAX) return -E.ENOBUFS;
  if (len < 16) return -E.EINVAL;
  const b = new Uint8Array(len);
  if (t.mem.readInto(addr, b) < 0) return -E.EFAULT;
  const v = new DataView(b.buffer);
  let o = 0;
  while (o + 16 <= len) {
    const clen = Number(v.getBigUint64(o, true));
    const level = v.getInt32(o + 8, true), type = v.getInt32(o + 12, true);
    if (clen < 16 || o + clen > len) return -E.EINVAL;
    const data = b.subarray(o + 16, o + clen);
    if (level === SOL_SOCKET) {
      if (s.family !== AF_UNIX) return -E.EINVAL;
      if (type === SCM_RIGHTS) {
        const n = Math.floor(data.length / 4);
        if (n > SCM_MAX_FD || (out.rights?.length ?? 0) + n > SCM_MAX_FD) return -E.EINVAL;
        const dv = new DataView(data.buffer, data.byteOffset, data.length);
        const files = out.rights ?? [];
        for (let i = 0; i < n; i++) {
          const f = t.fds.get(dv.getInt32(i * 4, true));
          if (f === undefined) return -E.EBADF;
          files.push(f);
        }
        out.rights = files;
      } else if (type === SCM_CREDENTIALS) {
        if (data.length < 12) return -E.EINVAL;
        const dv = new DataView(data.buffer, data.byteOffset, 12);
        const c = { pid: dv.getInt32(0, true), uid: dv.getInt32(4, true), gid: dv.getInt32(8, true) };
        // Others' ids need CAP_SETUID/CAP_SETGID, another pid CAP_SYS_ADMIN (scm_check_creds).
        const root = capable(t.creds, CAP.SETUID) && capable(t.creds, CAP.SETGID) &&
          capable(t.creds, CAP.SYS_ADMIN);
        if (
          !root &&
          (c.pid !== t.tgid || (c.uid !== t.creds.uid && c.uid !== t.creds.euid && c.uid !== t.creds.suid))
        ) {
          return -E.EPERM;
        }
        if (!root && c.gid !== t.creds.gid && c.gid !== t.creds.egid && c.gid !== t.creds.sgid) {
          return -E.EPERM;
        }
        out.creds = c;
      } else {
        return -E.EINVAL;
      }
    }
    o += (clen + 7) & ~7;
  }
  return out;
}

/**
 * Writes the ancillary data of `r` to the control buffer (addr, len): installs SCM_RIGHTS
 * files (those that do not fit are closed, MSG_CTRUNC), adds SCM_CREDENTIALS when `passCred`.
 * Returns [bytes used, extra msg_flags] or -EFAULT.
 */
export function writeControl(
  t: FileTask,
  r: RecvRes,
  passCred: boolean,
  addr: number,
  len: number,
  flags: number,
): [number, number] | number {
  let used = 0, mflags = 0;
  const parts: Uint8Array[] = [];
  const room = () => (addr === 0 ? 0 : len - used);
  if (passCred && r.creds !== null) {
    if (room() >= 16 + 12) {
      const b = new Uint8Array(32);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, 28n, true);
      v.setInt32(8, SOL_SOCKET, true);
      v.setInt32(12, SCM_CREDENTIALS, true);
      v.setInt32(16, r.creds.pid, true);
      v.setInt32(20, r.creds.uid, true);
      v.setInt32(24, r.creds.gid, true);
      const take = Math.min(32, room());
      parts.push(b.subarray(0, take));
      used += take;
    } else {
      mflags |= MSG_CTRUNC;
    }
  }
  if (r.rights !== null) {
    const fit = Math.max(0, Math.min(r.rights.length, Math.floor((room() - 16) / 4)));
    if (fit < r.rights.length) mflags |= MSG_CTRUNC;
    const fds: number[] = [];
    for (let i = 0; i < r.rights.length; i++) {
      const f = r.rights[i];
      if (i >= fit) {
        f.decRef();
        continue;
      }
      const fd = t.fds.install(f, (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (fd < 0) {
        f.decRef();
        mflags |= MSG_CTRUNC;
        continue;
      }
      fds.push(fd);
    }
    if (fds.length > 0) {
      const clen = 16 + 4 * fds.length;
      const b = new Uint8Array((clen + 7) & ~7);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, BigInt(clen), true);
      v.setInt32(8, SOL_SOCKET, true);
      v.setInt32(12, SCM_RIGHTS, true);
      fds.forEach((fd, i) => v.setInt32(16 + 4 * i, fd, true));
      const take = Math.min(b.length, room());
      parts.push(b.subarray(0, take));
      used += take;
    }
  }
  let o = 0;
  for (const p of parts) {
    if (t.mem.write(addr + o, p) < 0) return -E.EFAULT;
    o += p.length;
  }
  return [used, mflags];
}
