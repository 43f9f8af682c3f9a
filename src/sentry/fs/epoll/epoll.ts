// epoll: an interest list of (file, fd) with event masks. Readiness comes from each file's
// readiness(); epoll_wait parks on all the interests' wait queues. Interests whose file was
// released (every fd closed) disappear, as on Linux. EPOLLET reports an interest only after an
// edge: a notification on the file's wait queue (a persistent forwarder marks it) or readiness
// bits not seen at the previous look (covers files whose queues are only fed while watched);
// EPOLLONESHOT disarms an interest after it is reported. EPOLLEXCLUSIVE is validated as Linux
// does and otherwise served by waking every waiter (it only avoids thundering herds).
import { E } from "../../../../ffi/errno.ts";
import { type Waiter, WaitQueue } from "../../kernel/waitqueue.ts";
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import { anonIno, anonStat } from "../anon/anon.ts";
import type { FileTask } from "../../vfs/task.ts";

/** epoll_ctl operations and flags. */
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = 1 << 31;
/** Bits allowed together with EPOLLEXCLUSIVE (Linux EPOLLEXCLUSIVE_OK_BITS). */
const EXCLUSIVE_OK = POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

/** One registered (file, fd). */
interface Interest {
  readonly file: FileDescription;
  readonly fd: number;
  events: number;
  data: bigint;
  /** Disarmed by EPOLLONESHOT until the next EPOLL_CTL_MOD. */
  armed: boolean;
  /** EPOLLET: an event happened since the interest was last reported. */
  edge: boolean;
  /** EPOLLET: the ready bits seen at the last look. */
  seen: number;
  /** Forwards notifications of the file's queue to the epoll's own (nested polling, edges). */
  forward: Waiter | null;
  forwardQueue: WaitQueue | null;
}

/** A ready event for epoll_wait. */
export interface EpollEvent {
  events: number;
  data: bigint;
}

/** An epoll instance. */
export class EpollFile extends FileDescription {
  private readonly interests: Interest[] = [];
  /** Notified when an interest's file may have become ready (for poll on the epoll fd). */
  private readonly queue = new WaitQueue();
  private readonly ino = anonIno();

  /** A new empty epoll instance. */
  constructor() {
    super(0o2, null);
  }

  override get seekable(): boolean {
    return false;
  }

  private find(file: FileDescription, fd: number): number {
    return this.interests.findIndex((i) => i.file === file && i.fd === fd);
  }

  /** epoll_ctl. `file` is the description open at `fd`. */
  ctl(op: number, fd: number, file: FileDescription, events: number, data: bigint): number {
    if (file === this) return -E.EINVAL;
    // Linux refuses regular files and directories: they are always ready.
    if (file.vd !== null && (file.vd.inode.isRegular || file.vd.inode.isDir)) return -E.EPERM;
    const idx = this.find(file, fd);
    if ((events & EPOLLEXCLUSIVE) !== 0) {
      if (op === EPOLL_CTL_MOD || (events & ~EXCLUSIVE_OK) !== 0) return -E.EINVAL;
    }
    switch (op) {
      case EPOLL_CTL_ADD:
        if (idx >= 0) return -E.EEXIST;
        this.interests.push({
          file,
          fd,
          events,
          data,
          armed: true,
          edge: true,
          seen: 0,
          forward: null,
          forwardQueue: null,
        });
        this.queue.notify();
        return 0;
      case EPOLL_CTL_MOD: {
        if (idx < 0) return -E.ENOENT;
        const i = this.interests[idx];
        if ((i.events & EPOLLEXCLUSIVE) !== 0) return -E.EINVAL;
        i.events = events;
        i.data = data;
        i.armed = true;
        i.edge = true;
        i.seen = 0;
        this.queue.notify();
        return 0;
      }
      case EPOLL_CTL_DEL:
        if (idx < 0) return -E.ENOENT;
        this.drop(idx);
        return 0;
      default:
        return -E.EINVAL;
    }
  }

  private drop(idx: number): void {
    const i = this.interests[idx];
    if (i.forward !== null) i.forwardQueue?.remove(i.forward);
    this.interests.splice(idx, 1);
  }

  /** Collects up to `max` ready events; disarms EPOLLONESHOT interests reported. */
  collect(t: FileTask, max: number, out: EpollEvent[]): number {
    out.length = 0;
    for (let k = 0; k < this.interests.length && out.length < max; k++) {
      const i = this.interests[k];
      if (i.file.refCount === 0) {
        this.drop(k--);
        continue;
      }
      if (!i.armed) continue;
      const et = (i.events & EPOLLET) !== 0;
      if (et) this.hook(t, i);
      const want = (i.events & 0xffff) | POLLERR | POLLHUP;
      const r = i.file.readiness(t, want) & want;
      if (et) {
        const fire = r !== 0 && (i.edge || (r & ~i.seen) !== 0);
        i.seen = r;
        i.edge = false;
        if (!fire) continue;
      }
      if (r === 0) continue;
      out.push({ events: r, data: i.data });
      if ((i.events & EPOLLONESHOT) !== 0) i.armed = false;
    }
    return out.length;
  }

  /** The queues epoll_wait sleeps on (asking each file re-arms host fd watches). */
  queues(t: FileTask): WaitQueue[] {
    const qs: WaitQueue[] = [this.queue];
    for (const i of this.interests) {
      if (!i.armed || i.file.refCount === 0) continue;
      const q = this.hook(t, i);
      if (q !== null && !qs.includes(q)) qs.push(q);
    }
    return qs;
  }

  /** Readable when some interest is ready (epoll fds can be polled or nested). */
  override readiness(t: FileTask, mask: number): number {
    for (const i of this.interests) {
      if (!i.armed || i.file.refCount === 0) continue;
      const want = (i.events & 0xffff) | POLLERR | POLLHUP;
      const r = i.file.readiness(t, want) & want;
      if (r === 0) continue;
      if ((i.events & EPOLLET) === 0 || i.edge || (r & ~i.seen) !== 0) return mask & POLLIN;
    }
    return 0;
  }

  /**
   * Installs (once per queue) a forwarder on the file's wait queue that marks an edge and
   * wakes the epoll's own queue; asking the file also re-arms host fd watches. Returns the
   * file's queue.
   */
  private hook(t: FileTask, i: Interest): WaitQueue | null {
    const q = i.file.waitQueue(t, i.events & 0xffff);
    if (q === null || q === i.forwardQueue) return q;
    if (i.forward !== null) i.forwardQueue?.remove(i.forward);
    const own = this.queue;
    i.forward = {
      wake: () => {
        i.edge = true;
        own.notify();
      },
    };
    i.forwardQueue = q;
    q.add(i.forward);
    return q;
  }

  /** The epoll's own queue, fed by forwarders on every interest's queue. */
  override waitQueue(t: FileTask): WaitQueue {
    for (const i of this.interests) this.hook(t, i);
    return this.queue;
  }

  protected override release(): void {
    while (this.interests.length > 0) this.drop(0);
  }

  override pread(): number {
    return -E.EINVAL;
  }

  override read(): number {
    return -E.EINVAL;
  }

  override write(): number {
    return -E.EINVAL;
  }

  override stat(): StatInfo {
    return anonStat(this.ino);
  }

  override anonName(): string {
    return "anon_inode:[eventpoll]";
  }
}
