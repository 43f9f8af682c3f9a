// memfd_create and inotify_*: files without a name in the tree. A memfd is a tmpfs file on a
// private, unmounted tmpfs (its fd links read "/memfd:NAME (deleted)", as on Linux).
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import { MemFile, Tmpfs } from "../../fs/tmpfs/tmpfs.ts";
import { InotifyFile } from "../../fs/inotify/inotify.ts";
import { Dentry, VirtualDentry } from "../../vfs/dentry.ts";
import { Mount } from "../../vfs/mount.ts";
import { RegularFile } from "../../vfs/regular.ts";
import { resolveAt } from "../../vfs/open.ts";
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  O_CLOEXEC,
  O_LARGEFILE,
  O_NONBLOCK,
  O_RDWR,
  S_IFREG,
} from "../../vfs/consts.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { int, row } from "./util.ts";
import { readPath } from "./path.ts";

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
const MFD_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC;
/** memfd names are at most 249 bytes (NAME_MAX minus "memfd:"). */
const MFD_NAME_MAX = 249;

let memfdMount: Mount | null = null;

function install(t: FileTask, f: FileDescription, cloexec: boolean): number {
  const fd = t.fds.install(f, cloexec);
  if (fd < 0) f.decRef();
  return fd;
}

function sysMemfdCreate(t: FileTask, nameAddr: number, flags: number): number {
  flags = int(flags);
  if ((flags & MFD_HUGETLB) !== 0) return -E.EINVAL;
  if ((flags & ~MFD_FLAGS) !== 0) return -E.EINVAL;
  const name = t.mem.readCString(nameAddr, MFD_NAME_MAX + 1);
  if (typeof name === "number") return name === -E.ENAMETOOLONG ? -E.EINVAL : name;
  if (memfdMount === null) {
    memfdMount = new Mount(new Tmpfs(0o1777, 0, 0, "tmpfs"), null, null, "memfd", "rw");
  }
  const fs = memfdMount.fs as Tmpfs;
  const cr = t.creds;
  const inode = new MemFile(fs, fs.ino(), S_IFREG | 0o777, cr.euid, cr.egid);
  const d = new Dentry(memfdMount.root, `memfd:${name} (deleted)`, inode);
  const f = new RegularFile(new VirtualDentry(memfdMount, d), O_RDWR | O_LARGEFILE);
  return install(t, f, (flags & MFD_CLOEXEC) !== 0);
}

const IN_NONBLOCK = O_NONBLOCK, IN_CLOEXEC = O_CLOEXEC;
const IN_MASK_ADD = 0x20000000, IN_MASK_CREATE = 0x10000000, IN_ONLYDIR = 0x01000000;
const IN_DONT_FOLLOW = 0x02000000, IN_ALL_EVENTS = 0xfff, IN_EXCL_UNLINK = 0x04000000;
const IN_ONESHOT = 0x80000000;
const IN_VALID = IN_ALL_EVENTS | IN_MASK_ADD | IN_MASK_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW |
  IN_EXCL_UNLINK | IN_ONESHOT;

function sysInotifyInit1(t: FileTask, flags: number): number {
  flags = int(flags);
  if ((flags & ~(IN_NONBLOCK | IN_CLOEXEC)) !== 0) return -E.EINVAL;
  return install(t, new InotifyFile(flags), (flags & IN_CLOEXEC) !== 0);
}

function sysInotifyInit(t: FileTask): number {
  return sysInotifyInit1(t, 0);
}

function inotifyOf(t: FileTask, fd: number): InotifyFile | number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  return f instanceof InotifyFile ? f : -E.EINVAL;
}

function sysInotifyAddWatch(t: FileTask, fd: number, pathAddr: number, maskArg: number): number {
  const mask = maskArg >>> 0;
  const f = inotifyOf(t, fd);
  if (typeof f === "number") return f;
  if ((mask & IN_ALL_EVENTS) === 0 || (mask & ~IN_VALID) !== 0) return -E.EINVAL;
  if ((mask & IN_MASK_ADD) !== 0 && (mask & IN_MASK_CREATE) !== 0) return -E.EINVAL;
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  const vd = resolveAt(t, AT_FDCWD, path, (mask & IN_DONT_FOLLOW) !== 0 ? AT_SYMLINK_NOFOLLOW : 0);
  if (typeof vd === "number") return vd;
  if ((mask & IN_ONLYDIR) !== 0 && !vd.inode.isDir) return -E.ENOTDIR;
  const keep = (mask & IN_ALL_EVENTS) | (mask & IN_ONESHOT);
  return f.addWatch(vd.inode, keep >>> 0, (mask & IN_MASK_ADD) !== 0, (mask & IN_MASK_CREATE) !== 0);
}

function sysInotifyRmWatch(t: FileTask, fd: number, wd: number): number {
  const f = inotifyOf(t, fd);
  if (typeof f === "number") return f;
  return f.removeWatch(int(wd));
}

/** Rows of memfd_create and inotify. */
export const ANONFILE_SYSCALLS: SyscallEntry[] = [
  row(
    SYS.memfd_create,
    "memfd_create",
    "partial",
    "no seals (F_ADD_SEALS: EINVAL)",
    sysMemfdCreate,
  ),
  row(
    SYS.inotify_init,
    "inotify_init",
    "partial",
    "events from changes made inside the sandbox (not from the host); IN_EXCL_UNLINK ignored",
    sysInotifyInit,
  ),
  row(
    SYS.inotify_init1,
    "inotify_init1",
    "partial",
    "events from changes made inside the sandbox (not from the host); IN_EXCL_UNLINK ignored",
    sysInotifyInit1,
  ),
  row(
    SYS.inotify_add_watch,
    "inotify_add_watch",
    "partial",
    "writes through shared mappings are not seen",
    sysInotifyAddWatch,
  ),
  row(SYS.inotify_rm_watch, "inotify_rm_watch", "full", "", sysInotifyRmWatch),
];
