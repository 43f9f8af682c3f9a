// Mounts and the mount namespace. A mount attaches a filesystem's root over a directory of
// its parent mount; mount points are found by inode identity (see dentry.ts).
import { E } from "../../../ffi/errno.ts";
import { Dentry, pathOf, VirtualDentry } from "./dentry.ts";
import type { Filesystem, Inode } from "./inode.ts";

let mountIds = 1;

/** One mounted filesystem instance at one place. */
export class Mount {
  readonly id: number = mountIds++;
  readonly fs: Filesystem;
  /** The filesystem root as a dentry of this mount. */
  readonly root: Dentry;
  readonly parent: Mount | null;
  /** The dentry in `parent` this mount covers. */
  readonly mountpoint: Dentry | null;
  /** Mounts on top of directories of this one, keyed by the covered inode. */
  readonly children: Map<Inode, Mount> = new Map();
  /** Source as /proc/mounts shows it ("none", "tmpfs", ...). */
  readonly source: string;
  /** Mount options text for /proc/mounts ("rw,nosuid"). */
  readonly options: string;
  /** MS_RDONLY: "ro" among the options (a read-only root, `--read-only`). */
  readonly readonly: boolean;

  /** Use MountNamespace.mount; this only builds the object. */
  constructor(
    fs: Filesystem,
    parent: Mount | null,
    mountpoint: Dentry | null,
    source: string,
    options: string,
  ) {
    this.fs = fs;
    this.root = new Dentry(null, "", fs.root);
    this.parent = parent;
    this.mountpoint = mountpoint;
    this.source = source;
    this.options = options;
    this.readonly = options.split(",").includes("ro");
  }
}

/** True when writes through mount `m` fail with EROFS: the mount or its filesystem is read-only. */
export function mountReadonly(m: Mount): boolean {
  return m.readonly || m.fs.readonly;
}

/** All mounts of a sandbox (one namespace: the sandbox is one container). */
export class MountNamespace {
  readonly root: Mount;
  readonly mounts: Mount[] = [];

  /** A namespace whose root mount is `fs`. */
  constructor(fs: Filesystem, source = "none", options = "rw") {
    this.root = new Mount(fs, null, null, source, options);
    this.mounts.push(this.root);
  }

  /** The root of the namespace. */
  rootVd(): VirtualDentry {
    return new VirtualDentry(this.root, this.root.root);
  }

  /**
   * Mounts `fs` over the directory `at`; returns the new mount or -errno (ENOTDIR, EBUSY when
   * something is already mounted exactly there).
   */
  mount(fs: Filesystem, at: VirtualDentry, source = "none", options = "rw"): Mount | number {
    if (!at.inode.isDir) return -E.ENOTDIR;
    if (at.mount.children.has(at.inode)) return -E.EBUSY;
    const m = new Mount(fs, at.mount, at.dentry, source, options);
    at.mount.children.set(at.inode, m);
    this.mounts.push(m);
    return m;
  }

  /** Lines of /proc/mounts as seen from `root`. */
  procMounts(root: VirtualDentry): string {
    let s = "";
    for (const m of this.mounts) {
      const at = m.parent === null || m.mountpoint === null
        ? "/"
        : pathOf(new VirtualDentry(m.parent, m.mountpoint), root);
      s += `${m.source} ${at} ${m.fs.name} ${m.options} 0 0\n`;
    }
    return s;
  }
}

/** If a mount covers `vd`, the root of the topmost such mount; else `vd` itself. */
export function crossMounts(vd: VirtualDentry): VirtualDentry {
  let cur = vd;
  for (;;) {
    const m = cur.mount.children.get(cur.dentry.inode);
    if (m === undefined) return cur;
    cur = new VirtualDentry(m, m.root);
  }
}
