// The root filesystem over the real gofer (child process, LISAFS over a socketpair, host fds
// donated): reads go through donated fds, writes stay in memory, the served tree is unchanged.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { close } from "../../../ffi/libc.ts";
import { setRecvTimeout, SOCK_SEQPACKET, unixSocketpair } from "../../../ffi/socket.ts";
import { connectGofer, type LisafsClient } from "../../../src/lisafs/client.ts";
import { createRootMountNamespace } from "../../../src/sentry/fs/rootfs.ts";
import { FILE_SYSCALLS } from "../../../src/sentry/syscalls/file/index.ts";
import { AT_FDCWD, O_APPEND, O_DIRECTORY, O_RDONLY, O_WRONLY } from "../../../src/sentry/vfs/consts.ts";
import { FakeTask, sys } from "../vfs/_fake.ts";
import { makeLower, snapshot } from "./_gofer.ts";
import { FakeProc } from "./_proc.ts";

let lower = "";
let child: ChildProcess;
let client: LisafsClient;

before(() => {
  lower = makeLower();
  const [mine, theirs] = unixSocketpair(SOCK_SEQPACKET);
  setRecvTimeout(mine, 20_000);
  child = spawn(process.execPath, [
    "run",
    "-A",
    "--quiet",
    path.join(import.meta.dirname!, "../gofer/serve-helper.ts"),
    lower,
  ], { stdio: ["ignore", "inherit", "inherit", theirs] });
  close(theirs);
  const c = connectGofer(mine);
  assert.equal(typeof c, "object", `handshake with the gofer failed: ${c}`);
  client = c as LisafsClient;
});

after(() => {
  client?.close();
  child?.kill("SIGKILL");
  fs.rmSync(lower, { recursive: true, force: true });
});

describe("root filesystem over the real gofer", () => {
  it("reads, appends (copy-up) and lists through syscalls; the lower tree is unchanged", () => {
    const before = snapshot(lower);
    const rfs = createRootMountNamespace(client, { proc: new FakeProc() });
    const t = new FakeTask(rfs.initContext("/"));
    const call = (name: string, ...a: number[]) => sys(FILE_SYSCALLS, t, name, ...a);
    const fd = call("openat", AT_FDCWD, t.put("/link"), O_RDONLY, 0);
    assert.ok(fd >= 0, `open /link: ${fd}`);
    const buf = t.alloc(128);
    const n = call("read", fd, buf, 128);
    assert.equal(new TextDecoder().decode(t.get(buf, n)), "root:x:0:0:root:/root:/bin/sh\n");
    const w = call("open", t.put("/etc/passwd"), O_WRONLY | O_APPEND);
    assert.equal(call("write", w, t.put(new TextEncoder().encode("me:x:1:1\n")), 9), 9);
    assert.equal(call("pread64", fd, buf, 128, 0), n + 9, "the open read fd sees the copied-up data");
    const d = call("open", t.put("/etc"), O_RDONLY | O_DIRECTORY);
    assert.ok(call("getdents64", d, buf, 128) > 0);
    assert.equal(call("unlink", t.put("/etc/hosts")), 0);
    assert.equal(call("access", t.put("/etc/hosts"), 0), -2);
    assert.equal(snapshot(lower), before);
    assert.equal(fs.readFileSync(path.join(lower, "etc/passwd"), "utf8"), "root:x:0:0:root:/root:/bin/sh\n");
  });
});
