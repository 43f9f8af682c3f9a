// What file syscalls need from the task that makes them. The Sentry's Task implements
// FileTask; unit tests implement it with plain objects.
import type { SyscallTask } from "../syscalls/abi.ts";
import type { FdTable } from "./fdtable.ts";
import type { FsContext } from "./context.ts";

/**
 * A task's credentials as file permission checks see them. `fsuid`/`fsgid` default to the
 * effective ids when absent (Linux keeps them equal unless setfsuid is used).
 */
export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly euid: number;
  readonly egid: number;
  readonly suid: number;
  readonly sgid: number;
  readonly fsuid?: number;
  readonly fsgid?: number;
  readonly groups: readonly number[];
  /** Effective capabilities (kernel/caps.ts); absent: root by its fs uid. */
  readonly capEff?: bigint;
}

/** The uid used for file access checks. */
export function fsUid(c: Credentials): number {
  return c.fsuid ?? c.euid;
}

/** The gid used for file access checks and for new files' group. */
export function fsGid(c: Credentials): number {
  return c.fsgid ?? c.egid;
}

/** True when `gid` is the fs gid or one of the supplementary groups. */
export function inGroup(c: Credentials, gid: number): boolean {
  return fsGid(c) === gid || c.groups.includes(gid);
}

/**
 * A task as file syscalls see it: its fd table (shared between CLONE_FILES threads), its
 * filesystem context (root, cwd, umask; shared with CLONE_FS) and credentials.
 *
 * `sendSignal`, when present, queues a signal to this thread: a write to a pipe without
 * readers calls `sendSignal(SIGPIPE)` before returning -EPIPE, as Linux does.
 */
export interface FileTask extends SyscallTask {
  readonly fds: FdTable;
  readonly fsctx: FsContext;
  readonly creds: Credentials;
  sendSignal?(sig: number): void;
}
