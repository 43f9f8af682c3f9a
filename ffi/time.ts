// Host clocks read through clock_gettime (vDSO-backed in libc, no syscall), with a reused buffer.
import { libc } from "./libc.ts";

/** Clock ids. */
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;

const ts = new BigInt64Array(2);
const _gettime = libc.func("int clock_gettime(int, _Out_ void *)") as (
  id: number,
  out: BigInt64Array,
) => number;

/** Reads clock `id` into [sec, nsec]; returns 0 or -1. */
export function clockGettime(id: number, out: BigInt64Array): number {
  return _gettime(id, out);
}

/** CLOCK_MONOTONIC in nanoseconds as a number (exact for ~104 days of uptime... and beyond as ms precision). */
export function monotonicNs(): number {
  _gettime(CLOCK_MONOTONIC, ts);
  return Number(ts[0]) * 1e9 + Number(ts[1]);
}
