// The KVM implementation of the platform interface. One VM per Sentry; each context is a vCPU;
// the Sentry's single thread runs one vCPU at a time with KVM_RUN, which returns at the
// application's next syscall or fault. The single wait point: before each guest entry the
// platform polls the watched fds and the deadline (an epoll instance holding a timerfd); with
// nothing runnable it blocks in epoll_wait. A periodic tick (SIG_PREEMPT, blocked except inside
// KVM_RUN) ends a guest that computes without exiting, so a spinning thread cannot starve the
// Sentry or the other threads (round robin), and runsc never hangs in the guest.
import { EV_HOST, EV_INTERRUPT, EV_SIGNAL, EV_SYSCALL } from "../platform.ts";
import type { AddressSpace, Context, Platform, PlatformEvent } from "../platform.ts";
import { EPOLL_EVENT_SIZE } from "../../../ffi/epoll.ts";
import { consumePreempt, createPreemptTimer, deletePreemptTimer, epollWait } from "../../../ffi/kvm.ts";
import { HostWaitSet, MAX_HOST_EVENTS } from "../hostwait.ts";
import { REG } from "../../../ffi/regs.ts";
import { KvmMachine } from "./machine.ts";
import { KvmAddressSpace, KvmContext } from "./context.ts";
import { faultSignal } from "./signals.ts";
import type { FaultSignal } from "./signals.ts";
import { VX_FAULT, VX_SYSCALL } from "./vcpu.ts";

/** How the KVM platform is set up. */
export interface KvmOptions {
  /** The memory file's fd and size (guest-physical memory). */
  readonly memfd: number;
  readonly memSize: number;
  /** Device path (default /dev/kvm). */
  readonly device?: string;
  /** Time slice of a guest that does not exit by itself (default 10 ms). */
  readonly sliceNs?: number;
}

/** The KVM implementation of {@link Platform}. */
export class KvmPlatform implements Platform {
  /** The VM (exposed for tests and diagnostics). */
  readonly machine: KvmMachine;
  private readonly host = new HostWaitSet();
  private readonly preemptTimer: number;
  private readonly queue: KvmContext[] = [];
  private readonly evBuf = new Uint8Array(MAX_HOST_EVENTS * EPOLL_EVENT_SIZE);
  private readonly evView = new DataView(this.evBuf.buffer);
  private readonly ev: PlatformEvent = { kind: 0, ctx: null, signo: 0, code: 0, addr: 0 };
  private readonly sig: FaultSignal = { signo: 0, code: 0, addr: 0 };
  private readonly enqueue = (c: KvmContext): void => {
    this.queue.push(c);
  };
  private closed = false;

  /** Builds the VM; throws KvmUnavailableError when /dev/kvm cannot be used. */
  constructor(opts: KvmOptions) {
    this.machine = new KvmMachine({ memfd: opts.memfd, memSize: opts.memSize, device: opts.device });
    const t = createPreemptTimer(opts.sliceNs ?? 10_000_000);
    if (t < 0) throw new Error(`kvm: creating the preemption timer failed: errno ${-t}`);
    this.preemptTimer = t;
  }

  /** See Platform.newAddressSpace. */
  newAddressSpace(): AddressSpace {
    return new KvmAddressSpace(this.machine);
  }

  /** See Platform.newContext. */
  newContext(as: AddressSpace): Context {
    return new KvmContext(this.machine, as as KvmAddressSpace, this.enqueue);
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
    return this.queue.length > 0 || this.host.pending;
  }

  /** Collects ready fds (timeout as epoll_wait's); true when there is an EV_HOST to report. */
  private pollHost(timeoutMs: number): boolean {
    if (!this.host.pending) return false;
    const n = epollWait(this.host.epfd, this.evBuf, MAX_HOST_EVENTS, timeoutMs);
    return this.host.collect(this.evView, n);
  }

  /** See Platform.wait. */
  wait(): PlatformEvent {
    const ev = this.ev;
    for (;;) {
      if (this.pollHost(this.queue.length > 0 ? 0 : -1)) {
        ev.kind = EV_HOST;
        ev.ctx = null;
        return ev;
      }
      const c = this.queue.shift();
      if (c === undefined) continue;
      if (c.dead) continue;
      ev.ctx = c;
      if (c.interruptPending) {
        c.interruptPending = false;
        c.running = false;
        ev.kind = EV_INTERRUPT;
        return ev;
      }
      const ex = c.vcpu.run(c.regs);
      if (ex.kind === VX_SYSCALL) {
        c.running = false;
        ev.kind = EV_SYSCALL;
        return ev;
      }
      if (ex.kind === VX_FAULT) {
        c.running = false;
        faultSignal(ex.vector, ex.cr2, c.regs.get(REG.rip), c.as.pt, this.sig);
        ev.kind = EV_SIGNAL;
        ev.signo = this.sig.signo;
        ev.code = this.sig.code;
        ev.addr = this.sig.addr;
        return ev;
      }
      // Preempted (the tick, or another host signal): consume the tick, let others run.
      consumePreempt();
      this.queue.push(c);
    }
  }

  /** See Platform.close. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    deletePreemptTimer(this.preemptTimer);
    consumePreempt();
    this.host.close();
    this.machine.close();
  }
}
