// Capabilities: the five sets of a task's credentials as Linux keeps them (bit N = CAP_* N),
// the checks privileged operations make, and the transitions at setuid and execve
// (capabilities(7); security/commoncap.c without file capabilities and securebits).

/** CAP_* numbers, in Linux's order (index = bit). */
export const CAP_NAMES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

/** CAP_* bit numbers by name. */
export const CAP = Object.fromEntries(CAP_NAMES.map((n, i) => [n, i])) as {
  readonly [K in typeof CAP_NAMES[number]]: number;
};

/** Every capability this kernel knows (CAP_LAST_CAP = 40). */
export const ALL_CAPS: bigint = (1n << BigInt(CAP_NAMES.length)) - 1n;

/** A task's capability sets. */
export interface CapSets {
  capInh: bigint;
  capPrm: bigint;
  capEff: bigint;
  capBnd: bigint;
  capAmb: bigint;
}

/** The sets of a task started by the runtime as `uid` with nothing configured: root has all. */
export function defaultCaps(uid: number): CapSets {
  const all = uid === 0 ? ALL_CAPS : 0n;
  return { capInh: 0n, capPrm: all, capEff: all, capBnd: ALL_CAPS, capAmb: 0n };
}

/**
 * A set from CAP_* names (config.json spells them "CAP_CHOWN"); returns the unknown name when
 * there is one.
 */
export function capsFromNames(names: readonly string[]): bigint | string {
  let s = 0n;
  for (const n of names) {
    const i = CAP_NAMES.indexOf(n.replace(/^CAP_/, "") as typeof CAP_NAMES[number]);
    if (!n.startsWith("CAP_") || i < 0) return n;
    s |= 1n << BigInt(i);
  }
  return s;
}

/** Credentials as capability checks see them: the effective set, else root by its fs uid. */
export interface CapHolder {
  readonly capEff?: bigint;
  readonly euid: number;
  readonly fsuid?: number;
}

/**
 * Whether `c` holds CAP_* `cap` in its effective set. Credentials without capability sets
 * (the Sentry's own kernel task, test doubles) count as root when their fs uid is 0.
 */
export function capable(c: CapHolder, cap: number): boolean {
  if (c.capEff === undefined) return (c.fsuid ?? c.euid) === 0;
  return (c.capEff & (1n << BigInt(cap))) !== 0n;
}

/**
 * The sets after execve (no file capabilities, no set-id binaries): for a process whose real or
 * effective uid is 0 the file counts as fully privileged, so permitted = inheritable | bounding
 * (effective too when the effective uid is 0) and ambient is cleared; others keep only their
 * ambient set as permitted and effective.
 */
export function capsAfterExec(c: CapSets & { uid: number; euid: number }): CapSets {
  if (c.uid === 0 || c.euid === 0) {
    const prm = c.capInh | c.capBnd;
    return { ...pick(c), capPrm: prm, capEff: c.euid === 0 ? prm : 0n, capAmb: 0n };
  }
  return { ...pick(c), capPrm: c.capAmb, capEff: c.capAmb };
}

/**
 * The sets after a uid change (cap_emulate_setxuid): leaving root in every uid clears the
 * permitted, effective and ambient sets; an effective uid leaving 0 clears the effective set;
 * an effective uid becoming 0 regains the permitted set.
 */
export function capsAfterSetuid(
  old: { uid: number; euid: number; suid: number },
  now: CapSets & { uid: number; euid: number; suid: number },
): CapSets {
  const c = pick(now);
  const wasRoot = old.uid === 0 || old.euid === 0 || old.suid === 0;
  if (wasRoot && now.uid !== 0 && now.euid !== 0 && now.suid !== 0) {
    return { ...c, capPrm: 0n, capEff: 0n, capAmb: 0n };
  }
  if (old.euid === 0 && now.euid !== 0) return { ...c, capEff: 0n };
  if (old.euid !== 0 && now.euid === 0) return { ...c, capEff: c.capPrm };
  return c;
}

function pick(c: CapSets): CapSets {
  return { capInh: c.capInh, capPrm: c.capPrm, capEff: c.capEff, capBnd: c.capBnd, capAmb: c.capAmb };
}

/** A set as /proc/[pid]/status prints it (16 hex digits). */
export function capHex(s: bigint): string {
  return s.toString(16).padStart(16, "0");
}
