// The container's host cgroup (issue 5 item 3): `linux.cgroupsPath` with the cgroupfs driver,
// cgroup v1 (one hierarchy per controller under /sys/fs/cgroup) or v2 (one unified tree). Boot
// and gofer join it at create, so every stub the Sentry forks later is in it too, and Docker's
// shim reads real usage for `docker stats`.
//
// Limits: CPU ones are written as runc writes them. Memory and pids limits are raised on the
// host by what boot and gofer already use (two Node processes, ~70 MiB and 7 threads each):
// without that allowance a `--memory 32m` container would be OOM-killed before its program
// ran. The application's own limit is the Sentry's business (docs/docker.md says what is
// enforced today).
import * as fs from "node:fs";
import * as path from "node:path";
import * as v from "valibot";
import type { Spec } from "../oci/spec.ts";
import { ContainerError } from "./state.ts";

const ROOT = "/sys/fs/cgroup";
/** Memory the sandbox may use beyond boot's and gofer's RSS at create (Node heaps grow). */
const MEMORY_MARGIN = 64 << 20;
/** Tasks beyond boot's and gofer's threads at create (libuv starts worker threads lazily). */
const PIDS_MARGIN = 16;
/** v1 hierarchies the sandbox joins (named ones such as name=systemd are left alone). */
const V1_CONTROLLERS = ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"];

const Num = v.pipe(v.number(), v.integer());
const ResourcesSchema = v.looseObject({
  memory: v.optional(v.looseObject({ limit: v.optional(Num), swap: v.optional(Num) })),
  pids: v.optional(v.looseObject({ limit: v.optional(Num) })),
  cpu: v.optional(v.looseObject({
    shares: v.optional(Num),
    quota: v.optional(Num),
    period: v.optional(Num),
  })),
});

/** The limits of linux.resources we apply. */
export interface CgroupLimits {
  readonly memory?: number;
  readonly memorySwap?: number;
  readonly pids?: number;
  readonly cpuShares?: number;
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
}

/** Where the container's cgroup goes and what it limits; null when the spec names none. */
export interface CgroupPlan {
  /** Path below each hierarchy's root, starting with "/". */
  readonly path: string;
  readonly limits: CgroupLimits;
}

/** Reads linux.cgroupsPath / linux.resources; throws ContainerError naming a bad field. */
export function cgroupPlan(spec: Spec, systemd: boolean): CgroupPlan | null {
  const linux = spec.linux;
  const p = linux?.cgroupsPath;
  if (p === undefined || p === "") return null;
  if (systemd || p.includes(":")) {
    throw new ContainerError("linux.cgroupsPath: the systemd cgroup driver is not supported yet");
  }
  const norm = path.posix.normalize("/" + p);
  if (norm === "/" || norm.split("/").includes("..")) {
    throw new ContainerError(`linux.cgroupsPath: ${JSON.stringify(p)} is not a cgroup below the root`);
  }
  return { path: norm, limits: resourceLimits(spec) };
}

/**
 * The limits of linux.resources (also without a cgroupsPath: the Sentry enforces them);
 * throws ContainerError naming a bad field.
 */
export function resourceLimits(spec: Spec): CgroupLimits {
  const r = v.safeParse(ResourcesSchema, spec.linux?.resources ?? {});
  if (!r.success) {
    const key = r.issues[0].path?.map((i) => String(i.key)).join(".") ?? "";
    throw new ContainerError(`linux.resources.${key}: ${r.issues[0].message}`);
  }
  const res = r.output;
  const pos = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);
  return {
    memory: pos(res.memory?.limit),
    memorySwap: pos(res.memory?.swap),
    pids: pos(res.pids?.limit),
    cpuShares: pos(res.cpu?.shares),
    cpuQuota: res.cpu?.quota !== undefined && res.cpu.quota !== 0 ? res.cpu.quota : undefined,
    cpuPeriod: pos(res.cpu?.period),
  };
}

function isV2(): boolean {
  return fs.existsSync(path.join(ROOT, "cgroup.controllers"));
}

