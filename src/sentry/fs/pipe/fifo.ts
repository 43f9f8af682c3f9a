// Named pipes (mkfifo): every FIFO inode has one Pipe while any end is open. Opening an end
// without O_NONBLOCK waits until the other side has been opened, as Linux does: the new end
// is created (and counted) at once so the peer can see it, and a task re-running its blocked
// open picks up the end it created before (kept per task until the open completes).
import { E } from "../../../../ffi/errno.ts";
import { WaitQueue } from "../../kernel/waitqueue.ts";
import { BLOCK } from "../../syscalls/abi.ts";
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY } from "../../vfs/consts.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import type { FileDescription } from "../../vfs/file.ts";
import type { Inode } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";
import { Pipe, PipeFile } from "./pipe.ts";

/** Rendezvous state of one FIFO inode. */
class Fifo {
  pipe: Pipe | null = null;
  /** Bumped each time a reader / writer opens (Linux's r_counter / w_counter). */
  readerOpens = 0;
  writerOpens = 0;
  /** Notified when either side opens. */
  readonly opened: WaitQueue = new WaitQueue();

  /** The current pipe, fresh when no end is open (data does not outlive all ends). */
  current(): Pipe {
    if (this.pipe === null || (this.pipe.readers === 0 && this.pipe.writers === 0)) this.pipe = new Pipe();
    return this.pipe;
  }
}

const fifos = new WeakMap<Inode, Fifo>();
/** An open in progress: the end created and the peer counter it waits to see change. */
const pending = new WeakMap<FileTask, { inode: Inode; file: PipeFile; seen: number }>();

/** Opens FIFO `vd` for reading or writing (O_RDWR is not supported: ENXIO). */
export function openFifo(t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number {
  const inode = vd.inode;
  let f = fifos.get(inode);
  if (f === undefined) {
    f = new Fifo();
    fifos.set(inode, f);
  }
  const acc = flags & O_ACCMODE;
  if (acc !== O_RDONLY && acc !== O_WRONLY) return -E.ENXIO;
  const reader = acc === O_RDONLY;
  const peerOpens = () => (reader ? f.writerOpens : f.readerOpens);
  const p = pending.get(t);
  if (p !== undefined && p.inode === inode) {
    // Re-run of a blocked open: done once the other side has opened since.
    if (peerOpens() !== p.seen) {
      pending.delete(t);
      return p.file;
    }
    t.blockOn([f.opened]);
    return BLOCK;
  }
  const pipe = f.current();
  const nonblock = (flags & O_NONBLOCK) !== 0;
  if (!reader && nonblock && pipe.readers === 0) return -E.ENXIO;
  const file = new PipeFile(pipe, reader, flags);
  if (reader) f.readerOpens++;
  else f.writerOpens++;
  f.opened.notify();
  pipe.readable.notify();
  pipe.writable.notify();
  const peers = reader ? pipe.writers : pipe.readers;
  if (peers > 0 || nonblock) return file;
  pending.set(t, { inode, file, seen: peerOpens() });
  t.blockOn([f.opened]);
  return BLOCK;
}
