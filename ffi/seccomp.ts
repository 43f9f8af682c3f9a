// seccomp: a syscall denylist as raw classic BPF, installed with seccomp(2) on every thread of
// the process (TSYNC: Node's worker threads too) and inherited by everything it starts later.
// Needs no_new_privs (or CAP_SYS_ADMIN).
import { sys } from "./libc.ts";
import { SYS } from "./sysno.ts";
import { MAP_ANONYMOUS, MAP_PRIVATE, mmapHost, munmapHost, PROT_READ, PROT_WRITE, viewHost } from "./mman.ts";

const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** x32 syscall numbers have this bit set; the native ABI never does. */
const X32_SYSCALL_BIT = 0x40000000;
// BPF opcodes: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_JMP|BPF_JGE|BPF_K, BPF_RET|BPF_K.
const LD_ABS = 0x20, JEQ = 0x15, JGE = 0x35, RET = 0x06;
/** Offsets in struct seccomp_data. */
const DATA_NR = 0, DATA_ARCH = 4;

/** One sock_filter instruction. */
type Insn = readonly [code: number, jt: number, jf: number, k: number];

/**
 * The filter: syscalls of another ABI (i386, x32) and those in `denied` fail with `errno`;
 * everything else is allowed. Exported for the unit test.
 */
export function denylistProgram(denied: readonly number[], errno: number): Insn[] {
  const deny: Insn = [RET, 0, 0, SECCOMP_RET_ERRNO | (errno & 0xffff)];
  const n = denied.length;
  // Jump offsets count from the next instruction; DENY is last, ALLOW just before it.
  const prog: Insn[] = [
    [LD_ABS, 0, 0, DATA_ARCH],
    [JEQ, 1, 0, AUDIT_ARCH_X86_64],
    [RET, 0, 0, SECCOMP_RET_ERRNO | (errno & 0xffff)],
    [LD_ABS, 0, 0, DATA_NR],
    [JGE, n + 1, 0, X32_SYSCALL_BIT],
  ];
  denied.forEach((nr, i) => prog.push([JEQ, n - i, 0, nr]));
  prog.push([RET, 0, 0, SECCOMP_RET_ALLOW], deny);
  return prog;
}

/**
 * Installs the denylist filter on every thread of this process; 0 or -errno (EACCES without
 * no_new_privs, EINVAL/ENOSYS on kernels without seccomp filters).
 */
export function installDenylist(denied: readonly number[], errno: number): number {
  const prog = denylistProgram(denied, errno);
  // struct sock_fprog { u16 len; struct sock_filter *filter; } then the filter, in one page
  // of our own (the kernel copies both during the call).
  const m = mmapHost(4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  try {
    if (16 + prog.length * 8 > m.len) return -7; // E2BIG: the caller's list is far too long
    const dv = new DataView(viewHost(m, 0, m.len));
    dv.setUint16(0, prog.length, true);
    dv.setBigUint64(8, m.addr + 16n, true);
    prog.forEach(([code, jt, jf, k], i) => {
      const o = 16 + i * 8;
      dv.setUint16(o, code, true);
      dv.setUint8(o + 2, jt);
      dv.setUint8(o + 3, jf);
      dv.setUint32(o + 4, k >>> 0, true);
    });
    return sys(SYS.seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, m.addr);
  } finally {
    munmapHost(m);
  }
}
