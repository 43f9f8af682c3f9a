// devpts: the /dev/pts the application sees. The Sentry has no pseudo-terminal pairs of its
// own (opening ptmx answers ENODEV); what it shows is the terminal the sandbox was given: when
// stdio is a host tty it appears as /dev/pts/0 (136:0), as it does in a Docker `-t`
// container, so ttyname(3), tty(1) and shells find their terminal by path.
import { E } from "../../../../ffi/errno.ts";
import { S_IFCHR } from "../../vfs/consts.ts";
import { makedev, registerCharDevice } from "../../vfs/device.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FsStats } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { Tmpfs } from "../tmpfs/tmpfs.ts";
import { hostFstat } from "../host/hostcalls.ts";
import { clearConsoleIdentity, setConsoleIdentity } from "./console.ts";

/** statfs f_type of devpts (linux/magic.h). */
export const DEVPTS_SUPER_MAGIC = 0x1cd1;
/** /dev/ptmx, /dev/pts/ptmx: 5:2. */
export const DEV_PTMX: number = makedev(5, 2);
/** First Unix98 pty slave major (136); minor = pts index. */
export const UNIX98_PTY_SLAVE_MAJOR = 136;

/** The devpts filesystem: a tmpfs reporting devpts' magic (df, findmnt show "devpts"). */
export class Devpts extends Tmpfs {
  /** An empty devpts root (0755). */
  constructor() {
    super(0o755, 0, 0, "devpts");
  }

  /** statfs: devpts' magic over tmpfs' figures. */
  override statfs(): FsStats {
    return { ...super.statfs(), type: DEVPTS_SUPER_MAGIC };
  }
}

/** Options of {@link createDevpts}. */
export interface DevptsOptions {
  /**
   * The sandbox's terminal (a new reference each call), or null when stdio is no tty. When
   * it is a tty, /dev/pts/0 opens it and stat of the terminal's fds reports /dev/pts/0.
   */
  readonly console?: (t: FileTask) => FileDescription | null;
}

/**
 * A devpts holding `ptmx` (5:2, 0666; opening it answers ENODEV: no in-Sentry pty pairs yet)
 * and, when `opts.console` yields a terminal, `0` (136:0, 0620) standing for it.
 */
export function createDevpts(opts: DevptsOptions = {}): Devpts {
  const fs = new Devpts();
  const t = null as unknown as FileTask;
  fs.root.mknod(t, "ptmx", S_IFCHR | 0o666, DEV_PTMX, 0, 0);
  registerCharDevice(DEV_PTMX, () => -E.ENODEV);
  clearConsoleIdentity();
  const probe = opts.console?.(t) ?? null;
  if (probe === null) return fs;
  const hostFd = probe.hostFd();
  probe.decRef();
  const host = hostFd >= 0 ? hostFstat(hostFd) : -E.EBADF;
  const rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, 0);
  const node = fs.root.mknod(t, "0", S_IFCHR | 0o620, rdev, 0, 0);
  if (typeof node === "number") return fs;
  const console = opts.console!;
  registerCharDevice(rdev, (task) => console(task) ?? -E.EIO);
  if (typeof host !== "number") {
    setConsoleIdentity({ hostDev: host.rdev, dev: fs.dev, ino: node.ino, rdev, path: "/dev/pts/0" });
  }
  return fs;
}