/** The directories of cgroup `p`, one per joined hierarchy (the hierarchy may be absent). */
export function cgroupDirs(p: string): string[] {
  if (isV2()) return [path.join(ROOT, p)];
  return V1_CONTROLLERS.filter((c) => fs.existsSync(path.join(ROOT, c, "cgroup.procs")))
    .map((c) => path.join(ROOT, c, p));
}

function readNum(file: string, re: RegExp): number {
  try {
    return Number(re.exec(fs.readFileSync(file, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory (bytes) and threads of host processes `pids`. */
function footprint(pids: readonly number[]): { rss: number; threads: number } {
  let rss = 0, threads = 0;
  for (const pid of pids) {
    rss += readNum(`/proc/${pid}/status`, /^VmRSS:\s+(\d+) kB/m) * 1024;
    threads += readNum(`/proc/${pid}/status`, /^Threads:\s+(\d+)/m);
  }
  return { rss, threads };
}

function put(dir: string, file: string, value: number | string): void {
  const f = path.join(dir, file);
  try {
    fs.writeFileSync(f, String(value));
  } catch (e) {
    throw new ContainerError(`cgroup ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** cpuset: a new v1 cgroup has empty cpus/mems (no task may join) until copied from its parent. */
function inheritCpuset(dir: string): void {
  for (const f of ["cpuset.cpus", "cpuset.mems"]) {
    const own = fs.readFileSync(path.join(dir, f), "utf8").trim();
    if (own === "") put(dir, f, fs.readFileSync(path.join(path.dirname(dir), f), "utf8").trim());
  }
}

/** mkdir -p that also fills every new cpuset level. */
function makeDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  makeDir(path.dirname(dir));
  fs.mkdirSync(dir);
  if (path.basename(path.dirname(dir)) === "cpuset" || dir.includes("/cpuset/")) inheritCpuset(dir);
}

/**
 * Creates the cgroup of `plan`, writes its limits and moves host processes `pids` (boot and
 * gofer) into it. Throws ContainerError; the caller then calls {@link removeCgroup}.
 */
export function joinCgroup(plan: CgroupPlan, pids: readonly number[]): void {
  const { rss, threads } = footprint(pids);
  const l = plan.limits;
  const v2 = isV2();
  for (const dir of cgroupDirs(plan.path)) {
    makeDir(dir);
    const has = (f: string) => fs.existsSync(path.join(dir, f));
    if (l.memory !== undefined) {
      const mem = l.memory + rss + MEMORY_MARGIN;
      if (v2 && has("memory.max")) put(dir, "memory.max", mem);
      if (!v2 && has("memory.limit_in_bytes")) {
        put(dir, "memory.limit_in_bytes", mem);
        // swap = memory + swap in runc's v1 terms; -1 = unlimited.
        if (l.memorySwap !== undefined && has("memory.memsw.limit_in_bytes")) {
          put(dir, "memory.memsw.limit_in_bytes", l.memorySwap + rss + MEMORY_MARGIN);
        }
      }
    }
    if (l.pids !== undefined && has("pids.max")) put(dir, "pids.max", l.pids + threads + PIDS_MARGIN);
    if (l.cpuShares !== undefined && has("cpu.shares")) put(dir, "cpu.shares", l.cpuShares);
    if (l.cpuPeriod !== undefined && has("cpu.cfs_period_us")) put(dir, "cpu.cfs_period_us", l.cpuPeriod);
    if (l.cpuQuota !== undefined && has("cpu.cfs_quota_us")) put(dir, "cpu.cfs_quota_us", l.cpuQuota);
    if (v2 && (l.cpuQuota !== undefined || l.cpuPeriod !== undefined) && has("cpu.max")) {
      put(dir, "cpu.max", `${l.cpuQuota ?? "max"} ${l.cpuPeriod ?? 100000}`);
    }
    for (const pid of pids) put(dir, "cgroup.procs", pid);
  }
}

/**
 * Removes the container's cgroup directories (only the leaf: parents such as /docker are
 * shared). Retries while the last tasks are still leaving; true when nothing is left.
 */
export async function removeCgroup(p: string, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let left = 0;
    for (const dir of cgroupDirs(p)) {
      try {
        fs.rmdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") left++;
      }
    }
    if (left === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
