// The application's stdin, stdout and stderr: host fds the sandbox was given, wrapped as
// HostFiles that share one terminal state when they are the same tty.
import { FdTable } from "../../vfs/fdtable.ts";
import { O_RDONLY, O_WRONLY } from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import { hostAccessMode, HostFile } from "./file.ts";
import { TtyState } from "./tty.ts";

/** Options of {@link stdioFiles}. */
export interface StdioOptions {
  /** Close the host fds when the application closes its last reference (default false). */
  readonly owned?: boolean;
  /** Initial foreground process group and session of a tty (the init process's pid). */
  readonly pgid?: number;
  /** Called with a host fd when its last wrapper is released (Kernel.forgetHostFd). */
  readonly onRelease?: (fd: number) => void;
}

/**
 * Wraps host fds [in, out, err] as the application's fds 0, 1, 2 in a new FdTable. The same
 * host fd given twice yields one shared description (like a shell's dup'ed terminal).
 * Returns the table and the terminal state (null when none of them is a tty).
 */
export function stdioFiles(
  hostFds: readonly [number, number, number],
  opts: StdioOptions = {},
): { fds: FdTable; tty: TtyState | null; files: FileDescription[] } {
  const tty = new TtyState(opts.pgid ?? 1, opts.pgid ?? 1);
  const byFd = new Map<number, HostFile>();
  const fds = new FdTable();
  const files: FileDescription[] = [];
  let anyTty = false;
  for (let i = 0; i < 3; i++) {
    const h = hostFds[i];
    let f = byFd.get(h);
    if (f === undefined) {
      const acc = hostAccessMode(h);
      // Keep the host's access mode, but never let stdin be write-only or stdout read-only.
      const flags = i === 0 && acc === O_WRONLY ? O_RDONLY : i > 0 && acc === O_RDONLY ? O_WRONLY : acc;
      f = new HostFile(h, flags, { owned: opts.owned ?? false, tty, onRelease: opts.onRelease });
      byFd.set(h, f);
      if (f.tty !== null) anyTty = true;
    } else f.incRef();
    fds.installAt(i, f, false);
    files.push(f);
  }
  return { fds, tty: anyTty ? tty : null, files };
}
