// The gofer's LISAFS server: serves ONE root directory to one client over a SOCK_SEQPACKET
// socket, synchronously (one request in flight; the Sentry waits for each answer).
//
// Confinement: every path is resolved component by component from the root dirfd with
// openat(O_PATH|O_NOFOLLOW|O_DIRECTORY), so a symlink is never followed (an intermediate one
// fails with ENOTDIR/ELOOP; a final one is reported as a symlink) and "..", ".", absolute and
// empty or NUL-containing names are refused before any host call (src/lisafs/path.ts).
import { E } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import { MSG_TRUNC, recvWithFds, sendFds } from "../../ffi/socket.ts";
import { splitPath } from "../lisafs/path.ts";
import { direntSize, encodeDirent, encodeStat } from "../lisafs/messages.ts";
import { LISAFS_VERSION, MAX_MESSAGE, MAX_PATH, Op, Reader, REQ_HEADER, Writer } from "../lisafs/wire.ts";
import {
  AT_SYMLINK_NOFOLLOW,
  closeUnless,
  fstat,
  fstatat,
  getdents64,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  openat,
  readlinkat,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  seekTo,
  setStatusFlags,
} from "./hostfs.ts";

/** True when every byte is 7-bit ASCII (valid UTF-8 without a decoder call). */
function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return false;
  return true;
}

/** Where a path's last component lives: an O_PATH dirfd (maybe the root itself) and a name. */
interface Resolved {
  readonly dir: number;
  /** "" when the path names the root itself. */
  readonly name: string;
}

/**
 * A LISAFS server for one connection. Owns neither fd: the caller closes `rootFd` and `sock`.
 * Preconditions: `rootFd` is an O_PATH (or O_RDONLY) directory fd; `sock` a SOCK_SEQPACKET
 * unix socket.
 */
export class GoferServer {
  private readonly inBuf = new Uint8Array(MAX_MESSAGE);
  private readonly out = new Writer(new Uint8Array(MAX_MESSAGE));
  private readonly dentBuf = new Uint8Array(32 * 1024);
  private hello = false;
  /** Number of requests answered (for logs and tests). */
  served = 0;

  /** Serves `rootFd` on `sock`. */
  constructor(private readonly rootFd: number, private readonly sock: number) {}

  /**
   * Answers requests until the peer closes the socket (returns 0) or breaks the protocol or
   * the socket fails (returns -errno; the caller then exits, dropping the connection).
   */
  serve(): number {
    for (;;) {
      const got = recvWithFds(this.sock, this.inBuf, 0);
      if (got.n === 0) return 0;
      if (got.n < 0) return got.n;
      if (got.n < REQ_HEADER || (got.flags & MSG_TRUNC) !== 0) return -E.EPROTO;
      const fds: number[] = [];
      this.handle(got.n, fds);
      const r = sendFds(this.sock, this.out.buf.subarray(0, this.out.off), fds);
      for (const fd of fds) close(fd);
      if (r < 0) return r;
      this.served++;
    }
  }

  /** Decodes the request in inBuf[0, n) and leaves the reply in `out` (+ fds to donate). */
  private handle(n: number, fds: number[]): void {
    const r = new Reader(this.inBuf, 0, n);
    const len = r.u32();
    const id = r.u32();
    const op = r.u16();
    const reserved = r.u16();
    const w = this.out.reset();
    // Header now, result patched below (offset 12).
    w.u32(0).u32(id).u16(op).u16(0).i32(0);
    let res: number;
    if (len !== n || reserved !== 0) res = -E.EINVAL;
    else if (!this.hello && op !== Op.HELLO) res = -E.EPROTO;
    else res = this.dispatch(op, r, w, fds);
    if (res < 0 || !w.ok) {
      for (const fd of fds.splice(0)) close(fd);
      w.reset().u32(0).u32(id).u16(op).u16(0).i32(res < 0 ? res : -E.EIO);
    } else {
      new DataView(w.buf.buffer).setUint16(10, fds.length, true);
    }
    w.sealLength();
  }

  private dispatch(op: number, r: Reader, w: Writer, fds: number[]): number {
    switch (op) {
      case Op.HELLO: {
        const v = r.u32();
        if (!r.done()) return -E.EINVAL;
        if (v !== LISAFS_VERSION) return -E.EPROTONOSUPPORT;
        this.hello = true;
        w.u32(LISAFS_VERSION);
        return 0;
      }
      case Op.STAT:
        return this.withPath(r, null, (at) => {
          const st = at.name === "" ? fstat(at.dir) : fstatat(at.dir, at.name, AT_SYMLINK_NOFOLLOW);
          if (typeof st === "number") return st;
          encodeStat(w, st);
          return 0;
        });
      case Op.READLINK:
        return this.withPath(r, null, (at) => {
          if (at.name === "") return -E.EINVAL;
          const target = readlinkat(at.dir, at.name);
          if (typeof target === "number") return target;
          w.str16(target);
          return 0;
        });
      case Op.READDIR: {
        let cookie = 0n;
        return this.withPath(r, () => (cookie = r.u64()), (at) => this.readdir(at, cookie, w));
      }
      case Op.OPEN_READ:
        return this.withPath(r, null, (at) => {
          const fd = this.openRead(at);
          if (fd < 0) return fd;
          fds.push(fd);
          return 0;
        });
      default:
        return -E.ENOSYS;
    }
  }

