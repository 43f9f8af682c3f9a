// The AF_UNIX namespace: abstract names in a map, path names as socket inodes created in the
// VFS by mknod (so ls, stat and unlink see them, as on Linux) with the bound socket kept per
// inode here. Lookups follow symlinks and need write permission on the socket file.
import { E } from "../../../ffi/errno.ts";
import { mknodAt } from "../vfs/namei.ts";
import { resolveAt } from "../vfs/open.ts";
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, S_IFSOCK } from "../vfs/consts.ts";
import type { Inode } from "../vfs/inode.ts";
import { MAY_WRITE, mayAccess } from "../vfs/perm.ts";
import type { FileTask } from "../vfs/task.ts";
import type { UnixAddr } from "./addr.ts";
import { AF_UNIX } from "./consts.ts";

/** What the namespace stores: any unix socket kind. */
export interface UnixBound {
  readonly type: number;
}

const abstractNames = new Map<string, UnixBound>();
const byInode = new WeakMap<Inode, UnixBound>();
let autobindNext = 0x1000 + Math.floor(Math.random() * 0x80000);

/** Where a bound socket is registered, to undo at release. */
export type Binding = { kind: "abstract"; key: string } | { kind: "path"; inode: Inode };

function abstractKey(name: Uint8Array): string {
  return Array.from(name, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The path of a (non-abstract) name as the VFS takes it. */
function pathOf(name: Uint8Array): string {
  return new TextDecoder().decode(name);
}

/** True for an unnamed address (autobind on bind). */
export function isUnnamed(a: UnixAddr): boolean {
  return a.name.length === 0;
}

/** Binds `s` to `a` (unnamed: an autobind name); returns the binding and the final address. */
export function bindName(t: FileTask, s: UnixBound, a: UnixAddr): { b: Binding; addr: UnixAddr } | number {
  if (a.name.length === 0) {
    for (let tries = 0; tries < 0x100000; tries++) {
      const id = (autobindNext++ & 0xfffff).toString(16).padStart(5, "0");
      const name = new Uint8Array(6);
      for (let i = 0; i < 5; i++) name[i + 1] = id.charCodeAt(i);
      const key = abstractKey(name);
      if (abstractNames.has(key)) continue;
      abstractNames.set(key, s);
      return { b: { kind: "abstract", key }, addr: { family: AF_UNIX, name } };
    }
    return -E.ENOSPC;
  }
  if (a.name[0] === 0) {
    const key = abstractKey(a.name);
    if (abstractNames.has(key)) return -E.EADDRINUSE;
    abstractNames.set(key, s);
    return { b: { kind: "abstract", key }, addr: a };
  }
  const path = pathOf(a.name);
  const r = mknodAt(t, AT_FDCWD, path, S_IFSOCK | 0o777, 0);
  if (r === -E.EEXIST) return -E.EADDRINUSE;
  if (r < 0) return r;
  const vd = resolveAt(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
  if (typeof vd === "number") return vd;
  byInode.set(vd.inode, s);
  return { b: { kind: "path", inode: vd.inode }, addr: a };
}

/** Forgets a binding (the socket file of a path name stays, as on Linux). */
export function unbindName(s: UnixBound, b: Binding): void {
  if (b.kind === "abstract") {
    if (abstractNames.get(b.key) === s) abstractNames.delete(b.key);
  } else if (byInode.get(b.inode) === s) {
    byInode.delete(b.inode);
  }
}

/** The socket bound at `a` (connect, sendto): ECONNREFUSED when nothing listens there. */
export function lookupName(t: FileTask, a: UnixAddr): UnixBound | number {
  if (a.name.length === 0) return -E.EINVAL;
  if (a.name[0] === 0) return abstractNames.get(abstractKey(a.name)) ?? -E.ECONNREFUSED;
  const vd = resolveAt(t, AT_FDCWD, pathOf(a.name), 0);
  if (typeof vd === "number") return vd;
  const p = mayAccess(t.creds, vd.inode, MAY_WRITE);
  if (p < 0) return p;
  if (vd.inode.type !== S_IFSOCK) return -E.ECONNREFUSED;
  return byInode.get(vd.inode) ?? -E.ECONNREFUSED;
}
