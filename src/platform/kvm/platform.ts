// The KVM implementation of the platform interface. One VM per Sentry; each context is a vCPU;
// the Sentry's single thread runs one vCPU at a time with KVM_RUN, which returns at the
// application's next syscall or fault. The single wait point: before each guest entry the
// platform polls the watched fds and the deadline (an epoll instance holding a timerfd); with
// nothing runnable it blocks in epoll_wait. A periodic tick (SIG_PREEMPT, blocked except inside
// KVM_RUN) ends a guest that computes without exiting, so a spinning thread cannot starve the
// Sentry or the other threads (round robin), and runsc never hangs in the guest.
import { EV_HOST, EV_INTERRUPT, EV_SIGNAL, EV_SYSCALL } from "../platform.ts";
import type { AddressSpace, Context, Platform, PlatformEvent } from "../platform.ts";
import {
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLL_EVENT_SIZE,
  epollCreate,
  epollCtl,
  EPOLLIN,
  EPOLLONESHOT,
  timerfdCreate,
  timerfdSetAbs,
} from "../../../ffi/epoll.ts";
import { consumePreempt, createPreemptTimer, deletePreemptTimer, epollWait } from "../../../ffi/kvm.ts";
import { close, read } from "../../../ffi/libc.ts";
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

const MAX_EVENTS = 128;

/** The KVM implementation of {@link Platform}. */
export class KvmPlatform implements Platform {
  /** The VM (exposed for tests and diagnostics). */
  readonly machine: KvmMachine;
  private readonly epfd: number;
  private readonly timerfd: number;
  private readonly preemptTimer: number;
  private readonly watched = new Set<number>();
  private deadline = 0;
  private readonly queue: KvmContext[] = [];
  private readonly evBuf = new Uint8Array(MAX_EVENTS * EPOLL_EVENT_SIZE);
  private readonly evView = new DataView(this.evBuf.buffer);
  private readonly ready = { fds: new Int32Array(MAX_EVENTS), events: new Int32Array(MAX_EVENTS), count: 0 };
  private readonly ev: PlatformEvent = { kind: 0, ctx: null, signo: 0, code: 0, addr: 0 };
  private readonly sig: FaultSignal = { signo: 0, code: 0, addr: 0 };
  private readonly timerBuf = new Uint8Array(8);
  private readonly enqueue = (c: KvmContext): void => {
    this.queue.push(c);
  };
  private closed = false;

  /** Builds the VM; throws KvmUnavailableError when /dev/kvm cannot be used. */
  constructor(opts: KvmOptions) {
    this.machine = new KvmMachine({ memfd: opts.memfd, memSize: opts.memSize, device: opts.device });
    this.epfd = epollCreate();
    this.timerfd = timerfdCreate();
    epollCtl(this.epfd, EPOLL_CTL_ADD, this.timerfd, EPOLLIN | EPOLLONESHOT);
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
    const op = this.watched.has(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    const r = epollCtl(this.epfd, op, fd, events | EPOLLONESHOT);
    if (r === -17 /* EEXIST */) epollCtl(this.epfd, EPOLL_CTL_MOD, fd, events | EPOLLONESHOT);
    this.watched.add(fd);
  }

  /** See Platform.unwatchFd. */
  unwatchFd(fd: number): void {
    if (!this.watched.delete(fd)) return;
    epollCtl(this.epfd, EPOLL_CTL_DEL, fd, 0);
  }

  /** See Platform.setDeadline. */
  setDeadline(ns: number): void {
    if (ns === this.deadline) return;
    this.deadline = ns;
    timerfdSetAbs(this.timerfd, ns);
    epollCtl(this.epfd, EPOLL_CTL_MOD, this.timerfd, EPOLLIN | EPOLLONESHOT);
  }

  /** See Platform.readyFds. */
  readyFds(): { readonly fds: Int32Array; readonly events: Int32Array; count: number } {
    return this.ready;
  }

  /** See Platform.canWait. */
  canWait(): boolean {
    return this.queue.length > 0 || this.watched.size > 0 || this.deadline > 0;
  }

  /** Collects ready fds (timeout as epoll_wait's); true when there is an EV_HOST to report. */
  private pollHost(timeoutMs: number): boolean {
    if (this.watched.size === 0 && this.deadline === 0) return false;
    const n = epollWait(this.epfd, this.evBuf, MAX_EVENTS, timeoutMs);
    if (n <= 0) return false;
    const r = this.ready;
    r.count = 0;
    let timer = false;
    for (let i = 0; i < n; i++) {
      const events = this.evView.getUint32(i * EPOLL_EVENT_SIZE, true);
      const fd = this.evView.getUint32(i * EPOLL_EVENT_SIZE + 4, true);
      if (fd === this.timerfd) {
        read(this.timerfd, this.timerBuf);
        this.deadline = 0;
        timer = true;
        continue;
      }
      this.watched.delete(fd);
      r.fds[r.count] = fd;
      r.events[r.count] = events;
      r.count++;
    }
    return r.count > 0 || timer;
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
    close(this.timerfd);
    close(this.epfd);
    this.machine.close();
  }
}
