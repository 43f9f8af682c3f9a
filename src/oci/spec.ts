// The OCI runtime configuration (config.json, runtime-spec 1.1) as valibot schemas. Objects are
// "loose": unknown fields are kept (the spec allows extensions, and Docker writes fields we do
// not model); the types of the fields we know are checked. Linux resources, seccomp and other
// large subtrees are only checked to be objects here: their users validate them in depth.
import * as v from "valibot";

const UINT32_MAX = 0xffff_ffff;

/** A non-negative integer below 2^32 (uids, gids, modes). */
const Uint32 = v.pipe(
  v.number(),
  v.integer("must be an integer"),
  v.minValue(0, "must be >= 0"),
  v.maxValue(UINT32_MAX, "must be < 2^32"),
);
/** A non-negative integer, possibly beyond 2^53 (rlimits): JSON loses precision there, so no upper check. */
const Uint64 = v.pipe(v.number(), v.integer("must be an integer"), v.minValue(0, "must be >= 0"));
const Int = v.pipe(v.number(), v.integer("must be an integer"));
const Strings = v.array(v.string());

/**
 * An object that keeps unknown fields. valibot's object schemas accept arrays, which would
 * turn `"process": []` into a confusing "process.cwd: required": refuse arrays first.
 */
function obj<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(
    v.custom<unknown>((x) => !Array.isArray(x), "expected object, got array"),
    v.looseObject(entries),
  );
}

/** process.user */
export const UserSchema = obj({
  uid: Uint32,
  gid: Uint32,
  umask: v.optional(Uint32),
  additionalGids: v.optional(v.array(Uint32)),
  username: v.optional(v.string()),
});

/** process.capabilities */
export const CapabilitiesSchema = obj({
  bounding: v.optional(Strings),
  effective: v.optional(Strings),
  inheritable: v.optional(Strings),
  permitted: v.optional(Strings),
  ambient: v.optional(Strings),
});

/** One entry of process.rlimits. */
export const RlimitSchema = obj({ type: v.string(), hard: Uint64, soft: Uint64 });

/** The process to run (config.json `process`, also the content of `exec --process FILE`). */
export const ProcessSchema = obj({
  terminal: v.optional(v.boolean()),
  consoleSize: v.optional(obj({ height: Uint32, width: Uint32 })),
  user: UserSchema,
  args: v.optional(Strings),
  commandLine: v.optional(v.string()),
  env: v.optional(Strings),
  cwd: v.string(),
  capabilities: v.optional(CapabilitiesSchema),
  rlimits: v.optional(v.array(RlimitSchema)),
  noNewPrivileges: v.optional(v.boolean()),
  apparmorProfile: v.optional(v.string()),
  oomScoreAdj: v.optional(Int),
  selinuxLabel: v.optional(v.string()),
});

/** root */
export const RootSchema = obj({ path: v.string(), readonly: v.optional(v.boolean()) });

/** A uid/gid mapping of a user namespace or an idmapped mount. */
export const IdMappingSchema = obj({ containerID: Uint32, hostID: Uint32, size: Uint32 });

/** One entry of mounts. */
export const MountSchema = obj({
  destination: v.string(),
  source: v.optional(v.string()),
  type: v.optional(v.string()),
  options: v.optional(Strings),
  uidMappings: v.optional(v.array(IdMappingSchema)),
  gidMappings: v.optional(v.array(IdMappingSchema)),
});

/** One hook: a host program run at a lifecycle point. */
export const HookSchema = obj({
  path: v.string(),
  args: v.optional(Strings),
  env: v.optional(Strings),
  timeout: v.optional(v.pipe(Int, v.minValue(1, "must be > 0"))),
});

const Hooks = v.optional(v.array(HookSchema));

/** hooks */
export const HooksSchema = obj({
  prestart: Hooks,
  createRuntime: Hooks,
  createContainer: Hooks,
  startContainer: Hooks,
  poststart: Hooks,
  poststop: Hooks,
});

/** Namespace types Linux knows (runtime-spec config-linux.md). */
export const NAMESPACE_TYPES = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"] as const;

/** One entry of linux.namespaces. */
export const NamespaceSchema = obj({
  type: v.picklist(NAMESPACE_TYPES, `must be one of ${NAMESPACE_TYPES.join(", ")}`),
  path: v.optional(v.string()),
});

/** One entry of linux.devices. */
export const DeviceSchema = obj({
  type: v.string(),
  path: v.string(),
  major: v.optional(Int),
  minor: v.optional(Int),
  fileMode: v.optional(Uint32),
  uid: v.optional(Uint32),
  gid: v.optional(Uint32),
});

/** linux */
export const LinuxSchema = obj({
  namespaces: v.optional(v.array(NamespaceSchema)),
  uidMappings: v.optional(v.array(IdMappingSchema)),
  gidMappings: v.optional(v.array(IdMappingSchema)),
  devices: v.optional(v.array(DeviceSchema)),
  cgroupsPath: v.optional(v.string()),
  resources: v.optional(obj({})),
  sysctl: v.optional(v.record(v.string(), v.string())),
  seccomp: v.optional(obj({})),
  rootfsPropagation: v.optional(v.string()),
  maskedPaths: v.optional(Strings),
  readonlyPaths: v.optional(Strings),
  mountLabel: v.optional(v.string()),
});

/** The whole config.json. */
export const SpecSchema = obj({
  ociVersion: v.string(),
  process: v.optional(ProcessSchema),
  root: v.optional(RootSchema),
  hostname: v.optional(v.string()),
  domainname: v.optional(v.string()),
  mounts: v.optional(v.array(MountSchema)),
  hooks: v.optional(HooksSchema),
  annotations: v.optional(v.record(v.string(), v.string())),
  linux: v.optional(LinuxSchema),
});

/** A validated config.json (unknown fields kept). */
export type Spec = v.InferOutput<typeof SpecSchema>;
/** A validated OCI process. */
export type Process = v.InferOutput<typeof ProcessSchema>;
/** A validated mount entry. */
export type Mount = v.InferOutput<typeof MountSchema>;

/** "process.args[0]"-style path of a valibot issue; "" for the document itself. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = "";
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  }
  return out;
}

/** What a JSON value is, in the words an error message needs. */
function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "array";
  return typeof x;
}

/**
 * One line describing the first issue: `process.args: expected array, got string`,
 * `process.cwd: required`, `process.user.uid: must be >= 0`.
 */
export function describeIssue(issue: v.BaseIssue<unknown>, what = "config.json"): string {
  const where = issuePath(issue) || what;
  if (issue.type === "custom") return `${where}: ${issue.message}`;
  if (issue.kind === "schema") {
    if (issue.input === undefined) return `${where}: required`;
    const expected = issue.type === "picklist" ? "" : (issue.expected ?? "").toLowerCase();
    if (issue.type === "picklist") return `${where}: ${issue.message}`;
    return `${where}: expected ${expected}, got ${kindOf(issue.input)}`;
  }
  return `${where}: ${issue.message}`;
}
