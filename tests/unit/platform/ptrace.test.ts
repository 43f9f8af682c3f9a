// The ptrace platform on its own: stubs start, injected syscalls work, the memory file is
// shared between the Sentry's view and the application, syscalls and faults come back as events.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PtracePlatform } from "../../../src/platform/ptrace/platform.ts";
import { EV_SIGNAL, EV_SYSCALL } from "../../../src/platform/platform.ts";
import type { AddressSpace } from "../../../src/platform/platform.ts";
import { MemoryFile } from "../../../src/sentry/mm/memfile.ts";
import { REG } from "../../../ffi/regs.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../ffi/mman.ts";
import { readFileSync } from "node:fs";
import type { PtraceAddressSpace } from "../../../src/platform/ptrace/address-space.ts";

const CODE = 0x400000;
const DATA = 0x401000;

// mov eax,[DATA]; mov edi,eax; mov eax,39; syscall; mov dword [DATA+4],eax;
// mov eax,60; syscall; mov byte [8],1 (faults)
const program = [
  0x8b,
  0x04,
  0x25,
  0x00,
  0x10,
  0x40,
  0x00,
  0x89,
  0xc7,
  0xb8,
  39,
  0,
  0,
  0,
  0x0f,
  0x05,
  0x89,
  0x04,
  0x25,
  0x04,
  0x10,
  0x40,
  0x00,
  0xb8,
  60,
  0,
  0,
  0,
  0x0f,
  0x05,
  0xc6,
  0x04,
  0x25,
  0x08,
  0,
  0,
  0,
  1,
];

describe("ptrace platform", () => {
  let mf: MemoryFile;
  let p: PtracePlatform;
  before(() => {
    mf = new MemoryFile(2 ** 32);
    const scratchOff = mf.allocate(4096);
    p = new PtracePlatform({ memfd: mf.fd, scratchOff, scratch: mf.slice(scratchOff, 4096)!, cpu: -1 });
  });
  after(() => p.close());

  it("starts a stub with nothing mapped but its page and the host vDSO, and injects syscalls", () => {
    const as = p.newAddressSpace() as PtraceAddressSpace;
    const maps = readFileSync(`/proc/${as.pid}/maps`, "utf8").trim().split("\n")
      .filter((l) => !l.includes("[vsyscall]")); // the host's vsyscall page cannot be unmapped
    const vdso = maps.filter((l) => /\[(vdso|vvar\w*)\]$/.test(l));
    const rest = maps.filter((l) => !vdso.includes(l));
    assert.equal(rest.length, 2, `stub maps: ${maps.join(" | ")}`);
    assert.match(rest[0], /^7ff000000000-7ff000001000 r-xp/);
    assert.match(rest[1], /^7ff000001000-7ff000002000 r--p 00000000 00:00 0 /); // the name page
    // The vDSO mappings kept are exactly those the address space reports to the Sentry.
    const fmt = (h: { start: number; end: number; name: string }) =>
      `${h.start.toString(16)}-${h.end.toString(16)} ${h.name}`;
    assert.deepEqual(vdso.map((l) => l.replace(/^(\S+) .* (\S+)$/, "$1 $2")), as.special.map(fmt));
    assert.ok(as.special.some((h) => h.name === "[vdso]"), `no [vdso] kept: ${maps.join(" | ")}`);
    assert.equal(as.injectSyscall(39), as.pid); // getpid in the stub
    as.release();
  });

  it("names stubs: runsc/stub until the Sentry describes the application, then its comm and argv", () => {
    const as = p.newAddressSpace() as PtraceAddressSpace;
    const enc = new TextEncoder();
    const read = (f: string) => readFileSync(`/proc/${as.pid}/${f}`, "utf8");
    assert.equal(read("comm"), "runsc/stub\n");
    assert.equal(read("cmdline"), "runsc/stub\0");
    as.describe(enc.encode("sleep\x001000\x00"), enc.encode("a-very-long-program-name"));
    assert.equal(read("cmdline"), "sleep\x001000\x00");
    assert.equal(read("comm"), "a-very-long-pro\n"); // 15 bytes, as exec truncates it
    // A longer command line is cut at the name page's end, still NUL-terminated.
    as.describe(enc.encode("x".repeat(5000) + "\0"), enc.encode("x"));
    assert.equal(read("cmdline"), "x".repeat(4096 - 256 - 1) + "\0");
    as.release();
  });

  it("runs code from the memory file, traps syscalls and reports faults", () => {
    const as: AddressSpace = p.newAddressSpace();
    const off = mf.allocate(8192);
    mf.write(off, new Uint8Array(program));
    const data = mf.slice(off + 4096, 4096)!;
    new DataView(data.buffer, data.byteOffset).setUint32(0, 4242, true);
    assert.equal(as.map(CODE, 4096, off, PROT_READ | PROT_EXEC), 0);
    assert.equal(as.map(DATA, 4096, off + 4096, PROT_READ | PROT_WRITE), 0);
    const ctx = p.newContext(as);
    ctx.regs.set(REG.rip, CODE);
    ctx.resume();
    let ev = p.wait();
    assert.equal(ev.kind, EV_SYSCALL);
    assert.equal(ev.ctx, ctx);
    assert.equal(ctx.regs.get(REG.orig_rax), 39);
    assert.equal(ctx.regs.get(REG.rdi), 4242, "the application read what the Sentry wrote");
    ctx.regs.set(REG.rax, 777);
    ctx.resume();
    ev = p.wait();
    assert.equal(ev.kind, EV_SYSCALL);
    assert.equal(ctx.regs.get(REG.orig_rax), 60);
    assert.equal(
      new DataView(data.buffer, data.byteOffset).getUint32(4, true),
      777,
      "the Sentry sees the write",
    );
    ctx.resume();
    ev = p.wait();
    assert.equal(ev.kind, EV_SIGNAL);
    assert.equal(ev.signo, 11);
    assert.equal(ev.addr, 8);
    ctx.release();
    p.forget(ctx);
    as.release();
  });

  it("measures the syscall round trip", () => {
    const as = p.newAddressSpace();
    const off = mf.allocate(4096);
    // loop: mov eax,110; syscall; dec ebx; jnz loop; mov eax,60; syscall
    mf.write(
      off,
      new Uint8Array([0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf5, 0xb8, 60, 0, 0, 0, 0x0f, 0x05]),
    );
    as.map(CODE, 4096, off, PROT_READ | PROT_EXEC);
    const ctx = p.newContext(as);
    const N = 20000;
    ctx.regs.set(REG.rip, CODE);
    ctx.regs.set(REG.rbx, N);
    ctx.resume();
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (;;) {
      const ev = p.wait();
      assert.equal(ev.kind, EV_SYSCALL);
      if (ctx.regs.get(REG.orig_rax) === 60) break;
      n++;
      ctx.regs.set(REG.rax, 1);
      ctx.resume();
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    assert.equal(n, N);
    console.log(`ptrace round trip: ${ns.toFixed(0)} ns/syscall`);
    ctx.release();
    p.forget(ctx);
    as.release();
  });
});
