// Writes docs/compatibility.md from the Sentry's syscall table rows (every x86_64 syscall with
// its support level and note). Run after changing a table row:
//   node_modules/.bin/deno run -A scripts/gen-compat.ts
// tests/unit/sentry/compat.test.ts fails while the committed file is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { syscallRows } from "../src/sentry/syscalls/index.ts";
import { renderCompatibility, summarize } from "../src/sentry/syscalls/compat.ts";

const root = join(import.meta.dirname ?? ".", "..");
const rows = syscallRows();
writeFileSync(join(root, "docs/compatibility.md"), renderCompatibility(rows));
const s = summarize(rows);
console.log(
  `docs/compatibility.md: ${s.total} syscalls, ${s.full} full, ${s.partial} partial, ` +
    `${s.errnoHandled} deliberate errno, ${s.missing} not implemented`,
);
