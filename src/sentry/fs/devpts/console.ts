// Which host terminals are shown in devpts: the console as /dev/pts/0, exec terminals as
// /dev/pts/N. A HostFile over that terminal reports the
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

// By host terminal: the console (/dev/pts/0) and each `exec -t` terminal (/dev/pts/N).
const shown = new Map<number, ConsoleIdentity>();

/** Records a host terminal shown in devpts (one Sentry per process: one set of them). */
export function setConsoleIdentity(id: ConsoleIdentity): void {
  shown.set(id.hostDev, id);
}

/** Forgets one exec terminal (host st_rdev `hostDev`). */
export function dropConsoleIdentity(hostDev: number): void {
  shown.delete(hostDev);
}

/** Forgets every terminal (a new devpts). */
export function clearConsoleIdentity(): void {
  shown.clear();
}

/** The devpts identity of host terminal `hostRdev`, or null when devpts does not show it. */
export function consoleIdentity(hostRdev: number): ConsoleIdentity | null {
  return shown.get(hostRdev) ?? null;
}
