// `create`: bundle → state directory → control socket → gofer + boot (detached) → "created" →
// --pid-file. Each step registers its undo; a failure undoes everything done so far, so a
// failed create leaves --root as it was (no directory, no lock file, no process).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { errnoName } from "../../ffi/errno.ts";
import { close } from "../../ffi/libc.ts";
import { AF_UNIX, bindUnix, listen, SOCK_CLOEXEC, SOCK_STREAM, socket } from "../../ffi/socket.ts";
import type { GlobalFlags } from "../cli/globals.ts";
import { CONTROL_SOCKET_NAME, socketPathVia } from "../control/protocol.ts";
import { startDetached } from "../sandbox/detached.ts";
import { planBundle } from "./bundle.ts";
import { type CgroupLimits, cgroupPlan, joinCgroup, removeCgroup, resourceLimits } from "./cgroup.ts";
import type { BootSpec } from "../boot/spec.ts";
import { destroySandbox } from "./container.ts";
import { openConsole } from "./console.ts";
import { laterHooks, runHooks } from "./hooks.ts";
import {
  ContainerError,
  type ContainerState,
  hookState,
  processStartTime,
  StateStore,
  validateId,
} from "./state.ts";

/** What `create` (and `run`) were asked. */
export interface CreateOptions {
  readonly id: string;
  /** Bundle directory ("" = current directory). */
  readonly bundle: string;
  readonly pidFile: string;
  readonly consoleSocket: string;
  readonly globals: GlobalFlags;
}

/**
 * The limits the Sentry enforces and shows (/sys/fs/cgroup), from linux.resources, with or
 * without a cgroupsPath. A container always gets them (possibly empty), so it always has its
 * /sys/fs/cgroup view.
 */
function sentryLimits(l: CgroupLimits): NonNullable<BootSpec["limits"]> {
  return {
    memoryBytes: l.memory,
    pids: l.pids,
    cpuQuotaUs: l.cpuQuota !== undefined && l.cpuQuota > 0 ? l.cpuQuota : undefined,
    cpuPeriodUs: l.cpuPeriod,
    cpuShares: l.cpuShares,
  };
}

/** Writes `text` to `file` atomically (temporary file in the same directory + rename). */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Creates the container; returns its state ("created"). Throws one-line errors. */
export async function createContainer(o: CreateOptions): Promise<ContainerState> {
  validateId(o.id);
  const bundle = path.resolve(o.bundle || ".");
  const plan = planBundle(bundle, o.id);
  if (plan.terminal && o.consoleSocket === "") {
    throw new ContainerError("cannot allocate a terminal (process.terminal) without --console-socket");
  }
  if (!plan.terminal && o.consoleSocket !== "") {
    throw new ContainerError("--console-socket given but process.terminal is false");
  }
  const cgroup = cgroupPlan(plan.spec, o.globals.systemdCgroup);
  const store = new StateStore(o.globals.root);
  // `always` runs in every case (the CLI keeps no fd the children hold, and drops the lock);
  // `onFailure` undoes the steps done so far, newest first.
  const always: (() => void)[] = [];
  const onFailure: (() => void)[] = [];
  const lock = store.lock(o.id);
  let done = false;
  try {
    if (store.exists(o.id)) throw new ContainerError(`container with id ${o.id} already exists`);
    const state: ContainerState = {
      ociVersion: "1.0.2-dev",
      id: o.id,
      status: "creating",
      pid: 0,
      bundle,
      rootfs: plan.rootDir,
      annotations: plan.spec.annotations,
      created: new Date().toISOString(),
      owner: ownerName(),
      sandbox: { startTime: 0, goferPid: 0, controlSocket: path.join(store.dir(o.id), CONTROL_SOCKET_NAME) },
    };
    store.create(state);
    onFailure.push(() => store.remove(o.id));
    const dirFd = fs.openSync(store.dir(o.id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    always.push(() => fs.closeSync(dirFd));
    const ctl = listenControl(dirFd);
    always.push(() => close(ctl));
    fs.chmodSync(state.sandbox.controlSocket, 0o600);

    let stdio: [number, number, number] | undefined;
    if (plan.terminal) {
      const replica = openConsole(o.consoleSocket, plan.spec.process?.consoleSize);
      always.push(() => close(replica));
      stdio = [replica, replica, replica];
    }
    const r = await startDetached({
      rootDir: plan.rootDir,
      spec: { ...plan.boot, limits: sentryLimits(resourceLimits(plan.spec)) },
      globals: o.globals,
      controlFd: ctl,
      stateDirFd: dirFd,
      stdio,
    });
    if ("error" in r) throw new ContainerError(`creating sandbox: ${r.error}`);
    const created: ContainerState = {
      ...state,
      status: "created",
      pid: r.boot.pid,
      sandbox: {
        ...state.sandbox,
        startTime: Math.max(0, processStartTime(r.boot.pid)),
        goferPid: r.gofer.pid,
        goferStartTime: Math.max(0, processStartTime(r.gofer.pid)),
      },
    };
    onFailure.push(() => void destroySandbox(created));
    if (cgroup !== null) {
      created.sandbox.cgroupsPath = cgroup.path;
      try {
        joinCgroup(cgroup, [r.boot.pid, r.gofer.pid]);
      } catch (e) {
        await destroySandbox(created);
        await removeCgroup(cgroup.path);
        throw e;
      }
      onFailure.push(() => void destroySandbox(created).then(() => removeCgroup(cgroup.path)));
    }
    created.sandbox.hooks = laterHooks(plan.spec);
    const hooks = plan.spec.hooks;
    for (const point of ["prestart", "createRuntime", "createContainer"] as const) {
      runHooks(point, hooks?.[point], hookState(created, "creating"));
    }
    store.save(created);
    // Last: containerd takes the pid file as "create is done".
    if (o.pidFile) writeAtomic(path.resolve(o.pidFile), String(r.boot.pid));
    done = true;
    return created;
  } finally {
    const steps = [...always, ...(done ? [] : onFailure.reverse())];
    for (const step of steps) {
      try {
        step();
      } catch {
        // best effort: the first error is the one reported
      }
    }
    lock.release();
  }
}

/** Binds and listens on `<dir>/ctl` through the directory fd (sun_path is only 108 bytes). */
function listenControl(dirFd: number): number {
  const fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  if (fd < 0) throw new ContainerError(`control socket: ${errnoName(-fd)}`);
  let r = bindUnix(fd, socketPathVia(dirFd));
  if (r === 0) r = listen(fd, 16);
  if (r < 0) {
    close(fd);
    throw new ContainerError(`control socket: ${errnoName(-r)}`);
  }
  return fd;
}

/** The user name of the caller, as runc's list shows it. */
function ownerName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `#${process.getuid?.() ?? 0}`;
  }
}
