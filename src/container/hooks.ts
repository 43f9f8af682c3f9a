// OCI hooks (config.json `hooks`), run as runc runs them: each a host program started with the
// container's state JSON on stdin, its own args (args[0] is argv[0]) and env (none given: the
// runtime's), killed after `timeout` seconds. prestart, createRuntime and createContainer run at
// the end of `create` (the sandbox exists, the program has not started; runc's "runtime" and
// "container" namespaces are both the host here) and a failure fails `create`; poststart runs
// after `start`, poststop when `delete` has removed the sandbox: their failures are warnings
// (runtime-spec config.md, "POSIX-platform Hooks"). startContainer hooks would have to run
// inside the sandbox, which runs no host program: refused with an error naming the field.
import { spawnSync } from "node:child_process";
import process from "node:process";
import * as v from "valibot";
import { HookSchema } from "../oci/spec.ts";
import type { Spec } from "../oci/spec.ts";
import { logger } from "../log/log.ts";
import { ContainerError, type ContainerState } from "./state.ts";

/** One hook, as config.json gives it. */
export type Hook = v.InferOutput<typeof HookSchema>;

/** The hooks run after `create` returns, kept in the container's state. */
export type LaterHooks = NonNullable<ContainerState["sandbox"]["hooks"]>;

/** Points of the lifecycle with hooks. */
export type HookPoint = "prestart" | "createRuntime" | "createContainer" | "poststart" | "poststop";

/** Refuses hooks this runtime cannot run (one line naming the field). */
export function checkHooks(spec: Spec): void {
  if ((spec.hooks?.startContainer ?? []).length !== 0) {
    throw new ContainerError(
      "loading spec: hooks.startContainer: not supported (they run inside the container, and the sandbox runs no host program)",
    );
  }
}

/** The hooks to keep in the state for `start` and `delete`, or undefined when there are none. */
export function laterHooks(spec: Spec): LaterHooks | undefined {
  const { poststart, poststop } = spec.hooks ?? {};
  return (poststart?.length ?? 0) + (poststop?.length ?? 0) === 0 ? undefined : { poststart, poststop };
}

/** Why hook `h` failed, or undefined when it exited 0. */
function runHook(h: Hook, state: string): string | undefined {
  const args = h.args !== undefined && h.args.length > 0 ? h.args : [h.path];
  const r = spawnSync(h.path, args.slice(1), {
    argv0: args[0],
    env: h.env === undefined ? process.env : Object.fromEntries(h.env.map((e) => {
      const i = e.indexOf("=");
      return i < 0 ? [e, ""] : [e.slice(0, i), e.slice(i + 1)];
    })),
    input: state,
    stdio: ["pipe", "pipe", "pipe"],
    timeout: h.timeout === undefined ? undefined : h.timeout * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 1 << 20,
  });
  const said = (r.stderr?.toString() || r.stdout?.toString() || "").trim().split("\n")[0];
  const detail = said ? `: ${said}` : "";
  if (r.error !== undefined) {
    const e = r.error as NodeJS.ErrnoException;
    return e.code === "ETIMEDOUT" ? `timed out after ${h.timeout} s` : `${e.code ?? e.message}${detail}`;
  }
  if (r.signal !== null) return `killed by ${r.signal}${detail}`;
  return r.status === 0 ? undefined : `exited with status ${r.status}${detail}`;
}

/**
 * Runs the hooks of `point` in order with `state` (the OCI state document) on their stdin.
 * Before the program starts a failure throws (the caller undoes `create`); afterwards it is a
 * warning in the log and the remaining hooks still run.
 */
export function runHooks(point: HookPoint, hooks: readonly Hook[] | undefined, state: object): void {
  const json = JSON.stringify(state);
  for (const [i, h] of (hooks ?? []).entries()) {
    const why = runHook(h, json);
    if (why === undefined) continue;
    const msg = `hooks.${point}[${i}] ${h.path}: ${why}`;
    if (point === "poststart" || point === "poststop") logger.warning(msg);
    else throw new ContainerError(msg);
  }
}
