// Dentries: names in the tree. A Dentry is (parent, name, inode), created by each lookup; it
// is not a cache (filesystems keep their own stable inode objects), so identity questions
// ("is this a mount point?", "is this the root?") compare inodes, not dentries.
import type { Inode } from "./inode.ts";
import type { Mount } from "./mount.ts";

/** A name bound to an inode, with the chain of parents it was reached through. */
export class Dentry {
  readonly name: string;
  readonly parent: Dentry | null;
  readonly inode: Inode;

  /** `name` under `parent` (null for a filesystem root) naming `inode`. */
  constructor(parent: Dentry | null, name: string, inode: Inode) {
    this.parent = parent;
    this.name = name;
    this.inode = inode;
  }
}

/** A position in the mount tree: a dentry within a mount (gVisor's VirtualDentry). */
export class VirtualDentry {
  readonly mount: Mount;
  readonly dentry: Dentry;

  /** `dentry` as seen inside `mount`. */
  constructor(mount: Mount, dentry: Dentry) {
    this.mount = mount;
    this.dentry = dentry;
  }

  /** The inode named. */
  get inode(): Inode {
    return this.dentry.inode;
  }

  /** True when both name the same inode in the same mount. */
  same(o: VirtualDentry): boolean {
    return this.mount === o.mount && this.dentry.inode === o.dentry.inode;
  }
}

/**
 * The absolute path of `vd` as seen from `root` (getcwd, /proc/[pid]/cwd, /proc/mounts). A
 * position outside `root` is reported from the namespace root, as Linux does for getcwd
 * after chroot (where it prefixes "(unreachable)").
 */
export function pathOf(vd: VirtualDentry, root: VirtualDentry): string {
  const parts: string[] = [];
  let m: Mount = vd.mount;
  let d: Dentry = vd.dentry;
  for (let guard = 0; guard < 4096; guard++) {
    if (m === root.mount && d.inode === root.dentry.inode) break;
    if (d.inode === m.root.inode || d.parent === null) {
      if (m.parent === null || m.mountpoint === null) break;
      d = m.mountpoint;
      m = m.parent;
      continue;
    }
    parts.push(d.name);
    d = d.parent;
  }
  if (parts.length === 0) return "/";
  let s = "";
  for (let i = parts.length - 1; i >= 0; i--) s += "/" + parts[i];
  return s;
}
