// Machine code of the guest side of the KVM platform: a few bytes per entry point. Nothing in the
// guest does work: every entry (the `syscall` target in LSTAR and each exception vector) executes
// `out %al, $PORT` so the vCPU exits to the host with the cause in the port number, and the host
// (the Sentry's platform) reads and writes the registers, then resumes at an `iretq` with an
// interrupt frame it wrote itself. `out %al, imm8` changes no register, so the application's
// registers reach the host intact.

/** I/O port of a syscall exit (the IDT vectors use their vector number, 0..31, as the port). */
export const PORT_SYSCALL = 0x80;

/** Vectors whose exception pushes an error code (#DF #TS #NP #SS #GP #PF #AC #CP #VC #SX). */
export const VECTORS_WITH_ERROR: ReadonlySet<number> = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

/** Number of IDT vectors with a stub (the architectural exceptions). */
export const NUM_VECTORS = 32;

/** Size of one vector stub; stub i starts at 16*i of the vector page. */
export const VECTOR_STUB_SIZE = 16;

/**
 * The syscall entry (LSTAR target), at offset 0 of its page. On PVM's emulation of a non-PVM
 * guest `syscall` keeps CPL 3 (measured), so this page is user-executable and port 0x80 is
 * opened to CPL 3 by the TSS I/O bitmap; on VMX/SVM it runs at CPL 0.
 */
// deno-fmt-ignore
export const SYSCALL_ENTRY: readonly number[] = [
  0xe6, PORT_SYSCALL, // out %al, $0x80   exit: "syscall"
  0x48, 0xcf,         // iretq            VMX/SVM resume: the host put a frame at %rsp
  0xf4,               // hlt              never reached (a stray resume exits as HLT)
];

/** Offset of the `iretq` in SYSCALL_ENTRY. */
export const SYSCALL_ENTRY_IRETQ = 2;

/** The stub of exception vector `v` (VECTOR_STUB_SIZE bytes, padded with hlt). */
export function vectorStub(v: number): number[] {
  // deno-fmt-ignore
  const code = [
    0xe6, v,    // out %al, $v   exit: exception v (error code, if any, at %rsp)
    0x48, 0xcf, // iretq         resume: the host put a frame at %rsp
  ];
  while (code.length < VECTOR_STUB_SIZE) code.push(0xf4); // hlt
  return code;
}

/** Offset of the `iretq` inside every vector stub. */
export const VECTOR_STUB_IRETQ = 2;

/** Vector of the flush gate: a DPL 3 interrupt gate, so CPL 3 code can reach CPL 0 with `int`. */
export const FLUSH_VECTOR = 0x20;

/**
 * Resume path that also flushes the guest TLB after the host narrowed page tables (VMX/SVM:
 * reloading CR3 drops non-global translations). Placed after the vector stubs. Entered at
 * FLUSH_GATE_OFFSET through `int $0x20` from CPL 3 (the frame `int` pushed just below the host's
 * frame is dropped) or at FLUSH_AND_IRETQ_OFFSET from CPL 0 with %rsp at the host's frame.
 * Not used on PVM: there `int $n` from CPL 3 raises #UD (measured); the platform re-registers
 * the memory slot holding the page tables instead, which drops PVM's shadow pages.
 */
// deno-fmt-ignore
export const FLUSH_AND_IRETQ: readonly number[] = [
  0x48, 0x83, 0xc4, 0x28, // add $40, %rsp    drop int's frame (gate entry only)
  0x50,                   // push %rax
  0x0f, 0x20, 0xd8,       // mov %cr3, %rax
  0x0f, 0x22, 0xd8,       // mov %rax, %cr3   flush
  0x58,                   // pop %rax
  0x48, 0xcf,             // iretq            through the host's frame
  0xf4,                   // hlt
];

/** Offset of the flush gate's entry (the `add`) in the vector page. */
export const FLUSH_GATE_OFFSET = NUM_VECTORS * VECTOR_STUB_SIZE;
/** Offset of the CPL 0 flush-and-resume entry (after the `add`). */
export const FLUSH_AND_IRETQ_OFFSET = FLUSH_GATE_OFFSET + 4;

/** Offset in the syscall page of `int $0x20`: how a vCPU stopped at CPL 3 gets a TLB flush. */
export const USER_FLUSH_OFFSET = 0x10;

/** The whole vector page: stubs for vectors 0..31, then FLUSH_AND_IRETQ. */
export function vectorPage(): Uint8Array {
  const page = new Uint8Array(4096).fill(0xf4);
  for (let v = 0; v < NUM_VECTORS; v++) page.set(vectorStub(v), v * VECTOR_STUB_SIZE);
  page.set(FLUSH_AND_IRETQ, FLUSH_GATE_OFFSET);
  return page;
}

/** The syscall entry page. */
export function syscallPage(): Uint8Array {
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(SYSCALL_ENTRY, 0);
  page.set([0xcd, FLUSH_VECTOR, 0xf4], USER_FLUSH_OFFSET); // int $0x20; hlt
  return page;
}
