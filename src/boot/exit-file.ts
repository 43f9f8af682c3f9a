// Boot records the container's exit status in its state directory (`exit.json`) before it
// exits, because the CLI that asks later (`runsc wait`, `state`, `delete`) is not boot's parent
// and cannot wait for it. Written relative to a directory fd the CLI passed (--state-dir-fd):
// boot opens no host path by name.
import { close, libc, write } from "../../ffi/libc.ts";

/** Name of the exit record inside the container directory. */
export const EXIT_FILE = "exit.json";

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;
const O_CLOEXEC = 0o2000000;

type OpenAt = (dirfd: number, path: string, flags: number, mode: number) => number;
let openat: OpenAt | undefined;

/** Writes `{"exitStatus":N}` into `<dirFd>/exit.json` (best effort: returns false on failure). */
export function writeExitFile(dirFd: number, status: number): boolean {
  openat ??= libc.func("int openat(int, const char *, int, int)") as OpenAt;
  const fd = openat!(dirFd, EXIT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600);
  if (fd < 0) return false;
  const n = write(fd, new TextEncoder().encode(JSON.stringify({ exitStatus: status }) + "\n"));
  close(fd);
  return n > 0;
}
