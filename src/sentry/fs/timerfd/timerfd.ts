// timerfd: a timer on the kernel's timer list whose expirations are counted and read as a
// u64. Deadlines are kept on CLOCK_MONOTONIC; absolute times of other clocks are converted
// when armed (a later change of the realtime clock is not followed: the Sentry never sets it).
import { E } from "../../../../ffi/errno.ts";
import { monotonicNs } from "../../../../ffi/time.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import type { Timed, Timers } from "../../kernel/timers.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, O_RDWR, POLLIN } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { StatInfo } from "../../vfs/inode.ts";
import { anonIno, anonStat } from "../anon/anon.ts";
import type { FileTask } from "../../vfs/task.ts";

/** A timerfd description. */
export class TimerFd extends FileDescription implements Timed {
  /** Timed.deadline: next expiration (CLOCK_MONOTONIC ns), 0 when disarmed. */
  deadline = 0;
  /** Period in ns (0: one-shot). */
  intervalNs = 0;
  /** Expirations not yet read. */
  private ticks = 0n;
  private readonly queue = new WaitQueue();
  private readonly ino = anonIno();

  /** A disarmed timer of clock `clockId` on `timers`; `flags` may hold O_NONBLOCK. */
  constructor(private readonly timers: Timers, readonly clockId: number, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null);
  }

  /** Timed.expire: counts the expiration (and missed periods), wakes readers, re-arms. */
  expire(): void {
    this.ticks++;
    if (this.intervalNs > 0) {
      const now = monotonicNs();
      this.deadline += this.intervalNs;
      if (this.deadline <= now) {
        const missed = Math.floor((now - this.deadline) / this.intervalNs) + 1;
        this.ticks += BigInt(missed);
        this.deadline += missed * this.intervalNs;
      }
      this.timers.add(this);
    } else this.deadline = 0;
    this.queue.notify();
  }

  /** Arms at monotonic `deadline` (0 disarms) with period `intervalNs`; unread ticks drop. */
  arm(deadline: number, intervalNs: number): void {
    this.timers.remove(this);
    this.ticks = 0n;
    this.intervalNs = intervalNs;
    this.deadline = deadline;
    if (deadline > 0) {
      if (deadline <= monotonicNs()) this.expire();
      else this.timers.add(this);
    }
  }

  /** Remaining ns until the next expiration (0 when disarmed). */
  remaining(): number {
    return this.deadline === 0 ? 0 : Math.max(1, this.deadline - monotonicNs());
  }

  override get seekable(): boolean {
    return false;
  }

  override read(t: FileTask, dst: Uint8Array): number {
    if (dst.length < 8) return -E.EINVAL;
    if (this.ticks === 0n) {
      if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
      t.blockOn([this.queue]);
      return BLOCK;
    }
    new DataView(dst.buffer, dst.byteOffset, 8).setBigUint64(0, this.ticks, true);
    this.ticks = 0n;
    return 8;
  }

  override write(): number {
    return -E.EINVAL;
  }

  override pread(): number {
    return -E.ESPIPE;
  }

  override pwrite(): number {
    return -E.ESPIPE;
  }

  override readiness(_t: FileTask, mask: number): number {
    return (this.ticks > 0n ? POLLIN : 0) & mask;
  }

  override waitQueue(): WaitQueue {
    return this.queue;
  }

  protected override release(): void {
    this.timers.remove(this);
    this.deadline = 0;
  }

  override stat(): StatInfo {
    return anonStat(this.ino);
  }

  override anonName(): string {
    return "anon_inode:[timerfd]";
  }
}
