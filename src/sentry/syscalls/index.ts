// Assembles the syscall table from every subsystem's rows.
import { SyscallTable } from "./table.ts";
import { PROCESS_SYSCALLS } from "./process.ts";
import { MM_SYSCALLS } from "./mm.ts";
import { TIME_SYSCALLS } from "./time.ts";
import { SIGNAL_SYSCALLS } from "./signal.ts";
import { CLONE_SYSCALLS } from "./clone.ts";
import { FUTEX_SYSCALLS } from "./futex.ts";
import { STANDIN_FILE_SYSCALLS } from "../kernel/standin/stdio.ts";
import type { SyscallEntry } from "./abi.ts";
import { setJobctlSender } from "../signal/jobctl.ts";
import { sendToGroup } from "../signal/send.ts";

/** Every row list, files first so kernel rows win where both define a number. */
export const ALL_SYSCALL_LISTS: readonly (readonly SyscallEntry[])[] = [
  STANDIN_FILE_SYSCALLS,
  PROCESS_SYSCALLS,
  MM_SYSCALLS,
  TIME_SYSCALLS,
  SIGNAL_SYSCALLS,
  CLONE_SYSCALLS,
  FUTEX_SYSCALLS,
];

/** Builds the table; `strace` receives one line per syscall when non-null. */
export function buildSyscallTable(strace: ((line: string) => void) | null): SyscallTable {
  setJobctlSender(sendToGroup);
  return new SyscallTable(ALL_SYSCALL_LISTS, strace);
}
