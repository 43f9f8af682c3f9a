// signalfd: reads dequeue pending signals of the file's mask as 128-byte signalfd_siginfo
// records. The reader's own pending signals come first, then those queued on other threads of
// its process (process-directed signals are parked on one thread here, see signal/send.ts).
// A per-process wait queue, notified by a pending-signal hook, wakes readers and pollers.
import { E } from "../../../../ffi/errno.ts";
import type { Task } from "../../kernel/task.ts";
import type { ThreadGroup } from "../../kernel/thread-group.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { takeSignal } from "../../signal/deliver.ts";
import { pendingHooks } from "../../signal/send.ts";
import { sigbit, type SigInfo, UNBLOCKABLE } from "../../signal/state.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_NONBLOCK, O_RDWR, POLLIN, S_IFREG } from "../../vfs/consts.ts";
import { FileDescription } from "../../vfs/file.ts";
import { allocDev, type StatInfo } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";

/** sizeof(struct signalfd_siginfo). */
export const SIGINFO_SIZE = 128;
const ANON_DEV = allocDev();
let nextIno = 1;

const queues = new WeakMap<ThreadGroup, WaitQueue>();
let hooked = false;

function queueOf(tg: ThreadGroup): WaitQueue {
  let q = queues.get(tg);
  if (q === undefined) {
    q = new WaitQueue();
    queues.set(tg, q);
  }
  if (!hooked) {
    hooked = true;
    pendingHooks.push((t) => queues.get(t.tg)?.notify());
  }
  return q;
}

/** Fills one signalfd_siginfo record at `off` of `dv` from `info`. */
export function writeSignalfdInfo(dv: DataView, off: number, info: SigInfo): void {
  for (let i = 0; i < SIGINFO_SIZE; i += 4) dv.setUint32(off + i, 0, true);
  dv.setUint32(off, info.signo, true);
  dv.setInt32(off + 8, info.code, true);
  if (info.timerId !== undefined) {
    dv.setUint32(off + 24, info.timerId, true); // ssi_tid
    dv.setUint32(off + 32, info.overrun ?? 0, true);
  } else {
    dv.setUint32(off + 12, info.pid, true);
    dv.setUint32(off + 16, info.uid, true);
    dv.setInt32(off + 40, info.status, true);
  }
  if (info.value !== undefined) {
    const v = BigInt.asUintN(64, info.value);
    dv.setInt32(off + 44, Number(BigInt.asIntN(32, v)), true); // ssi_int
    dv.setBigUint64(off + 48, v, true); // ssi_ptr
  }
  dv.setBigUint64(off + 72, BigInt(info.addr), true);
}

/** A signalfd description. */
export class SignalFd extends FileDescription {
  private readonly ino = nextIno++;

  /**
   * A signalfd for the signals in `mask` (SIGKILL/SIGSTOP are dropped); like Linux it reads
   * the signals of whichever process reads it (it may be inherited across fork).
   */
  constructor(public mask: bigint, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null);
    this.mask &= ~UNBLOCKABLE;
  }

  /** Changes the mask (signalfd on an existing fd); wakes pollers of `tg` to re-check. */
  setMask(tg: ThreadGroup, mask: bigint): void {
    this.mask = mask & ~UNBLOCKABLE;
    queueOf(tg).notify();
  }

  private take(t: Task): SigInfo | null {
    const own = takeSignal(t, this.mask);
    if (own !== null) return own;
    for (const o of t.tg.tasks) {
      if (o === t) continue;
      const got = takeSignal(o, this.mask);
      if (got !== null) return got;
    }
    return null;
  }

  private pending(t: Task): boolean {
    for (const o of t.tg.tasks) {
      if ((o.sig.pendingSet & this.mask) !== 0n) return true;
    }
    return t.tg.pending.some((p) => (sigbit(p.signo) & this.mask) !== 0n);
  }

  override get seekable(): boolean {
    return false;
  }

  override read(ft: FileTask, dst: Uint8Array): number {
    const t = ft as unknown as Task;
    if (dst.length < SIGINFO_SIZE) return -E.EINVAL;
    const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    let n = 0;
    while (n + SIGINFO_SIZE <= dst.length) {
      const info = this.take(t);
      if (info === null) break;
      writeSignalfdInfo(dv, n, info);
      n += SIGINFO_SIZE;
    }
    if (n > 0) return n;
    if ((this.flags & O_NONBLOCK) !== 0) return -E.EAGAIN;
    ft.blockOn([queueOf(t.tg)]);
    return BLOCK;
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

  override readiness(ft: FileTask, mask: number): number {
    return (this.pending(ft as unknown as Task) ? POLLIN : 0) & mask;
  }

  override waitQueue(ft: FileTask): WaitQueue {
    return queueOf((ft as unknown as Task).tg);
  }

  override stat(): StatInfo {
    return {
      dev: ANON_DEV,
      ino: this.ino,
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

  override anonName(): string {
    return "anon_inode:[signalfd]";
  }
}
