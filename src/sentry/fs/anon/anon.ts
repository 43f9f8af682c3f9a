// Anonymous-inode files (eventfd, timerfd, epoll, inotify, signalfd): like Linux's
// anon_inodefs they share one device and one inode-number space, and stat the same way.
import { S_IFREG } from "../../vfs/consts.ts";
import { allocDev, type StatInfo } from "../../vfs/inode.ts";

/** The device of every anonymous-inode file. */
export const ANON_DEV: number = allocDev();

let nextIno = 1;

/** A fresh inode number on {@link ANON_DEV}. */
export function anonIno(): number {
  return nextIno++;
}

/** What fstat reports for anonymous-inode file `ino`. */
export function anonStat(ino: number): StatInfo {
  return {
    dev: ANON_DEV,
    ino,
    nlink: 1,
    mode: S_IFREG | 0o600,
    uid: 0,
    gid: 0,
    rdev: 0,
    size: 0,
    blksize: 4096,
    blocks: 0,
    atimeNs: 0n,
    mtimeNs: 0n,
    ctimeNs: 0n,
  };
}
