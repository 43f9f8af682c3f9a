// A hand-assembled guest program run on the KVM machinery: syscalls whose arguments and results
// cross the host/guest boundary, a page fault the host answers by mapping a page, an unmap the
// guest must observe (TLB flush), #UD and #BP, then exit. The host records every event and the
// test compares the sequence. /dev/kvm exists on the project's machines and in CI: when it does
// not, the machine's constructor throws "KVM is not available: ..." and the test fails.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { kvmSuite } from "./kvm-here.ts";
import { ftruncate, memfdCreate } from "../../../ffi/memfd.ts";
import { close } from "../../../ffi/libc.ts";
import { REG, Regs } from "../../../ffi/regs.ts";
import { nativeView } from "../../../ffi/kvm.ts";
import { KvmMachine } from "../../../src/platform/kvm/machine.ts";
import { VX_FAULT, VX_SYSCALL } from "../../../src/platform/kvm/vcpu.ts";

const CODE = 0x400000, STACK_TOP = 0x800000, DATA = 0x700000;
const OFF_CODE = 0, OFF_STACK = 0x10000, OFF_DATA = 0x20000;
const R = 1, W = 2, X = 4;

/** The guest program (x86-64 machine code) and the offsets of its faulting instructions. */
function program(): { code: Uint8Array; at: Record<string, number> } {
  const at: Record<string, number> = {};
  const c: number[] = [];
  const imm32 = (v: number) => c.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  c.push(0xb8), imm32(39); // mov $39, %eax        getpid
  c.push(0x0f, 0x05); //      syscall
  c.push(0x48, 0x89, 0xc7); // mov %rax, %rdi      the result becomes the next argument
  const lea = c.length;
  c.push(0x48, 0x8d, 0x35), imm32(0); // lea msg(%rip), %rsi
  c.push(0xba), imm32(5); //  mov $5, %edx
  c.push(0xb8), imm32(1); //  mov $1, %eax         write
  c.push(0x0f, 0x05); //      syscall
  at.store = c.length;
  c.push(0x48, 0x89, 0x04, 0x25), imm32(DATA); // mov %rax, DATA   #PF (not mapped yet)
  c.push(0xb8), imm32(500); // mov $500, %eax      "unmap DATA"
  c.push(0x0f, 0x05); //      syscall
  at.load = c.length;
  c.push(0x48, 0x8b, 0x3c, 0x25), imm32(DATA); // mov DATA, %rdi   #PF again (unmapped)
  at.ud2 = c.length;
  c.push(0x0f, 0x0b); //      ud2                 #UD
  c.push(0xcc); //            int3                #BP
  at.afterInt3 = c.length;
  c.push(0xb8), imm32(60); // mov $60, %eax       exit(%rdi)
  c.push(0x0f, 0x05); //      syscall
  const msg = c.length;
  c.push(...new TextEncoder().encode("hello"));
  const rel = msg - (lea + 7);
  c[lea + 3] = rel & 0xff, c[lea + 4] = (rel >> 8) & 0xff;
  return { code: new Uint8Array(c), at };
}

describe("kvm guest", kvmSuite, () => {
  it("exits to the host for each syscall and fault with the right registers", () => {
    const memSize = 64 * 2 ** 20;
    const memfd = memfdCreate("kvm-test");
    assert.equal(ftruncate(memfd, memSize), 0);
    const m = new KvmMachine({ memfd, memSize });
    try {
      const ram = new Uint8Array(nativeView(m.ram.addr, memSize));
      const { code, at } = program();
      ram.set(code, OFF_CODE);
      m.ensureRam(0, memSize);
      const pt = m.newPageTables();
      pt.map(CODE, 0x1000, OFF_CODE, R | X);
      pt.map(STACK_TOP - 0x1000, 0x1000, OFF_STACK, R | W);
      const v = m.newVcpu(pt);
      const regs = new Regs();
      regs.set(REG.rip, CODE);
      regs.set(REG.rsp, STACK_TOP);
      regs.set(REG.eflags, 0x202);
      const events: string[] = [];
      for (let steps = 0; steps < 20; steps++) {
        const ex = v.run(regs);
        if (ex.kind === VX_SYSCALL) {
          const nr = regs.get(REG.orig_rax);
          assert.equal(regs.get(REG.rax), -38, "rax holds -ENOSYS at a syscall stop");
          if (nr === 39) {
            events.push("getpid");
            regs.set(REG.rax, 4242);
          } else if (nr === 1) {
            const buf = regs.get(REG.rsi) - CODE + OFF_CODE;
            const text = new TextDecoder().decode(ram.subarray(buf, buf + regs.get(REG.rdx)));
            events.push(`write(${regs.get(REG.rdi)}, "${text}")`);
            regs.set(REG.rax, regs.get(REG.rdx));
          } else if (nr === 500) {
            events.push("unmap");
            pt.unmap(DATA, 0x1000);
            m.flush(v);
            regs.set(REG.rax, 0);
          } else if (nr === 60) {
            events.push(`exit(${regs.get(REG.rdi)})`);
            break;
          } else {
            events.push(`syscall ${nr}`);
            break;
          }
        } else if (ex.kind === VX_FAULT) {
          const rip = regs.get(REG.rip) - CODE;
          if (ex.vector === 14) {
            events.push(`#PF(${ex.cr2.toString(16)}, err ${ex.error}) at ${rip}`);
            pt.map(DATA, 0x1000, OFF_DATA, R | W);
          } else if (ex.vector === 6) {
            events.push(`#UD at ${rip}`);
            regs.set(REG.rip, regs.get(REG.rip) + 2);
          } else if (ex.vector === 3) {
            events.push(`#BP at ${rip}`); // rip is after int3, as on hardware
          } else {
            events.push(`vector ${ex.vector}`);
            break;
          }
        } else {
          events.push(`exit kind ${ex.kind}`);
          break;
        }
      }
      assert.deepEqual(events, [
        "getpid",
        'write(4242, "hello")',
        `#PF(${DATA.toString(16)}, err 6) at ${at.store}`,
        "unmap",
        `#PF(${DATA.toString(16)}, err 4) at ${at.load}`,
        `#UD at ${at.ud2}`,
        `#BP at ${at.afterInt3}`,
        "exit(5)",
      ]);
      assert.equal(ram[OFF_DATA], 5, "the guest's store reached the memory file");
      assert.equal(regs.get(REG.rsp), STACK_TOP, "rsp survives the exits");
    } finally {
      m.close();
      close(memfd);
    }
  });
});
