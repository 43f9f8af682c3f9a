// eventfd: a 64-bit counter as a file. read takes the counter (or 1 with EFD_SEMAPHORE),
// write adds to it; both block (or EAGAIN) at the limits.
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, O_RDWR, POLLIN, POLLOUT } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import { anonIno, anonStat } from "../anon/anon.ts";
import type { FileTask } from "../../vfs/task.ts";

/** eventfd2 flags. */
export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = O_NONBLOCK;
export const EFD_CLOEXEC = 0o2000000;

const MAX = 0xfffffffffffffffen;

/** An eventfd description. */
export class EventFd extends FileDescription {
  private counter: bigint;
  private readonly semaphore: boolean;
  private readonly queue = new WaitQueue();
  private readonly ino = anonIno();
  private readonly view = new DataView(new ArrayBuffer(8));

  /** A counter starting at `initval`; `flags` are eventfd2's. */
  constructor(initval: number, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null);
    this.counter = BigInt(initval >>> 0);
    this.semaphore = (flags & EFD_SEMAPHORE) !== 0;
  }

  override get seekable(): boolean {
    return false;
  }

  override read(t: FileTask, dst: Uint8Array): number {
    if (dst.length < 8) return -E.EINVAL;
    if (this.counter === 0n) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([this.queue]);
      return BLOCK;
    }
    const v = this.semaphore ? 1n : this.counter;
    this.counter -= v;
    this.view.setBigUint64(0, v, true);
    dst.set(new Uint8Array(this.view.buffer));
    this.queue.notify();
    return 8;
  }

  override write(t: FileTask, src: Uint8Array): number {
    if (src.length < 8) return -E.EINVAL;
    const v = new DataView(src.buffer, src.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) return -E.EINVAL;
    if (MAX - this.counter < v) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([this.queue]);
      return BLOCK;
    }
    this.counter += v;
    if (v > 0n) this.queue.notify();
    return 8;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override pwrite(): number {
    return -E.ESPIPE;
  }

  override readiness(_t: FileTask, mask: number): number {
    let r = 0;
    if (this.counter > 0n) r |= POLLIN;
    if (this.counter < MAX) r |= POLLOUT;
    return r & mask;
  }

  override waitQueue(): WaitQueue {
    return this.queue;
  }

  override stat(): StatInfo {
    return anonStat(this.ino);
  }

  override anonName(): string {
    return "anon_inode:[eventfd]";
  }
}
