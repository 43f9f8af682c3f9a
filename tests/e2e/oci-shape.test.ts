// runc's and our `state`, `list --format json` and `ps --format json` documents have the same
// shape (issue 5): the same keys in the same order with the same JSON types, for a created and
// a running container. The same bundle (busybox-static's `sleep`) runs under Debian's runc, the
// reference for the shape, and under ours, each with its own --root.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import process from "node:process";
import { busyboxBundle, ociCall, ociFixture, OURS, RUNC } from "./oci-lib.ts";

/** The JSON type tree of a value: keys in order, arrays by their first element. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v !== null && typeof v === "object") {
    return Object.entries(v).map(([k, x]) => [k, shape(x)]);
  }
  return v === null ? "null" : typeof v;
}

let tmp = "";
let bundle = "";

function call(rt: string[], args: string[]): string {
  const r = ociCall(rt, args, tmp);
  assert.equal(r.status, 0, `${rt.join(" ")} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** The documents of one runtime for a container through created → running → deleted. */
function documents(rt: string[], id: string): Record<string, unknown> {
  const docs: Record<string, unknown> = {};
  call(rt, ["create", "--bundle", bundle, id]);
  try {
    docs.created = JSON.parse(call(rt, ["state", id]));
    call(rt, ["start", id]);
    docs.running = JSON.parse(call(rt, ["state", id]));
    docs.list = JSON.parse(call(rt, ["list", "--format", "json"]));
    docs.ps = JSON.parse(call(rt, ["ps", "--format", "json", id]));
  } finally {
    spawnSync(rt[0], [...rt.slice(1), "delete", "--force", id], { timeout: 60_000 });
  }
  return docs;
}

describe("state, list and ps documents", () => {
  ociFixture("oci-shape-", (d) => {
    tmp = d;
    bundle = busyboxBundle(path.join(tmp, "bundle"), ["sleep", "100"], {
      annotations: { "org.example.k": "v" },
    });
  });

  it("have runc's keys, order and types", () => {
    const id = `shape-${process.pid}`;
    const want = documents([RUNC, "--root", path.join(tmp, "runc")], id);
    const got = documents([OURS, "--root", path.join(tmp, "ours")], id);
    for (const k of ["created", "running", "list", "ps"]) {
      assert.deepEqual(
        shape(got[k]),
        shape(want[k]),
        `${k}: ours ${JSON.stringify(got[k])} runc ${JSON.stringify(want[k])}`,
      );
    }
    // Values that say the same thing.
    const [o, r] = [got.running as Record<string, unknown>, want.running as Record<string, unknown>];
    for (const k of ["id", "status", "bundle", "rootfs", "annotations", "owner"]) {
      assert.deepEqual(o[k], r[k], k);
    }
    assert.equal((got.created as Record<string, unknown>).status, "created");
  });
});
