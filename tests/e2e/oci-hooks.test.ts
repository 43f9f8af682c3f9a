// OCI hooks as runc runs them (issue 5): the same bundle, with a hook at every point, under
// Debian's runc and under ours; each hook records its argv[0], an env variable and the state
// JSON on its stdin, and the records must match (pids aside). A failing or overrunning
// createRuntime hook fails `create` in one line naming it and leaves nothing; a failing
// poststart hook does not fail `start`; startContainer hooks are refused by ours.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { busyboxBundle, ociCall, ociFixture, OURS, RUNC } from "./oci-lib.ts";

let tmp = "";
let n = 0;

const POINTS = ["prestart", "createRuntime", "createContainer", "poststart", "poststop"] as const;

/** A hook that writes "argv0, FOO, stdin" to <out>/<point>, then exits with `status`. */
function hook(out: string, point: string, status = 0, timeout?: number) {
  const script = `{ echo "argv0=$0"; echo "FOO=\${FOO-unset}"; cat; } > "$HOOK_OUT/${point}"; exit ${status}`;
  return {
    path: "/bin/sh",
    args: [`hook-${point}`, "-c", script],
    env: [`HOOK_OUT=${out}`, "FOO=bar", "PATH=/usr/bin:/bin"],
    ...(timeout === undefined ? {} : { timeout }),
  };
}

/** Runs one container through create/start/kill/delete with `hooks`; returns the records. */
function lifecycle(rt: string[], hooks: Record<string, unknown>, out: string): Record<string, string> {
  const b = busyboxBundle(path.join(tmp, `b${n++}`), ["sleep", "100"], { hooks });
  const id = `hooks-${process.pid}`; // the same under both runtimes (their --root differ)
  const ok = (args: string[]) => {
    const r = ociCall(rt, args, tmp);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  };
  ok(["create", "--bundle", b, id]);
  ok(["start", id]);
  ok(["kill", id, "KILL"]);
  ok(["delete", "--force", id]);
  const rec: Record<string, string> = {};
  for (const f of fs.readdirSync(out)) {
    // The state's pid differs per runtime; everything else must be the same.
    rec[f] = fs.readFileSync(path.join(out, f), "utf8").replace(/"pid":\d+/, '"pid":PID').replace(
      /"bundle":"[^"]*"/,
      '"bundle":B',
    );
  }
  return rec;
}

function outDir(): string {
  const d = path.join(tmp, `out${n++}`);
  fs.mkdirSync(d);
  return d;
}

describe("OCI hooks", () => {
  ociFixture("oci-hooks-", (d) => (tmp = d));

  it("run at every point with args, env and the state on stdin, as under runc", () => {
    const records = [RUNC, OURS].map((bin) => {
      const out = outDir();
      const hooks = Object.fromEntries(POINTS.map((p) => [p, [hook(out, p)]]));
      return lifecycle([bin, "--root", path.join(tmp, `root-${path.basename(bin)}`)], hooks, out);
    });
    assert.deepEqual(Object.keys(records[0]).sort(), [...POINTS].sort(), "runc ran every hook");
    assert.deepEqual(records[1], records[0]);
  });

  for (
    const [what, h, want] of [
      ["fails", (o: string) => hook(o, "createRuntime", 3), /exited with status 3/],
      [
        "overruns its timeout",
        (o: string) => ({ ...hook(o, "createRuntime"), args: ["s", "-c", "sleep 30"], timeout: 1 }),
        /timed out after 1 s/,
      ],
    ] as const
  ) {
    it(`a createRuntime hook that ${what} fails create in one line and leaves nothing`, () => {
      const root = path.join(tmp, `root${n++}`);
      const b = busyboxBundle(path.join(tmp, `b${n++}`), ["sleep", "100"], {
        hooks: { createRuntime: [h(outDir())] },
      });
      const r = ociCall([OURS, "--root", root], ["create", "--bundle", b, "bad"], tmp);
      assert.notEqual(r.status, 0);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /hooks\.createRuntime\[0\] \/bin\/sh: /);
      assert.match(r.stderr, want);
      assert.deepEqual(fs.existsSync(root) ? fs.readdirSync(root) : [], []);
    });
  }

  it("a failing poststart hook does not fail start; startContainer hooks are refused", () => {
    const out = outDir();
    const rec = lifecycle([OURS, "--root", path.join(tmp, `root${n++}`)], {
      poststart: [hook(out, "poststart", 1)],
    }, out);
    assert.match(rec.poststart, /"status":"created"/);
    const b = busyboxBundle(path.join(tmp, `b${n++}`), ["true"], {
      hooks: { startContainer: [hook(out, "s")] },
    });
    const r = ociCall([OURS, "--root", path.join(tmp, `root${n++}`)], ["create", "--bundle", b, "sc"], tmp);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /hooks\.startContainer: not supported/);
  });
});
