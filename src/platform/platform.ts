// The platform interface: how the Sentry runs application code. A platform owns host execution
// contexts (one per application thread) and address spaces (one per application mm), and reports
// everything that stops an application thread as an event from ONE blocking wait() — the
// Sentry's single wait point — together with host fd readiness and the next timer deadline.
// Implementations: ptrace (src/platform/ptrace), later kvm. A platform knows no syscall
// semantics: it hands registers to the Sentry and runs what the Sentry leaves in them.
import type { Regs } from "../../ffi/regs.ts";

/** An application thread stopped at a syscall instruction (orig_rax holds the number). */
export const EV_SYSCALL = 1;
/** An application thread got a host signal (fault or other); see signo/code/addr. */
export const EV_SIGNAL = 2;
/** An application thread's host context died (killed from outside). */
export const EV_EXIT = 3;
/** Host fds became ready or the timer fired; see Platform.readyFds(). */
export const EV_HOST = 4;
/** A context stopped because the Sentry asked (Context.interrupt). */
export const EV_INTERRUPT = 5;

/** One platform event. The object is reused by the platform: read it before the next wait(). */
export interface PlatformEvent {
  kind: number;
  /** The context concerned (null for EV_HOST). */
  ctx: Context | null;
  /** EV_SIGNAL: host signal number, si_code and fault address (si_addr). */
  signo: number;
  code: number;
  addr: number;
}

/**
 * A host mapping a platform keeps in every address space it creates, outside the memory file:
 * on ptrace, the host kernel's vDSO and its data pages ([vvar], [vvar_vclock], [vdso]), so that
 * clock_gettime and friends run without a trap. Same addresses in every address space.
 */
export interface HostMapping {
  readonly start: number;
  readonly end: number;
  /** PROT_* bits, as the host maps it. */
  readonly prot: number;
  /** "[vdso]", "[vvar]", ... as /proc/[pid]/maps names it. */
  readonly name: string;
}

/** An application address space: mappings of memory-file ranges at application addresses. */
export interface AddressSpace {
  /** Host mappings present in this address space from its creation (none when absent). */
  readonly special?: readonly HostMapping[];
  /**
   * Maps [addr, addr+len) to the memory file at `off` with `prot` (PROT_* bits), replacing
   * whatever was there. Page-aligned arguments. Returns 0 or -errno.
   */
  map(addr: number, len: number, off: number, prot: number): number;
  /** Removes mappings in [addr, addr+len). Returns 0 or -errno. */
  unmap(addr: number, len: number): number;
  /** Changes protection of [addr, addr+len). Returns 0 or -errno. */
  protect(addr: number, len: number, prot: number): number;
  /**
   * Shows the application to the host (ps, docker top) where the platform's host process can:
   * `args` is its argv, NUL-terminated strings, `comm` its name (up to 15 bytes). Best effort.
   */
  describe?(args: Uint8Array, comm: Uint8Array): void;
  /** Frees the host resources; every context of this address space must be released first. */
  release(): void;
  /**
   * Host CPU time used so far by the threads that ran in this address space (exited ones
   * included): out[0] user ns, out[1] system ns. Absent when the platform cannot measure it.
   */
  cpuTime?(out: Float64Array): void;
}

/** A host execution context for one application thread. */
export interface Context {
  /** Registers: valid after an event for this context; written back on resume(). */
  readonly regs: Regs;
  /** The address space the context runs in. */
  readonly as: AddressSpace;
  /** The Sentry's task (opaque to the platform). */
  owner: unknown;
  /** Lets the thread run application code until its next event (does not block). */
  resume(): void;
  /** Reads the x87/SSE state (fxsave layout, 512 bytes) into `out`; returns 0 or -errno. */
  getFpregs(out: Uint8Array): number;
  /** Writes the x87/SSE state from `src`; returns 0 or -errno. */
  setFpregs(src: Uint8Array): number;
  /** Asks a running context to stop; an EV_INTERRUPT follows (no-op when stopped). */
  interrupt(): void;
  /** Destroys the host thread. */
  release(): void;
  /** Host CPU time (ns) this thread used so far; absent when the platform cannot measure it. */
  cpuNs?(): number;
}

/** A platform instance, owned by one Sentry. */
export interface Platform {
  /** Creates an empty address space. */
  newAddressSpace(): AddressSpace;
  /** Creates a stopped context in `as` with registers zeroed except segment selectors. */
  newContext(as: AddressSpace): Context;
  /**
   * Blocks until the next event: a context stop, ready host fds or the deadline. Precondition:
   * something can produce an event (a running context, a watched fd or a deadline).
   */
  wait(): PlatformEvent;
  /** Reports the next EV_HOST when `fd` has any of `events` (EPOLL* bits); once per call. */
  watchFd(fd: number, events: number): void;
  /** Stops watching `fd` (call before closing it). */
  unwatchFd(fd: number): void;
  /** Reports an EV_HOST at CLOCK_MONOTONIC `ns` (0 = no deadline); replaces the previous. */
  setDeadline(ns: number): void;
  /** Ready fds of the last EV_HOST: pairs (fd, revents) in a reused array, `count` valid. */
  readyFds(): { readonly fds: Int32Array; readonly events: Int32Array; count: number };
  /** True when a context is running or a watch/deadline is pending (wait() would return). */
  canWait(): boolean;
  /** Kills every host process of this platform. */
  close(): void;
}
