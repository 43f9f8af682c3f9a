// Builds the sandbox's mount tree: the gofer-backed overlay as "/", devfs at /dev, procfs at
// /proc, tmpfs at /dev/shm, devpts at /dev/pts (the terminal as /dev/pts/0), tmpfs at /tmp
// when the image's /tmp is empty (gVisor's rule), and
// for containers a sysfs at /sys showing the limits in /sys/fs/cgroup.
import { E } from "../../../ffi/errno.ts";
import type { GoferClient } from "../../lisafs/api.ts";
import { FsContext } from "../vfs/context.ts";
import type { VirtualDentry } from "../vfs/dentry.ts";
import type { FileDescription } from "../vfs/file.ts";
import type { Filesystem } from "../vfs/inode.ts";
import { kernelTask } from "../vfs/kernel-task.ts";
import { MountNamespace } from "../vfs/mount.ts";
import type { FileTask } from "../vfs/task.ts";
import { lookupChild, resolve } from "../vfs/walk.ts";
import { createDevfs } from "./devfs/devfs.ts";
import { createDevpts } from "./devpts/devpts.ts";
import { OverlayFs } from "./overlay/overlay.ts";
import { Procfs } from "./procfs/procfs.ts";
import type { ProcProvider } from "./procfs/provider.ts";
import { Tmpfs } from "./tmpfs/tmpfs.ts";
import { type CgroupView, Sysfs } from "./sysfs/sysfs.ts";

/** Options of {@link createRootMountNamespace}. */
export interface RootFsOptions {
  /** Process data for /proc. */
  readonly proc: ProcProvider;
  /** The controlling terminal for /dev/tty (a new reference), if any. */
  readonly tty?: (t: FileTask) => FileDescription | null;
  /**
   * tmpfs at /tmp: "auto" (default, gVisor's rule) mounts it only when the image's /tmp is
   * missing or empty, so files already there (a host /tmp under `runsc do`) stay visible.
   */
  readonly tmp?: "auto" | "always" | "never";
  /**
   * The container's limits for /sys/fs/cgroup: when given, a sysfs is mounted at /sys (a
   * container's own; `runsc do` leaves the image's /sys visible).
   */
  readonly cgroup?: CgroupView;
  /**
   * Mount "/" read-only (config.json root.readonly, `--read-only`): writes fail with EROFS.
   * The automatic /tmp tmpfs is then left out, as runc leaves /tmp on the read-only root.
   */
  readonly readonlyRoot?: boolean;
  /**
   * Absolute paths of the OCI tmpfs mounts to make writable over a read-only root (podman's
   * /tmp, /var/tmp, /run); /dev, /proc and /sys are the Sentry's own and are skipped.
   */
  readonly tmpfs?: readonly string[];
}

/** The built mount tree. */
export interface RootFs {
  readonly ns: MountNamespace;
  readonly overlay: OverlayFs;
  readonly procfs: Procfs;
  /**
   * A filesystem context for the init process: root "/", cwd `cwd` (absolute; "/" when it
   * does not exist or is not a directory, as runsc does not fail the start over it).
   */
  initContext(cwd: string, umask?: number): FsContext;
}

/** Finds or makes directory `name` under `dir` (mount points missing from the image). */
function ensureDir(t: FileTask, dir: VirtualDentry, name: string): VirtualDentry {
  let r = lookupChild(t, dir, name);
  if (r === -E.ENOENT) {
    dir.inode.mkdir(t, name, 0o755, 0, 0);
    r = lookupChild(t, dir, name);
  }
  if (typeof r === "number") throw new Error(`cannot create mount point ${name}: errno ${-r}`);
  return r;
}

/** True when the image has no /tmp or an empty /tmp directory (a tmpfs hides nothing). */
function tmpIsEmpty(t: FileTask, root: VirtualDentry): boolean {
  const r = lookupChild(t, root, "tmp");
  if (r === -E.ENOENT) return true;
  if (typeof r === "number" || !r.inode.isDir) return false;
  const list = r.inode.readdir(t);
  return typeof list !== "number" && list.length === 0;
}

