// The host side of a platform's single wait point: host fds the Sentry waits on and the next
// timer deadline, gathered in one epoll instance (with a timerfd for the deadline). Who calls
// epoll_wait differs by platform (ptrace: a waiter stub; kvm: the Sentry between vCPU runs),
// so this class only keeps the set and decodes what epoll_wait returned.
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
} from "../../ffi/epoll.ts";
import { close, read } from "../../ffi/libc.ts";

/** Largest number of epoll events decoded per wake-up. */
export const MAX_HOST_EVENTS = 128;

/** Ready host fds of the last wake-up (reused; see Platform.readyFds). */
export interface ReadyFds {
  readonly fds: Int32Array;
  readonly events: Int32Array;
  count: number;
}

/** Watched host fds and the deadline timer, in one epoll instance. */
export class HostWaitSet {
  /** The epoll instance (a ptrace waiter stub shares it). */
  readonly epfd: number;
  private readonly timerfd: number;
  private readonly watched = new Set<number>();
  private deadline = 0;
  private readonly timerBuf = new Uint8Array(8);
  readonly ready: ReadyFds = {
    fds: new Int32Array(MAX_HOST_EVENTS),
    events: new Int32Array(MAX_HOST_EVENTS),
    count: 0,
  };

  constructor() {
    this.epfd = epollCreate();
    this.timerfd = timerfdCreate();
    epollCtl(this.epfd, EPOLL_CTL_ADD, this.timerfd, EPOLLIN | EPOLLONESHOT);
  }

  /** Watches `fd` for `events` once (one-shot: re-armed by the next call). */
  watch(fd: number, events: number): void {
    const op = this.watched.has(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    const r = epollCtl(this.epfd, op, fd, events | EPOLLONESHOT);
    if (r === -17 /* EEXIST */) epollCtl(this.epfd, EPOLL_CTL_MOD, fd, events | EPOLLONESHOT);
    this.watched.add(fd);
  }

  /** Stops watching `fd`. */
  unwatch(fd: number): void {
    if (!this.watched.delete(fd)) return;
    epollCtl(this.epfd, EPOLL_CTL_DEL, fd, 0);
  }

  /** Arms the deadline (CLOCK_MONOTONIC ns; 0 = none). */
  setDeadline(ns: number): void {
    if (ns === this.deadline) return;
    this.deadline = ns;
    timerfdSetAbs(this.timerfd, ns);
    epollCtl(this.epfd, EPOLL_CTL_MOD, this.timerfd, EPOLLIN | EPOLLONESHOT);
  }

  /** True when there is anything to wait for (a watched fd or a deadline). */
  get pending(): boolean {
    return this.watched.size > 0 || this.deadline > 0;
  }

  /**
   * Decodes `n` epoll events from `view` into {@link ready} (the deadline timer is consumed, not
   * reported); returns false when there were none.
   */
  collect(view: DataView, n: number): boolean {
    const r = this.ready;
    r.count = 0;
    if (n <= 0) return false;
    for (let i = 0; i < n && i < MAX_HOST_EVENTS; i++) {
      const events = view.getUint32(i * EPOLL_EVENT_SIZE, true);
      const fd = view.getUint32(i * EPOLL_EVENT_SIZE + 4, true);
      if (fd === this.timerfd) {
        read(this.timerfd, this.timerBuf);
        this.deadline = 0;
        continue;
      }
      this.watched.delete(fd);
      r.fds[r.count] = fd;
      r.events[r.count] = events;
      r.count++;
    }
    return true;
  }

  /** Closes the epoll instance and the timer. */
  close(): void {
    close(this.timerfd);
    close(this.epfd);
  }
}
