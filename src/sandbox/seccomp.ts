// The seccomp denylist of the boot and gofer roles: syscalls neither ever needs once started
// (host administration, mounts and namespaces, kernel modules, keyrings, bpf and perf, ...)
// fail with EPERM for the role and everything it starts later (boot's ptrace stubs). A
// denylist, not an allowlist: Node and V8 use a wide, version-dependent set of syscalls; the
// list was checked against `strace -f -c` of `runsc do` (docs/gofer.md, "Confinement").
import { installDenylist } from "../../ffi/seccomp.ts";
import { dropAllCapabilities } from "../../ffi/caps.ts";
import { SYS } from "../../ffi/sysno.ts";
import { logger } from "../log/log.ts";
import { noNewPrivs } from "./lifetime.ts";

const EPERM = 1;

/** Syscall names denied (x86_64 numbers from ffi/sysno.ts). */
export const DENIED_SYSCALLS = [
  // mounts, root changes, namespaces
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "mount_setattr",
  "setns",
  "unshare",
  // the host kernel itself: modules, kexec, reboot, swap, clocks, accounting, I/O ports
  "init_module",
  "finit_module",
  "delete_module",
  "kexec_load",
  "kexec_file_load",
  "reboot",
  "swapon",
  "swapoff",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "acct",
  "iopl",
  "ioperm",
  "sethostname",
  "setdomainname",
  "syslog",
  "quotactl",
  "quotactl_fd",
  "vhangup",
  "uselib",
  "ustat",
  "sysfs",
  "_sysctl",
  "lookup_dcookie",
  "personality",
  // kernel attack surface the runtime has no use for
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "open_by_handle_at",
  "name_to_handle_at",
  "kcmp",
  "process_vm_writev",
] as const satisfies readonly (keyof typeof SYS)[];

/**
 * Sets no_new_privs and installs the denylist on every thread of this process; `role` names it
 * in the debug log when the kernel refuses (no seccomp filters): the role then runs without.
 */
export function confineSyscalls(role: string): void {
  noNewPrivs();
  const r = installDenylist(DENIED_SYSCALLS.map((n) => SYS[n]), EPERM);
  if (r !== 0) {
    logger.debug(`${role}: seccomp filter not installed (${r < 0 ? `errno ${-r}` : `thread ${r}`})`);
  }
}

/**
 * Boot needs no capability: it ptraces its own children (same uid, and with an empty bounding
 * set they have no capability either), and its files come from the gofer. Drops them all on
 * the calling thread, the Sentry's, which starts the stubs; see docs/gofer.md for Node's other
 * threads.
 */
export function dropCapabilities(role: string): void {
  const r = dropAllCapabilities();
  if (r < 0) logger.debug(`${role}: dropping capabilities failed (errno ${-r})`);
}
