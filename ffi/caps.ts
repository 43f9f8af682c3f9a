// Capabilities of the calling thread: emptying the bounding set (PR_CAPBSET_DROP, needs
// CAP_SETPCAP) and then the effective, permitted and inheritable sets (capset, v3). Linux keeps
// credentials per thread: this changes the calling thread and what it starts afterwards only.
import { readFileSync } from "node:fs";
import { koffi } from "./koffi.ts";
import { sys } from "./libc.ts";
import { SYS } from "./sysno.ts";

const libc = koffi.load("libc.so.6");
const _capset = libc.func("long syscall(long, void *, void *)") as (
  nr: number,
  hdr: Uint8Array,
  data: Uint8Array,
) => number;

const PR_CAPBSET_DROP = 24;
const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/** Highest capability number this kernel knows. */
function lastCap(): number {
  try {
    return Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  } catch {
    return 40;
  }
}

/**
 * Drops every capability of the calling thread: the bounding set first, so that a program it
 * execs gains none back even as uid 0 (without CAP_SETPCAP, e.g. rootless, that step fails and
 * is skipped), then the effective, permitted and inheritable sets. Returns 0 or -errno of capset.
 */
export function dropAllCapabilities(): number {
  for (let c = 0; c <= lastCap(); c++) sys(SYS.prctl, PR_CAPBSET_DROP, c);
  const hdr = new Uint8Array(8);
  new DataView(hdr.buffer).setUint32(0, _LINUX_CAPABILITY_VERSION_3, true); // pid 0: this thread
  const r = _capset(SYS.capset, hdr, new Uint8Array(24));
  return r === -1 ? -(koffi.errno() as number) : r;
}
