// The fd table: small integers → (FileDescription, FD_CLOEXEC). Shared by CLONE_FILES
// threads (same object), copied by fork (fork()), pruned by execve (closeOnExec()).
import { E } from "../../../ffi/errno.ts";
import type { FileDescription } from "./file.ts";
import { releaseLocks } from "./lock.ts";

/** Default RLIMIT_NOFILE soft limit. */
export const DEFAULT_NOFILE = 1024;
/** Upper bound on any fd (Linux's sysctl fs.nr_open default). */
export const NR_OPEN = 1 << 20;

/** A process's descriptor table. */
export class FdTable {
  private files: (FileDescription | undefined)[] = [];
  private cloexec: boolean[] = [];
  /** Lowest fd that may be free (search hint). */
  private hint = 0;
  /** RLIMIT_NOFILE soft limit: fds must be below it. The Sentry updates it on setrlimit. */
  limit: number = DEFAULT_NOFILE;

  /** The file at `fd`, or undefined (bad or closed fd; hostile values welcome). */
  get(fd: number): FileDescription | undefined {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.files.length) return undefined;
    return this.files[fd];
  }

  /** True when `fd` has FD_CLOEXEC. */
  getCloexec(fd: number): boolean {
    return this.get(fd) !== undefined && this.cloexec[fd] === true;
  }

  /** Sets FD_CLOEXEC of `fd`; -EBADF if not open. */
  setCloexec(fd: number, on: boolean): number {
    if (this.get(fd) === undefined) return -E.EBADF;
    this.cloexec[fd] = on;
    return 0;
  }

  /**
   * Installs `file` at the lowest free fd >= `minFd`; takes over the caller's reference.
   * Returns the fd, or -EMFILE (the caller still owns its reference then) / -EINVAL.
   */
  install(file: FileDescription, cloexec: boolean, minFd = 0): number {
    if (!Number.isInteger(minFd) || minFd < 0) return -E.EINVAL;
    if (minFd >= this.limit) return -E.EINVAL;
    let fd = Math.max(minFd, minFd <= this.hint ? this.hint : minFd);
    while (fd < this.files.length && this.files[fd] !== undefined) fd++;
    if (fd >= this.limit) return -E.EMFILE;
    this.put(fd, file, cloexec);
    if (minFd <= this.hint) this.hint = fd + 1;
    return fd;
  }

  /**
   * Installs `file` at exactly `fd` (dup2/dup3), closing what was there; takes over the
   * caller's reference. Returns `fd` or -EBADF when out of range.
   */
  installAt(fd: number, file: FileDescription, cloexec: boolean): number {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.limit || fd >= NR_OPEN) return -E.EBADF;
    const old = this.files[fd];
    this.put(fd, file, cloexec);
    if (old !== undefined) this.drop(old);
    return fd;
  }

  private put(fd: number, file: FileDescription, cloexec: boolean): void {
    while (this.files.length <= fd) {
      this.files.push(undefined);
      this.cloexec.push(false);
    }
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
  }

  /** Removes `fd` and returns its file without dropping the reference (the caller does). */
  remove(fd: number): FileDescription | undefined {
    const f = this.get(fd);
    if (f === undefined) return undefined;
    this.files[fd] = undefined;
    this.cloexec[fd] = false;
    if (fd < this.hint) this.hint = fd;
    return f;
  }

  /** close(2): 0 or -EBADF. */
  close(fd: number): number {
    const f = this.remove(fd);
    if (f === undefined) return -E.EBADF;
    this.drop(f);
    return 0;
  }

  /** Drops a reference taken out of the table; POSIX record locks of this table go with it. */
  private drop(f: FileDescription): void {
    const i = f.inode;
    if (i !== null) releaseLocks(i, this);
    f.decRef();
  }

  /** dup(2)/F_DUPFD: a new fd >= minFd naming the same description. */
  dup(fd: number, minFd: number, cloexec: boolean): number {
    const f = this.get(fd);
    if (f === undefined) return -E.EBADF;
    f.incRef();
    const r = this.install(f, cloexec, minFd);
    if (r < 0) f.decRef();
    return r;
  }

  /** A copy for fork(): same descriptions (one more reference each), same CLOEXEC bits. */
  fork(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    for (let fd = 0; fd < this.files.length; fd++) {
      const f = this.files[fd];
      if (f === undefined) continue;
      f.incRef();
      t.put(fd, f, this.cloexec[fd]);
    }
    return t;
  }

  /** execve: closes every FD_CLOEXEC fd. */
  closeOnExec(): void {
    for (let fd = 0; fd < this.files.length; fd++) {
      if (this.files[fd] !== undefined && this.cloexec[fd]) this.close(fd);
    }
  }

  /** Closes everything (exit of the last user of the table). */
  closeAll(): void {
    for (let fd = 0; fd < this.files.length; fd++) if (this.files[fd] !== undefined) this.close(fd);
    this.files = [];
    this.cloexec = [];
    this.hint = 0;
  }

  /** Open fds in increasing order (/proc/[pid]/fd, close_range). */
  fds(): number[] {
    const r: number[] = [];
    for (let fd = 0; fd < this.files.length; fd++) if (this.files[fd] !== undefined) r.push(fd);
    return r;
  }
}
