// Boot in the OCI lifecycle (`runsc create`): the sandbox is ready (spec read, gofer
// connected), the container is "created", and boot waits on its control socket. `start` runs
// the Sentry; the start request is answered once the init process exists (or with the reason
// it could not be started, in which case the container stays "created", as gVisor's does).
import { errnoName } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import { getpid } from "../../ffi/libc.ts";
import { serve } from "../control/server.ts";
import { SANDBOX_FAILURE_EXIT } from "./status.ts";
import { writeExitFile } from "./exit-file.ts";
import { serveRunning } from "./running.ts";
import type { SentryControl } from "../sentry/entry.ts";

/** Runs the container's init with callbacks for "started" and "running"; returns its exit status. */
export type StartFn = (onStarted: () => void, onRunning: (ctl: SentryControl) => void) => number;

/**
 * Serves the control socket `listenFd` until a `start` succeeds, then runs the container to
 * completion. Returns boot's exit status (the container's) after recording it in the state
 * directory `stateDirFd`. `say` reports problems nobody else would see.
 */
export function runCreated(
  listenFd: number,
  stateDirFd: number,
  start: StartFn,
  say: (msg: string) => void,
): number {
  let status: number | undefined;
  const r = serve(listenFd, (call) => {
    if (call.request.method === "ping") {
      call.reply({ ok: true, pid: getpid() });
      return undefined;
    }
    let started = false;
    try {
      status = start(() => {
        started = true;
        call.reply({ ok: true, pid: getpid() });
      }, (ctl) => serveRunning(ctl, listenFd, say));
      // The Sentry is gone: nobody may connect any more (ECONNREFUSED = "not running").
      close(listenFd);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!started) {
        call.reply({ ok: false, error: msg });
        return undefined;
      }
      say(`sandbox failed: ${msg}`);
      status = SANDBOX_FAILURE_EXIT;
    }
    return status;
  });
  if (r < 0 && status === undefined) {
    say(`control socket: ${errnoName(-r)}`);
    status = SANDBOX_FAILURE_EXIT;
  }
  const final = status ?? SANDBOX_FAILURE_EXIT;
  if (!writeExitFile(stateDirFd, final)) say("could not record the exit status");
  return final;
}
