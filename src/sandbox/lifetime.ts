// Child-side lifetime rules for the re-exec'd roles (boot, gofer): nothing may outlive the
// runsc process that started it, and role fds must not leak into anything the role starts.
import { fcntl, getpid, sys } from "../../ffi/libc.ts";
import { SYS } from "../../ffi/sysno.ts";

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * Asks the kernel to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG), then
 * closes the race where the parent died before the prctl: if our parent is no longer
 * `expectedParent`, we were already orphaned, so we exit now. Returns false in that case
 * (the caller exits); true otherwise. `expectedParent` <= 0 means "detached": no death signal.
 *
 * Caveat: Linux sends the signal when the parent *thread* that forked us exits. Node's
 * child_process spawns from the main thread, which lives as long as the CLI, so for the
 * shipped binary this is "when the runsc CLI exits".
 */
export function dieWithParent(expectedParent: number): boolean {
  // No parent named: a detached role (`runsc create`'s boot and gofer outlive the CLI).
  if (expectedParent <= 0) return true;
  sys(SYS.prctl, PR_SET_PDEATHSIG, SIGKILL);
  return sys(SYS.getppid) === expectedParent;
}

const PR_SET_NO_NEW_PRIVS = 38;

/**
 * PR_SET_NO_NEW_PRIVS: nothing this process executes can gain privileges (setuid bits, file
 * capabilities); also the precondition of installing a seccomp filter without CAP_SYS_ADMIN.
 * Returns 0 or -errno.
 */
export function noNewPrivs(): number {
  return sys(SYS.prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/** Marks fds close-on-exec, so that processes started later (stubs) never inherit them. */
export function setCloexec(...fds: number[]): void {
  for (const fd of fds) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/** This process's pid (for --parent-pid of the roles it starts). */
export function selfPid(): number {
  return getpid();
}
