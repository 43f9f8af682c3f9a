// inotify instances: watches are validated and numbered as Linux does, but no event is ever
// generated (the VFS has no notification hooks yet). Runtimes that only set up watches (node's
// fs.watch, tail -f, systemd-style config reloaders) start and run; they never see changes.
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, O_RDONLY } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { Inode, StatInfo } from "../../vfs/inode.ts";
import { anonIno, anonStat } from "../anon/anon.ts";
import type { FileTask } from "../../vfs/task.ts";

/** An inotify instance. */
export class InotifyFile extends FileDescription {
  private readonly queue = new WaitQueue();
  private readonly ino = anonIno();
  private nextWd = 1;
  /** Watch descriptor by inode (one watch per inode, as Linux). */
  private readonly watches = new Map<Inode, { wd: number; mask: number }>();

  /** A new instance; `flags` may hold O_NONBLOCK. */
  constructor(flags: number) {
    super(O_RDONLY | (flags & O_NONBLOCK), null);
  }

  /** inotify_add_watch on a resolved inode: the existing wd (mask replaced or ORed) or a new one. */
  addWatch(inode: Inode, mask: number, add: boolean): number {
    const w = this.watches.get(inode);
    if (w !== undefined) {
      w.mask = add ? w.mask | mask : mask;
      return w.wd;
    }
    const wd = this.nextWd++;
    this.watches.set(inode, { wd, mask });
    return wd;
  }

  /** inotify_rm_watch: 0, or -EINVAL for an unknown wd. */
  removeWatch(wd: number): number {
    for (const [k, w] of this.watches) {
      if (w.wd === wd) {
        this.watches.delete(k);
        return 0;
      }
    }
    return -E.EINVAL;
  }

  override get seekable(): boolean {
    return false;
  }

  override read(t: FileTask, dst: Uint8Array): number {
    if (dst.length < 16) return -E.EINVAL;
    if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
    t.blockOn([this.queue]);
    return BLOCK;
  }

  override write(): number {
    return -E.EINVAL;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override readiness(): number {
    return 0;
  }

  override waitQueue(): WaitQueue {
    return this.queue;
  }

  override stat(): StatInfo {
    return anonStat(this.ino);
  }

  override anonName(): string {
    return "anon_inode:inotify";
  }
}
