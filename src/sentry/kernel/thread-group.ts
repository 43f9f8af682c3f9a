// A thread group (process): its threads, its place in the process tree, sessions and process
// groups, signal dispositions and exit status.
import { WaitQueue } from "./waitqueue.ts";
import { ProcessCpu } from "./cputime.ts";
import type { Task } from "./task.ts";
import type { SigInfo, SignalHandlers } from "../signal/state.ts";

/** A process. */
export class ThreadGroup {
  readonly tgid: number;
  readonly tasks: Set<Task> = new Set();
  parent: ThreadGroup | null;
  readonly children: Set<ThreadGroup> = new Set();
  pgid: number;
  sid: number;
  handlers: SignalHandlers;
  /** Signal sent to the parent when this process exits (SIGCHLD unless clone said otherwise). */
  exitSignal: number;
  /** Set once every thread exited: the wait status (as wait4 reports it). */
  zombie = false;
  exitStatus = 0;
  /** Set when exit_group started (other threads are being killed). */
  exiting = false;
  /** Notified when a child changes state (exits, stops, continues). */
  readonly childEvents: WaitQueue = new WaitQueue();
  /** True while stopped by a job-control signal. */
  stopped = false;
  /** Set when stopped by a job-control signal and not yet reported to wait. */
  stopReport = 0;
  continuedReport = false;
  /** Process-directed pending signals nobody could take yet. */
  readonly pending: SigInfo[] = [];
  /** vfork parent waiting for this process to exec or exit. */
  vforkParent: Task | null = null;
  readonly vforkDone: WaitQueue = new WaitQueue();
  /** The executable path and argv (for /proc). */
  exe = "";
  argv: readonly string[] = [];
  envp: readonly string[] = [];
  /** Start time for /proc. */
  readonly startNs: number;
  /** The terminal this process controls (fs/devpts/jobctl.ts), inherited by fork. */
  ctty: object | null = null;
  /** CPU time used and collected from children (kernel/cputime.ts). */
  readonly cpu: ProcessCpu = new ProcessCpu();
  /** Resource limits (soft, hard) by RLIMIT_* index; Infinity = RLIM_INFINITY. */
  rlimits: [number, number][];

  /** Creates a process; the caller wires parent/children. */
  constructor(
    tgid: number,
    parent: ThreadGroup | null,
    handlers: SignalHandlers,
    rlimits: [number, number][],
    startNs: number,
  ) {
    this.tgid = tgid;
    this.parent = parent;
    this.pgid = parent !== null ? parent.pgid : tgid;
    this.sid = parent !== null ? parent.sid : tgid;
    this.handlers = handlers;
    this.exitSignal = 17;
    this.rlimits = rlimits.map(([a, b]) => [a, b]);
    this.startNs = startNs;
  }

  /** The thread whose tid equals the tgid, or any live thread. */
  leader(): Task | null {
    for (const t of this.tasks) if (t.tid === this.tgid) return t;
    for (const t of this.tasks) return t;
    return null;
  }
}
