// Low-level stub handling: starting the master stub, forking address-space stubs from it,
// cloning threads inside them and injecting syscalls. Every function is synchronous and must
// run on the thread that attached the stubs (the Sentry's thread).
import {
  PTRACE,
  ptrace,
  PTRACE_EVENT,
  PTRACE_O,
  ptraceBuf,
  ptraceEventMsg,
  waitpid,
  WALL,
  WUNTRACED,
} from "../../../ffi/ptrace.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import {
  buildStubElf,
  STUB_ADDR,
  STUB_EPOLLFD,
  STUB_MEMFD,
  STUB_NAME,
  STUB_NAME_PAGE,
  STUB_SIZE,
  STUB_SYSCALL_GADGET,
  TASK_SIZE,
} from "../../../ffi/stub.ts";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import type { HostMapping } from "../platform.ts";
import { memfdCreate } from "../../../ffi/memfd.ts";
import { posixSpawn } from "../../../ffi/spawn.ts";
import { close, write } from "../../../ffi/libc.ts";
import { SYS } from "../../../ffi/sysno.ts";
import { logger } from "../../log/log.ts";

/** Options every stub thread is traced with (inherited by forks and clones). */
export const STUB_OPTIONS: number = PTRACE_O.EXITKILL | PTRACE_O.TRACESYSGOOD | PTRACE_O.TRACECLONE |
  PTRACE_O.TRACEFORK;

/** Thrown when the host refuses to run the stub; the message names the step. */
export class StubError extends Error {
  override readonly name = "StubError";
}

const status = new Int32Array(1);
const STUB_IMAGEFD = STUB_EPOLLFD + 1;

/** Status decoding helpers (WIFSTOPPED etc.). */
export function stopped(s: number): boolean {
  return (s & 0xff) === 0x7f;
}
/** Signal of a stop status. */
export function stopSig(s: number): number {
  return (s >> 8) & 0xff;
}
/** PTRACE_EVENT_* of a stop status. */
export function stopEvent(s: number): number {
  return (s >> 16) & 0xff;
}

/** Waits for the next stop of `tid`; throws if it exits instead. Returns the status. */
export function waitStop(tid: number, what: string): number {
  const r = waitpid(tid, status, WALL);
  if (r < 0) throw new StubError(`${what}: waitpid: errno ${-r}`);
  const s = status[0];
  if (!stopped(s)) throw new StubError(`${what}: stub ${tid} died (status 0x${s.toString(16)})`);
  return s;
}

/**
 * Starts the master stub: writes the stub ELF to a memfd, posix_spawns it with the memory file
 * and the epoll fd at their fixed numbers, waits for its self-stop, seizes it and trims it to its
 * page and the host vDSO. Returns its pid and the vDSO mappings every fork of it inherits.
 */
export function spawnMaster(memfd: number, epfd: number): { pid: number; vdso: HostMapping[] } {
  const elf = memfdCreate("runsc-stub");
  try {
    const img = buildStubElf();
    if (write(elf, img) !== img.length) throw new StubError("writing the stub image failed");
    // The image is exec'd through /proc/self/fd of the child, so it is placed at a fixed fd
    // above the others (every other fd is closed) and closed by injection once seized.
    const fds = new Map([[STUB_MEMFD, memfd], [STUB_EPOLLFD, epfd], [STUB_IMAGEFD, elf]]);
    const pid = posixSpawn(`/proc/self/fd/${STUB_IMAGEFD}`, ["runsc-stub"], fds);
    if (pid < 0) throw new StubError(`posix_spawn of the stub failed: errno ${-pid}`);
    const r = waitpid(pid, status, WUNTRACED);
    if (r < 0 || !stopped(status[0])) {
      throw new StubError(`the stub did not stop itself (status 0x${status[0].toString(16)})`);
    }
    const e = ptrace(PTRACE.SEIZE, pid, 0, STUB_OPTIONS);
    if (e < 0) throw new StubError(`PTRACE_SEIZE failed: errno ${-e}`);
    waitStop(pid, "seizing the stub");
    const regs = new Regs();
    getRegs(pid, regs);
    inject(pid, regs, SYS.close, STUB_IMAGEFD);
    const vdso = trimMaster(pid, regs);
    const m = inject(
      pid,
      regs,
      SYS.mmap,
      STUB_NAME_PAGE,
      0x1000,
      1, /* PROT_READ */
      0x32, /* PRIVATE|FIXED|ANON */
      -1,
      0,
    );
    if (m !== STUB_NAME_PAGE) throw new StubError(`mapping the stub name page failed: errno ${-m}`);
    const name = new TextEncoder().encode(STUB_NAME + "\0");
    nameStub(pid, regs, name, name);
    return { pid, vdso };
  } finally {
    close(elf);
  }
}

/** Names of the host vDSO mappings kept in stubs ([vvar], [vvar_vclock], [vdso]; not [vsyscall]). */
const VDSO_NAME = /^\[(vdso|vvar[a-z_]*)\]$/;

