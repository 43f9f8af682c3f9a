// Signal bookkeeping: dispositions (shared by a thread group, or by CLONE_SIGHAND sharers),
// per-thread masks, pending signals with their siginfo, and the alternate stack.

/** Default actions. */
export const SIG_DFL = 0;
export const SIG_IGN = 1;

/** sigaction flags. */
export const SA_NOCLDSTOP = 0x1;
export const SA_NOCLDWAIT = 0x2;
export const SA_SIGINFO = 0x4;
export const SA_RESTORER = 0x04000000;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;

/** Signal numbers used by the kernel itself. */
export const SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGILL = 4,
  SIGTRAP = 5,
  SIGABRT = 6,
  SIGBUS = 7,
  SIGFPE = 8,
  SIGKILL = 9,
  SIGUSR1 = 10,
  SIGSEGV = 11,
  SIGUSR2 = 12,
  SIGPIPE = 13,
  SIGALRM = 14,
  SIGTERM = 15,
  SIGCHLD = 17,
  SIGCONT = 18,
  SIGSTOP = 19,
  SIGTSTP = 20,
  SIGTTIN = 21,
  SIGTTOU = 22,
  SIGURG = 23,
  SIGWINCH = 28,
  SIGSYS = 31;

/** Highest signal number. */
export const NSIG = 64;

/** One disposition. */
export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

/** Signal information carried with a pending signal (the fields we fill of siginfo_t). */
export interface SigInfo {
  signo: number;
  code: number;
  /** Sender pid/uid (SI_USER, SI_TKILL, CLD_*). */
  pid: number;
  uid: number;
  /** CLD_*: child status; SIGSEGV etc.: fault address. */
  status: number;
  addr: number;
  /** SI_TIMER/SI_QUEUE/SI_MESGQ: the 64-bit sigval (an int or a pointer). */
  value?: bigint;
  /** SI_TIMER: the timer id (si_tid) and overrun count (si_overrun). */
  timerId?: number;
  overrun?: number;
}

/** The bit of signal `sig` in a sigset. */
export function sigbit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** Signals that cannot be blocked or caught. */
export const UNBLOCKABLE: bigint = sigbit(SIGKILL) | sigbit(SIGSTOP);

/** Dispositions of all signals, shared per CLONE_SIGHAND group. */
export class SignalHandlers {
  readonly actions: SigAction[] = [];

  /** All defaults. */
  constructor() {
    for (let i = 0; i <= NSIG; i++) this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n });
  }

  /** A copy (fork). */
  clone(): SignalHandlers {
    const h = new SignalHandlers();
    for (let i = 0; i <= NSIG; i++) h.actions[i] = { ...this.actions[i] };
    return h;
  }

  /** execve: caught signals go back to default; ignored stay ignored. */
  resetForExec(): void {
    for (const a of this.actions) {
      if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      a.flags = 0;
      a.restorer = 0;
      a.mask = 0n;
    }
  }
}

/** Per-thread signal state. */
export class SignalState {
  mask = 0n;
  /** Pending signals of this thread, in arrival order (standard signals at most once). */
  readonly pending: SigInfo[] = [];
  pendingSet = 0n;
  /** sigaltstack. */
  altSp = 0;
  altSize = 0;
  altFlags = 2; // SS_DISABLE
  /** Mask to restore after rt_sigsuspend/ppoll's temporary mask, or null. */
  savedMask: bigint | null = null;

  /** A copy for a new thread (mask and alt stack inherited, nothing pending). */
  fork(): SignalState {
    const s = new SignalState();
    s.mask = this.mask;
    s.altSp = this.altSp;
    s.altSize = this.altSize;
    s.altFlags = this.altFlags;
    return s;
  }
}
