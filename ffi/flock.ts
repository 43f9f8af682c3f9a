// flock(2) through FFI: the CLI serialises concurrent invocations on one container with it.
import { check, libc } from "./libc.ts";

const _flock = libc.func("int flock(int, int)") as (fd: number, op: number) => number;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** flock(2); throws SysError on failure (EWOULDBLOCK with LOCK_NB when held elsewhere). */
export function flock(fd: number, op: number): void {
  check("flock", _flock(fd, op));
}
