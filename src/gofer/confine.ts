// How the gofer confines itself before serving (defence in depth; the server's own rules —
// fd-relative, no-follow walks, validated names — hold without any of this):
//
// 1. openRoot: the root is opened as a *detached, recursive, read-only clone* of the served
//    tree (open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) + mount_setattr(MOUNT_ATTR_RDONLY|NOSUID|
//    NODEV, AT_RECURSIVE)). Nothing is mounted anywhere (no mount namespace, nothing to clean
//    up: the clone disappears with the fd), and the kernel refuses any write through it,
//    submounts included. Needs CAP_SYS_ADMIN; otherwise we fall back to a plain O_PATH fd.
// 2. confine: chroot into that root (fchdir + chroot(".")), so no absolute path reaches the
//    host, then PR_SET_NO_NEW_PRIVS and the seccomp denylist (src/sandbox/seccomp.ts). chroot
//    needs CAP_SYS_CHROOT; EPERM is tolerated (rootless).
import { koffi } from "../../ffi/koffi.ts";
import { sys } from "../../ffi/libc.ts";
import { SYS } from "../../ffi/sysno.ts";
import { confineSyscalls } from "../sandbox/seccomp.ts";
import { AT_EMPTY_PATH, AT_FDCWD, chrootToFd, O_CLOEXEC, O_DIRECTORY, O_PATH, openat } from "./hostfs.ts";

const OPEN_TREE_CLONE = 1;
const AT_RECURSIVE = 0x8000;
const MOUNT_ATTR_RDONLY = 0x1;
const MOUNT_ATTR_NOSUID = 0x2;
const MOUNT_ATTR_NODEV = 0x4;
/** struct mount_attr: attr_set, attr_clr, propagation, userns_fd (4 × u64). */
const MOUNT_ATTR_SIZE = 32;

/** How the root was opened. */
export interface OpenedRoot {
  readonly fd: number;
  /** True when the fd is a read-only detached clone (kernel-enforced read-only). */
  readonly readOnlyClone: boolean;
  /** Why the read-only clone could not be made (-errno), when it could not. */
  readonly cloneError: number;
}

/** A NUL-terminated path in native memory, valid until freed. */
function cString(s: string): { ptr: bigint; free: () => void } {
  const bytes = new TextEncoder().encode(s + "\0");
  const ptr = koffi.alloc("uint8_t", bytes.byteLength) as bigint;
  new Uint8Array(koffi.view(ptr, bytes.byteLength)).set(bytes);
  return { ptr, free: () => koffi.free(ptr) };
}

/** Opens `dir` (absolute) as the served root; see the module comment. Returns -errno if even a plain open fails. */
export function openRoot(dir: string): OpenedRoot | number {
  const path = cString(dir);
  const empty = cString("");
  const attr = koffi.alloc("uint8_t", MOUNT_ATTR_SIZE) as bigint;
  try {
    const tree = sys(SYS.open_tree, AT_FDCWD, path.ptr, OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);
    if (tree >= 0) {
      const v = new DataView(koffi.view(attr, MOUNT_ATTR_SIZE));
      v.setBigUint64(0, BigInt(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), true);
      v.setBigUint64(8, 0n, true);
      v.setBigUint64(16, 0n, true);
      v.setBigUint64(24, 0n, true);
      const r = sys(SYS.mount_setattr, tree, empty.ptr, AT_EMPTY_PATH | AT_RECURSIVE, attr, MOUNT_ATTR_SIZE);
      if (r === 0) return { fd: tree, readOnlyClone: true, cloneError: 0 };
      sys(SYS.close, tree);
      return plain(dir, r);
    }
    return plain(dir, tree);
  } finally {
    path.free();
    empty.free();
    koffi.free(attr);
  }
}

function plain(dir: string, cloneError: number): OpenedRoot | number {
  const fd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? fd : { fd, readOnlyClone: false, cloneError };
}

/** chroot into the root fd, set no_new_privs and the seccomp denylist; 0 or the -errno of chroot. */
export function confine(rootFd: number): number {
  const r = chrootToFd(rootFd);
  confineSyscalls("gofer");
  return r;
}
