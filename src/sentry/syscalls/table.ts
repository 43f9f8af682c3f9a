// The syscall table: data mapping every x86_64 syscall number to {name, support, note,
// handler}. Numbers without a handler answer -ENOSYS and are reported once (debug log).
// docs/compatibility.md and --strace read the same rows.
import type { SyscallEntry, SyscallHandler, SyscallTask } from "./abi.ts";
import { SYS_MAX, SYSCALL_NAMES } from "../../../ffi/sysno.ts";
import { REG } from "../../../ffi/regs.ts";
import { E } from "../../../ffi/errno.ts";
import { logger } from "../../log/log.ts";
import type { Task } from "../kernel/task.ts";
import { formatCall, formatResult } from "./strace.ts";

/** The table, built once per Sentry from subsystem entry lists (later lists win). */
export class SyscallTable {
  private readonly handlers: (SyscallHandler | undefined)[] = new Array(SYS_MAX + 1);
  /** Every row, by number (unimplemented rows have support "errno" and an ENOSYS handler). */
  readonly rows: readonly SyscallEntry[];
  private readonly reported = new Set<number>();
  /** Names of unimplemented syscalls the application asked for (tests, diagnostics). */
  readonly unsupportedSeen: Set<string> = new Set();
  private readonly strace: ((line: string) => void) | null;

  /** Builds the table; `strace` receives one line per syscall when set. */
  constructor(lists: readonly (readonly SyscallEntry[])[], strace: ((line: string) => void) | null) {
    this.strace = strace;
    for (const l of lists) for (const e of l) this.handlers[e.nr] = e.handler;
    this.rows = mergeSyscallRows(lists);
  }

  /** Runs syscall `nr` for `t` with its argument registers; returns the handler's result. */
  dispatch(t: Task, nr: number): number {
    const h = nr >= 0 && nr <= SYS_MAX ? this.handlers[nr] : undefined;
    const regs = t.ctx.regs;
    if (h === undefined) {
      if (!this.reported.has(nr)) {
        this.reported.add(nr);
        const name = (nr >= 0 ? SYSCALL_NAMES[nr] : undefined) ?? `syscall_${regs.big(REG.orig_rax)}`;
        this.unsupportedSeen.add(name);
        logger.debug(`sentry: unsupported syscall ${name} (${nr}): ENOSYS`);
      }
      if (this.strace !== null) this.strace(`[${t.tid}] ${SYSCALL_NAMES[nr] ?? nr}(...) = -ENOSYS`);
      return -E.ENOSYS;
    }
    const a0 = regs.get(REG.rdi), a1 = regs.get(REG.rsi), a2 = regs.get(REG.rdx);
    const a3 = regs.get(REG.r10), a4 = regs.get(REG.r8), a5 = regs.get(REG.r9);
    if (this.strace === null) return h(t as SyscallTask, a0, a1, a2, a3, a4, a5);
    const call = formatCall(t, nr, [a0, a1, a2, a3, a4, a5]);
    const r = h(t as SyscallTask, a0, a1, a2, a3, a4, a5);
    this.strace(`[${t.tid}] ${call} = ${formatResult(r)}`);
    return r;
  }
}

/** The note of rows no list defines. */
export const NOT_IMPLEMENTED_NOTE = "not implemented: ENOSYS";

/**
 * One row per named x86_64 syscall number, in number order: the last list defining a number
 * wins; numbers no list defines get an "errno" row answering -ENOSYS. Pure data: needs no
 * kernel (docs/compatibility.md is generated from it).
 */
export function mergeSyscallRows(lists: readonly (readonly SyscallEntry[])[]): SyscallEntry[] {
  const byNr = new Map<number, SyscallEntry>();
  for (const l of lists) for (const e of l) byNr.set(e.nr, e);
  const rows: SyscallEntry[] = [];
  for (let nr = 0; nr <= SYS_MAX; nr++) {
    const name = SYSCALL_NAMES[nr];
    if (name === undefined) continue;
    rows.push(
      byNr.get(nr) ?? { nr, name, support: "errno", note: NOT_IMPLEMENTED_NOTE, handler: () => -E.ENOSYS },
    );
  }
  return rows;
}

/** Helper to declare a row whose handler takes the kernel Task. */
export function def(
  nr: number,
  name: string,
  support: SyscallEntry["support"],
  note: string,
  handler: (t: Task, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number,
): SyscallEntry {
  return { nr, name, support, note, handler: handler as unknown as SyscallHandler };
}
