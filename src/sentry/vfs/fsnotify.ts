// Filesystem change notification (Linux's fsnotify), the hooks the VFS calls at the places
// Linux does: names created, removed and moved in a directory, contents modified, attributes
// changed, files opened, read and closed. Watches (inotify's) hang off inodes; with none
// anywhere every hook is one size check, so unwatched filesystems pay nothing.
import type { VirtualDentry } from "./dentry.ts";
import type { Inode } from "./inode.ts";

/** inotify event bits (linux/inotify.h), used as the VFS's event vocabulary. */
export const IN = {
  ACCESS: 0x1,
  MODIFY: 0x2,
  ATTRIB: 0x4,
  CLOSE_WRITE: 0x8,
  CLOSE_NOWRITE: 0x10,
  OPEN: 0x20,
  MOVED_FROM: 0x40,
  MOVED_TO: 0x80,
  CREATE: 0x100,
  DELETE: 0x200,
  DELETE_SELF: 0x400,
  MOVE_SELF: 0x800,
  Q_OVERFLOW: 0x4000,
  IGNORED: 0x8000,
  ISDIR: 0x40000000,
} as const;

/** A watch on one inode. */
export interface FsWatch {
  /** An event on the watched inode (`name` null) or on its child `name`; `mask` has one event bit (+ IN_ISDIR). */
  event(mask: number, cookie: number, name: string | null): void;
  /** The inode is gone (after IN_DELETE_SELF): the watch ends. */
  gone(): void;
}

const watches = new Map<Inode, Set<FsWatch>>();
let cookies = 0;

/** Registers `w` on `i`. */
export function addFsWatch(i: Inode, w: FsWatch): void {
  let s = watches.get(i);
  if (s === undefined) watches.set(i, s = new Set());
  s.add(w);
}

/** Unregisters `w` from `i`. */
export function removeFsWatch(i: Inode, w: FsWatch): void {
  const s = watches.get(i);
  if (s === undefined) return;
  s.delete(w);
  if (s.size === 0) watches.delete(i);
}

/** True when some inode is watched (callers may skip preparing an event otherwise). */
export function anyWatches(): boolean {
  return watches.size > 0;
}

function deliver(i: Inode, mask: number, cookie: number, name: string | null): void {
  const s = watches.get(i);
  if (s !== undefined) { for (const w of [...s]) w.event(mask, cookie, name); }
}

/** A fresh rename cookie (pairs IN_MOVED_FROM with IN_MOVED_TO). */
export function renameCookie(): number {
  cookies = (cookies + 1) >>> 0 || 1;
  return cookies;
}

/** An event in directory `dir` about its entry `name` (create, delete, moves). */
export function notifyName(dir: Inode, name: string, child: Inode, mask: number, cookie = 0): void {
  if (watches.size === 0) return;
  deliver(dir, mask | (child.isDir ? IN.ISDIR : 0), cookie, name);
}

/**
 * An event on inode `i` reached as `name` in `parent` (null: unknown): the directory's
 * watchers hear it with the name first, then the inode's own without, as Linux's
 * fsnotify_parent does.
 */
export function notifyInode(parent: Inode | null, name: string, i: Inode, mask: number): void {
  if (watches.size === 0) return;
  const m = mask | (i.isDir ? IN.ISDIR : 0);
  if (parent !== null && parent !== i) deliver(parent, m, 0, name);
  deliver(i, m, 0, null);
}

/** notifyInode for a position in the tree. */
export function notifyVd(vd: VirtualDentry | null, mask: number): void {
  if (watches.size === 0 || vd === null) return;
  const d = vd.dentry;
  notifyInode(d.parent?.inode ?? null, d.name, d.inode, mask);
}

/**
 * `i` lost its name `name` in `dir` (unlink, rmdir; `dir` null: the target a rename replaced).
 * In Linux's order: IN_ATTRIB for the link count (not for directories), IN_DELETE_SELF when no
 * link is left and the inode's watches end (IN_IGNORED), then IN_DELETE in the directory.
 */
export function notifyRemoved(dir: Inode | null, name: string, i: Inode): void {
  if (watches.size === 0) return;
  const own = watches.get(i);
  const gone = i.nlink <= (i.isDir ? 1 : 0);
  if (own !== undefined) {
    if (!i.isDir) deliver(i, IN.ATTRIB, 0, null);
    if (gone) {
      deliver(i, IN.DELETE_SELF, 0, null);
      for (const w of [...own]) w.gone();
      watches.delete(i);
    }
  }
  if (dir !== null) notifyName(dir, name, i, IN.DELETE);
}

/** Passes result `r` through, notifying `mask` on `vd` when it is a success (>= 0). */
export function notifiedIf(vd: VirtualDentry | null, r: number, mask: number): number {
  if (r >= 0 && watches.size > 0) notifyVd(vd, mask);
  return r;
}

/** sendfile/copy_file_range moved `n` bytes: IN_ACCESS on the source, IN_MODIFY on the target. */
export function notifyTransfer(from: VirtualDentry | null, to: VirtualDentry | null, n: number): number {
  if (n > 0 && watches.size > 0) {
    notifyVd(from, IN.ACCESS);
    notifyVd(to, IN.MODIFY);
  }
  return n;
}
