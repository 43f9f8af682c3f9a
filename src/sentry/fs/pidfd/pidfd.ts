// Process file descriptors (pidfd_open, CLONE_PIDFD): a file naming one process. It polls
// readable once the process has exited (zombie or reaped), pidfd_send_signal signals it
// without pid reuse races, waitid(P_PIDFD) waits for it.
import { exitHooks } from "../../kernel/exit.ts";
import type { ThreadGroup } from "../../kernel/thread-group.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { O_NONBLOCK, O_RDWR, POLLIN, POLLRDNORM } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { anonIno, anonStat } from "../anon/anon.ts";

/** Exit wait queues of processes someone holds a pidfd of. */
const exitQueues = new WeakMap<ThreadGroup, WaitQueue>();
let hooked = false;

function exitQueue(tg: ThreadGroup): WaitQueue {
  let q = exitQueues.get(tg);
  if (q === undefined) {
    exitQueues.set(tg, q = new WaitQueue());
    if (!hooked) {
      hooked = true;
      exitHooks.push((g) => exitQueues.get(g)?.notify());
    }
  }
  return q;
}

/** A pidfd. */
export class PidFile extends FileDescription {
  private readonly ino = anonIno();

  /** The process; null only while clone is making it (CLONE_PIDFD takes the fd first). */
  tg: ThreadGroup | null;

  /** A pidfd of process `tg`; `flags` may hold O_NONBLOCK (PIDFD_NONBLOCK). */
  constructor(tg: ThreadGroup | null, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null);
    this.tg = tg;
  }

  override get seekable(): boolean {
    return false;
  }

  override readiness(_t: FileTask, mask: number): number {
    return this.tg === null || this.tg.zombie ? (POLLIN | POLLRDNORM) & mask : 0;
  }

  override waitQueue(): WaitQueue | null {
    return this.tg === null ? null : exitQueue(this.tg);
  }

  override stat(): StatInfo {
    return anonStat(this.ino);
  }

  override anonName(): string {
    return "anon_inode:[pidfd]";
  }
}
