// The seccomp denylist (ffi/seccomp.ts, src/sandbox/seccomp.ts), installed in a child process:
// denied syscalls and other ABIs answer EPERM, the rest still works, on every thread.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import process from "node:process";
import { denylistProgram } from "../../../ffi/seccomp.ts";
import { DENIED_SYSCALLS } from "../../../src/sandbox/seccomp.ts";

const repo = path.resolve(import.meta.dirname!, "../../..");

/** Runs `body` (TypeScript, with `sys`, `SYS` and `confineSyscalls` in scope) in a fresh Deno. */
function inChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const src = `
    import { sys } from "${repo}/ffi/libc.ts";
    import { SYS } from "${repo}/ffi/sysno.ts";
    import { confineSyscalls } from "${repo}/src/sandbox/seccomp.ts";
    ${body}`;
  const r = spawnSync(process.execPath, ["eval", "--ext=ts", src], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("seccomp denylist", () => {
  it("builds one jump per denied syscall to a final EPERM, after the arch and x32 checks", () => {
    const prog = denylistProgram([165, 272], 1);
    assert.equal(prog.length, 5 + 2 + 2);
    assert.deepEqual(prog.at(-1), [0x06, 0, 0, 0x00050001]);
    assert.deepEqual(prog.at(-2), [0x06, 0, 0, 0x7fff0000]);
    // Each conditional jump lands on the final instruction.
    prog.forEach(([code, jt], i) => {
      if (code === 0x15 && i > 1) assert.equal(i + 1 + jt, prog.length - 1);
    });
  });

  it("a confined process gets EPERM for denied syscalls and i386/x32 ones, and runs the rest", () => {
    const r = inChild(`
      confineSyscalls("test");
      const out = [
        sys(SYS.unshare, 0), sys(SYS.mount, 0, 0, 0, 0, 0), sys(SYS.bpf, 0, 0, 0), sys(SYS.kcmp, 0, 0, 0, 0, 0),
        sys(0x40000000 + SYS.getpid), sys(SYS.getpid) > 0 ? "ok" : "no",
      ];
      const status = (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
      console.log(JSON.stringify([out, /Seccomp:\\s+2/.test(status), /NoNewPrivs:\\s+1/.test(status)]));
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [[-1, -1, -1, -1, -1, "ok"], true, true]);
  });

  it("names only syscalls this architecture has, each once", () => {
    assert.equal(new Set(DENIED_SYSCALLS).size, DENIED_SYSCALLS.length);
  });
});
