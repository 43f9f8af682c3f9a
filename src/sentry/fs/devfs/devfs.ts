// devfs: a tmpfs holding device nodes and the usual links, mounted at /dev.
import { S_IFCHR } from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { Tmpfs } from "../tmpfs/tmpfs.ts";
import {
  DEV_FULL,
  DEV_NULL,
  DEV_RANDOM,
  DEV_TTY,
  DEV_URANDOM,
  DEV_ZERO,
  registerMemDevices,
  registerTty,
} from "./devices.ts";

/** Options of {@link createDevfs}. */
export interface DevfsOptions {
  /** The controlling terminal for /dev/tty (a new reference), or null when there is none. */
  readonly tty?: (t: FileTask) => FileDescription | null;
}

/**
 * A populated /dev: null zero full random urandom tty, fd → /proc/self/fd, stdin/stdout/
 * stderr → /proc/self/fd/0..2, and empty shm/ and pts/ directories (mount points).
 */
export function createDevfs(opts: DevfsOptions = {}): Tmpfs {
  registerMemDevices();
  if (opts.tty !== undefined) registerTty(opts.tty);
  const fs = new Tmpfs(0o755);
  const root = fs.root;
  // The tmpfs operations take a task only for procfs-like filesystems; none is needed here.
  const t = null as unknown as FileTask;
  const nodes: [string, number][] = [
    ["null", DEV_NULL],
    ["zero", DEV_ZERO],
    ["full", DEV_FULL],
    ["random", DEV_RANDOM],
    ["urandom", DEV_URANDOM],
    ["tty", DEV_TTY],
  ];
  for (const [name, rdev] of nodes) root.mknod(t, name, S_IFCHR | 0o666, rdev, 0, 0);
  root.symlink(t, "fd", "/proc/self/fd", 0, 0);
  root.symlink(t, "stdin", "/proc/self/fd/0", 0, 0);
  root.symlink(t, "stdout", "/proc/self/fd/1", 0, 0);
  root.symlink(t, "stderr", "/proc/self/fd/2", 0, 0);
  root.symlink(t, "ptmx", "pts/ptmx", 0, 0);
  root.mkdir(t, "shm", 0o1777, 0, 0);
  root.mkdir(t, "pts", 0o755, 0, 0);
  return fs;
}
