// The file syscalls' table rows, for the Sentry's SyscallTable: `new SyscallTable([...,
// FILE_SYSCALLS], strace)`. Every handler expects the calling task to implement FileTask
// (src/sentry/vfs/task.ts).
import type { SyscallEntry } from "../abi.ts";
import { FD_SYSCALLS } from "./fd.ts";
import { RW_SYSCALLS } from "./rw.ts";

/** All file-related syscall rows. */
export const FILE_SYSCALLS: SyscallEntry[] = [...RW_SYSCALLS, ...FD_SYSCALLS];
