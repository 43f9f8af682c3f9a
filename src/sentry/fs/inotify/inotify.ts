// inotify instances over the VFS's fsnotify hooks (vfs/fsnotify.ts): one watch per inode and
// instance, events queued as struct inotify_event records. As Linux: an event identical to the
// last one still queued is merged, the queue holds at most 16384 events (then one
// IN_Q_OVERFLOW), IN_ONESHOT watches end after their first event, a watch that ends (rm_watch,
// inode deleted) queues IN_IGNORED, and a read takes as many whole events as fit (EINVAL when
// not even the first one does).
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, O_RDONLY, POLLIN, POLLRDNORM } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import { addFsWatch, type FsWatch, IN, removeFsWatch } from "../../vfs/fsnotify.ts";
import type { Inode, StatInfo } from "../../vfs/inode.ts";
import { anonIno, anonStat } from "../anon/anon.ts";
import type { FileTask } from "../../vfs/task.ts";

const IN_ONESHOT = 0x80000000;
const FIONREAD = 0x541b;
/** /proc/sys/fs/inotify/max_queued_events default. */
const MAX_QUEUED = 16384;
const EVENT_SIZE = 16;

interface InotifyEvent {
  wd: number;
  mask: number;
  cookie: number;
  /** The name, NUL-padded to a multiple of 16 bytes (empty: no name). */
  name: Uint8Array;
}

const NO_NAME = new Uint8Array(0);

function encodeName(name: string | null): Uint8Array {
  if (name === null) return NO_NAME;
  const raw = Buffer.from(name, "utf8");
  const out = new Uint8Array(Math.ceil((raw.length + 1) / EVENT_SIZE) * EVENT_SIZE);
  out.set(raw);
  return out;
}

/** One watch: an inode seen by one instance. */
class Watch implements FsWatch {
  constructor(readonly owner: InotifyFile, readonly inode: Inode, readonly wd: number, public mask: number) {}

  event(mask: number, cookie: number, name: string | null): void {
    if ((mask & this.mask & ~IN.ISDIR) === 0) return;
    this.owner.queueEvent(this.wd, mask, cookie, name);
    if ((this.mask & IN_ONESHOT) !== 0) this.owner.endWatch(this, true);
  }

  gone(): void {
    this.owner.endWatch(this, false);
  }
}

/** An inotify instance. */
export class InotifyFile extends FileDescription {
  private readonly queue = new WaitQueue();
  private readonly ino = anonIno();
  private nextWd = 1;
  /** Watch by inode (one per inode, as Linux). */
  private readonly watches = new Map<Inode, Watch>();
  private readonly events: InotifyEvent[] = [];
  private queuedBytes = 0;

  /** A new instance; `flags` may hold O_NONBLOCK. */
  constructor(flags: number) {
    super(O_RDONLY | (flags & O_NONBLOCK), null);
  }

  /**
   * inotify_add_watch on a resolved inode: the existing wd (mask replaced, or ORed with
   * `add`; EEXIST with `create`) or a new one. `mask` keeps IN_ONESHOT.
   */
  addWatch(inode: Inode, mask: number, add: boolean, create = false): number {
    const w = this.watches.get(inode);
    if (w !== undefined) {
      if (create) return -E.EEXIST;
      w.mask = add ? w.mask | mask : mask;
      return w.wd;
    }
    const nw = new Watch(this, inode, this.nextWd++, mask);
    this.watches.set(inode, nw);
    addFsWatch(inode, nw);
    return nw.wd;
  }

  /** inotify_rm_watch: 0 (IN_IGNORED queued), or -EINVAL for an unknown wd. */
  removeWatch(wd: number): number {
    for (const w of this.watches.values()) {
      if (w.wd === wd) {
        this.endWatch(w, true);
        return 0;
      }
    }
    return -E.EINVAL;
  }

  /** A watch ends: IN_IGNORED; `unhook` when the VFS still holds it. */
  endWatch(w: Watch, unhook: boolean): void {
    if (this.watches.get(w.inode) !== w) return;
    this.watches.delete(w.inode);
    if (unhook) removeFsWatch(w.inode, w);
    this.queueEvent(w.wd, IN.IGNORED, 0, null);
  }

  /** Queues an event (merged with an identical last one; overflow past the limit). */
  queueEvent(wd: number, mask: number, cookie: number, name: string | null): void {
    const enc = encodeName(name);
    const last = this.events[this.events.length - 1];
    if (
      last !== undefined && last.wd === wd && last.mask === mask && last.cookie === cookie &&
      Buffer.compare(last.name, enc) === 0
    ) return;
    if (last?.mask === IN.Q_OVERFLOW) return;
    const ev = this.events.length >= MAX_QUEUED
      ? { wd: -1, mask: IN.Q_OVERFLOW, cookie: 0, name: NO_NAME }
      : { wd, mask, cookie, name: enc };
    this.events.push(ev);
    this.queuedBytes += EVENT_SIZE + ev.name.length;
    this.queue.notify();
  }

  override get seekable(): boolean {
    return false;
  }

  override read(t: FileTask, dst: Uint8Array): number {
    if (this.events.length === 0) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([this.queue]);
      return BLOCK;
    }
    const v = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    let off = 0;
    while (this.events.length > 0) {
      const ev = this.events[0];
      const size = EVENT_SIZE + ev.name.length;
      if (off + size > dst.length) break;
      v.setInt32(off, ev.wd, true);
      v.setUint32(off + 4, ev.mask >>> 0, true);
      v.setUint32(off + 8, ev.cookie, true);
      v.setUint32(off + 12, ev.name.length, true);
      dst.set(ev.name, off + EVENT_SIZE);
      off += size;
      this.events.shift();
      this.queuedBytes -= size;
    }
    return off === 0 ? -E.EINVAL : off;
  }

  override write(): number {
    return -E.EINVAL;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override ioctl(t: FileTask, cmd: number, arg: number): number {
    if (cmd !== FIONREAD) return -E.ENOTTY;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, this.queuedBytes, true);
    return t.mem.write(arg, b) < 0 ? -E.EFAULT : 0;
  }

  override readiness(_t: FileTask, mask: number): number {
    return this.events.length > 0 ? (POLLIN | POLLRDNORM) & mask : 0;
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

  /** Closing the instance drops its watches (nobody is left to read IN_IGNORED). */
  protected override release(): void {
    for (const w of this.watches.values()) removeFsWatch(w.inode, w);
    this.watches.clear();
    this.events.length = 0;
  }
}
