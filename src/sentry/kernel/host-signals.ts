// Signals sent to the sandbox process from outside (the CLI forwards SIGINT, SIGTERM, ... it
// receives) reach the application: a native handler writes them to a pipe (ffi/sigpipe.ts)
// whose read end is watched at the Sentry's single wait point. A signal goes to the terminal's
// foreground process group when the application has a terminal (what a tty would do on ^C),
// else to the init process. The sender appears as pid 0 (outside the sandbox), SI_USER.
import type { Kernel } from "./kernel.ts";
import type { Waiter } from "./waitqueue.ts";
import { routeSignalsToPipe } from "../../../ffi/sigpipe.ts";
import type { SignalPipe } from "../../../ffi/sigpipe.ts";
import { sendToGroup } from "../signal/send.ts";

/** The signals the CLI forwards to the sandbox (src/sandbox/sandbox.ts). */
export const FORWARDED_SIGNALS: readonly number[] = [1, 2, 3, 10, 12, 15];

const POLLIN = 1;

/** Routes host signals into kernel `k` until stop(); `fgPgrp` gives the tty's group (0: none). */
export function forwardHostSignals(k: Kernel, fgPgrp: () => number): { stop(): void } {
  const pipe: SignalPipe = routeSignalsToPipe(FORWARDED_SIGNALS);
  const waiter: Waiter = {
    wake(): void {
      for (const sig of pipe.drain()) deliver(k, sig, fgPgrp());
      k.hostReadiness(pipe.fd, POLLIN).add(waiter);
    },
  };
  k.hostReadiness(pipe.fd, POLLIN).add(waiter);
  return {
    stop(): void {
      k.forgetHostFd(pipe.fd);
      pipe.close();
    },
  };
}

function deliver(k: Kernel, sig: number, pgrp: number): void {
  const info = { signo: sig, code: 0, pid: 0, uid: 0, status: 0, addr: 0 };
  if (pgrp > 0) {
    let any = false;
    for (const tg of k.groups.values()) {
      if (tg.pgid === pgrp && !tg.zombie) {
        sendToGroup(tg, info);
        any = true;
      }
    }
    if (any) return;
  }
  if (k.init !== null) sendToGroup(k.init, info);
}
