// devpts: the /dev/pts the application sees. When stdio is a host tty it appears as
// /dev/pts/0 (136:0), as it does in a Docker `-t` container, so ttyname(3), tty(1) and shells
// find their terminal by path. Opening ptmx makes an in-sandbox pty pair (pty.ts) whose slave
// is /dev/pts/N (N from 1 when the console holds 0).
import { E } from "../../../../ffi/errno.ts";
import { S_IFCHR } from "../../vfs/consts.ts";
import { makedev, registerCharDevice } from "../../vfs/device.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FsStats } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { Tmpfs } from "../tmpfs/tmpfs.ts";
import { hostFstat } from "../host/hostcalls.ts";
import { clearConsoleIdentity, setConsoleIdentity } from "./console.ts";
import { PtyMaster, PtyPair, PtySlave } from "./pty.ts";

/** statfs f_type of devpts (linux/magic.h). */
export const DEVPTS_SUPER_MAGIC = 0x1cd1;
/** /dev/ptmx, /dev/pts/ptmx: 5:2. */
export const DEV_PTMX: number = makedev(5, 2);
/** First Unix98 pty slave major (136); minor = pts index. */
export const UNIX98_PTY_SLAVE_MAJOR = 136;

/** Most pty pairs at once (Linux's default /proc/sys/kernel/pty/max is 4096). */
export const PTY_MAX = 4096;

/** The devpts filesystem: a tmpfs reporting devpts' magic (df, findmnt show "devpts"). */
export class Devpts extends Tmpfs {
  /** Open pty pairs by index. */
  readonly pairs: Map<number, PtyPair> = new Map();
  /** First index ptmx hands out (1 when the console is /dev/pts/0). */
  firstIndex = 0;

  /** An empty devpts root (0755). */
  constructor() {
    super(0o755, 0, 0, "devpts");
  }

  /** ptmx open: a new pair, its slave node /dev/pts/N (removed when the master goes). */
  openPtmx(t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number {
    let n = this.firstIndex;
    while (this.pairs.has(n)) n++;
    if (n >= PTY_MAX) return -E.ENOSPC;
    const rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, n);
    const node = this.root.mknod(t, String(n), S_IFCHR | 0o620, rdev, t?.creds?.uid ?? 0, 5);
    if (typeof node === "number") return node;
    const pair = new PtyPair(n);
    this.pairs.set(n, pair);
    registerCharDevice(rdev, (_t, svd, sflags) => {
      const p = this.pairs.get(n);
      return p === undefined || p.locked || !p.masterOpen ? -E.EIO : new PtySlave(p, svd, sflags);
    });
    pair.onMasterClosed = () => {
      this.pairs.delete(n);
      this.root.unlink(t, String(n));
    };
    return new PtyMaster(pair, vd, flags);
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
 * A devpts holding `ptmx` (5:2, 0666; each open makes a pty pair) and, when `opts.console`
 * yields a terminal, `0` (136:0, 0620) standing for it.
 */
export function createDevpts(opts: DevptsOptions = {}): Devpts {
  const fs = new Devpts();
  const t = null as unknown as FileTask;
  fs.root.mknod(t, "ptmx", S_IFCHR | 0o666, DEV_PTMX, 0, 0);
  registerCharDevice(DEV_PTMX, (task, vd, flags) => fs.openPtmx(task, vd, flags));
  clearConsoleIdentity();
  const probe = opts.console?.(t) ?? null;
  if (probe === null) return fs;
  const hostFd = probe.hostFd();
  probe.decRef();
  const host = hostFd >= 0 ? hostFstat(hostFd) : -E.EBADF;
  const rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, 0);
  const node = fs.root.mknod(t, "0", S_IFCHR | 0o620, rdev, 0, 0);
  if (typeof node === "number") return fs;
  fs.firstIndex = 1;
  const console = opts.console!;
  registerCharDevice(rdev, (task) => console(task) ?? -E.EIO);
  if (typeof host !== "number") {
    setConsoleIdentity({ hostDev: host.rdev, dev: fs.dev, ino: node.ino, rdev, path: "/dev/pts/0" });
  }
  return fs;
}
