import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FdTable } from "../../../src/sentry/vfs/fdtable.ts";
import { FileDescription } from "../../../src/sentry/vfs/file.ts";
import { E } from "../../../ffi/errno.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import {
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  O_CLOEXEC,
} from "../../../src/sentry/vfs/consts.ts";
import { FakeTask, sys } from "./_fake.ts";

class Dummy extends FileDescription {
  released = 0;
  constructor() {
    super(0, null);
  }
  protected override release(): void {
    this.released++;
  }
}

describe("FdTable", () => {
  it("hands out the lowest free fd and reuses closed ones", () => {
    const t = new FdTable();
    assert.equal(t.install(new Dummy(), false), 0);
    assert.equal(t.install(new Dummy(), false), 1);
    assert.equal(t.install(new Dummy(), false), 2);
    assert.equal(t.close(1), 0);
    assert.equal(t.install(new Dummy(), false), 1);
    assert.equal(t.install(new Dummy(), false), 3);
    assert.equal(t.install(new Dummy(), false, 10), 10);
    assert.equal(t.install(new Dummy(), false), 4);
  });

  it("fails with EMFILE at the RLIMIT_NOFILE bound", () => {
    const t = new FdTable();
    t.limit = 2;
    t.install(new Dummy(), false);
    t.install(new Dummy(), false);
    assert.equal(t.install(new Dummy(), false), -E.EMFILE);
  });

  it("releases a description only when its last fd closes", () => {
    const t = new FdTable();
    const f = new Dummy();
    const fd = t.install(f, false);
    const fd2 = t.dup(fd, 0, false);
    assert.equal(fd2, 1);
    t.close(fd);
    assert.equal(f.released, 0);
    t.close(fd2);
    assert.equal(f.released, 1);
    assert.equal(t.close(fd2), -E.EBADF);
  });

  it("fork shares descriptions (offset) and keeps CLOEXEC; closeOnExec drops those fds", () => {
    const t = new FdTable();
    const f = new Dummy();
    t.install(f, false);
    t.install(new Dummy(), true);
    const c = t.fork();
    assert.equal(c.get(0), f);
    f.offset = 42;
    assert.equal(c.get(0)!.offset, 42);
    assert.equal(c.getCloexec(1), true);
    c.closeOnExec();
    assert.equal(c.get(1), undefined);
    assert.notEqual(t.get(1), undefined);
    assert.equal(c.get(0), f);
    assert.equal(f.refCount, 2);
  });

  it("rejects hostile fds", () => {
    const t = new FdTable();
    assert.equal(t.get(-1), undefined);
    assert.equal(t.get(2 ** 40), undefined);
    assert.equal(t.get(1.5), undefined);
  });
});

describe("dup family and fcntl", () => {
  it("dup2 to the same fd returns it; dup3 to the same fd is EINVAL", () => {
    const t = new FakeTask();
    t.fds.install(new Dummy(), false);
    assert.equal(sys(FILE_SYSCALLS, t, "dup2", 0, 0), 0);
    assert.equal(sys(FILE_SYSCALLS, t, "dup2", 5, 5), -E.EBADF);
    assert.equal(sys(FILE_SYSCALLS, t, "dup3", 0, 0, 0), -E.EINVAL);
  });

  it("dup2 replaces the target, releasing what it held", () => {
    const t = new FakeTask();
    const a = new Dummy(), b = new Dummy();
    t.fds.install(a, false);
    t.fds.install(b, true);
    assert.equal(sys(FILE_SYSCALLS, t, "dup2", 0, 1), 1);
    assert.equal(b.released, 1);
    assert.equal(t.fds.get(1), a);
    assert.equal(t.fds.getCloexec(1), false);
    assert.equal(sys(FILE_SYSCALLS, t, "dup3", 0, 9, O_CLOEXEC), 9);
    assert.equal(t.fds.getCloexec(9), true);
    assert.equal(sys(FILE_SYSCALLS, t, "dup3", 0, 9, 1), -E.EINVAL);
  });

  it("fcntl F_DUPFD(_CLOEXEC) honours the minimum, F_GETFD/F_SETFD the flag", () => {
    const t = new FakeTask();
    t.fds.install(new Dummy(), false);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 0, F_DUPFD, 5), 5);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 0, F_DUPFD_CLOEXEC, 5), 6);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 6, F_GETFD), FD_CLOEXEC);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 5, F_GETFD), 0);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 5, F_SETFD, FD_CLOEXEC), 0);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 5, F_GETFD), FD_CLOEXEC);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 0, F_DUPFD, -1), -E.EINVAL);
    assert.equal(sys(FILE_SYSCALLS, t, "fcntl", 0, 9999), -E.EINVAL);
  });

  it("close of a bad fd is EBADF", () => {
    const t = new FakeTask();
    assert.equal(sys(FILE_SYSCALLS, t, "close", 3), -E.EBADF);
    assert.equal(sys(FILE_SYSCALLS, t, "close", 0xffffffff), -E.EBADF);
  });
});
