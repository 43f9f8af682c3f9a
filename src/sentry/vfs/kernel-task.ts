// A FileTask for the Sentry's own file operations (building the mount tree, resolving the
// initial cwd) when no application task exists yet: root credentials, no memory.
import { E } from "../../../ffi/errno.ts";
import { WaitQueue } from "../kernel/waitqueue.ts";
import type { MemoryAccess } from "../syscalls/abi.ts";
import type { FsContext } from "./context.ts";
import { FdTable } from "./fdtable.ts";
import type { Credentials, FileTask } from "./task.ts";

const NO_MEMORY: MemoryAccess = {
  readInto: () => -E.EFAULT,
  write: () => -E.EFAULT,
  readCString: () => -E.EFAULT,
};

const ROOT: Credentials = { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, groups: [] };

/** A root FileTask over `fsctx` that never blocks (blocking operations must not be used). */
export function kernelTask(fsctx: FsContext): FileTask {
  return {
    tid: 0,
    tgid: 0,
    mem: NO_MEMORY,
    fds: new FdTable(),
    fsctx,
    creds: ROOT,
    timedOut: false,
    blockOn: () => {
      throw new Error("kernelTask cannot block");
    },
    hostReadiness: () => new WaitQueue(),
  };
}
