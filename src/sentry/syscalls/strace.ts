// --strace formatting: syscall name, decoded arguments (strings for path-like arguments,
// hex for addresses, decimal otherwise) and the result with its errno name.
import { SYSCALL_NAMES } from "../../../ffi/sysno.ts";
import { errnoName } from "../../../ffi/errno.ts";
import type { Task } from "../kernel/task.ts";
import { BLOCK } from "./abi.ts";
import { KEEPREGS, NORESUME } from "../kernel/control.ts";

/** Argument kinds per syscall: s = C string, x = hex, d = decimal; missing = no args shown. */
const SIGS: Record<string, string> = {
  read: "dxd",
  write: "dxd",
  open: "sxo",
  close: "d",
  stat: "sx",
  fstat: "dx",
  lstat: "sx",
  lseek: "ddd",
  mmap: "xxxxdx",
  mprotect: "xxx",
  munmap: "xx",
  brk: "x",
  ioctl: "dxx",
  access: "so",
  execve: "sxx",
  openat: "dsxo",
  newfstatat: "dsxx",
  readlink: "sxd",
  readlinkat: "dsxd",
  chdir: "s",
  mkdir: "so",
  unlink: "s",
  unlinkat: "dsx",
  faccessat: "dso",
  faccessat2: "dsox",
  statx: "dsxxx",
  exit: "d",
  exit_group: "d",
  wait4: "dxxx",
  kill: "dd",
  clone: "xxxxx",
  arch_prctl: "xx",
  rt_sigaction: "dxxd",
  rt_sigprocmask: "dxxd",
  futex: "xdxxxx",
  getdents64: "dxd",
  pipe2: "xx",
  dup2: "dd",
  dup3: "ddx",
  fcntl: "ddx",
  writev: "dxd",
  readv: "dxd",
};

/** `name(args)` for `nr`. */
export function formatCall(t: Task, nr: number, args: number[]): string {
  const name = SYSCALL_NAMES[nr] ?? `syscall_${nr}`;
  const sig = SIGS[name] ?? "xxx";
  const parts: string[] = [];
  for (let i = 0; i < sig.length; i++) {
    const a = args[i];
    const k = sig[i];
    if (k === "s") {
      const s = t.mem.readCString(a, 4096);
      parts.push(typeof s === "string" ? JSON.stringify(s) : `0x${a.toString(16)}`);
    } else if (k === "d") parts.push(String(a >= 2 ** 63 ? a - 2 ** 64 : a));
    else if (k === "o") parts.push(`0${a.toString(8)}`);
    else parts.push(`0x${a.toString(16)}`);
  }
  return `${name}(${parts.join(", ")})`;
}

/** The result as strace prints it. */
export function formatResult(r: number): string {
  if (r === BLOCK) return "? (blocked)";
  if (r === NORESUME) return "?";
  if (r === KEEPREGS) return "(registers set)";
  if (r < 0 && r > -4096) return `-1 ${errnoName(-r)}`;
  return r > 0xffff ? `0x${r.toString(16)}` : String(r);
}