/** Mounts a tmpfs at each of `paths` (made as directories when missing), skipping the Sentry's own trees. */
function mountTmpfsList(
  t: FileTask,
  ns: MountNamespace,
  root: VirtualDentry,
  paths: readonly string[],
): void {
  for (const p of paths) {
    const parts = p.split("/").filter((c) => c !== "" && c !== ".");
    if (parts.length === 0 || parts.includes("..") || ["dev", "proc", "sys"].includes(parts[0])) continue;
    let at = root;
    for (let i = 0; i < parts.length; i++) {
      ensureDir(t, at, parts[i]);
      // Step onto what is mounted there (a parent tmpfs given earlier).
      const r = resolve(t, root, "/" + parts.slice(0, i + 1).join("/"), { follow: true });
      if (typeof r === "number") throw new Error(`mount point ${p}: errno ${-r}`);
      at = r;
    }
    if (at.mount.children.has(at.inode)) continue;
    const m = ns.mount(new Tmpfs(0o1777), at, "tmpfs", "rw,nosuid,nodev");
    if (typeof m === "number") throw new Error(`mount ${p}: errno ${-m}`);
  }
}

/**
 * Builds "/" (gofer lower + in-memory upper), /dev (devfs), /dev/shm (tmpfs), /proc (procfs
 * over `opts.proc`) and, per `opts.tmp`, a tmpfs at /tmp.
 */
export function createRootMountNamespace(gofer: GoferClient, opts: RootFsOptions): RootFs {
  const overlay = new OverlayFs(gofer);
  const ns = new MountNamespace(overlay, "none", opts.readonlyRoot === true ? "ro,relatime" : "rw,relatime");
  const root = ns.rootVd();
  const t = kernelTask(new FsContext(ns, root, root));
  const mountAt = (parent: VirtualDentry, name: string, fs: Filesystem, source: string, options: string) => {
    const at = ensureDir(t, parent, name);
    const m = ns.mount(fs, at, source, options);
    if (typeof m === "number") throw new Error(`mount ${name}: errno ${-m}`);
    return m;
  };
  mountAt(root, "dev", createDevfs({ tty: opts.tty }), "none", "rw,nosuid,mode=755");
  const procfs = new Procfs(opts.proc);
  mountAt(root, "proc", procfs, "proc", "rw,nosuid,nodev,noexec,relatime");
  if (opts.cgroup !== undefined) {
    mountAt(root, "sys", new Sysfs(opts.cgroup), "sysfs", "ro,nosuid,nodev,noexec,relatime");
  }
  const tmpMode = opts.readonlyRoot === true ? "never" : opts.tmp ?? "auto";
  if (tmpMode === "always" || (tmpMode === "auto" && tmpIsEmpty(t, root))) {
    mountAt(root, "tmp", new Tmpfs(0o1777), "none", "rw,nosuid,nodev");
  }
  if (opts.readonlyRoot === true) mountTmpfsList(t, ns, root, opts.tmpfs ?? []);
  const devVd = resolve(t, root, "/dev", { follow: true });
  if (typeof devVd === "number") throw new Error("no /dev");
  mountAt(devVd, "shm", new Tmpfs(0o1777), "none", "rw,nosuid,nodev");
  mountAt(
    devVd,
    "pts",
    createDevpts({ console: opts.tty }),
    "devpts",
    "rw,nosuid,noexec,relatime,mode=620,ptmxmode=666",
  );
  return {
    ns,
    overlay,
    procfs,
    initContext(cwd: string, umask = 0o022): FsContext {
      const ctx = new FsContext(ns, root, root, umask);
      const vd = resolve(kernelTask(ctx), root, cwd.startsWith("/") ? cwd : "/" + cwd, { follow: true });
      if (typeof vd !== "number" && vd.inode.isDir) ctx.cwd = vd;
      return ctx;
    },
  };
}
