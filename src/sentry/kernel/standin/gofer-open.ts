// STAND-IN until the VFS lands (src/sentry/vfs): opens executables through the GoferClient
// with a minimal path walk (absolute or cwd-relative, symlinks followed, "." and ".."), so the
// loader can run programs from the gofer's root. The real walk belongs to the VFS.
import type { GoferClient } from "../../../lisafs/api.ts";
import type { ExecFile, ExecOpener } from "../../loader/load.ts";
import { E } from "../../../../ffi/errno.ts";
import { pread } from "../../../../ffi/memfd.ts";
import { close } from "../../../../ffi/libc.ts";

const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000;

/** Resolves `path` (relative to `cwd`) to a gofer path, following symlinks (max 40). */
export function resolvePath(g: GoferClient, cwd: string, path: string, followLast = true): string | number {
  let todo = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
  const out: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      out.pop();
      continue;
    }
    const p = [...out, c].join("/");
    const st = g.stat(p);
    if (typeof st === "number") return st;
    const last = todo.every((x) => x === "" || x === ".");
    if ((st.mode & S_IFMT) === S_IFLNK && (!last || followLast)) {
      if (++links > 40) return -E.ELOOP;
      const target = g.readlink(p);
      if (typeof target === "number") return target;
      if (target.startsWith("/")) out.length = 0;
      todo = [...target.split("/"), ...todo];
      continue;
    }
    if (!last && (st.mode & S_IFMT) !== S_IFDIR) return -E.ENOTDIR;
    out.push(c);
  }
  return out.join("/");
}

/** An ExecOpener over the gofer for a task whose cwd is `cwd()`. */
export function goferOpener(g: GoferClient, cwd: () => string): ExecOpener {
  return {
    open(path: string): ExecFile | number {
      const p = resolvePath(g, cwd(), path);
      if (typeof p === "number") return p;
      const st = g.stat(p);
      if (typeof st === "number") return st;
      if ((st.mode & S_IFMT) === S_IFDIR) return -E.EACCES;
      if ((st.mode & S_IFMT) !== S_IFREG || (st.mode & 0o111) === 0) return -E.EACCES;
      const fd = g.openRead(p);
      if (typeof fd === "number" && fd < 0) return fd;
      return {
        name: "/" + p,
        dev: st.dev,
        ino: st.ino,
        size: st.size,
        pread: (dst: Uint8Array, off: number) => pread(fd, dst, off),
        close: () => close(fd),
      };
    },
  };
}
