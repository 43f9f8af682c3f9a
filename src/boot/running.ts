// Boot once the container runs: the control socket stays open for `runsc exec`. Its fds are
// watched at the Sentry's single wait point (SentryControl.watchFd), so accepting and reading
// a request happen inside the kernel loop and never block it: the listening socket and every
// connection are non-blocking. An exec request brings the process's stdio as SCM_RIGHTS fds;
// the connection stays open until the process is gone, then gets one reply with its exit
// status (shell convention) and is closed with the fds.
import { E, errnoName } from "../../ffi/errno.ts";
import { close, fcntl, getpid } from "../../ffi/libc.ts";
import { accept, recvWithFds, SOCK_CLOEXEC } from "../../ffi/socket.ts";
import {
  decode,
  encode,
  MAX_MESSAGE_BYTES,
  MAX_PRESERVE_FDS,
  type Reply,
  RequestSchema,
} from "../control/protocol.ts";
import { sendAll } from "../control/io.ts";
import { type SentryControl, shellStatus } from "../sentry/entry.ts";
import { sentryProcessCreds } from "./spec.ts";

const SOCK_NONBLOCK = 0o4000;
const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;

/** Serves `listenFd` through `ctl` for as long as the Sentry runs. */
export function serveRunning(ctl: SentryControl, listenFd: number, say: (msg: string) => void): void {
  const fl = fcntl(listenFd, F_GETFL, 0);
  if (fl >= 0) fcntl(listenFd, F_SETFL, fl | O_NONBLOCK);
  const onListen = (): void => {
    for (;;) {
      const conn = accept(listenFd, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (conn === -E.EINTR || conn === -E.ECONNABORTED) continue;
      if (conn < 0) break;
      ctl.watchFd(conn, () => onConn(ctl, conn, say));
    }
    ctl.watchFd(listenFd, onListen);
  };
  ctl.watchFd(listenFd, onListen);
}

function finish(ctl: SentryControl, conn: number, r: Reply, fds: readonly number[]): void {
  sendAll(conn, encode(r));
  ctl.forgetFd(conn);
  close(conn);
  for (const fd of fds) close(fd);
}

function onConn(ctl: SentryControl, conn: number, say: (msg: string) => void): void {
  const buf = new Uint8Array(MAX_MESSAGE_BYTES);
  const got = recvWithFds(conn, buf, 3 + MAX_PRESERVE_FDS);
  if (got.n === -E.EAGAIN) {
    ctl.watchFd(conn, () => onConn(ctl, conn, say));
    return;
  }
  const fds = got.fds;
  if (got.n <= 0) return finish(ctl, conn, { ok: false, error: "reading the request failed" }, fds);
  const line = buf.subarray(0, got.n);
  const nl = line.indexOf(0x0a);
  const req = decode(RequestSchema, nl >= 0 ? line.subarray(0, nl) : line);
  if ("error" in req) return finish(ctl, conn, { ok: false, error: req.error }, fds);
  const q = req.value;
  if (q.method === "ping") return finish(ctl, conn, { ok: true, pid: getpid() }, fds);
  if (q.method === "start") return finish(ctl, conn, { ok: false, error: "container already started" }, fds);
  if (fds.length !== 3 + (q.preserveFds ?? 0)) {
    return finish(
      ctl,
      conn,
      { ok: false, error: "exec needs stdin, stdout, stderr and the preserved fds" },
      fds,
    );
  }
  let pid = 0;
  const started = ctl.spawn(
    {
      argv: q.argv,
      env: q.env,
      cwd: q.cwd,
      uid: q.uid,
      gid: q.gid,
      ...sentryProcessCreds(q),
      stdio: [fds[0], fds[1], fds[2]],
      extraFds: fds.slice(3),
    },
    (ws) => finish(ctl, conn, { ok: true, pid, exitStatus: shellStatus(ws) }, fds),
  );
  if (started < 0) {
    const error = `cannot run ${JSON.stringify(q.argv[0])}: ${errnoName(-started)}`;
    say(`exec: ${error}`);
    return finish(ctl, conn, { ok: false, error }, fds);
  }
  pid = started;
}
