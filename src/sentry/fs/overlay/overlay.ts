// The root filesystem: the gofer's read-only files as the lower layer, an in-memory upper
// layer for every change (gVisor's default overlay, medium "memory"). The lower layer is
// never written: the GoferClient has no write operation at all.
//
// Each overlay inode is one stable object that starts as a view of a lower file and keeps
// its own attributes; "copy-up" is therefore only needed for data (the first write or
// truncate of a lower regular file reads it whole into memory). Directories merge lower
// entries with their materialised children and hide removed names with whiteouts.
import type { GoferClient, GoferStat } from "../../../lisafs/api.ts";
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../vfs/consts.ts";
import { allocDev, type Filesystem, type FsStats, type Inode } from "../../vfs/inode.ts";
import { OvlDir } from "./dir.ts";
export { goferJoin } from "./dir.ts";
import { OvlFile, OvlNode, OvlSymlink } from "./file.ts";

/** statfs f_type of overlayfs. */
export const OVERLAYFS_SUPER_MAGIC = 0x794c7630;

/** An overlay of a gofer lower layer and an in-memory upper layer. */
export class OverlayFs implements Filesystem {
  readonly name = "overlay";
  readonly dev: number = allocDev();
  readonly readonly = false;
  readonly gofer: GoferClient;
  readonly root: OvlDir;
  /** Lower files of other host devices get fresh numbers (lower inos collide across devs). */
  private readonly foreign = new Map<string, number>();
  private rootDev = -1;
  private nextIno = 2 ** 40;

  /** An overlay whose lower root is the gofer's root (a missing root is an empty dir). */
  constructor(gofer: GoferClient) {
    this.gofer = gofer;
    const st = gofer.stat("");
    if (typeof st === "number" || (st.mode & S_IFMT) !== S_IFDIR) {
      this.root = new OvlDir(this, this.ino(), S_IFDIR | 0o755, 0, 0, null);
    } else {
      this.rootDev = st.dev;
      this.root = new OvlDir(this, st.ino, st.mode, st.uid, st.gid, "");
      this.root.lowerSize = st.size;
      applyStat(this.root, st);
    }
  }

  /** A fresh inode number for upper-only files. */
  ino(): number {
    return this.nextIno++;
  }

  /** The overlay inode number of a lower file. */
  lowerIno(st: GoferStat): number {
    if (st.dev === this.rootDev) return st.ino;
    const k = `${st.dev}:${st.ino}`;
    let n = this.foreign.get(k);
    if (n === undefined) {
      n = this.ino();
      this.foreign.set(k, n);
    }
    return n;
  }

  /** The overlay inode for lower file `path` with attributes `st`. */
  fromLower(path: string, st: GoferStat): Inode {
    const ino = this.lowerIno(st);
    let i: Inode;
    switch (st.mode & S_IFMT) {
      case S_IFDIR:
        i = new OvlDir(this, ino, st.mode, st.uid, st.gid, path);
        (i as OvlDir).lowerSize = st.size;
        break;
      case S_IFREG:
        i = new OvlFile(this, ino, st.mode, st.uid, st.gid, path, st.size);
        break;
      case S_IFLNK:
        i = new OvlSymlink(this, ino, st.uid, st.gid, path, null, st.size);
        break;
      default:
        i = new OvlNode(this, ino, st.mode, st.uid, st.gid);
        i.rdev = st.rdev;
    }
    applyStat(i, st);
    return i;
  }

  /** statfs: reported as overlay; sizes are nominal (the upper layer is memory). */
  statfs(): FsStats {
    return {
      type: OVERLAYFS_SUPER_MAGIC,
      bsize: 4096,
      blocks: 1 << 24,
      bfree: 1 << 23,
      bavail: 1 << 23,
      files: 1 << 22,
      ffree: 1 << 21,
      namelen: 255,
      flags: 0,
    };
  }
}

function applyStat(i: Inode, st: GoferStat): void {
  i.nlink = st.nlink;
  i.blocksHint = st.blocks;
  i.atimeNs = st.atimeNs;
  i.mtimeNs = st.mtimeNs;
  i.ctimeNs = st.ctimeNs;
}
