// The control protocol between the CLI and a sandbox's boot process: one JSON request line per
// connection on a unix stream socket, one JSON reply line back. The socket lives at
// `<root>/<id>/ctl`; Docker's --root plus a 64-hex id exceed sun_path's 108 bytes, so both
// sides reach it through `/proc/self/fd/<dirfd>/ctl`, a short path resolved relative to an
// open fd of the container directory (see docs/lifecycle.md).
import * as v from "valibot";
import { ProcessCredsEntries } from "../boot/spec.ts";

/** Name of the control socket inside the container's state directory. */
export const CONTROL_SOCKET_NAME = "ctl";

/** Largest request or reply accepted (one line of JSON). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Most fds `exec --preserve-fds` may pass (SCM_RIGHTS carries 253 per message, 3 are stdio). */
export const MAX_PRESERVE_FDS = 250;

const Id = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff));

/**
 * Requests boot understands: ping and start while "created"; ping and exec once running. exec
 * carries the process's stdin, stdout, stderr (then `preserveFds` more) as SCM_RIGHTS fds with the request line,
 * and is answered once, when the process is gone (`exitStatus`), or at once with an error.
 */
export const RequestSchema = v.variant("method", [
  v.strictObject({ method: v.literal("ping") }),
  v.strictObject({ method: v.literal("start") }),
  v.strictObject({
    method: v.literal("exec"),
    argv: v.pipe(v.array(v.string()), v.minLength(1)),
    env: v.array(v.string()),
    cwd: v.pipe(v.string(), v.startsWith("/")),
    uid: Id,
    gid: Id,
    ...ProcessCredsEntries,
    /** exec --preserve-fds: this many more fds follow stdio; they become fds 3, 4, ... */
    preserveFds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_PRESERVE_FDS))),
  }),
]);

/** A validated control request. */
export type Request = v.InferOutput<typeof RequestSchema>;

/** Replies: success (with an optional pid), or an error sentence. */
export const ReplySchema = v.union([
  v.strictObject({
    ok: v.literal(true),
    pid: v.optional(v.pipe(v.number(), v.integer())),
    exitStatus: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))),
  }),
  v.strictObject({ ok: v.literal(false), error: v.pipe(v.string(), v.maxLength(4096)) }),
]);

/** A validated control reply. */
export type Reply = v.InferOutput<typeof ReplySchema>;

/** The short path through which an open directory fd's control socket is bound or reached. */
export function socketPathVia(dirFd: number): string {
  return `/proc/self/fd/${dirFd}/${CONTROL_SOCKET_NAME}`;
}

/** Encodes one message as a JSON line. */
export function encode(msg: Request | Reply): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(msg) + "\n");
}

/** Parses a received line against `schema`; an error sentence instead of throwing. */
export function decode<T>(
  schema: v.GenericSchema<unknown, T>,
  bytes: Uint8Array,
): { value: T } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { error: "malformed control message (not JSON)" };
  }
  const r = v.safeParse(schema, raw);
  if (!r.success) return { error: `malformed control message: ${r.issues[0].message}` };
  return { value: r.output };
}
