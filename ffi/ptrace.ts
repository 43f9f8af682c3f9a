// ptrace(2) and waitpid(2) bindings for the ptrace platform. Precondition for every call: the
// calling thread is the one that attached the tracee (the Sentry's single JS thread), as the
// kernel only accepts ptrace requests from the tracer thread.
import { koffi } from "./koffi.ts";
import { errno, libc } from "./libc.ts";

/** ptrace requests (x86_64 values from linux/ptrace.h and asm/ptrace-abi.h). */
export const PTRACE = {
  TRACEME: 0,
  PEEKDATA: 2,
  PEEKUSER: 3,
  POKEDATA: 5,
  POKEUSER: 6,
  CONT: 7,
  KILL: 8,
  SINGLESTEP: 9,
  GETREGS: 12,
  SETREGS: 13,
  GETFPREGS: 14,
  SETFPREGS: 15,
  ATTACH: 16,
  DETACH: 17,
  SYSCALL: 24,
  SYSEMU: 31,
  SYSEMU_SINGLESTEP: 32,
  SETOPTIONS: 0x4200,
  GETEVENTMSG: 0x4201,
  GETSIGINFO: 0x4202,
  SETSIGINFO: 0x4203,
  GETREGSET: 0x4204,
  SETREGSET: 0x4205,
  SEIZE: 0x4206,
  INTERRUPT: 0x4207,
  LISTEN: 0x4208,
} as const;

/** PTRACE_O_* options. */
export const PTRACE_O = {
  TRACESYSGOOD: 0x1,
  TRACEFORK: 0x2,
  TRACEVFORK: 0x4,
  TRACECLONE: 0x8,
  TRACEEXEC: 0x10,
  TRACEVFORKDONE: 0x20,
  TRACEEXIT: 0x40,
  TRACESECCOMP: 0x80,
  EXITKILL: 0x100000,
} as const;

/** PTRACE_EVENT_* values found in bits 16..23 of a wait status. */
export const PTRACE_EVENT = {
  FORK: 1,
  VFORK: 2,
  CLONE: 3,
  EXEC: 4,
  VFORK_DONE: 5,
  EXIT: 6,
  SECCOMP: 7,
  STOP: 128,
} as const;

/** waitpid option bits. */
export const WNOHANG = 1;
export const WUNTRACED = 2;
export const WALL = 0x40000000;

const _ptraceInt = libc.func("ptrace", "long", ["long", "int", "long", "long"]) as (
  req: number,
  pid: number,
  addr: number,
  data: number,
) => number;
const _ptraceBuf = libc.func("ptrace", "long", ["long", "int", "long", "void *"]) as (
  req: number,
  pid: number,
  addr: number,
  data: Uint8Array,
) => number;
const _waitpid = libc.func("int waitpid(int, _Out_ int *status, int)") as (
  pid: number,
  status: Int32Array,
  options: number,
) => number;

/**
 * ptrace with integer `addr`/`data`; returns the result or -errno. Not for PEEK* requests,
 * whose libc wrapper returns data (use {@link ptracePeek}).
 */
export function ptrace(req: number, pid: number, addr = 0, data = 0): number {
  const r = _ptraceInt(req, pid, addr, data);
  return r === -1 ? -errno() : r;
}

/** ptrace whose `data` is a buffer (GETREGS, SETREGS, GETSIGINFO, GETEVENTMSG, ...). */
export function ptraceBuf(req: number, pid: number, addr: number, data: Uint8Array): number {
  const r = _ptraceBuf(req, pid, addr, data);
  return r === -1 ? -errno() : r;
}

const eventMsg = new Uint8Array(8);
const eventMsg32 = new Uint32Array(eventMsg.buffer);

/** PTRACE_GETEVENTMSG: the new tid after a clone/fork event, or -errno. */
export function ptraceEventMsg(pid: number): number {
  const r = ptraceBuf(PTRACE.GETEVENTMSG, pid, 0, eventMsg);
  return r < 0 ? r : eventMsg32[0];
}

/** waitpid(2) into a caller-owned status cell; returns the pid, 0 (WNOHANG) or -errno. */
export function waitpid(pid: number, status: Int32Array, options: number): number {
  for (;;) {
    const r = _waitpid(pid, status, options);
    if (r >= 0) return r;
    const e = errno();
    if (e !== 4 /* EINTR */) return -e;
  }
}

/** Keeps koffi referenced for bundlers that tree-shake side-effect-only imports. */
export const ptraceFfi: typeof koffi = koffi;
