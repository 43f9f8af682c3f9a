// stat family, statfs, readlink, access.
import { E } from "../../../../ffi/errno.ts";
import { SYS } from "../../../../ffi/sysno.ts";
import type { SyscallEntry } from "../abi.ts";
import {
  AT_EACCESS,
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_NO_AUTOMOUNT,
  AT_STATX_SYNC_TYPE,
  AT_SYMLINK_NOFOLLOW,
} from "../../vfs/consts.ts";
import { accessVd } from "../../vfs/attr.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import { resolveAt } from "../../vfs/open.ts";
import type { FileTask } from "../../vfs/task.ts";
import { readPath } from "./path.ts";
import { encodeStat, encodeStatfs, encodeStatx } from "./structs.ts";
import { int, row } from "./util.ts";

function out(t: FileTask, addr: number, b: Uint8Array): number {
  return t.mem.write(addr, b) < 0 ? -E.EFAULT : 0;
}

/** Resolves a path argument for stat-like calls. */
function at(t: FileTask, dirfd: number, pathAddr: number, flags: number): VirtualDentry | number {
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  return resolveAt(t, dirfd, path, flags);
}

function statOf(vd: VirtualDentry): StatInfo {
  return vd.inode.stat();
}

function sysStat(t: FileTask, path: number, buf: number): number {
  const vd = at(t, AT_FDCWD, path, 0);
  return typeof vd === "number" ? vd : out(t, buf, encodeStat(statOf(vd)));
}

function sysLstat(t: FileTask, path: number, buf: number): number {
  const vd = at(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
  return typeof vd === "number" ? vd : out(t, buf, encodeStat(statOf(vd)));
}

function sysFstat(t: FileTask, fd: number, buf: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  const s = f.stat();
  return typeof s === "number" ? s : out(t, buf, encodeStat(s));
}

/** stat of an fd-or-path target: AT_EMPTY_PATH on an fd uses the file's own stat. */
function statAt(
  t: FileTask,
  dirfd: number,
  pathAddr: number,
  flags: number,
): StatInfo | [StatInfo, number] | number {
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  if (path === "" && (flags & AT_EMPTY_PATH) !== 0 && dirfd !== AT_FDCWD) {
    const f = t.fds.get(dirfd);
    if (f === undefined) return -E.EBADF;
    const s = f.stat();
    return typeof s === "number" ? s : [s, f.vd?.mount.id ?? 0];
  }
  const vd = resolveAt(t, dirfd, path, flags);
  return typeof vd === "number" ? vd : [statOf(vd), vd.mount.id];
}

function sysNewfstatat(t: FileTask, dirfd: number, path: number, buf: number, flags: number): number {
  flags = int(flags);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) !== 0) return -E.EINVAL;
  const r = statAt(t, int(dirfd), path, flags);
  if (typeof r === "number") return r;
  return out(t, buf, encodeStat((r as [StatInfo, number])[0]));
}

function sysStatx(
  t: FileTask,
  dirfd: number,
  path: number,
  flags: number,
  _mask: number,
  buf: number,
): number {
  flags = int(flags);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) !== 0) {
    return -E.EINVAL;
  }
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -E.EINVAL;
  const r = statAt(t, int(dirfd), path, flags);
  if (typeof r === "number") return r;
  const [s, mnt] = r as [StatInfo, number];
  return out(t, buf, encodeStatx(s, mnt));
}

function sysStatfs(t: FileTask, path: number, buf: number): number {
  const vd = at(t, AT_FDCWD, path, 0);
  if (typeof vd === "number") return vd;
  return out(t, buf, encodeStatfs(vd.mount.fs.statfs(), vd.mount.fs.dev));
}

function sysFstatfs(t: FileTask, fd: number, buf: number): number {
  const f = t.fds.get(int(fd));
  if (f === undefined) return -E.EBADF;
  if (f.vd === null) {
    // Pipes and host files: report a pipefs-like anonymous filesystem.
    return out(
      t,
      buf,
      encodeStatfs({
        type: 0x50495045,
        bsize: 4096,
        blocks: 0,
        bfree: 0,
        bavail: 0,
        files: 0,
        ffree: 0,
        namelen: 255,
        flags: 0,
      }, 0),
    );
  }
  return out(t, buf, encodeStatfs(f.vd.mount.fs.statfs(), f.vd.mount.fs.dev));
}

function readlinkAt(t: FileTask, dirfd: number, pathAddr: number, buf: number, size: number): number {
  size = int(size);
  if (size <= 0) return -E.EINVAL;
  const path = readPath(t, pathAddr);
  if (typeof path === "number") return path;
  const vd = resolveAt(t, dirfd, path, AT_SYMLINK_NOFOLLOW | (path === "" ? AT_EMPTY_PATH : 0));
  if (typeof vd === "number") return vd;
  if (!vd.inode.isSymlink) return -E.EINVAL;
  const target = vd.inode.readlink(t);
  if (typeof target === "number") return target;
  const b = new TextEncoder().encode(target);
  const n = Math.min(b.length, size);
  return t.mem.write(buf, b.subarray(0, n)) < 0 ? -E.EFAULT : n;
}

function sysReadlink(t: FileTask, path: number, buf: number, size: number): number {
  return readlinkAt(t, AT_FDCWD, path, buf, size);
}

function sysReadlinkat(t: FileTask, dirfd: number, path: number, buf: number, size: number): number {
  return readlinkAt(t, int(dirfd), path, buf, size);
}

function accessAt(t: FileTask, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -E.EINVAL;
  const vd = at(t, dirfd, pathAddr, flags);
  if (typeof vd === "number") return vd;
  return accessVd(t, vd, int(mode), (flags & AT_EACCESS) !== 0);
}

function sysAccess(t: FileTask, path: number, mode: number): number {
  return accessAt(t, AT_FDCWD, path, mode, 0);
}

function sysFaccessat(t: FileTask, dirfd: number, path: number, mode: number): number {
  return accessAt(t, int(dirfd), path, mode, 0);
}

function sysFaccessat2(t: FileTask, dirfd: number, path: number, mode: number, flags: number): number {
  return accessAt(t, int(dirfd), path, mode, int(flags));
}

/** Rows of the stat family. */
export const STAT_SYSCALLS: SyscallEntry[] = [
  row(SYS.stat, "stat", "full", "", sysStat),
  row(SYS.lstat, "lstat", "full", "", sysLstat),
  row(SYS.fstat, "fstat", "full", "", sysFstat),
  row(SYS.newfstatat, "newfstatat", "full", "", sysNewfstatat),
  row(SYS.statx, "statx", "partial", "basic stats and mount id; no btime", sysStatx),
  row(SYS.statfs, "statfs", "full", "", sysStatfs),
  row(SYS.fstatfs, "fstatfs", "full", "", sysFstatfs),
  row(SYS.readlink, "readlink", "full", "", sysReadlink),
  row(SYS.readlinkat, "readlinkat", "full", "", sysReadlinkat),
  row(SYS.access, "access", "full", "", sysAccess),
  row(SYS.faccessat, "faccessat", "full", "", sysFaccessat),
  row(SYS.faccessat2, "faccessat2", "full", "", sysFaccessat2),
];
