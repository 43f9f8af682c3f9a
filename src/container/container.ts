// The container operations behind the lifecycle commands. Every mutation holds the container's
// lock (lock.ts) around load → refresh → act → save, so concurrent runsc invocations on one
// container are serialised. "Refresh" is where a dead sandbox is noticed: a created, running or
// paused container whose boot process is gone (pid + start time) becomes "stopped", with the
// exit status boot recorded (exit.json) or, if it was killed before it could, 128+SIGKILL.
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT_FILE } from "../boot/exit-file.ts";
import { callControl, ControlError } from "../control/client.ts";
import { FORWARDED_SIGNALS } from "../sentry/kernel/host-signals.ts";
import { type HostProc, signalProc, waitGone } from "./procs.ts";
import type { HeldLock } from "./lock.ts";
import { removeCgroup } from "./cgroup.ts";
import { ContainerError, type ContainerState, hookState, isAlive, StateStore } from "./state.ts";
import { runHooks } from "./hooks.ts";

const SIGKILL = 9;
const SIGSTOP = 19;
const SIGCONT = 18;
/** Exit status assumed when boot died without recording one (only SIGKILL can do that). */
const KILLED_STATUS = 128 + SIGKILL;
/** Signals whose default action is to ignore or stop: meaningless for a container not started. */
const NON_FATAL = new Set([17, 18, 19, 20, 21, 22, 23, 28]);

/** The boot (sandbox) process of a state. */
export function bootProc(s: ContainerState): HostProc {
  return { pid: s.pid, startTime: s.sandbox.startTime };
}

/** The gofer process of a state (start time unknown in old states: never signalled then). */
export function goferProc(s: ContainerState): HostProc {
  return { pid: s.sandbox.goferPid, startTime: s.sandbox.goferStartTime ?? -2 };
}

/** Reads the exit status boot recorded in the container directory, if any. */
export function readExitFile(dir: string): number | undefined {
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(path.join(dir, EXIT_FILE), "utf8"));
    const n = (raw as { exitStatus?: unknown }).exitStatus;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The state with its status brought up to date (not saved): a container whose sandbox died is
 * "stopped". Pure apart from reading /proc and exit.json, so `list` can use it without locks.
 */
export function refreshed(store: StateStore, s: ContainerState): ContainerState {
  if (s.status === "stopped") return s;
  if (s.status !== "creating" && isAlive(s.pid, s.sandbox.startTime)) return s;
  const exitStatus = readExitFile(store.dir(s.id)) ?? s.sandbox.exitStatus ?? KILLED_STATUS;
  return { ...s, status: "stopped", sandbox: { ...s.sandbox, exitStatus } };
}

/**
 * Takes the lock of an existing container. A missing container is an error that leaves
 * nothing behind: no --root created, no lock file (also when `delete` won the race).
 */
export function lockExisting(store: StateStore, id: string): HeldLock {
  if (!store.exists(id)) throw new ContainerError(`container ${id} does not exist`);
  const lock = store.lock(id);
  if (!store.exists(id)) {
    store.removeLock(id);
    lock.release();
    throw new ContainerError(`container ${id} does not exist`);
  }
  return lock;
}

/** Runs `fn` on container `id` under its lock with a refreshed state (saved if it changed). */
export async function withContainer<T>(
  store: StateStore,
  id: string,
  fn: (s: ContainerState) => T | Promise<T>,
): Promise<T> {
  const lock = lockExisting(store, id);
  try {
    const loaded = store.load(id);
    const s = refreshed(store, loaded);
    if (s !== loaded) store.save(s);
    return await fn(s);
  } finally {
    lock.release();
  }
}

/** `start`: tells a created container's boot to run the entrypoint. */
export function startContainer(store: StateStore, id: string): Promise<void> {
  return withContainer(store, id, (s) => {
    if (s.status !== "created") {
      throw new ContainerError(`cannot start a container in the ${s.status} state`);
    }
    let reply;
    try {
      reply = callControl(store.dir(id), { method: "start" }, 120_000);
    } catch (e) {
      if (e instanceof ControlError && !isAlive(s.pid, s.sandbox.startTime)) {
        store.save(refreshed(store, s));
        throw new ContainerError("cannot start a container in the stopped state (the sandbox died)");
      }
      throw new ContainerError(`starting container: ${(e as Error).message}`);
    }
    if (!reply.ok) throw new ContainerError(`starting container: ${reply.error}`);
    const running: ContainerState = { ...s, status: "running" };
    store.save(running);
    // runc's poststart hooks see "created" (its state is read before it is updated); so do ours.
    runHooks("poststart", s.sandbox.hooks?.poststart, hookState(running, "created"));
  });
}

