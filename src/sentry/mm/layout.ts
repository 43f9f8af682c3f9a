// The application address-space layout we present (like Linux without ASLR, below the stub).
import { STUB_ADDR, TASK_SIZE } from "../../../ffi/stub.ts";

/** Page size and helpers. */
export const PAGE_SIZE = 4096;
/** Highest user address + 1. */
export const USER_END: number = TASK_SIZE;
/** Lowest address applications may map (vm.mmap_min_addr). */
export const USER_MIN = 0x10000;
/** Top of the initial stack. */
export const STACK_TOP: number = TASK_SIZE;
/** Size reserved for the main thread's stack (RLIMIT_STACK default). */
export const STACK_SIZE: number = 8 << 20;
/** mmap allocations are searched top-down from here (just below the stub page). */
export const MMAP_TOP: number = STUB_ADDR;
/** The reserved stub range (stub page, name page) no application mapping may overlap. */
export const RESERVED_START: number = STUB_ADDR;
export const RESERVED_END: number = STUB_ADDR + 2 * PAGE_SIZE;
/** Load address of position-independent executables. */
export const PIE_BASE = 0x555555554000;

/** Rounds `n` up to a page multiple. */
export function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** Rounds `n` down to a page multiple. */
export function pageDown(n: number): number {
  return Math.floor(n / PAGE_SIZE) * PAGE_SIZE;
}

/** True for a page-aligned non-negative safe integer. */
export function isPageAligned(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n % PAGE_SIZE === 0;
}
