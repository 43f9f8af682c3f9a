import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E, errnoName, SysError } from "../../ffi/errno.ts";
import { SYS, SYSCALL_NAMES } from "../../ffi/sysno.ts";
import { sys } from "../../ffi/libc.ts";

describe("errno", () => {
  it("names numbers and keeps the first alias", () => {
    assert.equal(errnoName(E.EAGAIN), "EAGAIN");
    assert.equal(errnoName(9999), "E?9999");
  });
  it("SysError carries the number and name", () => {
    const e = new SysError("open", E.ENOENT);
    assert.equal(e.errno, 2);
    assert.equal(e.code, "ENOENT");
    assert.match(e.message, /open: ENOENT/);
  });
});

describe("syscall numbers", () => {
  it("match the kernel for well-known calls", () => {
    assert.equal(SYS.read, 0);
    assert.equal(SYS.getppid, 110);
    assert.equal(SYSCALL_NAMES[231], "exit_group");
  });
  it("raw sys() returns -errno on failure", () => {
    assert.equal(sys(SYS.close, -1), -E.EBADF);
    assert.equal(sys(SYS.getpid), process.pid);
  });
});
