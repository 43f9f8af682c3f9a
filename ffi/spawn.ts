// posix_spawn through FFI, used once per Sentry to start the ptrace platform's master stub.
// Never child_process (the JS runtime would reap the tracee's stops) and never fork of the JS
// process. The child gets exactly the fds listed in `fds` (at their target numbers; all others
// are closed), default signal dispositions, an empty signal mask and its own process group.
import { libc } from "./libc.ts";

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;

type P = Uint8Array;
const faInit = libc.func("int posix_spawn_file_actions_init(void *)") as (fa: P) => number;
const faDestroy = libc.func("int posix_spawn_file_actions_destroy(void *)") as (fa: P) => number;
const faDup2 = libc.func("int posix_spawn_file_actions_adddup2(void *, int, int)") as (
  fa: P,
  fd: number,
  to: number,
) => number;
const faCloseFrom = libc.func("int posix_spawn_file_actions_addclosefrom_np(void *, int)") as (
  fa: P,
  from: number,
) => number;
const faClose = libc.func("int posix_spawn_file_actions_addclose(void *, int)") as (
  fa: P,
  fd: number,
) => number;
const atInit = libc.func("int posix_spawnattr_init(void *)") as (a: P) => number;
const atDestroy = libc.func("int posix_spawnattr_destroy(void *)") as (a: P) => number;
const atFlags = libc.func("int posix_spawnattr_setflags(void *, short)") as (a: P, f: number) => number;
const atPgroup = libc.func("int posix_spawnattr_setpgroup(void *, int)") as (a: P, pg: number) => number;
const atSigmask = libc.func("int posix_spawnattr_setsigmask(void *, void *)") as (a: P, s: P) => number;
const atSigdef = libc.func("int posix_spawnattr_setsigdefault(void *, void *)") as (a: P, s: P) => number;
const spawn = libc.func(
  "int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)",
) as (
  pid: Int32Array,
  path: string,
  fa: P,
  attr: P,
  argv: (string | null)[],
  envp: (string | null)[],
) => number;

/**
 * Spawns `path` with `argv` and no environment. `fds` maps target fd → source fd in this
 * process (sources must not collide with lower targets). Returns the pid or -errno.
 */
export function posixSpawn(path: string, argv: string[], fds: ReadonlyMap<number, number>): number {
  const fa = new Uint8Array(256);
  const attr = new Uint8Array(512);
  faInit(fa);
  atInit(attr);
  try {
    let maxTarget = -1;
    for (const [to, from] of fds) {
      faDup2(fa, from, to);
      if (to > maxTarget) maxTarget = to;
    }
    for (let fd = 0; fd < maxTarget; fd++) if (!fds.has(fd)) faClose(fa, fd);
    faCloseFrom(fa, maxTarget + 1);
    const empty = new Uint8Array(128);
    const full = new Uint8Array(128).fill(0xff);
    atFlags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    atPgroup(attr, 0);
    atSigmask(attr, empty);
    atSigdef(attr, full);
    const pid = new Int32Array(1);
    const r = spawn(pid, path, fa, attr, [...argv, null], [null]);
    return r === 0 ? pid[0] : -r;
  } finally {
    faDestroy(fa);
    atDestroy(attr);
  }
}
