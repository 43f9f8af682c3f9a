// The files layer of the process core, over the VFS: fd tables and fs contexts on clone (shared
// or copied), close-on-exec, fd tables closed when their last task exits, executables opened
// through the VFS path walk (openPath) for the loader, and fd → MapSource for file mmap.
import { E } from "../../../ffi/errno.ts";
import { PROT_WRITE } from "../../../ffi/mman.ts";
import type { FilesHooks } from "./hooks.ts";
import type { Task } from "./task.ts";
import { taskExitHooks } from "./exit.ts";
import type { ExecFile, ExecOpener } from "../loader/load.ts";
import type { MapSource } from "../mm/mm.ts";
import type { SharedFile } from "../mm/shared-file.ts";
import type { FdTable } from "../vfs/fdtable.ts";
import type { FileDescription } from "../vfs/file.ts";
import type { StatInfo } from "../vfs/inode.ts";
import { openForExec } from "../vfs/open.ts";
import { pathOf } from "../vfs/dentry.ts";
import { AT_FDCWD } from "../vfs/consts.ts";

/** Tasks using each fd table (CLONE_FILES shares one); the last one out closes it. */
const users = new WeakMap<FdTable, number>();

/** Registers `t` as a user of its fd table. */
export function useFdTable(t: Task): void {
  users.set(t.fds, (users.get(t.fds) ?? 0) + 1);
}

/** Drops `t`'s use of its fd table, closing every fd when it was the last user. */
export function dropFdTable(t: Task): void {
  const n = (users.get(t.fds) ?? 1) - 1;
  if (n > 0) users.set(t.fds, n);
  else {
    users.delete(t.fds);
    t.fds.closeAll();
  }
}

/** An ExecFile over an open description (the loader reads it; the task is only for blocking). */
function execFile(t: Task, f: FileDescription, path: string): ExecFile | number {
  const st = f.stat();
  if (typeof st === "number") {
    f.decRef();
    return st;
  }
  return {
    name: f.vd !== null ? pathOf(f.vd, t.fsctx.root) : path,
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    cacheKey: cacheKey(f, st),
    hostFd: f.hostFd(),
    pread: (dst: Uint8Array, off: number) => f.pread(t, dst, off),
    close: () => f.decRef(),
  };
}

/**
 * The page-cache key of `f` (MapSource.cacheKey): only files the sandbox cannot modify (the
 * gofer's read-only lower files, which have a host fd); writes copy them up to a new file.
 * Size and mtime guard against the host changing the file between runs of the key.
 */
function cacheKey(f: FileDescription, st: StatInfo): string | undefined {
  if (f.hostFd() < 0) return undefined;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** Opens executables in `t`'s filesystem context (regular files with exec permission). */
export function vfsOpener(t: Task): ExecOpener {
  return {
    open(path: string): ExecFile | number {
      if (path === "") return -E.ENOENT;
      const f = openForExec(t, AT_FDCWD, path);
      if (typeof f === "number") return f;
      return execFile(t, f, path);
    },
  };
}

/** The FilesHooks over the VFS. */
export function vfsFiles(): FilesHooks {
  return {
    clone(parent: Task, child: Task, shareFiles: boolean, shareFs: boolean): void {
      child.fds = shareFiles ? parent.fds : parent.fds.fork();
      useFdTable(child);
      child.fsctx = shareFs ? parent.fsctx : parent.fsctx.fork();
    },
    exec(t: Task): void {
      t.fds.closeOnExec();
    },
    opener: vfsOpener,
  };
}

let exitHookInstalled = false;

/** Makes exiting tasks release their fd tables (once per process). */
export function installFilesExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  taskExitHooks.push((t) => {
    if (t.fdsReady) dropFdTable(t);
  });
}

/**
 * mmap's fd → MapSource: regular files only (ENODEV for pipes, directories, devices), opened
 * for reading (EACCES), and for writing too when a shared mapping may write.
 */
export function mmapSource(t: Task, fd: number, shared: boolean, prot: number): MapSource | number {
  const f = t.fds.get(fd);
  if (f === undefined) return -E.EBADF;
  const st = f.stat();
  if (typeof st === "number") return -E.ENODEV;
  if ((st.mode & 0o170000) !== 0o100000) return -E.ENODEV;
  if (!f.readable) return -E.EACCES;
  if (shared && (prot & PROT_WRITE) !== 0 && !f.writable) return -E.EACCES;
  return {
    name: f.vd !== null ? pathOf(f.vd, t.fsctx.root) : f.anonName(),
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    cacheKey: cacheKey(f, st),
    hostFd: f.hostFd(),
    pread: (dst: Uint8Array, off: number) => f.pread(t, dst, off),
    shared: shared ? sharedFile(t, f, st) : undefined,
  };
}

/**
 * The SharedFile of a MAP_SHARED mapping of `f`: keyed by device and inode so that every open
 * of the file shares pages; write-back through this description (only when it was opened for
 * writing), never extending the file (Linux: SIGBUS past the end, nothing written).
 */
function sharedFile(t: Task, f: FileDescription, st: StatInfo): SharedFile {
  return {
    key: `${st.dev}:${st.ino}`,
    writeBack(data: Uint8Array, off: number): void {
      if (!f.writable) return;
      const cur = f.stat();
      if (typeof cur === "number" || off >= cur.size) return;
      f.pwrite(t, data.subarray(0, Math.min(data.length, cur.size - off)), off);
    },
    hold(): () => void {
      f.incRef();
      return () => f.decRef();
    },
  };
}
