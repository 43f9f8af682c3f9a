// How the sandbox (runsc boot) starts the Sentry: runSentry(cfg) builds the memory file, the
// platform, the kernel and the init process, runs until init exits, kills everything left
// and returns the exit status in the shell's convention.
import type { GoferClient } from "../lisafs/api.ts";
import { MemoryFile } from "./mm/memfile.ts";
import { PtracePlatform } from "../platform/ptrace/platform.ts";
import type { Platform } from "../platform/platform.ts";
import { KvmPlatform } from "../platform/kvm/platform.ts";
import { KvmUnavailableError } from "../platform/kvm/probe.ts";
import { Kernel } from "./kernel/kernel.ts";
import { createInit, defaultIdentity, type SentryProcessCreds } from "./kernel/init.ts";
import { buildSyscallTable } from "./syscalls/index.ts";
import { setFilesHooks } from "./kernel/hooks.ts";
import {
  dropFdTable,
  installFilesExitHook,
  mmapSource,
  useFdTable,
  vfsFiles,
  vfsOpener,
} from "./kernel/files.ts";
import { sandboxStdio } from "./kernel/stdio.ts";
import type { Stdio } from "./kernel/stdio.ts";
import { kernelProcProvider } from "./kernel/proc.ts";
import { forwardHostSignals } from "./kernel/host-signals.ts";
import { spawnProcess } from "./kernel/spawn.ts";
import { setMmapSourceHook } from "./syscalls/mm.ts";
import { createRootMountNamespace } from "./fs/rootfs.ts";
import { errnoName } from "../../ffi/errno.ts";
import { logger } from "../log/log.ts";
import { cgroupView, LimitsState, type SandboxLimits } from "./kernel/limits.ts";
import { getAffinity } from "../../ffi/sched.ts";

/** Everything the Sentry needs to run one container's init process. */
export interface SentryConfig extends SentryProcessCreds {
  /** argv[0] is resolved against PATH from `env` inside the sandbox, like execvp. */
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  /** Root filesystem served by the gofer (lower layer; writes go to an in-memory overlay). */
  readonly gofer: GoferClient;
  /** Host fds the Sentry uses as the application's stdin, stdout, stderr. */
  readonly stdio: readonly [number, number, number];
  readonly uid: number;
  readonly gid: number;
  readonly hostname: string;
  readonly platform: "ptrace" | "kvm";
  readonly strace: boolean;
  /**
   * CPU to pin the Sentry and its stubs to; -1 leaves placement to the host. Default: the last
   * CPU we may run on (one CPU halves the trap round trip here, see docs/platform-ptrace.md).
   */
  readonly cpu?: number;
  /**
   * Forward SIGHUP/INT/QUIT/USR1/USR2/TERM received by this process to the application (the
   * terminal's foreground process group, else init). Default true.
   */
  readonly forwardSignals?: boolean;
  /**
   * Pid-namespace init semantics for the init process, as in a runc container: signals whose
   * action is the default are discarded, except SIGKILL/SIGSTOP from the host. Default false
   * (`runsc do`: the command behaves like an ordinary process, ^C ends it, as with gVisor).
   */
  readonly protectInit?: boolean;
  /**
   * The container's resource limits (config.json linux.resources), enforced by the Sentry
   * (kernel/limits.ts) and shown in /sys/fs/cgroup and /proc/meminfo. When given (even
   * empty), a sysfs is mounted at /sys.
   */
  readonly limits?: SandboxLimits;
  /** Mount "/" read-only (config.json root.readonly); `tmpfs` lists OCI tmpfs mounts kept writable. */
  readonly readonlyRoot?: { readonly tmpfs: readonly string[] };
  /** Where --strace lines go (default: the logger at info level). */
  readonly straceSink?: (line: string) => void;
  /**
   * Called once the init process exists and host signals are routed, just before the kernel
   * runs: `runsc start` is answered here, so a program that cannot start is start's error.
   */
  readonly onStarted?: () => void;
  /**
   * Called once, right after onStarted, with the running kernel's control surface (runsc
   * exec): host fds to watch at the single wait point and a way to start more processes.
   */
  readonly onRunning?: (ctl: SentryControl) => void;
}

/** What the sandbox process may do with a running Sentry (callbacks run inside its loop). */
export interface SentryControl {
  /** Calls `ready` inside the kernel loop when host fd `fd` is readable (one-shot). */
  watchFd(fd: number, ready: () => void): void;
  /** Stops watching `fd` (before closing it). */
  forgetFd(fd: number): void;
  /**
   * Starts `argv` with `env` in `cwd` as uid/gid, its fds 0-2 over host fds `stdio`; returns
   * its sandbox pid or -errno. `exited(waitStatus)` runs when it is gone.
   */
  spawn(p: SpawnSpec, exited: (waitStatus: number) => void): number;
}

/** A process to start with SentryControl.spawn. */
export interface SpawnSpec extends SentryProcessCreds {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly stdio: readonly [number, number, number];
  /** Host fds to give the process as its fds 3, 4, ... (exec --preserve-fds); the caller owns them. */
  readonly extraFds?: readonly number[];
}

