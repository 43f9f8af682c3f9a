// How a guest exception becomes the host signal the Sentry expects (what Linux would send for
// the same fault, as the ptrace platform reports it): signal number, si_code and si_addr.
import { LEAF_ABSENT } from "./pagetables.ts";
import type { PageTables } from "./pagetables.ts";

const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
const SI_KERNEL = 0x80;
const SEGV_MAPERR = 1, SEGV_ACCERR = 2, FPE_INTDIV = 1, ILL_ILLOPN = 2, BUS_ADRALN = 1, TRAP_TRACE = 2;

/** The signal for an exception: [signo, si_code, si_addr]. */
export interface FaultSignal {
  signo: number;
  code: number;
  addr: number;
}

/** Fills `out` for exception `vector` at `rip` (cr2: #PF address; pt: to tell MAPERR/ACCERR). */
export function faultSignal(
  vector: number,
  cr2: number,
  rip: number,
  pt: PageTables,
  out: FaultSignal,
): void {
  out.addr = 0;
  switch (vector) {
    case 14:
      out.signo = SIGSEGV;
      out.code = cr2 >= 0 && pt.lookup(cr2) !== LEAF_ABSENT ? SEGV_ACCERR : SEGV_MAPERR;
      out.addr = cr2;
      return;
    case 0:
      [out.signo, out.code, out.addr] = [SIGFPE, FPE_INTDIV, rip];
      return;
    case 16:
    case 19:
      [out.signo, out.code, out.addr] = [SIGFPE, 0, rip];
      return;
    case 6:
      [out.signo, out.code, out.addr] = [SIGILL, ILL_ILLOPN, rip];
      return;
    case 1:
      [out.signo, out.code] = [SIGTRAP, TRAP_TRACE];
      return;
    case 3:
      [out.signo, out.code] = [SIGTRAP, SI_KERNEL];
      return;
    case 12:
      [out.signo, out.code] = [SIGBUS, SI_KERNEL];
      return;
    case 17:
      [out.signo, out.code] = [SIGBUS, BUS_ADRALN];
      return;
    default: // #GP, #NP, #TS, #OF, #BR and the rest
      [out.signo, out.code] = [SIGSEGV, SI_KERNEL];
  }
}
