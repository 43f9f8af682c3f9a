// docs/compatibility.md is generated from the syscall table: this test regenerates it and
// fails when the committed file differs (run scripts/gen-compat.ts after changing a row).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { syscallEntryLists, syscallRows } from "../../../src/sentry/syscalls/index.ts";
import { renderCompatibility, summarize } from "../../../src/sentry/syscalls/compat.ts";
import { SYS, SYS_MAX, SYSCALL_NAMES } from "../../../ffi/sysno.ts";
import type { SyscallEntry } from "../../../src/sentry/syscalls/abi.ts";

const DOC = join(import.meta.dirname ?? ".", "../../../docs/compatibility.md");

describe("docs/compatibility.md", () => {
  it("matches the syscall table (regenerate with scripts/gen-compat.ts)", () => {
    const committed = readFileSync(DOC, "utf8");
    assert.ok(
      committed === renderCompatibility(syscallRows()),
      "docs/compatibility.md is stale: run `node_modules/.bin/deno run -A scripts/gen-compat.ts`",
    );
  });

  it("has one row per named x86_64 syscall, in number order, with the table's names", () => {
    const rows = syscallRows();
    const named = SYSCALL_NAMES.filter((n) => n !== undefined).length;
    assert.equal(rows.length, named);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].nr > rows[i - 1].nr);
    for (const r of rows) assert.equal(r.name, SYSCALL_NAMES[r.nr], `row ${r.nr}`);
    assert.ok(rows[rows.length - 1].nr <= SYS_MAX);
    for (const l of syscallEntryLists()) {
      for (const e of l) assert.equal(e.name, SYSCALL_NAMES[e.nr], `entry ${e.nr} is named ${e.name}`);
    }
  });

  it("counts support levels and escapes cells", () => {
    const h = () => 0;
    const rows: SyscallEntry[] = [
      { nr: SYS.read, name: "read", support: "full", note: "", handler: h },
      { nr: SYS.write, name: "write", support: "partial", note: "a | b\nc", handler: h },
      { nr: SYS.open, name: "open", support: "errno", note: "EPERM on purpose", handler: h },
      { nr: SYS.close, name: "close", support: "errno", note: "not implemented: ENOSYS", handler: h },
    ];
    assert.deepEqual(summarize(rows), { total: 4, full: 1, partial: 1, errnoHandled: 1, missing: 1 });
    const md = renderCompatibility(rows);
    assert.match(md, /\| 1 +\| `write` +\| partial \| a \\\| b c +\|/);
    assert.match(md, /\| implemented \(full \+ partial\) +\| 2 +\|/);
  });
});
