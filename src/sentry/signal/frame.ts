// x86_64 signal frames (struct rt_sigframe: return address, ucontext, siginfo, then the FPU
// state), built the way Linux does so glibc/musl handlers and rt_sigreturn work unchanged.
import { REG } from "../../../ffi/regs.ts";
import type { Regs } from "../../../ffi/regs.ts";
import type { SigInfo } from "./state.ts";

/** Offsets inside rt_sigframe. */
const UC = 8; // struct ucontext after pretcode
const UC_STACK = UC + 16;
const MCTX = UC + 40; // struct sigcontext
const UC_SIGMASK = UC + 296;
const INFO = UC + 304; // struct siginfo (128 bytes)
/** sizeof(struct rt_sigframe). */
export const FRAME_SIZE = INFO + 128;
/** The fxsave area we save (legacy format, 512 bytes, 64-byte aligned). */
export const FP_SIZE = 512;

/** sigcontext register order (r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags). */
const SC_ORDER = [
  REG.r8,
  REG.r9,
  REG.r10,
  REG.r11,
  REG.r12,
  REG.r13,
  REG.r14,
  REG.r15,
  REG.rdi,
  REG.rsi,
  REG.rbp,
  REG.rbx,
  REG.rdx,
  REG.rax,
  REG.rcx,
  REG.rsp,
  REG.rip,
  REG.eflags,
];

function putU64(dv: DataView, off: number, lo: number, hi: number): void {
  dv.setUint32(off, lo, true);
  dv.setUint32(off + 4, hi, true);
}

/** Fills siginfo at `off` of `dv`. */
export function writeSiginfo(dv: DataView, off: number, info: SigInfo): void {
  dv.setInt32(off, info.signo, true);
  dv.setInt32(off + 4, 0, true);
  dv.setInt32(off + 8, info.code, true);
  if (info.signo === 11 || info.signo === 7 || info.signo === 4 || info.signo === 8) {
    dv.setBigUint64(off + 16, BigInt(info.addr), true);
  } else if (info.timerId !== undefined) {
    // _timer: si_tid, si_overrun, si_value.
    dv.setInt32(off + 16, info.timerId, true);
    dv.setInt32(off + 20, info.overrun ?? 0, true);
    dv.setBigUint64(off + 24, BigInt.asUintN(64, info.value ?? 0n), true);
  } else {
    dv.setInt32(off + 16, info.pid, true);
    dv.setInt32(off + 20, info.uid, true);
    // _rt carries a whole sigval (glibc's SIGEV_THREAD reads a pointer from it); _sigchld
    // an int status followed by clock values we leave zero.
    if (info.value !== undefined) dv.setBigUint64(off + 24, BigInt.asUintN(64, info.value), true);
    else dv.setInt32(off + 24, info.status, true);
  }
}

/**
 * Builds the frame image for a frame at `frameAddr` with FPU state at `fpAddr`; `fp` holds the
 * fxsave bytes. Returns the bytes to write at frameAddr (FRAME_SIZE) — the FPU state is
 * written separately by the caller.
 */
export function buildFrame(
  regs: Regs,
  info: SigInfo,
  restorer: number,
  oldMask: bigint,
  fpAddr: number,
  alt: { sp: number; size: number; flags: number },
): Uint8Array {
  const b = new Uint8Array(FRAME_SIZE);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt(restorer), true);
  dv.setBigUint64(UC, 0n, true); // uc_flags
  dv.setBigUint64(UC_STACK, BigInt(alt.sp), true);
  dv.setInt32(UC_STACK + 8, alt.flags, true);
  dv.setBigUint64(UC_STACK + 16, BigInt(alt.size), true);
  SC_ORDER.forEach((r, i) => putU64(dv, MCTX + i * 8, regs.lo(r), regs.hi(r)));
  // cs, gs, fs, ss as four u16 in one word.
  dv.setUint16(MCTX + 18 * 8, regs.lo(REG.cs) & 0xffff, true);
  dv.setUint16(MCTX + 18 * 8 + 6, regs.lo(REG.ss) & 0xffff, true);
  dv.setBigUint64(MCTX + 19 * 8, 0n, true); // err
  dv.setBigUint64(MCTX + 20 * 8, info.signo === 11 ? 14n : 0n, true); // trapno
  dv.setBigUint64(MCTX + 21 * 8, BigInt.asUintN(64, oldMask), true); // oldmask
  dv.setBigUint64(MCTX + 22 * 8, BigInt(info.signo === 11 ? info.addr : 0), true); // cr2
  dv.setBigUint64(MCTX + 23 * 8, BigInt(fpAddr), true); // fpstate
  dv.setBigUint64(UC_SIGMASK, BigInt.asUintN(64, oldMask), true);
  writeSiginfo(dv, INFO, info);
  return b;
}

/** Offsets the handler receives: &siginfo and &ucontext relative to the frame. */
export const FRAME_INFO_OFF = INFO;
export const FRAME_UC_OFF = UC;

/**
 * Restores registers from the frame image `b` (read from the frame address); returns the
 * saved mask and the fpstate pointer. Segment registers other than the ones in the frame are
 * kept; eflags is restored only in its user-modifiable bits.
 */
export function restoreFrame(regs: Regs, b: Uint8Array): { mask: bigint; fpAddr: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  SC_ORDER.forEach((r, i) => {
    if (r === REG.eflags) return;
    regs.u32[2 * r] = dv.getUint32(MCTX + i * 8, true);
    regs.u32[2 * r + 1] = dv.getUint32(MCTX + i * 8 + 4, true);
  });
  const FLAGS_USER = 0x40dd5; // CF PF AF ZF SF TF DF OF AC (as Linux FIX_EFLAGS)
  const oldFlags = regs.lo(REG.eflags);
  const newFlags = dv.getUint32(MCTX + 17 * 8, true);
  regs.set(REG.eflags, (oldFlags & ~FLAGS_USER) | (newFlags & FLAGS_USER));
  regs.set(REG.orig_rax, -1);
  const fp = dv.getBigUint64(MCTX + 23 * 8, true);
  return { mask: dv.getBigUint64(UC_SIGMASK, true), fpAddr: fp < 2n ** 53n ? Number(fp) : -1 };
}
