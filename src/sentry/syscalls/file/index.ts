// The file syscalls' table rows, for the Sentry's SyscallTable: `new SyscallTable([...,
// FILE_SYSCALLS], strace)`. Every handler expects the calling task to implement FileTask
// (src/sentry/vfs/task.ts).
import type { SyscallEntry } from "../abi.ts";
import { ATTR_SYSCALLS } from "./attr.ts";
import { CWD_SYSCALLS } from "./cwd.ts";
import { DIR_SYSCALLS } from "./dir.ts";
import { EPOLL_SYSCALLS } from "./epoll.ts";
import { FD_SYSCALLS } from "./fd.ts";
import { OPEN_SYSCALLS } from "./open.ts";
import { POLL_SYSCALLS } from "./poll.ts";
import { RW_SYSCALLS } from "./rw.ts";
import { SENDFILE_SYSCALLS } from "./sendfile.ts";
import { STAT_SYSCALLS } from "./stat.ts";
import { XATTR_SYSCALLS } from "./xattr.ts";
import { SPLICE_SYSCALLS } from "./splice.ts";
import { ANONFILE_SYSCALLS } from "./anonfiles.ts";

/** All file-related syscall rows. */
export const FILE_SYSCALLS: SyscallEntry[] = [
  ...RW_SYSCALLS,
  ...FD_SYSCALLS,
  ...OPEN_SYSCALLS,
  ...STAT_SYSCALLS,
  ...DIR_SYSCALLS,
  ...ATTR_SYSCALLS,
  ...CWD_SYSCALLS,
  ...POLL_SYSCALLS,
  ...SENDFILE_SYSCALLS,
  ...XATTR_SYSCALLS,
  ...EPOLL_SYSCALLS,
  ...SPLICE_SYSCALLS,
  ...ANONFILE_SYSCALLS,
];