  /**
   * Reads the path (and any extra fields via `more`), resolves its parent, runs `fn`, and
   * closes the intermediate fd whatever happens.
   */
  private withPath(r: Reader, more: (() => void) | null, fn: (at: Resolved) => number): number {
    const path = r.str16(MAX_PATH);
    if (more) more();
    if (!r.done()) return -E.EINVAL;
    const at = this.resolve(path);
    if (typeof at === "number") return at;
    try {
      return fn(at);
    } finally {
      closeUnless(at.dir, this.rootFd);
    }
  }

  /** Walks all but the last component from the root without following any symlink. */
  resolve(path: string): Resolved | number {
    const parts = splitPath(path);
    if (typeof parts === "number") return parts;
    if (parts.length === 0) return { dir: this.rootFd, name: "" };
    let dir = this.rootFd;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = openat(dir, parts[i], O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      closeUnless(dir, this.rootFd);
      if (next < 0) return next;
      dir = next;
    }
    return { dir, name: parts[parts.length - 1] };
  }

  private readdir(at: Resolved, cookie: bigint, w: Writer): number {
    const fd = at.name === ""
      ? openat(at.dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      : openat(at.dir, at.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fd;
    try {
      if (cookie !== 0n) {
        const s = seekTo(fd, cookie);
        if (s < 0) return s;
      }
      const cookieAt = w.off;
      w.u64(0).u8(0).u16(0);
      let count = 0;
      let next = cookie;
      let eof = false;
      const buf = this.dentBuf;
      const view = new DataView(buf.buffer);
      const utf8 = new TextDecoder("utf-8", { fatal: true });
      fill: for (;;) {
        const n = getdents64(fd, buf);
        if (n < 0) return n;
        if (n === 0) {
          eof = true;
          break;
        }
        for (let off = 0; off + 19 <= n;) {
          const ino = view.getBigUint64(off, true);
          const dOff = view.getBigInt64(off + 8, true);
          const reclen = view.getUint16(off + 16, true);
          const type = view.getUint8(off + 18);
          if (reclen < 20 || off + reclen > n) return -E.EIO;
          let end = off + 19;
          while (end < off + reclen && buf[end] !== 0) end++;
          const name = buf.subarray(off + 19, end);
          off += reclen;
          const isDot = (name.length === 1 && name[0] === 0x2e) ||
            (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);
          let valid = true;
          if (!isAscii(name)) {
            try {
              utf8.decode(name);
            } catch {
              valid = false; // not representable in the protocol's UTF-8 names; see docs/gofer.md
            }
          }
          if (!isDot && valid) {
            if (w.off + direntSize(name.length) > MAX_MESSAGE) break fill;
            encodeDirent(w, ino, type, name);
            count++;
          }
          next = dOff;
        }
      }
      const v = new DataView(w.buf.buffer);
      v.setBigUint64(cookieAt, BigInt.asUintN(64, next), true);
      v.setUint8(cookieAt + 8, eof ? 1 : 0);
      v.setUint16(cookieAt + 9, count, true);
      return 0;
    } finally {
      close(fd);
    }
  }

  /** Opens a regular file read-only without following symlinks or opening devices/FIFOs. */
  private openRead(at: Resolved): number {
    if (at.name === "") return -E.EISDIR;
    const before = fstatat(at.dir, at.name, AT_SYMLINK_NOFOLLOW);
    if (typeof before === "number") return before;
    const kind = before.mode & S_IFMT;
    if (kind === S_IFDIR) return -E.EISDIR;
    if (kind === S_IFLNK) return -E.ELOOP;
    if (kind !== S_IFREG) return -E.EINVAL; // devices, FIFOs, sockets: never opened here
    // O_NONBLOCK: should the name have been swapped for a FIFO since fstatat, open returns at
    // once instead of hanging the gofer; the re-check below then refuses it.
    const fd = openat(at.dir, at.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return fd;
    const after = fstat(fd);
    if (
      typeof after === "number" || (after.mode & S_IFMT) !== S_IFREG || after.ino !== before.ino ||
      after.dev !== before.dev
    ) {
      close(fd);
      return typeof after === "number" ? after : -E.EAGAIN;
    }
    const r = setStatusFlags(fd, O_RDONLY);
    if (r < 0) {
      close(fd);
      return r;
    }
    return fd;
  }
}
