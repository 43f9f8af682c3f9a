// A task whose root is a fresh tmpfs (with /dev from devfs), for syscall tests.
import { Tmpfs } from "../../../src/sentry/fs/tmpfs/tmpfs.ts";
import { createDevfs } from "../../../src/sentry/fs/devfs/devfs.ts";
import { MountNamespace } from "../../../src/sentry/vfs/mount.ts";
import { FsContext } from "../../../src/sentry/vfs/context.ts";
import { resolve } from "../../../src/sentry/vfs/walk.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { FakeTask, sys } from "./_fake.ts";

/** A root task in a tmpfs world; `call(name, ...args)` runs a file syscall. */
export function tmpWorld(uid = 0) {
  const fs = new Tmpfs(0o755);
  const ns = new MountNamespace(fs);
  const root = ns.rootVd();
  const t = new FakeTask(new FsContext(ns, root, root), uid, uid);
  fs.root.mkdir(t, "dev", 0o755, 0, 0);
  const dev = resolve(t, root, "/dev", { follow: true });
  if (typeof dev === "number") throw new Error("no /dev");
  ns.mount(createDevfs(), dev);
  fs.root.mkdir(t, "tmp", 0o1777, 0, 0);
  const call = (name: string, ...a: number[]) => sys(FILE_SYSCALLS, t, name, ...a);
  return { t, ns, fs, root, call };
}
