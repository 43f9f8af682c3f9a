// A ProcProvider double with one process.
import type { ProcProcess, ProcProvider } from "../../../src/sentry/fs/procfs/provider.ts";
import type { FsContext } from "../../../src/sentry/vfs/context.ts";
import type { FdTable } from "../../../src/sentry/vfs/fdtable.ts";

/** Provider with process `pid` whose fds/fsctx are given later. */
export class FakeProc implements ProcProvider {
  fds: FdTable | null = null;
  ctx: FsContext | null = null;
  constructor(readonly pid = 7) {}

  pids(): number[] {
    return [this.pid];
  }

  process(pid: number): ProcProcess | null {
    if (pid !== this.pid) return null;
    return {
      pid,
      ppid: 0,
      pgid: pid,
      sid: pid,
      comm: "sh",
      state: "R",
      threads: 1,
      tids: () => [pid],
      creds: () => ({ uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, groups: [] }),
      startNs: 0,
      vsizeBytes: 4096,
      rssPages: 1,
      cmdline: () => new TextEncoder().encode("sh\0-c\0true\0"),
      environ: () => new TextEncoder().encode("A=1\0"),
      exe: () => "/bin/sh",
      maps: () => "00400000-00401000 r-xp 00000000 00:00 0 /bin/sh\n",
      rlimits: () => [[1024, 4096]],
      fds: () => this.fds,
      fsctx: () => this.ctx,
    };
  }

  uptimeNs(): number {
    return 1.5e9;
  }

  identity() {
    return { sysname: "Linux", release: "4.19.0", version: "#1 SMP", machine: "x86_64", hostname: "box" };
  }
}
