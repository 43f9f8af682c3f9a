// The boot spec: what the CLI tells `runsc boot` about the process to run, as one JSON
// document read from --spec-fd. It carries no host paths (the root is whatever the gofer
// serves) and no fd numbers (those are flags). Validated with valibot: boot trusts the CLI
// that started it, but a malformed spec must be a clear error, never a crash.
import * as v from "valibot";

const NoNul = v.pipe(v.string(), v.check((s) => !s.includes("\0"), "must not contain NUL"));
const Positive = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));
const CapHex = v.pipe(v.string(), v.regex(/^[0-9a-f]{1,16}$/, "must be a hex capability set"));
const Id = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xfffffffe));

/** Schema of the boot spec (version 1). */
export const BootSpecSchema = v.strictObject({
  version: v.literal(1),
  /** argv of the init process; argv[0] is resolved against PATH inside the sandbox. */
  argv: v.pipe(v.array(NoNul), v.minLength(1, "argv must not be empty")),
  /** Environment as "K=V" strings. */
  env: v.array(v.pipe(NoNul, v.includes("=", 'env entries must look like "K=V"'))),
  /** Working directory inside the sandbox (absolute). */
  cwd: v.pipe(NoNul, v.startsWith("/", "cwd must be absolute")),
  uid: Id,
  gid: Id,
  /** Supplementary groups (config.json process.user.additionalGids). */
  groups: v.optional(v.pipe(v.array(Id), v.maxLength(65536))),
  /**
   * Initial resource limits (config.json process.rlimits): [RLIMIT_* index, soft, hard], null
   * for RLIM_INFINITY. The Sentry keeps them in its own kernel; the host's are not touched.
   */
  rlimits: v.optional(v.array(v.tuple([
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(15)),
    v.nullable(v.pipe(v.number(), v.minValue(0))),
    v.nullable(v.pipe(v.number(), v.minValue(0))),
  ]))),
  hostname: v.pipe(NoNul, v.maxLength(64)),
  /**
   * config.json process.capabilities as set before the program's execve, each a hex bit set
   * (bit N = CAP_* N); absent: root has every capability, others none.
   */
  caps: v.optional(v.strictObject({
    inh: CapHex,
    prm: CapHex,
    eff: CapHex,
    bnd: CapHex,
    amb: CapHex,
  })),
  /** Resource limits (config.json linux.resources) the Sentry enforces and shows; containers only. */
  limits: v.optional(v.strictObject({
    memoryBytes: v.optional(Positive),
    pids: v.optional(Positive),
    cpuQuotaUs: v.optional(Positive),
    cpuPeriodUs: v.optional(Positive),
    cpuShares: v.optional(Positive),
  })),
  /** config.json root.readonly: "/" refuses writes; `tmpfs` are the OCI tmpfs mount paths kept writable. */
  readonlyRoot: v.optional(v.strictObject({
    tmpfs: v.array(v.pipe(NoNul, v.startsWith("/", "tmpfs paths must be absolute"))),
  })),
});

/** A validated boot spec. */
export type BootSpec = v.InferOutput<typeof BootSpecSchema>;

/** Largest spec accepted (argv + environment); the CLI sizes the spec pipe to fit it. */
export const MAX_SPEC_BYTES = 1 << 20;

/** Parses and validates a spec; returns it or an error sentence (no stack, no throw). */
export function parseBootSpec(text: string): BootSpec | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return `boot spec is not JSON: ${(e as Error).message}`;
  }
  const r = v.safeParse(BootSpecSchema, raw);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const where = issue.path?.map((p) => String(p.key)).join(".") ?? "";
  return `invalid boot spec${where ? ` at ${where}` : ""}: ${issue.message}`;
}
