// The KVM platform through the Platform interface: a syscall event with ptrace's register view,
// a guest that spins forever is preempted so the deadline still fires (the Sentry never hangs),
// interrupt() stops it, and a fault arrives as SIGSEGV with si_addr and SEGV_MAPERR.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { kvmSuite } from "./kvm-here.ts";
import { ftruncate, memfdCreate } from "../../../ffi/memfd.ts";
import { close } from "../../../ffi/libc.ts";
import { nativeView } from "../../../ffi/kvm.ts";
import { REG } from "../../../ffi/regs.ts";
import { monotonicNs } from "../../../ffi/time.ts";
import { EV_HOST, EV_INTERRUPT, EV_SIGNAL, EV_SYSCALL } from "../../../src/platform/platform.ts";
import { KvmPlatform } from "../../../src/platform/kvm/platform.ts";

const CODE = 0x400000;

describe("kvm platform", kvmSuite, () => {
  it("reports syscalls, preempts a spinning guest, interrupts it and reports faults", () => {
    const memSize = 16 * 2 ** 20;
    const memfd = memfdCreate("kvm-platform-test");
    assert.equal(ftruncate(memfd, memSize), 0);
    const p = new KvmPlatform({ memfd, memSize, sliceNs: 2_000_000 });
    try {
      const ram = new Uint8Array(nativeView(p.machine.ram.addr, memSize));
      // deno-fmt-ignore
      ram.set([
        0xb8, 39, 0, 0, 0,                         // mov $39, %eax
        0x0f, 0x05,                                // syscall
        0xeb, 0xfe,                                // spin: jmp spin
      ]);
      // deno-fmt-ignore
      ram.set([0x48, 0x8b, 0x04, 0x25, 0, 0, 0x90, 0], 0x100); // mov 0x900000, %rax
      const as = p.newAddressSpace();
      assert.equal(as.map(CODE, 0x1000, 0, 5), 0);
      const c = p.newContext(as);
      c.regs.set(REG.rip, CODE);
      c.resume();
      let ev = p.wait();
      assert.equal(ev.kind, EV_SYSCALL);
      assert.equal(ev.ctx, c);
      assert.equal(c.regs.get(REG.orig_rax), 39);
      assert.equal(c.regs.get(REG.rip), CODE + 7);
      c.regs.set(REG.rax, 7);
      c.resume();
      const t0 = monotonicNs();
      p.setDeadline(t0 + 30_000_000);
      ev = p.wait();
      assert.equal(ev.kind, EV_HOST, "the deadline fires while the guest spins");
      assert.ok(monotonicNs() - t0 >= 29_000_000);
      c.interrupt();
      ev = p.wait();
      assert.equal(ev.kind, EV_INTERRUPT);
      assert.equal(c.regs.get(REG.rip), CODE + 7, "stopped in the spin loop");
      assert.equal(c.regs.get(REG.rax), 7, "the syscall result reached the guest");
      c.regs.set(REG.rip, CODE + 0x100);
      c.resume();
      ev = p.wait();
      assert.equal(ev.kind, EV_SIGNAL);
      assert.deepEqual([ev.signo, ev.code, ev.addr], [11, 1, 0x900000]);
      assert.equal(c.regs.get(REG.rip), CODE + 0x100);
      c.release();
      as.release();
    } finally {
      p.close();
      close(memfd);
    }
  });
});
