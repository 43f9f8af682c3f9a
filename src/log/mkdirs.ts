// `mkdir -p` without Node's recursive mkdirSync, which never returns for some paths under
// /proc on Node 20 (seen with `--log /proc/nonexistent/x`): create each missing component,
// and stop at the first error.
import * as fs from "node:fs";
import * as path from "node:path";

/** Creates `dir` and its missing parents with `mode`; throws the first fs error (EEXIST of a non-directory included). */
export function mkdirs(dir: string, mode = 0o755): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      if (fs.statSync(cur).isDirectory()) break;
      throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${cur}'`), { code: "EEXIST" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    missing.push(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // created meanwhile: fine
    }
  }
}
