// The state store: one directory per container under --root, holding our state file, and a lock
// file beside it. Docker gives every runtime the same --root, so our files are named so as not to
// collide with runc's (`<id>/state.json`): `<id>/runsc.json` and `<id>.runsc.lock`.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import * as v from "valibot";
import { type HeldLock, lockFile } from "./lock.ts";
import { HookSchema } from "../oci/spec.ts";

/** OCI statuses, plus "creating" while `create` has not finished. */
export type Status = "creating" | "created" | "running" | "paused" | "stopped";

const StateSchema = v.object({
  ociVersion: v.string(),
  id: v.string(),
  status: v.picklist(["creating", "created", "running", "paused", "stopped"]),
  /** Host pid of the sandbox (boot) process; 0 once stopped and reaped. */
  pid: v.pipe(v.number(), v.integer(), v.minValue(0)),
  bundle: v.string(),
  /** Absolute host path of root.path (absent in states written before it was kept). */
  rootfs: v.optional(v.string()),
  annotations: v.optional(v.record(v.string(), v.string())),
  /** ISO-8601 creation time. */
  created: v.string(),
  owner: v.optional(v.string()),
  /** Our own bookkeeping, not part of the OCI state output. */
  sandbox: v.object({
    /** Start time of the sandbox process (field 22 of /proc/PID/stat), to detect pid reuse. */
    startTime: v.pipe(v.number(), v.integer(), v.minValue(0)),
    goferPid: v.pipe(v.number(), v.integer(), v.minValue(0)),
    /** Start time of the gofer, like startTime (absent in states written before it existed). */
    goferStartTime: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    controlSocket: v.string(),
    /** linux.cgroupsPath the sandbox joined (removed at delete). */
    cgroupsPath: v.optional(v.string()),
    exitStatus: v.optional(v.pipe(v.number(), v.integer())),
    /** config.json's poststart and poststop hooks, run by `start` and `delete` (hooks.ts). */
    hooks: v.optional(v.object({
      poststart: v.optional(v.array(HookSchema)),
      poststop: v.optional(v.array(HookSchema)),
    })),
  }),
});

/** A container's persisted state. */
export type ContainerState = v.InferOutput<typeof StateSchema>;

/** An error for the user: the CLI prints its message as one line. */
export class ContainerError extends Error {
  override readonly name = "ContainerError";
}

const ID_RE = /^[\w+\-.]+$/;

/** Checks a container id as runc does: word characters, '+', '-', '.', not "." or "..". */
export function validateId(id: string): void {
  if (!id) throw new ContainerError("container id cannot be empty");
  if (id.length > 1024 || !ID_RE.test(id) || id === "." || id === "..") {
    throw new ContainerError(`invalid container id format: ${JSON.stringify(id)}`);
  }
}

/** Reads the start time (clock ticks since boot) of host process `pid`, or -1 if it is gone. */
export function processStartTime(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return -1;
  }
}

/** True if `pid` still names the process that started at `startTime` (not a reused pid). */
export function isAlive(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const st = processStartTime(pid);
  if (st < 0) return false;
  // A zombie has exited: treat it as stopped.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return false;
  } catch {
    return false;
  }
  return st === startTime;
}

/** Containers under one --root directory. */
export class StateStore {
  constructor(readonly root: string) {}

  /** Directory of container `id`. */
  dir(id: string): string {
    validateId(id);
    return path.join(this.root, id);
  }

  private file(id: string): string {
    return path.join(this.dir(id), "runsc.json");
  }

  /** Takes the container's lock (creating --root if needed). */
  lock(id: string): HeldLock {
    validateId(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    return lockFile(path.join(this.root, `${id}.runsc.lock`));
  }

  /** True if a container with this id exists (ours). */
  exists(id: string): boolean {
    return fs.existsSync(this.file(id));
  }

  /**
   * Creates the container's directory and first state. Fails if the id is taken, by us or by
   * another runtime sharing --root.
   */
  create(state: ContainerState): void {
    const dir = this.dir(state.id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ContainerError(`container with id ${state.id} already exists`);
      }
      throw e;
    }
    this.save(state);
  }

  /** Loads and validates the state of `id`; a missing or corrupt state is a ContainerError. */
  load(id: string): ContainerState {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new ContainerError(`container ${id} does not exist`);
      }
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ContainerError(`container ${id}: state file is corrupt (not JSON)`);
    }
    const r = v.safeParse(StateSchema, json);
    if (!r.success) {
      const issue = r.issues[0];
      throw new ContainerError(
        `container ${id}: state file is corrupt: ${v.getDotPath(issue) ?? ""} ${issue.message}`,
      );
    }
    return r.output;
  }

  /** Writes the state atomically (temporary file + rename in the same directory). */
  save(state: ContainerState): void {
    const file = this.file(state.id);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  /** Removes only the lock file of `id` (a lock taken for a container that does not exist). */
  removeLock(id: string): void {
    validateId(id);
    fs.rmSync(path.join(this.root, `${id}.runsc.lock`), { force: true });
  }

  /** Removes everything of container `id` (its directory and its lock file). */
  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
    fs.rmSync(path.join(this.root, `${id}.runsc.lock`), { force: true });
  }

  /** Ids of our containers under --root, sorted. Other runtimes' entries are ignored. */
  ids(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((n) => ID_RE.test(n) && fs.existsSync(path.join(this.root, n, "runsc.json"))).sort();
  }
}

/**
 * The OCI state document alone (what hooks get on stdin), with `status` as given; like runc's,
 * without a pid once the container is stopped.
 */
export function hookState(s: ContainerState, status: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    status,
    pid: s.pid,
    bundle: s.bundle,
  };
  if (status === "stopped") delete out.pid;
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  return out;
}

/**
 * The state document of `runsc state` and one `list --format json` entry, shaped as runc's:
 * the OCI state fields plus rootfs, created and owner, in runc's order (annotations only when
 * there are some). runc's `state` prints owner "" and its `list` the owner's name; so do we.
 */
export function ociState(s: ContainerState, owner = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: s.status === "stopped" ? 0 : s.pid,
    status: s.status,
    bundle: s.bundle,
    rootfs: s.rootfs ?? "",
    created: s.created,
  };
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  out.owner = owner;
  return out;
}
