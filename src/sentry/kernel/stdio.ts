// The init process's fds 0, 1, 2 over the sandbox's stdio host fds (fs/host/stdio.ts wraps
// them: one description per host fd, one shared TtyState for a terminal). The Sentry does not
// own those fds (the sandbox process does): they are never closed here, and their host flags
// are restored at the end of the run.
import type { Kernel } from "./kernel.ts";
import type { Task } from "./task.ts";
import { stdioFiles } from "../fs/host/stdio.ts";
import { HostFile, restoreHostFlags } from "../fs/host/file.ts";
import type { FileDescription } from "../vfs/file.ts";
import type { FdTable } from "../vfs/fdtable.ts";

/** The stdio files of a sandbox run. */
export interface Stdio {
  /** Gives `t` (init) the fd table holding fds 0-2; only once. */
  install(t: Task): void;
  /** A new reference to the terminal among stdin/stdout/stderr (for /dev/tty), or null. */
  tty(): FileDescription | null;
  /** The terminal's foreground process group, or 0 when stdio has no terminal. */
  fgPgrp(): number;
  /** End of the run: the host fds get their original flags back. */
  release(): void;
}

/** Wraps host fds `fds` (stdin, stdout, stderr) for kernel `k`; init is pid 1. */
export function sandboxStdio(k: Kernel, fds: readonly [number, number, number]): Stdio {
  const s = stdioFiles(fds, { pgid: 1, onRelease: (fd) => k.forgetHostFd(fd) });
  // A reference of our own to the terminal file, for /dev/tty after init closed its fds.
  const ttyFile = s.tty !== null
    ? s.files.find((f) => f instanceof HostFile && f.tty !== null) ?? null
    : null;
  ttyFile?.incRef();
  let table: FdTable | null = s.fds;
  return {
    install(t: Task): void {
      if (table === null) throw new Error("stdio already installed");
      t.fds = table;
      table = null;
    },
    tty(): FileDescription | null {
      ttyFile?.incRef();
      return ttyFile;
    },
    fgPgrp(): number {
      return s.tty?.fgPgrp ?? 0;
    },
    release(): void {
      table?.closeAll();
      ttyFile?.decRef();
      restoreHostFlags();
    },
  };
}
