// x86_64 register-set layouts as ptrace exchanges them, and a reusable register buffer that
// reads 64-bit registers as two u32 halves so no hostile value silently becomes a float.

/** Index (in 8-byte words) of each field of struct user_regs_struct (asm/user_64.h). */
export const REG = {
  r15: 0,
  r14: 1,
  r13: 2,
  r12: 3,
  rbp: 4,
  rbx: 5,
  r11: 6,
  r10: 7,
  r9: 8,
  r8: 9,
  rax: 10,
  rcx: 11,
  rdx: 12,
  rsi: 13,
  rdi: 14,
  orig_rax: 15,
  rip: 16,
  cs: 17,
  eflags: 18,
  rsp: 19,
  ss: 20,
  fs_base: 21,
  gs_base: 22,
  ds: 23,
  es: 24,
  fs: 25,
  gs: 26,
} as const;

/** sizeof(struct user_regs_struct). */
export const USER_REGS_SIZE = 27 * 8;

/** sizeof(struct user_fpregs_struct), the fxsave area PTRACE_GETFPREGS returns. */
export const USER_FPREGS_SIZE = 512;

/** Syscall argument registers in order (rdi, rsi, rdx, r10, r8, r9). */
export const SYSCALL_ARG_REGS: readonly number[] = [REG.rdi, REG.rsi, REG.rdx, REG.r10, REG.r8, REG.r9];

/**
 * A value that stands for a 64-bit register content no JS number represents exactly. It is
 * exact itself, larger than any user address or size (so range checks reject it) and its
 * int32 truncation is negative (so fd-like uses get EBADF).
 */
export const UNREPRESENTABLE = 2 ** 53 + 2 ** 31;

const TWO32 = 4294967296;

/** Converts a register given as u32 halves to a number, sign-extending small negatives. */
export function regToNumber(lo: number, hi: number): number {
  if (hi === 0) return lo;
  if (hi < 0x200000) return hi * TWO32 + lo;
  if (hi >= 0xffe00000) return (hi - TWO32) * TWO32 + lo;
  return UNREPRESENTABLE;
}

/** One thread's general-purpose registers, in a buffer reused for every ptrace exchange. */
export class Regs {
  /** The raw user_regs_struct, passed to PTRACE_GETREGS/SETREGS. */
  readonly bytes: Uint8Array = new Uint8Array(USER_REGS_SIZE);
  /** The same memory as u32 pairs (little endian: [2i] low, [2i+1] high). */
  readonly u32: Uint32Array = new Uint32Array(this.bytes.buffer);

  /** Register `i` (a REG index) as a number; see {@link regToNumber}. */
  get(i: number): number {
    return regToNumber(this.u32[2 * i], this.u32[2 * i + 1]);
  }

  /** Low 32 bits of register `i` (what the kernel uses for `int` arguments). */
  lo(i: number): number {
    return this.u32[2 * i];
  }

  /** High 32 bits of register `i`. */
  hi(i: number): number {
    return this.u32[2 * i + 1];
  }

  /** Full 64-bit register value. */
  big(i: number): bigint {
    return (BigInt(this.u32[2 * i + 1]) << 32n) | BigInt(this.u32[2 * i]);
  }

  /**
   * Sets register `i` to integer `v` (-2^53 < v < 2^53); negatives are stored two's
   * complement, like a syscall's -errno result.
   */
  set(i: number, v: number): void {
    if (v >= 0) {
      this.u32[2 * i] = v >>> 0;
      this.u32[2 * i + 1] = Math.floor(v / TWO32) >>> 0;
    } else {
      const hi = Math.floor(v / TWO32);
      this.u32[2 * i] = (v - hi * TWO32) >>> 0;
      this.u32[2 * i + 1] = hi >>> 0;
    }
  }

  /** Sets register `i` from a bigint (two's complement for negatives). */
  setBig(i: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.u32[2 * i] = Number(u & 0xffffffffn);
    this.u32[2 * i + 1] = Number(u >> 32n);
  }

  /** Copies every register from `o`. */
  copyFrom(o: Regs): void {
    this.bytes.set(o.bytes);
  }
}
