// The init process's fds 0, 1, 2: host files over the sandbox's stdio host fds. The Sentry
// does not own those fds (the sandbox process does), so they are never closed here; their
// host flags are restored when the last application reference goes. Fds that name the same
// host fd share one description, and every terminal among them shares one TtyState (the
// foreground process group is per terminal, not per fd).
import type { Kernel } from "./kernel.ts";
import type { Task } from "./task.ts";
import { hostAccessMode, HostFile } from "../fs/host/file.ts";
import { TtyState } from "../fs/host/tty.ts";
import type { FileDescription } from "../vfs/file.ts";

/** The stdio files of a sandbox run. */
export interface Stdio {
  /** Installs fds 0-2 into `t`'s fd table (one new reference each). */
  install(t: Task): void;
  /** A new reference to the terminal among stdin/stdout/stderr (for /dev/tty), or null. */
  tty(): FileDescription | null;
  /** Drops the Sentry's own references (end of the run). */
  release(): void;
}

/** Wraps host fds `fds` (stdin, stdout, stderr) for kernel `k`. */
export function sandboxStdio(k: Kernel, fds: readonly [number, number, number]): Stdio {
  const tty = new TtyState(1, 1);
  const byHost = new Map<number, HostFile>();
  const files = fds.map((fd) => {
    let f = byHost.get(fd);
    if (f === undefined) {
      f = new HostFile(fd, hostAccessMode(fd), { owned: false, tty, onRelease: (h) => k.forgetHostFd(h) });
      byHost.set(fd, f);
    } else f.incRef();
    return f;
  });
  return {
    install(t: Task): void {
      files.forEach((f, i) => {
        f.incRef();
        t.fds.installAt(i, f, false);
      });
    },
    tty(): FileDescription | null {
      const f = files.find((x) => x.tty !== null);
      if (f === undefined) return null;
      f.incRef();
      return f;
    },
    release(): void {
      for (const f of files) f.decRef();
    },
  };
}
