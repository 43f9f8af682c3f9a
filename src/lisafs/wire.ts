// The LISAFS-like wire format shared by the gofer (server) and the Sentry (client).
//
// Transport: one AF_UNIX SOCK_SEQPACKET socketpair; one message = one packet (the kernel keeps
// the boundaries and delivers SCM_RIGHTS fds with the packet they were sent with), one request
// in flight at a time. Binary, little-endian, fixed headers:
//
//   request:  u32 len | u32 id | u16 op | u16 reserved(0)            | payload
//   response: u32 len | u32 id | u16 op | u16 nfds | i32 result      | payload
//
// `len` is the whole packet and must equal what recvmsg returned; `result` is 0 or -errno;
// `nfds` must equal the number of fds that arrived with the packet. Every field read from the
// peer goes through {@link Reader}, which checks bounds and never throws: a malformed packet
// just leaves `reader.ok === false` and the caller answers -EINVAL (server) or -EIO (client).

/** Protocol version spoken by this build; HELLO refuses any other. */
export const LISAFS_VERSION = 1;

/** Largest packet either side sends or accepts. */
export const MAX_MESSAGE = 64 * 1024;

/** Longest path a request may carry (PATH_MAX). */
export const MAX_PATH = 4096;

/** Message ops. */
export const Op = {
  /** u32 version → u32 version. Must come first. */
  HELLO: 1,
  /** path → stat (lstat semantics). */
  STAT: 2,
  /** path → string. */
  READLINK: 3,
  /** path, u64 cookie → u64 next cookie, u8 eof, u16 count, entries. */
  READDIR: 4,
  /** path → (no payload) + 1 donated fd. */
  OPEN_READ: 5,
} as const;

/** Size of the request header. */
export const REQ_HEADER = 12;
/** Size of the response header. */
export const RESP_HEADER = 16;

/** Bounds-checked little-endian reader over a received packet; never throws. */
export class Reader {
  /** False as soon as any read went past the end or a value was invalid. */
  ok = true;
  private off: number;
  private readonly view: DataView;
  private static readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  /** Reads `buf[start, end)`. */
  constructor(private readonly buf: Uint8Array, start: number, private readonly end: number) {
    this.off = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private take(n: number): number {
    if (!this.ok || this.off + n > this.end) {
      this.ok = false;
      return -1;
    }
    const at = this.off;
    this.off += n;
    return at;
  }

  /** u8, or 0 with ok=false. */
  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getUint8(at);
  }
  /** u16, or 0 with ok=false. */
  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getUint16(at, true);
  }
  /** u32, or 0 with ok=false. */
  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getUint32(at, true);
  }
  /** i32, or 0 with ok=false. */
  i32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getInt32(at, true);
  }
  /** u64 as bigint, or 0n with ok=false. */
  u64(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.view.getBigUint64(at, true);
  }
  /** i64 as bigint, or 0n with ok=false. */
  i64(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.view.getBigInt64(at, true);
  }
  /** u64 that must fit a JS number exactly (sizes, inode numbers); ok=false otherwise. */
  num64(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.ok = false;
      return 0;
    }
    return Number(v);
  }
  /** UTF-8 string of `n` bytes; ok=false on overrun or invalid UTF-8. */
  bytesString(n: number): string {
    const at = this.take(n);
    if (at < 0) return "";
    // Fast path for short ASCII names (most file names): no decoder call.
    if (n <= 64) {
      let ascii = "";
      let i = at;
      for (; i < at + n && this.buf[i] < 0x80; i++) ascii += String.fromCharCode(this.buf[i]);
      if (i === at + n) return ascii;
    }
    try {
      return Reader.utf8.decode(this.buf.subarray(at, at + n));
    } catch {
      this.ok = false;
      return "";
    }
  }
  /** String prefixed by a u16 length, at most `max` bytes. */
  str16(max: number): string {
    const n = this.u16();
    if (n > max) this.ok = false;
    return this.ok ? this.bytesString(n) : "";
  }
  /** True when every byte was consumed (no trailing garbage) and nothing failed. */
  done(): boolean {
    return this.ok && this.off === this.end;
  }
}

/** Little-endian writer into a fixed buffer; `ok` turns false if the buffer is too small. */
export class Writer {
  ok = true;
  off = 0;
  private readonly view: DataView;
  private static readonly enc = new TextEncoder();

  /** Writes into `buf` from offset 0. */
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  /** Restarts at offset 0. */
  reset(): this {
    this.ok = true;
    this.off = 0;
    return this;
  }
  private room(n: number): number {
    if (!this.ok || this.off + n > this.buf.byteLength) {
      this.ok = false;
      return -1;
    }
    const at = this.off;
    this.off += n;
    return at;
  }
  /** Appends a u8. */
  u8(v: number): this {
    const at = this.room(1);
    if (at >= 0) this.view.setUint8(at, v);
    return this;
  }
  /** Appends a u16. */
  u16(v: number): this {
    const at = this.room(2);
    if (at >= 0) this.view.setUint16(at, v, true);
    return this;
  }
  /** Appends a u32. */
  u32(v: number): this {
    const at = this.room(4);
    if (at >= 0) this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  /** Appends an i32. */
  i32(v: number): this {
    const at = this.room(4);
    if (at >= 0) this.view.setInt32(at, v, true);
    return this;
  }
  /** Appends a u64 (number or bigint). */
  u64(v: number | bigint): this {
    const at = this.room(8);
    if (at >= 0) this.view.setBigUint64(at, BigInt(v), true);
    return this;
  }
  /** Appends an i64. */
  i64(v: number | bigint): this {
    const at = this.room(8);
    if (at >= 0) this.view.setBigInt64(at, BigInt(v), true);
    return this;
  }
  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    const at = this.room(b.byteLength);
    if (at >= 0) this.buf.set(b, at);
    return this;
  }
  /** Appends a string as u16 length + UTF-8 bytes. */
  str16(s: string): this {
    const b = Writer.enc.encode(s);
    if (b.byteLength > 0xffff) {
      this.ok = false;
      return this;
    }
    return this.u16(b.byteLength).bytes(b);
  }
  /** Stores the final length into the u32 at offset 0 (the packet length field). */
  sealLength(): this {
    if (this.ok) this.view.setUint32(0, this.off, true);
    return this;
  }
}
