// What the Sentry's gofer-backed filesystem may ask of the Gofer. Implemented by the client
// in src/lisafs/client.ts over a unix socket (requests/responses, fds donated with SCM_RIGHTS);
// tests can provide an in-process double. All calls are synchronous: the gofer is local and
// answers in microseconds, and the Sentry's core is synchronous by design.
//
// Paths are relative to the gofer's root, '/'-separated, already resolved by the Sentry's path
// walk component by component (the Sentry handles symlinks itself; the gofer never follows a
// symlink and refuses '..' or absolute components).

/** File attributes as the gofer reports them (a subset of statx). */
export interface GoferStat {
  readonly mode: number; // file type and permission bits, as st_mode
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly size: number;
  readonly blocks: number;
  readonly blksize: number;
  readonly ino: number;
  readonly dev: number;
  readonly rdev: number;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** One directory entry. */
export interface GoferDirent {
  readonly name: string;
  readonly ino: number;
  /** DT_* type. */
  readonly type: number;
}

/** Result of a gofer call: the value, or a negative errno. */
export type GoferResult<T> = T | number;

/** The gofer's file operations, all on root-relative paths ("" is the root itself). */
export interface GoferClient {
  /** lstat of the path (never follows a final symlink). */
  stat(path: string): GoferResult<GoferStat>;
  /** Target of a symlink. */
  readlink(path: string): GoferResult<string>;
  /** All entries of a directory, without "." and "..". */
  readdir(path: string): GoferResult<GoferDirent[]>;
  /**
   * Opens the file read-only (O_RDONLY|O_NOFOLLOW|O_CLOEXEC) in the gofer and donates the host
   * fd; the Sentry owns (and must close) the returned fd. Only regular files are opened this
   * way; the Sentry reads them with pread and maps them via the memory file.
   */
  openRead(path: string): GoferResult<number>;
  /** Ends the session (closes the socket). */
  close(): void;
}
