// CPU placement of the Sentry and its stubs (sched_setaffinity/getaffinity).
import { libc } from "./libc.ts";
import { errno } from "./libc.ts";

const _set = libc.func("int sched_setaffinity(int, size_t, void *)") as (
  pid: number,
  n: number,
  mask: Uint8Array,
) => number;
const _get = libc.func("int sched_getaffinity(int, size_t, _Out_ void *)") as (
  pid: number,
  n: number,
  mask: Uint8Array,
) => number;

/** Pins thread `tid` (0 = the calling thread) to the CPUs in `cpus`; returns 0 or -errno. */
export function setAffinity(tid: number, cpus: readonly number[]): number {
  const mask = new Uint8Array(128);
  for (const c of cpus) mask[c >> 3] |= 1 << (c & 7);
  return _set(tid, mask.length, mask) === 0 ? 0 : -errno();
}

/** The CPUs thread `tid` may run on (0 = the calling thread). */
export function getAffinity(tid: number): number[] {
  const mask = new Uint8Array(128);
  if (_get(tid, mask.length, mask) < 0) return [];
  const out: number[] = [];
  for (let c = 0; c < 1024; c++) if (mask[c >> 3] & (1 << (c & 7))) out.push(c);
  return out;
}

/** The raw affinity mask bytes (for sched_getaffinity emulation). */
export function getAffinityMask(tid: number, out: Uint8Array): number {
  const r = _get(tid, out.length, out);
  return r < 0 ? -errno() : r;
}
