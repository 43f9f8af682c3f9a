// Which host terminal is shown as /dev/pts/0. A HostFile over that terminal reports the
// devpts node's identity in fstat and its path in /proc/self/fd, so ttyname(3) (readlink of
// /proc/self/fd/N, then stat of the path: same st_rdev) finds it. Kept apart from devpts.ts
// so host/file.ts can consult it without importing the filesystem.

/** The devpts identity of the sandbox's terminal. */
export interface ConsoleIdentity {
  /** st_rdev of the host terminal (which host tty this is). */
  readonly hostDev: number;
  /** The devpts node's st_dev, st_ino and st_rdev. */
  readonly dev: number;
  readonly ino: number;
  readonly rdev: number;
  /** Its path in the sandbox ("/dev/pts/0"). */
  readonly path: string;
}

let current: ConsoleIdentity | null = null;

/** Records the terminal shown in devpts (one Sentry per process: one console). */
export function setConsoleIdentity(id: ConsoleIdentity): void {
  current = id;
}

/** Forgets the console (a sandbox without a terminal). */
export function clearConsoleIdentity(): void {
  current = null;
}

/** The devpts identity of host terminal `hostRdev`, or null when it is not the console. */
export function consoleIdentity(hostRdev: number): ConsoleIdentity | null {
  return current !== null && current.hostDev === hostRdev ? current : null;
}
