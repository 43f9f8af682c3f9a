// Seams between the process core and the files layer (the VFS, or the stand-in used until it
// is wired): what happens to open files on clone and exec, and how exec opens binaries.
import type { Task } from "./task.ts";
import type { ExecOpener } from "../loader/load.ts";

/** What the process core needs from the files layer. */
export interface FilesHooks {
  /** Gives `child` its fd table and fs context: shared with `parent` or copied. */
  clone(parent: Task, child: Task, shareFiles: boolean, shareFs: boolean): void;
  /** Closes close-on-exec fds after a successful execve. */
  exec(t: Task): void;
  /** Opens executables in `t`'s filesystem context. */
  opener(t: Task): ExecOpener;
}

let files: FilesHooks | null = null;

/** Installs the files layer. */
export function setFilesHooks(h: FilesHooks): void {
  files = h;
}

/** The installed files layer. */
export function filesHooks(): FilesHooks {
  if (files === null) throw new Error("no files layer installed");
  return files;
}
