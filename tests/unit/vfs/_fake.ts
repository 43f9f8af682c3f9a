// Test doubles: application memory over a plain ArrayBuffer and a FileTask that records
// blocking, host-readiness requests and signals instead of parking anything.
import type { MemoryAccess, SyscallEntry } from "../../../src/sentry/syscalls/abi.ts";
import { WaitQueue } from "../../../src/sentry/kernel/waitqueue.ts";
import { FdTable } from "../../../src/sentry/vfs/fdtable.ts";
import type { FsContext } from "../../../src/sentry/vfs/context.ts";
import type { Credentials, FileTask } from "../../../src/sentry/vfs/task.ts";

/** Application memory: [BASE, BASE+size) is mapped, everything else faults. */
export class FakeMem implements MemoryAccess {
  static readonly BASE = 0x10000;
  readonly bytes: Uint8Array;

  constructor(size = 1 << 20) {
    this.bytes = new Uint8Array(size);
  }

  private off(addr: number, len: number): number {
    const o = addr - FakeMem.BASE;
    if (!Number.isSafeInteger(addr) || o < 0 || o + len > this.bytes.length) return -1;
    return o;
  }

  readInto(addr: number, dst: Uint8Array): number {
    const o = this.off(addr, dst.length);
    if (o < 0) return -14;
    dst.set(this.bytes.subarray(o, o + dst.length));
    return 0;
  }

  write(addr: number, src: Uint8Array): number {
    const o = this.off(addr, src.length);
    if (o < 0) return -14;
    this.bytes.set(src, o);
    return 0;
  }

  readCString(addr: number, max: number): string | number {
    const o = this.off(addr, 0);
    if (o < 0) return -14;
    const end = this.bytes.indexOf(0, o);
    if (end < 0) return -14;
    if (end - o >= max) return -36;
    return new TextDecoder().decode(this.bytes.subarray(o, end));
  }
}

/** A FileTask for handlers under test. */
export class FakeTask implements FileTask {
  tid = 7;
  tgid = 7;
  readonly mem: FakeMem = new FakeMem();
  fds: FdTable = new FdTable();
  fsctx: FsContext;
  creds: Credentials;
  timedOut = false;
  /** Queues of the last blockOn, or null. */
  blockedOn: readonly WaitQueue[] | null = null;
  deadline: number | undefined;
  /** Host readiness requests made. */
  readonly hostWaits: { fd: number; events: number }[] = [];
  readonly signals: number[] = [];
  /** Bump allocator over the fake memory for test buffers. */
  private brk = FakeMem.BASE;

  constructor(fsctx: FsContext | null = null, uid = 0, gid = 0) {
    this.fsctx = fsctx as FsContext;
    this.creds = { uid, gid, euid: uid, egid: gid, suid: uid, sgid: gid, groups: [] };
  }

  blockOn(queues: readonly WaitQueue[], deadlineNs?: number): void {
    this.blockedOn = queues;
    this.deadline = deadlineNs;
  }

  hostReadiness(fd: number, events: number): WaitQueue {
    this.hostWaits.push({ fd, events });
    return new WaitQueue();
  }

  sendSignal(sig: number): void {
    this.signals.push(sig);
  }

  /** Allocates `n` bytes of application memory (8-aligned); returns the address. */
  alloc(n: number): number {
    const a = this.brk;
    this.brk += (n + 7) & ~7;
    return a;
  }

  /** Puts bytes or a NUL-terminated string in application memory; returns its address. */
  put(data: Uint8Array | string): number {
    const b = typeof data === "string" ? new TextEncoder().encode(data + "\0") : data;
    const a = this.alloc(b.length);
    this.mem.write(a, b);
    return a;
  }

  /** Reads `n` bytes of application memory. */
  get(addr: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    if (this.mem.readInto(addr, b) < 0) throw new Error(`fault at ${addr}`);
    return b;
  }
}

/** Calls syscall `name` from `rows` as the table would. */
export function sys(rows: readonly SyscallEntry[], t: FakeTask, name: string, ...a: number[]): number {
  const e = rows.find((r) => r.name === name);
  if (e === undefined) throw new Error(`no syscall row ${name}`);
  return e.handler(t, a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0);
}
