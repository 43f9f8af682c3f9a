// CLI side of the control protocol: one request, one reply, synchronously. The container
// directory is opened first and the socket reached through /proc/self/fd/<dirfd>/ctl, so the
// length of --root never matters (sun_path holds 108 bytes).
import * as fs from "node:fs";
import { E, errnoName } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import {
  AF_UNIX,
  connectUnix,
  sendFds,
  setRecvTimeout,
  SOCK_CLOEXEC,
  SOCK_STREAM,
  socket,
} from "../../ffi/socket.ts";
import { decode, encode, type Reply, ReplySchema, type Request, socketPathVia } from "./protocol.ts";
import { readLine, sendAll } from "./io.ts";

/** The sandbox could not be reached or answered nonsense; `errno` set for socket errors. */
export class ControlError extends Error {
  override readonly name = "ControlError";
  constructor(msg: string, readonly errno = 0) {
    super(msg);
  }
}

/**
 * Sends `req` to the boot process serving `<dir>/ctl` and returns its reply. Throws
 * ControlError when the socket is missing or refuses (boot gone or already running), on a
 * timeout (`timeoutMs` for the reply; 0 waits for ever), or on a malformed reply. `fds` are
 * sent with the request (SCM_RIGHTS).
 */
export function callControl(
  dir: string,
  req: Request,
  timeoutMs: number,
  fds: readonly number[] = [],
): Reply {
  let dirFd: number;
  try {
    dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    throw new ControlError("container directory is missing", E.ENOENT);
  }
  const sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  try {
    if (sock < 0) throw new ControlError(`control socket: ${errnoName(-sock)}`, -sock);
    const c = connectUnix(sock, socketPathVia(dirFd));
    if (c < 0) throw new ControlError(`connecting to the sandbox: ${errnoName(-c)}`, -c);
    if (timeoutMs > 0) setRecvTimeout(sock, timeoutMs);
    // With fds (exec's stdio) the request goes as one message, so they arrive with its first byte.
    const w = fds.length > 0 ? sendFds(sock, encode(req), fds) : sendAll(sock, encode(req));
    if (w < 0) throw new ControlError(`sending to the sandbox: ${errnoName(-w)}`, -w);
    const line = readLine(sock);
    if (typeof line === "number") {
      const what = line === -E.EAGAIN ? "timed out" : errnoName(-line);
      throw new ControlError(`waiting for the sandbox's reply: ${what}`, -line);
    }
    if (line.byteLength === 0) throw new ControlError("the sandbox closed the control connection", E.EPIPE);
    const r = decode(ReplySchema, line);
    if ("error" in r) throw new ControlError(r.error);
    return r.value;
  } finally {
    if (sock >= 0) close(sock);
    fs.closeSync(dirFd);
  }
}
