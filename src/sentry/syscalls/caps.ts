// capget/capset on the task's capability sets (kernel/caps.ts), with Linux's header versions
// and capset's subset rules (cap_capset): a task may only drop permitted capabilities, its
// effective set stays within the permitted one, and inheritable ones need to be permitted (or
// CAP_SETPCAP) and within the bounding set.
import { E } from "../../../ffi/errno.ts";
import type { Task } from "../kernel/task.ts";
import { CAP, capable } from "../kernel/caps.ts";

const V1 = 0x19980330, V2 = 0x20071026, V3 = 0x20080522;
const LOW = 0xffffffffn;

/** The header's version as the number of u32 words per set, or -errno (and V3 written back). */
function words(t: Task, hdr: number): number {
  const v = t.mem.readI32(hdr);
  if (v === null) return -E.EFAULT;
  const ver = v >>> 0;
  if (ver === V1) return 1;
  if (ver === V2 || ver === V3) return 2;
  return t.mem.writeU32(hdr, V3) < 0 ? -E.EFAULT : -E.EINVAL;
}

/** capget(hdrp, datap): the sets of pid (0: the caller). */
export function capget(t: Task, hdr: number, data: number): number {
  const n = words(t, hdr);
  if (n < 0) return n;
  const pid = t.mem.readI32(hdr + 4);
  if (pid === null) return -E.EFAULT;
  if (pid < 0) return -E.EINVAL;
  const who = pid === 0 ? t : t.kernel.tasks.get(pid);
  if (who === undefined) return -E.ESRCH;
  if (data === 0) return 0;
  const c = who.creds;
  const b = new Uint8Array(12 * n);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < n; i++) {
    const sh = BigInt(32 * i);
    dv.setUint32(i * 12, Number((c.capEff >> sh) & LOW), true);
    dv.setUint32(i * 12 + 4, Number((c.capPrm >> sh) & LOW), true);
    dv.setUint32(i * 12 + 8, Number((c.capInh >> sh) & LOW), true);
  }
  return t.mem.write(data, b);
}

/** capset(hdrp, datap): new effective, permitted and inheritable sets of the caller. */
export function capset(t: Task, hdr: number, data: number): number {
  const n = words(t, hdr);
  if (n < 0) return n;
  const pid = t.mem.readI32(hdr + 4);
  if (pid === null) return -E.EFAULT;
  if (pid !== 0 && pid !== t.tid) return -E.EPERM;
  const b = new Uint8Array(12 * n);
  if (t.mem.readInto(data, b) < 0) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  let eff = 0n, prm = 0n, inh = 0n;
  for (let i = 0; i < n; i++) {
    const sh = BigInt(32 * i);
    eff |= BigInt(dv.getUint32(i * 12, true)) << sh;
    prm |= BigInt(dv.getUint32(i * 12 + 4, true)) << sh;
    inh |= BigInt(dv.getUint32(i * 12 + 8, true)) << sh;
  }
  const c = t.creds;
  const inhLimit = capable(c, CAP.SETPCAP) ? c.capInh | c.capBnd : c.capInh | c.capPrm;
  if ((inh & ~inhLimit) !== 0n || (inh & ~(c.capInh | c.capBnd)) !== 0n) return -E.EPERM;
  if ((prm & ~c.capPrm) !== 0n || (eff & ~prm) !== 0n) return -E.EPERM;
  t.creds = { ...c, capEff: eff, capPrm: prm, capInh: inh, capAmb: c.capAmb & prm & inh };
  return 0;
}
