// The ptrace platform: stubs traced by the Sentry's thread, application syscalls trapped with
// PTRACE_SYSEMU, and the Sentry's single wait point: waitpid on the stubs' process group. Host
// fd readiness and timers join that wait point through a "waiter" stub parked in epoll_wait on
// an epoll instance shared with the Sentry (fd readiness and a timerfd for the next deadline):
// when something is ready the waiter returns to its int3 and waitpid reports it like any stop.
import { EV_EXIT, EV_HOST, EV_INTERRUPT, EV_SIGNAL, EV_SYSCALL } from "../platform.ts";
import type { AddressSpace, Context, HostMapping, Platform, PlatformEvent } from "../platform.ts";
import { PTRACE, ptrace, PTRACE_EVENT, ptraceBuf, waitpid, WALL } from "../../../ffi/ptrace.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import { STUB_EPOLLFD, STUB_MEMFD } from "../../../ffi/stub.ts";
import { MAP_FIXED, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import { sys } from "../../../ffi/libc.ts";
import { HostWaitSet, MAX_HOST_EVENTS } from "../hostwait.ts";
import { SYS } from "../../../ffi/sysno.ts";
import { setAffinity } from "../../../ffi/sched.ts";
import { PtraceAddressSpace } from "./address-space.ts";
import { PtraceContext } from "./context.ts";
import { forkStub, getRegs, setupInject, spawnMaster, stopEvent, stopped, stopSig } from "./stubs.ts";

/** How the ptrace platform is set up. */
export interface PtraceOptions {
  /** The memory file's fd in the Sentry. */
  readonly memfd: number;
  /** A page of the memory file reserved for the platform, and the Sentry's view of it. */
  readonly scratchOff: number;
  readonly scratch: Uint8Array;
  /** CPU to pin the Sentry thread and all stubs to (-1: no pinning). */
  readonly cpu: number;
}

/** Where the waiter stub maps its scratch page (it runs no application code). */
const WAITER_SCRATCH_ADDR = 0x10000;

/** The ptrace implementation of {@link Platform}. */
export class PtracePlatform implements Platform {
  private readonly master: number;
  /** The host vDSO mappings every address space (a fork of the master) has. */
  private readonly vdso: readonly HostMapping[];
  private readonly masterRegs = new Regs();
  private readonly host = new HostWaitSet();
  private readonly waiter: number;
  private readonly waiterRegs = new Regs();
  private waiterArmed = false;
  private readonly contexts = new Map<number, PtraceContext>();
  private running = 0;
  private readonly status = new Int32Array(1);
  private readonly siginfo = new Uint8Array(128);
  private readonly siginfo32 = new Int32Array(this.siginfo.buffer);
  private readonly scratch: DataView;
  private readonly ev: PlatformEvent = { kind: 0, ctx: null, signo: 0, code: 0, addr: 0 };
  private readonly resumed = (_c: PtraceContext): void => {
    this.running++;
  };
  private closed = false;

  /** Starts the master and waiter stubs. Throws StubError when the host refuses ptrace. */
  constructor(opts: PtraceOptions) {
    if (opts.cpu >= 0) setAffinity(0, [opts.cpu]);
    this.scratch = new DataView(opts.scratch.buffer, opts.scratch.byteOffset, opts.scratch.byteLength);
    const master = spawnMaster(opts.memfd, this.host.epfd);
    this.master = master.pid;
    this.vdso = master.vdso;
    getRegs(this.master, this.masterRegs);
    this.waiter = forkStub(this.master, this.masterRegs);
    getRegs(this.waiter, this.waiterRegs);
    const as = new PtraceAddressSpace(this.waiter);
    const r = as.injectSyscall(
      SYS.mmap,
      WAITER_SCRATCH_ADDR,
      0x1000,
      PROT_READ | PROT_WRITE,
      MAP_SHARED | MAP_FIXED,
      STUB_MEMFD,
      opts.scratchOff,
    );
    if (r !== WAITER_SCRATCH_ADDR) throw new Error(`mapping the waiter's page failed: ${r}`);
    getRegs(this.waiter, this.waiterRegs);
  }

  /** See Platform.newAddressSpace. */
  newAddressSpace(): AddressSpace {
    return new PtraceAddressSpace(forkStub(this.master, this.masterRegs), this.vdso);
  }

  /** See Platform.newContext. */
  newContext(as: AddressSpace): Context {
    const pas = as as PtraceAddressSpace;
    const tid = pas.newThread();
    const c = new PtraceContext(pas, tid, this.resumed);
    this.contexts.set(tid, c);
    return c;
  }

  /** Forgets a released context (the platform stops reporting its tid). */
  forget(c: Context): void {
    const pc = c as PtraceContext;
    if (this.contexts.get(pc.tid) === pc) this.contexts.delete(pc.tid);
    if (pc.running) {
      pc.running = false;
      this.running--;
    }
  }

  /** See Platform.watchFd. */
  watchFd(fd: number, events: number): void {
    this.host.watch(fd, events);
  }

  /** See Platform.unwatchFd. */
  unwatchFd(fd: number): void {
    this.host.unwatch(fd);
  }

  /** See Platform.setDeadline. */
  setDeadline(ns: number): void {
    this.host.setDeadline(ns);
  }

  /** See Platform.readyFds. */
  readyFds(): { readonly fds: Int32Array; readonly events: Int32Array; count: number } {
    return this.host.ready;
  }

  /** See Platform.canWait. */
  canWait(): boolean {
    return this.running > 0 || this.waiterArmed || this.host.pending;
  }

  /** Parks the waiter stub in epoll_wait (no-op if parked already or nothing to watch). */
  private armWaiter(): void {
    if (this.waiterArmed || !this.host.pending) return;
    setupInject(
      this.waiterRegs,
      SYS.epoll_wait,
      STUB_EPOLLFD,
      WAITER_SCRATCH_ADDR,
      MAX_HOST_EVENTS,
      -1,
      0,
      0,
    );
    ptraceBuf(PTRACE.SETREGS, this.waiter, 0, this.waiterRegs.bytes);
    ptrace(PTRACE.CONT, this.waiter, 0, 0);
    this.waiterArmed = true;
  }

  /** See Platform.wait. */
  wait(): PlatformEvent {
    const ev = this.ev;
    for (;;) {
      this.armWaiter();
      const tid = waitpid(-this.master, this.status, WALL);
      if (tid < 0) throw new Error(`waitpid on the stubs failed: errno ${-tid}`);
      const s = this.status[0];
      if (tid === this.waiter) {
        if (!stopped(s)) throw new Error("the waiter stub died");
        if (stopSig(s) !== 5 || stopEvent(s) !== 0) {
          ptrace(PTRACE.CONT, tid, 0, 0);
          continue;
        }
        this.waiterArmed = false;
        if (this.hostEvents()) {
          ev.kind = EV_HOST;
          ev.ctx = null;
          return ev;
        }
        continue;
      }
      const c = this.contexts.get(tid);
      if (c === undefined) {
        // A control thread or a killed stub's thread: only stray stops need an answer.
        if (stopped(s) && tid !== this.master) ptrace(PTRACE.CONT, tid, 0, 0);
        continue;
      }
      if (c.running) {
        c.running = false;
        this.running--;
      }
      ev.ctx = c;
      if (!stopped(s)) {
        c.dead = true;
        this.contexts.delete(tid);
        ev.kind = EV_EXIT;
        return ev;
      }
      const sig = stopSig(s);
      if (sig === (5 | 0x80)) {
        ptraceBuf(PTRACE.GETREGS, tid, 0, c.regs.bytes);
        ev.kind = EV_SYSCALL;
        return ev;
      }
      if (stopEvent(s) === PTRACE_EVENT.STOP) {
        if (c.interruptPending) {
          c.interruptPending = false;
          ptraceBuf(PTRACE.GETREGS, tid, 0, c.regs.bytes);
          ev.kind = EV_INTERRUPT;
          return ev;
        }
        c.resume(); // group stop from a stray host signal: ignore it
        continue;
      }
      if (stopEvent(s) !== 0) {
        c.resume();
        continue;
      }
      ptraceBuf(PTRACE.GETREGS, tid, 0, c.regs.bytes);
      ptraceBuf(PTRACE.GETSIGINFO, tid, 0, this.siginfo);
      ev.kind = EV_SIGNAL;
      ev.signo = sig;
      ev.code = this.siginfo32[2];
      const lo = this.siginfo32[4] >>> 0, hi = this.siginfo32[5] >>> 0;
      ev.addr = hi === 0 ? lo : hi * 4294967296 + lo;
      return ev;
    }
  }

  /** Collects the waiter's epoll results; false when it woke without events (re-arm). */
  private hostEvents(): boolean {
    getRegs(this.waiter, this.waiterRegs);
    return this.host.collect(this.scratch, this.waiterRegs.get(REG.rax));
  }

  /** See Platform.close. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    sys(SYS.kill, -this.master, 9);
    // Reap every stub so nothing is left behind (their parent is the master, or us).
    for (;;) {
      const r = waitpid(-this.master, this.status, WALL);
      if (r < 0) break;
    }
    this.host.close();
  }
}