const POLLIN = 1;

/** Thrown when the sandbox cannot start the program (the message says why). */
export class SentryStartError extends Error {
  override readonly name = "SentryStartError";
  readonly errno: number;
  constructor(msg: string, errno: number) {
    super(msg);
    this.errno = errno;
  }
}

/** The KVM platform, or SentryStartError("KVM is not available: ...") when it cannot be used. */
function kvmPlatform(memfd: number, memSize: number): Platform {
  try {
    return new KvmPlatform({ memfd, memSize });
  } catch (e) {
    if (e instanceof KvmUnavailableError) throw new SentryStartError(e.message, e.errno || 19);
    throw e;
  }
}

/** Converts a wait status to the shell convention (code, or 128+signal). */
export function shellStatus(ws: number): number {
  return (ws & 0x7f) !== 0 ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
}

/**
 * Runs the init process and everything it starts until the init process exits; returns the
 * exit status in the shell's convention (code, or 128+signal). Throws SentryStartError when
 * the program cannot be started (e.g. not found: errno ENOENT).
 */
export function runSentry(cfg: SentryConfig): number {
  if (cfg.platform !== "ptrace" && cfg.platform !== "kvm") {
    throw new SentryStartError(`platform ${cfg.platform} is not available`, 38);
  }
  const mf = new MemoryFile();
  const scratchOff = mf.allocate(4096);
  const cpus = getAffinity(0);
  const cpu = cfg.cpu ?? (cpus.length > 0 ? cpus[cpus.length - 1] : -1);
  const platform: Platform = cfg.platform === "kvm" ? kvmPlatform(mf.fd, mf.size) : new PtracePlatform({
    memfd: mf.fd,
    scratchOff,
    scratch: mf.slice(scratchOff, 4096)!,
    cpu,
  });
  let k: Kernel | null = null;
  let stdio: Stdio | null = null;
  let signals: { stop(): void } | null = null;
  try {
    const sink = cfg.strace ? (cfg.straceSink ?? ((l: string) => logger.info(l))) : null;
    k = new Kernel(platform, mf, buildSyscallTable(sink), defaultIdentity(cfg.hostname));
    k.protectInit = cfg.protectInit === true;
    const limits = cfg.limits === undefined ? null : new LimitsState(k, cfg.limits);
    k.limits = limits;
    setFilesHooks(vfsFiles());
    setMmapSourceHook(mmapSource);
    installFilesExitHook();
    const io = sandboxStdio(k, cfg.stdio);
    stdio = io;
    const rootfs = createRootMountNamespace(cfg.gofer, {
      proc: kernelProcProvider(k),
      tty: () => io.tty(),
      cgroup: limits === null ? undefined : cgroupView(limits),
      readonlyRoot: cfg.readonlyRoot !== undefined,
      tmpfs: cfg.readonlyRoot?.tmpfs,
    });
    const init = createInit(k, {
      argv: cfg.argv,
      env: cfg.env,
      uid: cfg.uid,
      gid: cfg.gid,
      groups: cfg.groups,
      caps: cfg.caps,
      rlimits: cfg.rlimits,
      setupFiles: (t) => {
        io.install(t);
        useFdTable(t);
        t.fsctx = rootfs.initContext(cfg.cwd);
      },
      opener: vfsOpener,
    });
    if (typeof init === "number") {
      throw new SentryStartError(
        `cannot run ${JSON.stringify(cfg.argv[0] ?? "")}: ${errnoName(-init)}`,
        -init,
      );
    }
    if (cfg.forwardSignals !== false) signals = forwardHostSignals(k, () => io.fgPgrp());
    cfg.onStarted?.();
    if (cfg.onRunning !== undefined) {
      const kern = k;
      cfg.onRunning({
        watchFd(fd: number, ready: () => void): void {
          kern.hostReadiness(fd, POLLIN).add({ wake: ready });
        },
        forgetFd(fd: number): void {
          kern.forgetHostFd(fd);
        },
        spawn(p: SpawnSpec, exited: (waitStatus: number) => void): number {
          const pio = sandboxStdio(kern, p.stdio);
          return spawnProcess(
            kern,
            {
              argv: p.argv,
              env: p.env,
              uid: p.uid,
              gid: p.gid,
              groups: p.groups,
              caps: p.caps,
              rlimits: p.rlimits,
              setupFiles: (t) => {
                pio.install(t);
                useFdTable(t);
                t.fsctx = rootfs.initContext(p.cwd);
              },
              opener: vfsOpener,
            },
            exited,
            p.extraFds,
          );
        },
      });
    }
    return shellStatus(k.run());
  } finally {
    signals?.stop();
    // Processes still alive when init exits are killed with the platform: drop their files.
    if (k !== null) { for (const t of k.tasks.values()) if (t.fdsReady) dropFdTable(t); }
    stdio?.release();
    platform.close();
    mf.close();
  }
}
