// Values a kernel-internal syscall handler may return besides a result, BLOCK or -errno, to
// change what happens after the call. They live outside abi.ts because only handlers that
// reshape a task (exit, execve, rt_sigreturn) need them.

/** The task no longer runs (exit, exit_group, killed): do not write rax, do not resume. */
export const NORESUME = -0x10010;

/** The handler set every register itself (execve, rt_sigreturn): resume without writing rax. */
export const KEEPREGS = -0x10011;

/** Internal: restart the syscall after a signal handler (SA_RESTART), like -ERESTARTSYS. */
export const ERESTARTSYS = -512;
/** Restart only if no handler ran (nanosleep without SA_RESTART semantics). */
export const ERESTARTNOHAND = -514;
