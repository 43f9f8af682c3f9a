// Interface ioctls on sockets (SIOCGIF*), as if_nametoindex(3), if_indextoname(3) and older
// interface listing code ask them: the sandbox has one interface, lo (index 1, 127.0.0.1/8).
import { E } from "../../../ffi/errno.ts";
import type { FileTask } from "../vfs/task.ts";
import { AF_INET } from "./consts.ts";

export const SIOCGIFNAME = 0x8910;
export const SIOCGIFCONF = 0x8912;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCGIFADDR = 0x8915;
export const SIOCGIFNETMASK = 0x891b;
export const SIOCGIFMTU = 0x8921;
export const SIOCGIFHWADDR = 0x8927;
export const SIOCGIFINDEX = 0x8933;
/** IFF_UP | IFF_LOOPBACK | IFF_RUNNING. */
const LO_FLAGS = 0x1 | 0x8 | 0x40;
const IFREQ = 40;

function sockaddrIn(b: Uint8Array, off: number, ip: number[]): void {
  b[off] = AF_INET;
  b.set(ip, off + 4);
}

/** True when `cmd` is one of the interface ioctls. */
export function isIfIoctl(cmd: number): boolean {
  return cmd >= 0x8910 && cmd <= 0x8933;
}

/** Serves an interface ioctl whose struct ifreq (or ifconf) is at `arg`. */
export function ifIoctl(t: FileTask, cmd: number, arg: number): number {
  if (cmd === SIOCGIFCONF) {
    const c = new Uint8Array(16);
    if (t.mem.readInto(arg, c) < 0) return -E.EFAULT;
    const v = new DataView(c.buffer);
    const len = v.getInt32(0, true);
    const buf = Number(v.getBigUint64(8, true));
    if (buf === 0) {
      v.setInt32(0, IFREQ, true);
    } else {
      const n = len >= IFREQ ? 1 : 0;
      if (n === 1) {
        const r = new Uint8Array(IFREQ);
        r.set(new TextEncoder().encode("lo"));
        sockaddrIn(r, 16, [127, 0, 0, 1]);
        if (t.mem.write(buf, r) < 0) return -E.EFAULT;
      }
      v.setInt32(0, n * IFREQ, true);
    }
    return t.mem.write(arg, c.subarray(0, 4)) < 0 ? -E.EFAULT : 0;
  }
  const r = new Uint8Array(IFREQ);
  if (t.mem.readInto(arg, r) < 0) return -E.EFAULT;
  const v = new DataView(r.buffer);
  if (cmd === SIOCGIFNAME) {
    if (v.getInt32(16, true) !== 1) return -E.ENODEV;
    r.fill(0, 0, 16);
    r.set(new TextEncoder().encode("lo"));
    return t.mem.write(arg, r) < 0 ? -E.EFAULT : 0;
  }
  const z = r.indexOf(0);
  const name = new TextDecoder().decode(r.subarray(0, z < 0 || z > 16 ? 16 : z));
  if (name !== "lo") return -E.ENODEV;
  r.fill(0, 16);
  switch (cmd) {
    case SIOCGIFINDEX:
      v.setInt32(16, 1, true);
      break;
    case SIOCGIFFLAGS:
      v.setInt16(16, LO_FLAGS, true);
      break;
    case SIOCGIFADDR:
      sockaddrIn(r, 16, [127, 0, 0, 1]);
      break;
    case SIOCGIFNETMASK:
      sockaddrIn(r, 16, [255, 0, 0, 0]);
      break;
    case SIOCGIFMTU:
      v.setInt32(16, 65536, true);
      break;
    case SIOCGIFHWADDR:
      v.setUint16(16, 772, true); // ARPHRD_LOOPBACK, all-zero address
      break;
    default:
      return -E.EINVAL;
  }
  return t.mem.write(arg, r) < 0 ? -E.EFAULT : 0;
}
