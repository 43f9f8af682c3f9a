// Round trip of a guest syscall exit through the TypeScript KVM machinery: the guest loops on
// `syscall` (getpid), each exit goes to the host, which answers through Vcpu.run's register
// exchange. Prints "ns_per_syscall N". Usage: deno run -A tests/programs/kvm/bench.ts [N]
import process from "node:process";
import { ftruncate, memfdCreate } from "../../../ffi/memfd.ts";
import { nativeView } from "../../../ffi/kvm.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { KvmMachine } from "../../../src/platform/kvm/machine.ts";
import { VX_SYSCALL } from "../../../src/platform/kvm/vcpu.ts";

const n = Number(process.argv[2] ?? 20000);
const memSize = 4 * 2 ** 20;
const memfd = memfdCreate("kvm-bench");
ftruncate(memfd, memSize);
const m = new KvmMachine({ memfd, memSize });
const ram = new Uint8Array(nativeView(m.ram.addr, memSize));
// deno-fmt-ignore
ram.set([
  0xb8, 39, 0, 0, 0, // loop: mov $39, %eax
  0x0f, 0x05,        //       syscall
  0x48, 0xff, 0xcb,  //       dec %rbx
  0x75, 0xf4,        //       jnz loop
  0xb8, 60, 0, 0, 0, //       mov $60, %eax
  0x0f, 0x05,        //       syscall
]);
m.ensureRam(0, memSize);
const pt = m.newPageTables();
pt.map(0x400000, 0x1000, 0, 5);
const v = m.newVcpu(pt);
const regs = new Regs();
regs.set(REG.rip, 0x400000);
regs.set(REG.rbx, n);
regs.set(REG.eflags, 0x202);
let count = 0;
const t0 = monotonicNs();
for (;;) {
  const ex = v.run(regs);
  if (ex.kind !== VX_SYSCALL) throw new Error(`unexpected exit kind ${ex.kind}`);
  if (regs.lo(REG.orig_rax) === 60) break;
  count++;
  regs.set(REG.rax, 1);
}
const t1 = monotonicNs();
m.close();
if (count !== n) throw new Error(`counted ${count} syscalls, want ${n}`);
console.log(`ns_per_syscall ${Math.round((t1 - t0) / n)}`);
