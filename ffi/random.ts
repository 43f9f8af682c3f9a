// getrandom(2): the Sentry's random bytes (AT_RANDOM of every exec, the getrandom syscall,
// /dev/urandom). node:crypto's randomFillSync would do, but loading node:crypto costs every
// sandbox start ~8-17 ms (measured in the binary), for 16 bytes.
import { errno, libc } from "./libc.ts";

const EINTR = 4;
const _getrandom = libc.func("long getrandom(void *, size_t, unsigned int)") as (
  buf: Uint8Array,
  n: number,
  flags: number,
) => number;

/** Fills `buf` with random bytes from the host kernel; throws if the host refuses. */
export function fillRandom(buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) {
    const r = _getrandom(buf.subarray(done), buf.length - done, 0);
    if (r < 0) {
      const e = errno();
      if (e === EINTR) continue;
      throw new Error(`getrandom failed: errno ${e}`);
    }
    done += r;
  }
}
