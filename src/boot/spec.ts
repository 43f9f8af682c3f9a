// The boot spec: what the CLI tells `runsc boot` about the process to run, as one JSON
// document read from --spec-fd. It carries no host paths (the root is whatever the gofer
// serves) and no fd numbers (those are flags). Validated with valibot: boot trusts the CLI
// that started it, but a malformed spec must be a clear error, never a crash.
import * as v from "valibot";
import type { SentryProcessCreds } from "../sentry/kernel/init.ts";

const NoNul = v.pipe(v.string(), v.check((s) => !s.includes("\0"), "must not contain NUL"));
const Positive = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));
const CapHex = v.pipe(v.string(), v.regex(/^[0-9a-f]{1,16}$/, "must be a hex capability set"));
const Id = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xfffffffe));

/**
 * What the runtime sets up for a process beyond its ids, before its execve (config.json's
 * process.user.additionalGids, process.capabilities, process.rlimits): carried by the boot spec
 * for init and by exec requests (src/control/protocol.ts).
 */
export const ProcessCredsEntries = {
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
};

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
  ...ProcessCredsEntries,
  hostname: v.pipe(NoNul, v.maxLength(64)),
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

/** The process credentials of a spec or exec request, as the Sentry takes them. */
export function sentryProcessCreds(p: ProcessCreds): SentryProcessCreds {
  const hex = (h: string): bigint => BigInt(`0x${h}`);
  return {
    groups: p.groups,
    rlimits: p.rlimits?.map(([r, soft, hard]) => [r, soft ?? Infinity, hard ?? Infinity] as const),
    caps: p.caps === undefined ? undefined : {
      capInh: hex(p.caps.inh),
      capPrm: hex(p.caps.prm),
      capEff: hex(p.caps.eff),
      capBnd: hex(p.caps.bnd),
      capAmb: hex(p.caps.amb),
    },
  };
}

/** The process credential fields of a boot spec or exec request. */
export type ProcessCreds = v.InferOutput<v.ObjectSchema<typeof ProcessCredsEntries, undefined>>;
