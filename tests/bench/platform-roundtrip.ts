// Benchmark (not a test): the ptrace platform's trap round trip (getppid trapped with
// PTRACE_SYSEMU, registers read and written back) with the Sentry and the stubs pinned to one
// CPU (argv[2] = cpu number) or free to run anywhere (argv[2] = -1). Prints ns/op.
import process from "node:process";
import { PtracePlatform } from "../../src/platform/ptrace/platform.ts";
import { MemoryFile } from "../../src/sentry/mm/memfile.ts";
import { REG } from "../../ffi/regs.ts";
import { PROT_EXEC, PROT_READ } from "../../ffi/mman.ts";

const cpu = Number(process.argv[2] ?? "-1");
const N = Number(process.argv[3] ?? "50000");
const mf = new MemoryFile(2 ** 32);
const scratchOff = mf.allocate(4096);
const p = new PtracePlatform({ memfd: mf.fd, scratchOff, scratch: mf.slice(scratchOff, 4096)!, cpu });
const as = p.newAddressSpace();
const off = mf.allocate(4096);
// loop: mov eax,110; syscall; dec ebx; jnz loop; mov eax,60; syscall
mf.write(
  off,
  new Uint8Array([0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf5, 0xb8, 60, 0, 0, 0, 0x0f, 0x05]),
);
as.map(0x400000, 4096, off, PROT_READ | PROT_EXEC);
const ctx = p.newContext(as);
ctx.regs.set(REG.rip, 0x400000);
ctx.regs.set(REG.rbx, N);
ctx.resume();
const t0 = process.hrtime.bigint();
for (;;) {
  p.wait();
  if (ctx.regs.get(REG.orig_rax) === 60) break;
  ctx.regs.set(REG.rax, 1);
  ctx.resume();
}
const ns = Number(process.hrtime.bigint() - t0) / N;
console.log(`cpu=${cpu} ${ns.toFixed(0)} ns/syscall`);
p.close();
