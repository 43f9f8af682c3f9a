// `exec`: a new process in a running container. The request (argv, env, cwd, user) is built
// from --process (an OCI process spec) or the command line, and sent with this process's
// stdin/stdout/stderr (SCM_RIGHTS) to boot's control socket; boot answers when the process is
// gone, and `exec` exits with its status. With --detach a copy of runsc (the "relay") does
// that and its pid goes to --pid-file: Docker's shim waits on it, as on runc's exec process.
import * as fs from "node:fs";
import * as v from "valibot";
import { callControl, ControlError } from "../control/client.ts";
import { MAX_PRESERVE_FDS, type Request } from "../control/protocol.ts";
import { ProcessSchema } from "../oci/spec.ts";
import { refreshed } from "./container.ts";
import { ContainerError, StateStore } from "./state.ts";
import { planProcessCreds } from "./bundle.ts";

/** The exec request sent to boot. */
export type ExecRequest = Extract<Request, { method: "exec" }>;

/** What the command line gave. */
export interface ExecOptions {
  readonly processFile: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: string;
  readonly tty: boolean;
  /** --preserve-fds: our fds 3..3+N-1 go along as the process's fds 3, 4, ... */
  readonly preserveFds?: number;
}

/** The running container's state; ContainerError otherwise (paused, stopped, missing). */
export function runningContainer(store: StateStore, id: string): { dir: string } {
  if (!store.exists(id)) throw new ContainerError(`container ${id} does not exist`);
  const s = refreshed(store, store.load(id));
  if (s.status !== "running") throw new ContainerError(`cannot exec in a ${s.status} container`);
  return { dir: store.dir(id) };
}

/** The request's preserveFds field (absent for 0); ContainerError beyond what one message carries. */
function preserved(n: number | undefined): { preserveFds?: number } {
  if (n === undefined || n === 0) return {};
  if (n > MAX_PRESERVE_FDS) throw new ContainerError(`--preserve-fds: at most ${MAX_PRESERVE_FDS}`);
  return { preserveFds: n };
}

/** Our fds 3..3+N-1 that `req` preserves. */
export function preservedFds(req: ExecRequest): number[] {
  return Array.from({ length: req.preserveFds ?? 0 }, (_, i) => 3 + i);
}

/** Builds the request and whether it wants a terminal; throws ContainerError naming a field. */
export function execRequest(o: ExecOptions): { req: ExecRequest; terminal: boolean } {
  if (o.processFile !== "") {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(o.processFile, "utf8"));
    } catch (e) {
      throw new ContainerError(`--process ${o.processFile}: ${(e as Error).message}`);
    }
    const r = v.safeParse(ProcessSchema, raw);
    if (!r.success) {
      const key = r.issues[0].path?.map((i) => String(i.key)).join(".") ?? "";
      throw new ContainerError(`--process: ${key}: ${r.issues[0].message}`);
    }
    const p = r.output;
    const argv = p.args ?? [];
    if (argv.length === 0) throw new ContainerError("--process: args: must not be empty");
    if (!p.cwd.startsWith("/")) throw new ContainerError("--process: cwd: must be an absolute path");
    return {
      req: {
        method: "exec",
        argv,
        env: p.env ?? [],
        cwd: p.cwd,
        uid: p.user.uid,
        gid: p.user.gid,
        ...planProcessCreds(p, "--process: process"),
        ...preserved(o.preserveFds),
      },
      terminal: p.terminal ?? false,
    };
  }
  const [uid, gid] = o.user === "" ? [0, 0] : o.user.split(":").map(Number);
  return {
    req: {
      method: "exec",
      argv: [...o.args],
      env: o.env.length > 0
        ? [...o.env]
        : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      cwd: o.cwd || "/",
      uid: uid ?? 0,
      gid: gid ?? uid ?? 0,
      ...preserved(o.preserveFds),
    },
    terminal: o.tty,
  };
}

/** Sends `req` with our fds 0-2 (and the preserved 3..) to the sandbox in `dir`; returns the exit status. */
export function relayExec(dir: string, req: ExecRequest): number {
  let reply;
  try {
    reply = callControl(dir, req, 0, [0, 1, 2, ...preservedFds(req)]);
  } catch (e) {
    // The sandbox went away while the process ran: it was killed with the container.
    if (e instanceof ControlError && e.message.includes("closed")) return 137;
    throw new ContainerError(`exec: ${(e as Error).message}`);
  }
  if (!reply.ok) throw new ContainerError(`exec: ${reply.error}`);
  return reply.exitStatus ?? 0;
}