/**
 * Unmaps by injection everything the kernel gave the master stub (stack, ...) except its page
 * and the host vDSO with its data pages, which every application address space (a fork of the
 * master) then has at the same address: clock_gettime, gettimeofday, time and getcpu run there
 * without a trap, reading the host's clocks as the Sentry's own handlers would. The vDSO is the
 * host's ordinary userspace code that every host process has mapped; it reaches the kernel only
 * through a `syscall` fallback, which SYSEMU traps like any other. Reads the stub's maps once,
 * before the application exists.
 */
function trimMaster(pid: number, regs: Regs): HostMapping[] {
  const keep: HostMapping[] = [];
  const drop: [number, number][] = [];
  for (const line of readFileSync(`/proc/${pid}/maps`, "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m === null) continue;
    const [start, end] = [parseInt(m[1], 16), parseInt(m[2], 16)];
    if (start >= TASK_SIZE || (start === STUB_ADDR && end === STUB_ADDR + STUB_SIZE)) continue;
    if (VDSO_NAME.test(m[4])) {
      const p = m[3];
      keep.push({
        start,
        end,
        name: m[4],
        prot: (p[0] === "r" ? 1 : 0) | (p[1] === "w" ? 2 : 0) | (p[2] === "x" ? 4 : 0),
      });
    } else drop.push([start, end]);
  }
  for (const [start, end] of drop) {
    const r = inject(pid, regs, SYS.munmap, start, end - start);
    if (r < 0) {
      throw new StubError(
        `unmapping ${start.toString(16)}-${end.toString(16)} in the stub failed: errno ${-r}`,
      );
    }
  }
  // Without the code page ([vdso]) the data pages are useless: keep none then.
  return keep.some((k) => k.name === "[vdso]") ? keep : [];
}

/**
 * Runs syscall `nr` in stopped stub thread `tid` using `regs` as scratch (it must hold a valid
 * register set of that thread). Returns the syscall's result (>= 0 or -errno).
 */
export function inject(
  tid: number,
  regs: Regs,
  nr: number,
  a0 = 0,
  a1 = 0,
  a2 = 0,
  a3 = 0,
  a4 = 0,
  a5 = 0,
): number {
  setupInject(regs, nr, a0, a1, a2, a3, a4, a5);
  let r = ptraceBuf(PTRACE.SETREGS, tid, 0, regs.bytes);
  if (r < 0) return r;
  r = ptrace(PTRACE.CONT, tid, 0, 0);
  if (r < 0) return r;
  for (;;) {
    const s = waitStop(tid, "injected syscall");
    if (stopSig(s) === 5 /* SIGTRAP */ && stopEvent(s) === 0) break;
    ptrace(PTRACE.CONT, tid, 0, 0); // a stray stop (group stop, signal): suppress and go on
  }
  ptraceBuf(PTRACE.GETREGS, tid, 0, regs.bytes);
  return regs.get(REG.rax);
}

/** Loads `regs` for an injected syscall at the stub gadget. */
export function setupInject(
  regs: Regs,
  nr: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
): void {
  regs.set(REG.rip, STUB_SYSCALL_GADGET);
  regs.set(REG.rax, nr);
  regs.set(REG.orig_rax, -1);
  regs.set(REG.rdi, a0);
  regs.set(REG.rsi, a1);
  regs.set(REG.rdx, a2);
  regs.set(REG.r10, a3);
  regs.set(REG.r8, a4);
  regs.set(REG.r9, a5);
}

/**
 * Injects a process- or thread-creating syscall in `tid` and returns the new host tid, after
 * waiting for the new thread's initial stop and the parent's return to the gadget's int3.
 */
function injectCreate(tid: number, regs: Regs, nr: number, flags: number): number {
  setupInject(regs, nr, flags, 0, 0, 0, 0, 0);
  if (ptraceBuf(PTRACE.SETREGS, tid, 0, regs.bytes) < 0) throw new StubError("SETREGS for clone failed");
  ptrace(PTRACE.CONT, tid, 0, 0);
  let child = -1;
  for (;;) {
    const s = waitStop(tid, "clone in stub");
    const ev = stopEvent(s);
    if (ev === PTRACE_EVENT.CLONE || ev === PTRACE_EVENT.FORK || ev === PTRACE_EVENT.VFORK) {
      child = ptraceEventMsg(tid);
      ptrace(PTRACE.CONT, tid, 0, 0);
      continue;
    }
    if (stopSig(s) === 5 && ev === 0) break;
    ptrace(PTRACE.CONT, tid, 0, 0);
  }
  ptraceBuf(PTRACE.GETREGS, tid, 0, regs.bytes);
  const rax = regs.get(REG.rax);
  if (child < 0) throw new StubError(`clone in stub failed: ${rax}`);
  waitStop(child, "new stub thread");
  return child;
}

/** Makes stopped stub thread `tid` exit (only that thread) and reaps its exit event. */
export function injectExit(tid: number, regs: Regs): void {
  setupInject(regs, SYS.exit, 0, 0, 0, 0, 0, 0);
  if (ptraceBuf(PTRACE.SETREGS, tid, 0, regs.bytes) < 0) return;
  if (ptrace(PTRACE.CONT, tid, 0, 0) < 0) return;
  for (;;) {
    const r = waitpid(tid, status, WALL);
    if (r < 0 || !stopped(status[0])) return;
    ptrace(PTRACE.CONT, tid, 0, 0);
  }
}

/** Forks a fresh stub process from the master; returns its pid (its only thread, stopped). */
export function forkStub(master: number, masterRegs: Regs): number {
  return injectCreate(master, masterRegs, SYS.clone, 17 /* SIGCHLD */);
}

/** CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM: a new thread in the same stub process. */
const THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000;

/** Clones a new thread in the stub process whose stopped thread is `tid`; returns its tid. */
export function cloneStubThread(tid: number, regs: Regs): number {
  return injectCreate(tid, regs, SYS.clone, THREAD_FLAGS);
}

/** Reads the registers of stopped thread `tid` into `regs`; throws on failure. */
export function getRegs(tid: number, regs: Regs): void {
  const r = ptraceBuf(PTRACE.GETREGS, tid, 0, regs.bytes);
  if (r < 0) throw new StubError(`GETREGS of ${tid} failed: errno ${-r}`);
}

const PR_SET_NAME = 15, PR_SET_MM = 35, PR_SET_MM_MAP = 14;
/** Layout of the name page: struct prctl_mm_map, the comm, the command line (truncated). */
const MM_MAP_LEN = 104, COMM_OFF = 128, ARGS_OFF = 256, PAGE = 4096;
const namePage = new Uint8Array(PAGE);
const nameView = new DataView(namePage.buffer);
/** Set once the host refused PR_SET_MM_MAP (kernel without CHECKPOINT_RESTORE): not tried again. */
let setMmRefused = false;

/**
 * Shows stub process `pid` (stopped in its control thread) to the host's ps as an application:
 * writes `comm` and `args` (NUL-separated argv; truncated to the page) into its private name
 * page through /proc/PID/mem (which writes through the page's read-only protection, copying
 * it for that stub only), then injects PR_SET_NAME and PR_SET_MM_MAP with arg_start/arg_end on
 * them. PR_SET_MM_MAP needs no capability (the single PR_SET_MM_ARG_* fields need
 * CAP_SYS_RESOURCE) and ps reads the command line only from anonymous memory, hence the page.
 * The stub runs no code of its own, so its code, data and brk fields are set to its page; the
 * environment is empty. Where refused the names stay as they were (logged once, debug level).
 */
export function nameStub(pid: number, regs: Regs, args: Uint8Array, comm: Uint8Array): void {
  if (setMmRefused) return;
  const n = Math.min(args.length, PAGE - ARGS_OFF);
  namePage.fill(0, MM_MAP_LEN);
  namePage.set(comm.subarray(0, 15), COMM_OFF);
  namePage.set(args.subarray(0, n), ARGS_OFF);
  const argStart = STUB_NAME_PAGE + ARGS_OFF, argEnd = argStart + n;
  if (n === PAGE - ARGS_OFF) namePage[PAGE - 1] = 0;
  // start_code, end_code, start_data, end_data, start_brk, brk, start_stack, arg_start, arg_end,
  // env_start, env_end, auxv (none); then auxv_size 0, exe_fd -1 (unchanged).
  const end = STUB_ADDR + STUB_SIZE;
  [STUB_ADDR, end, end, end, end, end, STUB_ADDR, argStart, argEnd, argEnd, argEnd, 0].forEach((v, i) =>
    nameView.setBigUint64(i * 8, BigInt(v), true)
  );
  nameView.setUint32(96, 0, true);
  nameView.setInt32(100, -1, true);
  let r: number;
  try {
    const fd = openSync(`/proc/${pid}/mem`, "r+");
    try {
      writeSync(fd, namePage, 0, ARGS_OFF + n, STUB_NAME_PAGE);
    } finally {
      closeSync(fd);
    }
    r = inject(pid, regs, SYS.prctl, PR_SET_NAME, STUB_NAME_PAGE + COMM_OFF);
    if (r >= 0) r = inject(pid, regs, SYS.prctl, PR_SET_MM, PR_SET_MM_MAP, STUB_NAME_PAGE, MM_MAP_LEN);
  } catch (e) {
    r = -((e as NodeJS.ErrnoException).errno ?? 1);
  }
  if (r < 0) {
    setMmRefused = true;
    logger.debug(
      `ptrace: naming stubs refused (errno ${-r}): the host's ps shows them without a command line`,
    );
  }
}
