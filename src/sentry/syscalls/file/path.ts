// Copying paths in from the application.
import { E } from "../../../../ffi/errno.ts";
import { PATH_MAX } from "../../vfs/consts.ts";
import type { FileTask } from "../../vfs/task.ts";

/** Reads a path argument: the string, or -EFAULT / -ENAMETOOLONG. NULL is EFAULT. */
export function readPath(t: FileTask, addr: number): string | number {
  if (addr === 0) return -E.EFAULT;
  return t.mem.readCString(addr, PATH_MAX);
}
