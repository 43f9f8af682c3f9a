// Differential tests: dynamic glibc programs of the host (PT_INTERP, ld.so, libc.so mapped from
// files) run natively and under the Sentry (files through the in-process gofer double) must
// print the same and exit the same: ls, sort, wc, sha256sum, find, tar with gzip.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { runNative, runUnderSentry } from "./helpers.ts";

const ENV = { PATH: "/usr/bin:/bin", LC_ALL: "C" };

function both(argv: string[]): { native: ReturnType<typeof runNative>; ours: ReturnType<typeof runNative> } {
  assert.ok(existsSync(argv[0]), `${argv[0]} is missing`);
  const native = runNative(argv, ENV);
  const ours = runUnderSentry(argv, Object.entries(ENV).map(([k, v]) => `${k}=${v}`));
  return { native, ours };
}

function same(argv: string[]): void {
  const { native, ours } = both(argv);
  assert.deepEqual(ours, native, argv.join(" "));
}

describe("dynamic glibc programs under the Sentry", () => {
  // /dev and /proc are the sandbox's own filesystems (their rows differ). The host root is live (other processes
  // create files in /run, /tmp, /etc): a mismatch is retried so that only a difference that
  // persists fails.
  it("ls -la / (but /dev and /proc) and ls -la /etc", () => {
    // Column widths depend on the excluded rows too (/proc's link count): compare words.
    const own = (s: string) =>
      s.split("\n").filter((l) => !/ (dev|proc)$/.test(l)).map((l) => l.replace(/ +/g, " ")).join("\n");
    for (const dir of ["/", "/etc"]) {
      let r = both(["/bin/ls", "-la", dir]);
      for (let i = 0; i < 2 && own(r.ours.stdout) !== own(r.native.stdout); i++) {
        r = both(["/bin/ls", "-la", dir]);
      }
      assert.equal(r.ours.status, r.native.status);
      assert.equal(own(r.ours.stdout), own(r.native.stdout), `ls -la ${dir}`);
    }
  });

  it("sort, wc, sha256sum", () => {
    same(["/usr/bin/sort", "-t:", "-k3n", "/etc/passwd"]);
    same(["/usr/bin/wc", "/etc/passwd", "/etc/group"]);
    same(["/usr/bin/sha256sum", "/etc/passwd", "/bin/ls"]);
    same(["/usr/bin/wc", "/nonexistent"]);
  });

  it("find /usr/share -name '*.txt'", () => {
    same(["/usr/bin/find", "/usr/share", "-name", "*.txt"]);
  });

  it("tar czf of /etc then tar tzf | wc -l (gzip child, pipes, files in the overlay)", () => {
    same(["/bin/sh", "-c", "f=/tmp/runsc-tar-test.$$.tgz; tar czf $f /etc && tar tzf $f | wc -l; rm -f $f"]);
  });
});
