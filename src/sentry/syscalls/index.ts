// Assembles the syscall table from every subsystem's rows.
import { mergeSyscallRows, SyscallTable } from "./table.ts";
import { PROCESS_SYSCALLS } from "./process.ts";
import { MM_SYSCALLS } from "./mm.ts";
import { TIME_SYSCALLS } from "./time.ts";
import { SIGNAL_SYSCALLS } from "./signal.ts";
import { CLONE_SYSCALLS } from "./clone.ts";
import { FUTEX_SYSCALLS } from "./futex.ts";
import { ITIMER_SYSCALLS } from "./itimer.ts";
import { SIGWAIT_SYSCALLS } from "./sigwait.ts";
import { FILE_SYSCALLS } from "./file/index.ts";
import { SOCKET_SYSCALLS } from "./socket/index.ts";
import { RESOURCE_SYSCALLS } from "./resource.ts";
import { TIMERFD_SYSCALLS } from "./timerfd.ts";
import { POSIX_TIMER_SYSCALLS } from "./posix-timers.ts";
import { SIGNALFD_SYSCALLS } from "../fs/signalfd/syscalls.ts";
import { PIDFD_SYSCALLS } from "../fs/pidfd/syscalls.ts";
import type { SyscallEntry } from "./abi.ts";
import { setJobctlSender } from "../signal/jobctl.ts";
import { sendToGroup } from "../signal/send.ts";

/** Every row list, files first so kernel rows win where both define a number. */
export const ALL_SYSCALL_LISTS: readonly (readonly SyscallEntry[])[] = [
  FILE_SYSCALLS,
  SOCKET_SYSCALLS,
  PROCESS_SYSCALLS,
  MM_SYSCALLS,
  TIME_SYSCALLS,
  SIGNAL_SYSCALLS,
  CLONE_SYSCALLS,
  FUTEX_SYSCALLS,
  ITIMER_SYSCALLS,
  SIGWAIT_SYSCALLS,
  RESOURCE_SYSCALLS,
  TIMERFD_SYSCALLS,
  POSIX_TIMER_SYSCALLS,
  SIGNALFD_SYSCALLS,
  PIDFD_SYSCALLS,
];

/** Every subsystem's row list, in merge order (later lists win); no kernel needed. */
export function syscallEntryLists(): readonly (readonly SyscallEntry[])[] {
  return ALL_SYSCALL_LISTS;
}

/** The merged table rows (one per x86_64 syscall number), as the running Sentry uses them. */
export function syscallRows(): SyscallEntry[] {
  return mergeSyscallRows(ALL_SYSCALL_LISTS);
}

/** Builds the table; `strace` receives one line per syscall when non-null. */
export function buildSyscallTable(strace: ((line: string) => void) | null): SyscallTable {
  setJobctlSender(sendToGroup);
  return new SyscallTable(ALL_SYSCALL_LISTS, strace);
}
