// Starting a process in a RUNNING kernel from outside (`runsc exec`): like init, but it does not
// become pid 1 and has no parent inside the sandbox (runc's exec'd process is a child of the
// runtime, outside the container's pid namespace). Its exit is reported through a callback and
// the zombie is dropped at once, since nobody inside can wait for it.
import { cpuEnter } from "./cputime.ts";
import type { Kernel } from "./kernel.ts";
import { Task, TS_SYSCALL } from "./task.ts";
import { ThreadGroup } from "./thread-group.ts";
import { MemoryManager } from "../mm/mm.ts";
import { MmAccess } from "../mm/access.ts";
import { SignalHandlers, SignalState } from "../signal/state.ts";
import { loadProgram } from "../loader/load.ts";
import { REG } from "../../../ffi/regs.ts";
import { fillRandom } from "../../../ffi/random.ts";
import { applyNofile, type InitSpec, lookPath, processCreds } from "./init.ts";
import { exitHooks } from "./exit.ts";
import { showExecTerminal } from "../fs/devpts/devpts.ts";
import { hostAccessMode, HostFile } from "../fs/host/file.ts";

const onExit = new WeakMap<ThreadGroup, (waitStatus: number) => void>();
let hooked = false;

/**
 * Creates a process running `spec.argv` in kernel `k` and makes it runnable; returns its pid
 * or -errno. `exited` is called inside the kernel loop with the wait status when it is gone.
 * `extraHostFds` (exec --preserve-fds) become its fds 3, 4, ... with their host access mode;
 * the caller keeps owning the host fds.
 */
export function spawnProcess(
  k: Kernel,
  spec: InitSpec,
  exited: (waitStatus: number) => void,
  extraHostFds: readonly number[] = [],
): number {
  if (!hooked) {
    hooked = true;
    exitHooks.push((tg, kk) => {
      const cb = onExit.get(tg);
      if (cb === undefined) return;
      onExit.delete(tg);
      if (tg.parent === null) kk.groups.delete(tg.tgid);
      cb(tg.exitStatus);
    });
  }
  const pid = k.allocPid();
  const { creds, rlimits } = processCreds(spec);
  const tg = new ThreadGroup(pid, null, new SignalHandlers(), rlimits, k.bootNs);
  k.groups.set(pid, tg);
  const mm = new MemoryManager(k.mf, k.platform.newAddressSpace());
  cpuEnter(tg, mm);
  const ctx = k.platform.newContext(mm.as);
  const mem = new MmAccess(mm);
  const t: Task = new Task(k, pid, tg, ctx, mem, creds, new SignalState());
  tg.tasks.add(t);
  k.tasks.set(pid, t);
  const fail = (e: number): number => {
    k.tasks.delete(pid);
    k.groups.delete(pid);
    ctx.release();
    return e;
  };
  spec.setupFiles(t);
  applyNofile(t);
  extraHostFds.forEach((h, i) => {
    const f = new HostFile(h, hostAccessMode(h), { owned: false, onRelease: (fd) => k.forgetHostFd(fd) });
    // installAt takes over the new file's reference.
    if (t.fds.installAt(3 + i, f, false) < 0) f.decRef();
  });
  const opener = spec.opener(t);
  const path = lookPath(opener, spec.argv[0] ?? "", spec.env);
  if (typeof path === "number") return fail(path);
  const random = new Uint8Array(16);
  fillRandom(random);
  const r = loadProgram(mm, mem, opener, path, spec.argv, spec.env, t.creds, random);
  if (typeof r === "number") return fail(r);
  ctx.regs.set(REG.rip, r.entry);
  ctx.regs.set(REG.rsp, r.sp);
  t.comm = path.slice(path.lastIndexOf("/") + 1).slice(0, 15);
  tg.exe = r.path;
  tg.argv = r.argv;
  tg.envp = spec.env;
  // An exec -t terminal gets its own /dev/pts/N (ttyname, tty(1)) while the process lives.
  const undo = showExecTerminal(t.fds);
  onExit.set(
    tg,
    undo === null ? exited : (ws) => {
      undo();
      exited(ws);
    },
  );
  t.state = TS_SYSCALL;
  k.resumeTask(t);
  return pid;
}
