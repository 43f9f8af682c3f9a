// The ptrace platform's stub program, as bytes: a static x86_64 ELF of one 4 KiB page. On start
// it ignores SIGCHLD (so the stubs it forks for new address spaces are reaped without it), then
// stops itself with SIGSTOP so the Sentry can PTRACE_SEIZE it; the Sentry then unmaps by
// injection everything the kernel gave it except its page and the host vDSO (stubs.ts). Afterwards the Sentry drives it only through
// injected syscalls at STUB_SYSCALL_GADGET (`syscall; int3`), and application threads in its
// forks run with PTRACE_SYSEMU so their syscalls never reach the host.

/** Where the stub page lives in every stub (and so in every application address space). */
export const STUB_ADDR = 0x7ff000000000;
/** Size of the stub mapping. */
export const STUB_SIZE = 0x1000;
/** Highest user address + 1 on x86_64 with 4-level paging (TASK_SIZE). */
export const TASK_SIZE = 0x7ffffffff000;
/** Address of `syscall; int3`: set rip here and rax/args, PTRACE_CONT, wait for SIGTRAP. */
export const STUB_SYSCALL_GADGET = STUB_ADDR + 0x200;
/**
 * A private anonymous page right above the stub page, mapped read-only in the master (so in
 * every stub): the host's ps reads a process's command line only from anonymous memory, so the
 * Sentry writes each stub's name and argv there (ptrace/stubs.ts, nameStub). Reserved like the
 * stub page.
 */
export const STUB_NAME_PAGE = STUB_ADDR + STUB_SIZE;
/**
 * The host comm of the master stub and of every stub not yet showing an application; `/` never
 * occurs in the basename exec gives an application's stub, so `runsc ps` tells them apart.
 */
export const STUB_NAME = "runsc/stub";
/** The fd number at which every stub holds the Sentry's memory file. */
export const STUB_MEMFD = 3;
/** The fd number at which every stub holds the Sentry's epoll instance (host readiness). */
export const STUB_EPOLLFD = 4;

const CODE_OFF = 0x100;
const GADGET_OFF = 0x200;
const SIGACT_OFF = 0x300;

/** Little-endian bytes of a 64-bit integer given as a number (< 2^53). */
function le64(v: number): number[] {
  const out: number[] = [];
  let x = BigInt(v);
  for (let i = 0; i < 8; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}

/** Machine code of _start (see the file comment). */
function startCode(): number[] {
  const movEax = (v: number) => [0xb8, ...le32(v)];
  const movEdi = (v: number) => [0xbf, ...le32(v)];
  const movEsi = (v: number) => [0xbe, ...le32(v)];
  const movRsi = (v: number) => [0x48, 0xbe, ...le64(v)];
  const syscall = [0x0f, 0x05];
  return [
    // rt_sigaction(SIGCHLD, &ignore, NULL, 8)
    ...movEax(13),
    ...movEdi(17),
    ...movRsi(STUB_ADDR + SIGACT_OFF),
    0x31,
    0xd2, // xor edx, edx
    0x41,
    0xba,
    ...le32(8), // mov r10d, 8
    ...syscall,
    // kill(getpid(), SIGSTOP)
    ...movEax(39),
    ...syscall,
    0x89,
    0xc7, // mov edi, eax
    ...movEsi(19),
    ...movEax(62),
    ...syscall,
    // park: int3; jmp park
    0xcc,
    0xeb,
    0xfd,
  ];
}

/** Builds the stub ELF image (exactly one page). */
export function buildStubElf(): Uint8Array {
  const img = new Uint8Array(STUB_SIZE);
  const put = (off: number, bytes: number[]) => img.set(bytes, off);
  // ELF header (Elf64_Ehdr).
  put(0, [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]); // magic, ELFCLASS64, LSB, version 1, SYSV
  put(16, [...le16(2), ...le16(62), ...le32(1)]); // ET_EXEC, EM_X86_64, EV_CURRENT
  put(24, le64(STUB_ADDR + CODE_OFF)); // e_entry
  put(32, le64(64)); // e_phoff
  put(40, le64(0)); // e_shoff
  put(48, [...le32(0), ...le16(64), ...le16(56), ...le16(1), ...le16(64), ...le16(0), ...le16(0)]);
  // Program header: one PT_LOAD, R+X, the whole page at STUB_ADDR.
  put(64, [...le32(1), ...le32(5)]); // PT_LOAD, PF_R|PF_X
  put(72, le64(0)); // p_offset
  put(80, le64(STUB_ADDR)); // p_vaddr
  put(88, le64(STUB_ADDR)); // p_paddr
  put(96, le64(STUB_SIZE)); // p_filesz
  put(104, le64(STUB_SIZE)); // p_memsz
  put(112, le64(0x1000)); // p_align
  put(CODE_OFF, startCode());
  // syscall; int3; jmp back to the int3 (a stray resume traps again instead of running on).
  put(GADGET_OFF, [0x0f, 0x05, 0xcc, 0xeb, 0xfd]);
  // struct sigaction for SIG_IGN: handler=1, flags=0, restorer=0, mask=0.
  put(SIGACT_OFF, le64(1));
  return img;
}
