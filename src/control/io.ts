// Line-at-a-time reads and whole writes on a blocking stream socket, synchronously through FFI
// (boot has no event loop worth the name while it waits; the CLI call is one short exchange).
import { E } from "../../ffi/errno.ts";
import { read } from "../../ffi/libc.ts";
import { sendFds } from "../../ffi/socket.ts";
import { MAX_MESSAGE_BYTES } from "./protocol.ts";

/** Reads up to the first newline (excluded) or EOF; -errno on error or an over-long line. */
export function readLine(fd: number): Uint8Array | number {
  const buf = new Uint8Array(MAX_MESSAGE_BYTES + 1);
  let len = 0;
  for (;;) {
    const n = read(fd, buf.subarray(len));
    if (n === -E.EINTR) continue;
    if (n < 0) return n;
    if (n === 0) return buf.slice(0, len);
    const nl = buf.subarray(len, len + n).indexOf(0x0a);
    if (nl >= 0) return buf.slice(0, len + nl);
    len += n;
    if (len > MAX_MESSAGE_BYTES) return -E.EMSGSIZE;
  }
}

/** Sends all of `data` on socket `fd` (MSG_NOSIGNAL: a gone peer is EPIPE); 0 or -errno. */
export function sendAll(fd: number, data: Uint8Array): number {
  let off = 0;
  while (off < data.byteLength) {
    const n = sendFds(fd, data.subarray(off));
    if (n === -E.EINTR) continue;
    if (n < 0) return n;
    off += n;
  }
  return 0;
}
