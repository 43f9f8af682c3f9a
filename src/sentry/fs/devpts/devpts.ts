// devpts: the /dev/pts the application sees. When stdio is a host tty it appears as
// /dev/pts/0 (136:0), as it does in a Docker `-t` container, so ttyname(3), tty(1) and shells
// find their terminal by path. Opening ptmx makes an in-sandbox pty pair (pty.ts) whose slave
// is /dev/pts/N (N from 1 when the console holds 0).
import { E } from "../../../../ffi/errno.ts";
import { O_NOCTTY, S_IFCHR, S_IFMT } from "../../vfs/consts.ts";
import { devParts, makedev, registerCharDevice } from "../../vfs/device.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FsStats } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { Tmpfs } from "../tmpfs/tmpfs.ts";
import { hostFstat } from "../host/hostcalls.ts";
import { clearConsoleIdentity, consoleIdentity, dropConsoleIdentity, setConsoleIdentity } from "./console.ts";
import { PtyMaster, PtyPair, PtySlave } from "./pty.ts";
import { connectPair, openCtty } from "./jobctl.ts";

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
  /** Indexes held by exec terminals (host ttys shown as /dev/pts/N). */
  readonly hostTerminals: Set<number> = new Set();

  /** The lowest index neither a pty pair nor an exec terminal holds. */
  private freeIndex(): number {
    let n = this.firstIndex;
    while (this.pairs.has(n) || this.hostTerminals.has(n)) n++;
    return n;
  }

  /**
   * Shows host terminal `file` (an exec's -t terminal; we keep a reference) as /dev/pts/N, so
   * ttyname(3) finds it; returns the undo (node, identity and reference go), or null when it
   * is no host tty or is shown already (the console).
   */
  showHostTerminal(file: FileDescription): (() => void) | null {
    const hostFd = file.hostFd();
    const host = hostFd >= 0 ? hostFstat(hostFd) : -E.EBADF;
    if (typeof host === "number" || consoleIdentity(host.rdev) !== null) return null;
    // Terminals only: ttys (4), /dev/tty and console (5), Unix98 pty slaves (136-143).
    const major = devParts(host.rdev)[0];
    if ((host.mode & S_IFMT) !== S_IFCHR || !(major === 4 || major === 5 || (major >= 136 && major <= 143))) {
      return null;
    }
    const n = this.freeIndex();
    if (n >= PTY_MAX) return null;
    const t = null as unknown as FileTask;
    const rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, n);
    const node = this.root.mknod(t, String(n), S_IFCHR | 0o620, rdev, 0, 5);
    if (typeof node === "number") return null;
    this.hostTerminals.add(n);
    file.incRef();
    let open = true;
    registerCharDevice(rdev, () => {
      if (!open) return -E.EIO;
      file.incRef();
      return file;
    });
    setConsoleIdentity({ hostDev: host.rdev, dev: this.dev, ino: node.ino, rdev, path: `/dev/pts/${n}` });
    return () => {
      if (!open) return;
      open = false;
      dropConsoleIdentity(host.rdev);
      this.root.unlink(t, String(n));
      this.hostTerminals.delete(n);
      file.decRef();
    };
  }

  /** An empty devpts root (0755). */
  constructor() {
    super(0o755, 0, 0, "devpts");
  }

  /** ptmx open: a new pair, its slave node /dev/pts/N (removed when the master goes). */
  openPtmx(t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number {
    const n = this.freeIndex();
    if (n >= PTY_MAX) return -E.ENOSPC;
    const rdev = makedev(UNIX98_PTY_SLAVE_MAJOR, n);
    const node = this.root.mknod(t, String(n), S_IFCHR | 0o620, rdev, t?.creds?.uid ?? 0, 5);
    if (typeof node === "number") return node;
    const pair = new PtyPair(n);
    this.pairs.set(n, pair);
    registerCharDevice(rdev, (st, svd, sflags) => {
      const p = this.pairs.get(n);
      if (p === undefined || p.locked || !p.masterOpen) return -E.EIO;
      if ((sflags & O_NOCTTY) === 0) openCtty(st, p);
      return new PtySlave(p, svd, sflags);
    });
    connectPair(t, pair);
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

// The sandbox's devpts (one Sentry per process), for exec terminals.
let active: Devpts | null = null;

/**
 * Shows the first host tty among a new exec'd process's fds 0-2 as /dev/pts/N of the
 * sandbox's devpts; returns the undo to call when the process is gone, or null.
 */
export function showExecTerminal(fds: { get(fd: number): FileDescription | undefined }): (() => void) | null {
  if (active === null) return null;
  for (let i = 0; i < 3; i++) {
    const f = fds.get(i);
    if (f === undefined || f.hostFd() < 0) continue;
    const r = active.showHostTerminal(f);
    if (r !== null) return r;
  }
  return null;
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
  active = fs;
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
