// Boot side of the control protocol: a synchronous accept loop on the listening socket the CLI
// created. Boot serves it only while the container is "created"; once `start` is answered the
// socket is closed and the Sentry owns the process (a later connect is ECONNREFUSED, which the
// CLI reads as "not created any more").
import { E } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import { accept, setRecvTimeout } from "../../ffi/socket.ts";
import { decode, encode, type Reply, type Request, RequestSchema } from "./protocol.ts";
import { readLine, sendAll } from "./io.ts";

/** One accepted connection: the request and a one-shot reply. */
export interface Call {
  readonly request: Request;
  /** Sends the reply and closes the connection; later calls do nothing. */
  reply(r: Reply): void;
}

/**
 * Accepts connections on `listenFd` and hands each valid request to `handle` until it returns
 * a number (the loop's result). Malformed requests are answered with an error and the loop
 * goes on; a failed accept ends the loop with `-errno`. A connection whose request does not
 * arrive within `requestTimeoutMs` is dropped, so a stuck client cannot wedge the sandbox.
 */
export function serve(
  listenFd: number,
  handle: (call: Call) => number | undefined,
  requestTimeoutMs = 5000,
): number {
  for (;;) {
    const conn = accept(listenFd);
    if (conn === -E.EINTR || conn === -E.ECONNABORTED) continue;
    if (conn < 0) return conn;
    setRecvTimeout(conn, requestTimeoutMs);
    let open = true;
    const reply = (r: Reply): void => {
      if (!open) return;
      open = false;
      sendAll(conn, encode(r));
      close(conn);
    };
    const line = readLine(conn);
    if (typeof line === "number") {
      reply({ ok: false, error: "reading the request failed" });
      continue;
    }
    const req = decode(RequestSchema, line);
    if ("error" in req) {
      reply({ ok: false, error: req.error });
      continue;
    }
    let result: number | undefined;
    try {
      result = handle({ request: req.value, reply });
    } finally {
      reply({ ok: false, error: "request not answered" });
    }
    if (result !== undefined) return result;
  }
}
