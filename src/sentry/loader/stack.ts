// The initial process stack: argc, argv, envp, auxv and the strings they point to, laid out
// as the Linux ELF loader does (System V x86_64 ABI), built in a buffer and copied once.

/** auxv tags. */
export const AT = {
  NULL: 0,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  PLATFORM: 15,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  HWCAP2: 26,
  EXECFN: 31,
  SYSINFO_EHDR: 33,
  MINSIGSTKSZ: 51,
} as const;

/** What goes on the stack. */
export interface StackInput {
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  readonly execfn: string;
  /** auxv pairs without AT_RANDOM/AT_EXECFN/AT_PLATFORM (added here) and without AT_NULL. */
  readonly auxv: readonly (readonly [number, number])[];
  readonly random: Uint8Array;
}

const enc = new TextEncoder();

/**
 * Builds the stack image for a stack whose top is `top`; returns the bytes (to be written at
 * `top - bytes.length`) and the initial rsp (16-byte aligned, pointing at argc).
 */
export function buildStack(top: number, input: StackInput): { bytes: Uint8Array; sp: number } | null {
  const strs: Uint8Array[] = [];
  const push = (s: string) => {
    const b = enc.encode(s + "\0");
    strs.push(b);
    return b.length;
  };
  // Strings from the top down: execfn, envp, argv, platform, then 16 random bytes.
  let pos = top - 8;
  const addrOf = (n: number) => {
    pos -= n;
    return pos;
  };
  const execfnAddr = addrOf(push(input.execfn));
  const envAddrs = input.envp.map((s) => addrOf(push(s)));
  const argAddrs = input.argv.map((s) => addrOf(push(s)));
  const platformAddr = addrOf(push("x86_64"));
  pos -= 16;
  const randomAddr = pos;
  const stringsStart = pos;
  const auxv: [number, number][] = [
    ...input.auxv.map(([k, v]) => [k, v] as [number, number]),
    [AT.RANDOM, randomAddr],
    [AT.EXECFN, execfnAddr],
    [AT.PLATFORM, platformAddr],
    [AT.NULL, 0],
  ];
  const words = 1 + argAddrs.length + 1 + envAddrs.length + 1 + auxv.length * 2;
  let sp = Math.floor((stringsStart - words * 8) / 16) * 16;
  const size = top - sp;
  if (size > 1 << 20) return null; // E2BIG territory; the caller reports it
  const bytes = new Uint8Array(size);
  const dv = new DataView(bytes.buffer);
  const at = (addr: number) => addr - sp;
  // Strings: walk the same order as the address computation.
  let p = top - 8;
  for (const b of strs.slice(0, 1 + envAddrs.length + argAddrs.length + 1)) {
    p -= b.length;
    bytes.set(b, at(p));
  }
  bytes.set(input.random, at(randomAddr));
  let w = sp;
  const put = (v: number) => {
    dv.setBigUint64(at(w), BigInt(v), true);
    w += 8;
  };
  put(input.argv.length);
  for (const a of argAddrs) put(a);
  put(0);
  for (const a of envAddrs) put(a);
  put(0);
  for (const [k, v] of auxv) {
    put(k);
    put(v);
  }
  sp = sp + 0;
  return { bytes, sp };
}