/** Options of {@link killContainer}. */
export interface KillOptions {
  readonly signal: number;
  readonly all: boolean;
}

/**
 * `kill`: delivers a signal to the container (see docs/lifecycle.md for the semantics).
 * Running: SIGKILL ends the sandbox; the signals boot's Sentry forwards (HUP INT QUIT USR1
 * USR2 TERM) go to boot, which passes them to the application (tty foreground group, else
 * init); others are refused for now. Created: nothing runs yet, so a fatal signal ends the
 * sandbox (SIGKILL) and a non-fatal one is a no-op.
 */
export function killContainer(store: StateStore, id: string, o: KillOptions): Promise<void> {
  return withContainer(store, id, (s) => {
    if (s.status === "stopped" || s.status === "creating") throw new ContainerError("container not running");
    const boot = bootProc(s);
    let sig = o.signal;
    if (s.status === "created") {
      if (NON_FATAL.has(sig)) return;
      sig = SIGKILL;
    } else if (sig === SIGSTOP || sig === SIGCONT) {
      throw new ContainerError(`signal ${sig}: use "runsc pause" / "runsc resume"`);
    } else if (sig !== SIGKILL && !FORWARDED_SIGNALS.includes(sig)) {
      throw new ContainerError(
        `signal ${sig} cannot be delivered to the container yet (see docs/lifecycle.md)`,
      );
    }
    if (!signalProc(boot, sig)) throw new ContainerError("container not running");
    if (sig === SIGKILL) {
      // A stopped (paused) process dies of SIGKILL too; record what the status will be.
      store.save({ ...s, sandbox: { ...s.sandbox, exitStatus: KILLED_STATUS } });
    }
  });
}

/** Kills boot and gofer (if still ours) and waits until both are gone. */
export async function destroySandbox(s: ContainerState): Promise<boolean> {
  const procs = [bootProc(s), goferProc(s)];
  for (const p of procs) signalProc(p, SIGKILL);
  return await waitGone(procs, 5000);
}

/** `delete`: refuses a running or paused container without `force`; removes everything. */
export async function deleteContainer(store: StateStore, id: string, force: boolean): Promise<void> {
  let lock: HeldLock;
  try {
    lock = lockExisting(store, id);
  } catch (e) {
    // runc: with --force a missing container is not an error (Docker deletes twice).
    if (force && e instanceof ContainerError && !store.exists(id)) return;
    throw e;
  }
  try {
    const s = refreshed(store, store.load(id));
    if ((s.status === "running" || s.status === "paused") && !force) {
      throw new ContainerError(`cannot delete container ${id} that is not stopped: ${s.status}`);
    }
    if (!(await destroySandbox(s))) {
      throw new ContainerError(`container ${id}: the sandbox processes did not exit`);
    }
    const cg = s.sandbox.cgroupsPath;
    if (cg !== undefined && !(await removeCgroup(cg))) {
      throw new ContainerError(`container ${id}: cgroup ${cg} still has processes`);
    }
    runHooks("poststop", s.sandbox.hooks?.poststop, hookState(s, "stopped"));
    store.remove(id);
  } finally {
    lock.release();
  }
}

/** `pause`: stops the sandbox process (SIGSTOP); see docs/lifecycle.md for what that covers. */
export function pauseContainer(store: StateStore, id: string): Promise<void> {
  return withContainer(store, id, (s) => {
    if (s.status !== "running") throw new ContainerError(`cannot pause a container in the ${s.status} state`);
    if (!signalProc(bootProc(s), SIGSTOP)) throw new ContainerError("container not running");
    store.save({ ...s, status: "paused" });
  });
}

/** `resume`: continues a paused sandbox (SIGCONT). */
export function resumeContainer(store: StateStore, id: string): Promise<void> {
  return withContainer(store, id, (s) => {
    if (s.status !== "paused") throw new ContainerError(`cannot resume a container in the ${s.status} state`);
    if (!signalProc(bootProc(s), SIGCONT)) throw new ContainerError("container not running");
    store.save({ ...s, status: "running" });
  });
}

/**
 * `wait`: polls (without holding the lock) until the sandbox is gone; returns the exit status.
 * Polling because the waiter is not boot's parent.
 */
export async function waitContainer(store: StateStore, id: string): Promise<number> {
  for (;;) {
    const s = refreshed(store, store.load(id));
    if (s.status === "stopped") return s.sandbox.exitStatus ?? KILLED_STATUS;
    await new Promise((r) => setTimeout(r, 20));
  }
}
