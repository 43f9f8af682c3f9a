// Host signals as bytes in a pipe (the self-pipe trick) without a thread or an event loop: a
// few bytes of machine code, installed with rt_sigaction, write the signal number to a pipe.
// The Sentry's loop is synchronous (no JS signal callback can run while it waits), but it
// already waits on fd readiness: the pipe's read end joins that wait. The handler only calls
// write(2) (async-signal-safe), so it may run on any thread of the runtime.
import { mmapHost, PROT_EXEC, PROT_READ, PROT_WRITE } from "./mman.ts";
import type { HostMapping } from "./mman.ts";
import { close, pipe2, read, sys } from "./libc.ts";
import { SYS } from "./sysno.ts";
import { koffi } from "./koffi.ts";

const MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
const O_NONBLOCK = 0o4000, O_CLOEXEC = 0o2000000;
const SA_RESTART = 0x10000000, SA_RESTORER = 0x04000000;
const CODE = 0, RESTORER = 0x80, ACT = 0x100, OLD = 0x200;

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** void handler(int sig) { char c = sig; write(fd, &c, 1); } with raw syscalls. */
function handlerCode(fd: number): number[] {
  return [
    0x48,
    0x83,
    0xec,
    0x08, // sub rsp, 8
    0x40,
    0x88,
    0x3c,
    0x24, // mov [rsp], dil
    0xb8,
    ...le32(1), // mov eax, SYS_write
    0xbf,
    ...le32(fd), // mov edi, fd
    0x48,
    0x89,
    0xe6, // mov rsi, rsp
    0xba,
    ...le32(1), // mov edx, 1
    0x0f,
    0x05, // syscall
    0x48,
    0x83,
    0xc4,
    0x08, // add rsp, 8
    0xc3, // ret
  ];
}

/** The restorer: rt_sigreturn. */
const RESTORER_CODE = [0xb8, ...le32(15), 0x0f, 0x05];

/** Signals routed to a pipe until {@link SignalPipe.close}. */
export interface SignalPipe {
  /** Non-blocking read end: one byte per signal received. */
  readonly fd: number;
  /** Signal numbers received since the last call (empty when none). */
  drain(): number[];
  /** Puts the previous dispositions back and closes the pipe. */
  close(): void;
}

let page: HostMapping | null = null;

/**
 * Routes `signals` to a new pipe (previous dispositions are saved and restored by close()).
 * One route at a time per process; throws if the handler cannot be installed.
 */
export function routeSignalsToPipe(signals: readonly number[]): SignalPipe {
  const [r, w] = pipe2(O_NONBLOCK | O_CLOEXEC);
  if (page === null) page = mmapHost(4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const p = page;
  const mem = new Uint8Array(koffi.view(p.addr, 4096) as ArrayBuffer);
  // The code page is written only while no handler points at it (previous route closed).
  sys(SYS.mprotect, p.addr, 4096, PROT_READ | PROT_WRITE);
  mem.fill(0);
  mem.set(handlerCode(w), CODE);
  mem.set(RESTORER_CODE, RESTORER);
  let mask = 0n;
  for (const s of signals) mask |= 1n << BigInt(s - 1);
  const act = new DataView(mem.buffer, ACT, 32);
  act.setBigUint64(0, p.addr + BigInt(CODE), true);
  act.setBigUint64(8, BigInt(SA_RESTART | SA_RESTORER), true);
  act.setBigUint64(16, p.addr + BigInt(RESTORER), true);
  act.setBigUint64(24, mask, true);
  sys(SYS.mprotect, p.addr, 4096, PROT_READ | PROT_EXEC | PROT_WRITE);
  const saved: [number, Uint8Array][] = [];
  for (const s of signals) {
    const rc = sys(SYS.rt_sigaction, s, p.addr + BigInt(ACT), p.addr + BigInt(OLD), 8);
    if (rc < 0) {
      for (const [sig, old] of saved) restore(p, mem, sig, old);
      close(r);
      close(w);
      throw new Error(`rt_sigaction(${s}) failed: errno ${-rc}`);
    }
    saved.push([s, mem.slice(OLD, OLD + 32)]);
  }
  const buf = new Uint8Array(64);
  let open = true;
  return {
    fd: r,
    drain(): number[] {
      const out: number[] = [];
      for (;;) {
        const n = read(r, buf);
        if (n <= 0) return out;
        for (let i = 0; i < n; i++) out.push(buf[i]);
      }
    },
    close(): void {
      if (!open) return;
      open = false;
      for (const [sig, old] of saved) restore(p, mem, sig, old);
      close(r);
      close(w);
    },
  };
}

function restore(p: HostMapping, mem: Uint8Array, sig: number, old: Uint8Array): void {
  mem.set(old, OLD);
  sys(SYS.rt_sigaction, sig, p.addr + BigInt(OLD), 0, 8);
}
