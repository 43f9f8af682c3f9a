// Path resolution, component by component (Linux's namei): symlinks are followed by the
// Sentry itself (at most MAX_SYMLINKS per walk, else ELOOP), ".." never climbs above the
// task's root, mounts are crossed in both directions, and every directory searched needs
// exec permission.
import { E } from "../../../ffi/errno.ts";
import { MAX_SYMLINKS, NAME_MAX, PATH_MAX } from "./consts.ts";
import { Dentry, VirtualDentry } from "./dentry.ts";
import { crossMounts } from "./mount.ts";
import { MAY_EXEC, mayAccess } from "./perm.ts";
import type { FileTask } from "./task.ts";

/** Options of a walk. */
export interface WalkOptions {
  /** Follow a symlink in the last component (false for lstat, O_NOFOLLOW, ...). */
  readonly follow: boolean;
}

/** A walk that stopped before the last component (for create, unlink, rename, ...). */
export interface ParentResult {
  /** The directory the last component is in. */
  readonly dir: VirtualDentry;
  /** The last component; "" for "/" itself, "." or ".." as written. */
  readonly name: string;
  /** The path ended with "/". */
  readonly trailingSlash: boolean;
}

/** Counts symlinks followed across one whole walk. */
class WalkState {
  links = 0;
}

function split(path: string): string[] {
  const parts = path.split("/");
  const r: string[] = [];
  for (const p of parts) if (p !== "") r.push(p);
  return r;
}

/** The parent of `vd`, crossing mount roots upward, never above `root`. */
export function parentOf(vd: VirtualDentry, root: VirtualDentry): VirtualDentry {
  let cur = vd;
  for (;;) {
    if (cur.same(root)) return cur;
    const m = cur.mount;
    if (cur.dentry.inode === m.root.inode || cur.dentry.parent === null) {
      if (m.parent === null || m.mountpoint === null) return cur;
      cur = new VirtualDentry(m.parent, m.mountpoint);
      continue;
    }
    return new VirtualDentry(m, cur.dentry.parent);
  }
}

/** Looks `name` up in directory `dir` (which the caller checked for search permission). */
export function lookupChild(t: FileTask, dir: VirtualDentry, name: string): VirtualDentry | number {
  if (name.length > NAME_MAX) return -E.ENAMETOOLONG;
  const i = dir.inode.lookup(t, name);
  if (typeof i === "number") return i;
  return crossMounts(new VirtualDentry(dir.mount, new Dentry(dir.dentry, name, i)));
}

/**
 * Walks `comps` from `cur`. The last component is followed when it is a symlink and
 * `followLast`; returns where the walk ended.
 */
function walkComps(
  t: FileTask,
  cur: VirtualDentry,
  comps: string[],
  followLast: boolean,
  st: WalkState,
): VirtualDentry | number {
  const root = t.fsctx.root;
  // A stack of remaining components, last on the bottom, so symlink bodies push in front.
  const stack = comps.reverse();
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (!cur.inode.isDir) return -E.ENOTDIR;
    const p = mayAccess(t.creds, cur.inode, MAY_EXEC);
    if (p < 0) return p;
    if (name === ".") continue;
    if (name === "..") {
      cur = parentOf(cur, root);
      continue;
    }
    const child = lookupChild(t, cur, name);
    if (typeof child === "number") return child;
    const last = stack.length === 0;
    if (child.inode.isSymlink && (!last || followLast)) {
      if (++st.links > MAX_SYMLINKS) return -E.ELOOP;
      const magic = child.inode.followLink(t, child);
      if (magic !== null) {
        if (typeof magic === "number") return magic;
        cur = magic;
        continue;
      }
      const target = child.inode.readlink(t);
      if (typeof target === "number") return target;
      if (target === "") return -E.ENOENT;
      if (target.startsWith("/")) cur = root;
      const body = split(target);
      for (let i = body.length - 1; i >= 0; i--) stack.push(body[i]);
      continue;
    }
    cur = child;
  }
  return cur;
}

function checkPath(path: string): number {
  if (path.length === 0) return -E.ENOENT;
  if (path.length >= PATH_MAX) return -E.ENAMETOOLONG;
  return 0;
}

/**
 * Resolves `path` from `start` (used for relative paths; absolute ones start at the task's
 * root). A trailing "/" requires a directory and follows a final symlink.
 */
export function resolve(
  t: FileTask,
  start: VirtualDentry,
  path: string,
  opts: WalkOptions,
): VirtualDentry | number {
  const c = checkPath(path);
  if (c < 0) return c;
  const trailing = path.endsWith("/");
  const from = path.startsWith("/") ? t.fsctx.root : start;
  const r = walkComps(t, from, split(path), opts.follow || trailing, new WalkState());
  if (typeof r === "number") return r;
  if (trailing && !r.inode.isDir) return -E.ENOTDIR;
  return r;
}

/**
 * Resolves all of `path` but its last component, which is returned unresolved (create,
 * mkdir, unlink, rename, symlink, link). Intermediate symlinks are followed.
 */
export function resolveParent(t: FileTask, start: VirtualDentry, path: string): ParentResult | number {
  const c = checkPath(path);
  if (c < 0) return c;
  const trailingSlash = path.length > 1 && path.endsWith("/");
  const from = path.startsWith("/") ? t.fsctx.root : start;
  const all = path.split("/").filter((p) => p !== "");
  const name = all.length === 0 ? "" : all[all.length - 1];
  const prefix = all.slice(0, -1);
  const dir = walkComps(t, from, prefix, true, new WalkState());
  if (typeof dir === "number") return dir;
  if (!dir.inode.isDir) return -E.ENOTDIR;
  const p = mayAccess(t.creds, dir.inode, MAY_EXEC);
  if (p < 0) return p;
  if (name.length > NAME_MAX) return -E.ENAMETOOLONG;
  return { dir, name, trailingSlash };
}
