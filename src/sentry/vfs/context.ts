// A task's filesystem context: root, working directory and umask (Linux's fs_struct).
// Threads created with CLONE_FS share one FsContext object; fork copies it (fork()).
import type { VirtualDentry } from "./dentry.ts";
import type { MountNamespace } from "./mount.ts";

/** Root, cwd and umask of one or more tasks. */
export class FsContext {
  /** The mount namespace paths are resolved in. */
  readonly ns: MountNamespace;
  root: VirtualDentry;
  cwd: VirtualDentry;
  /** The umask, 0..0o777. */
  umask: number;

  /** A context in `ns` rooted at `root` with working directory `cwd`. */
  constructor(ns: MountNamespace, root: VirtualDentry, cwd: VirtualDentry, umask = 0o022) {
    this.ns = ns;
    this.root = root;
    this.cwd = cwd;
    this.umask = umask;
  }

  /** A copy for a child created without CLONE_FS. */
  fork(): FsContext {
    return new FsContext(this.ns, this.root, this.cwd, this.umask);
  }
}
