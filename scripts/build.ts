// Builds dist/runsc: esbuild bundle of src/main.ts (CommonJS, koffi aliased to the SEA loader)
// → Node single-executable blob with the koffi addon as an asset → copy of node + postject.
// Run with: node_modules/.bin/deno run -A scripts/build.ts
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.join(root, "dist");
const work = path.join(dist, "build");
fs.mkdirSync(work, { recursive: true });

const addon = path.join(root, "node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node");
if (!fs.existsSync(addon)) throw new Error(`koffi addon not found at ${addon}: run npm install`);

// Builtins that take milliseconds to load (measured in the SEA: node:crypto ~8 ms,
// node:child_process ~3 ms) and that most roles never call: the bundle gets forwarding
// functions that require the real module on first call. Every start pays for every top-level
// require of the CommonJS bundle otherwise, whatever the role. A name missing here fails the
// build ("No matching export").
const LAZY_BUILTINS: Record<string, readonly string[]> = {
  "node:crypto": ["randomFillSync"],
  "node:child_process": ["spawn", "spawnSync"],
};
const lazyBuiltins: esbuild.Plugin = {
  name: "lazy-builtins",
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(LAZY_BUILTINS).join("|")})$`);
    b.onResolve({ filter }, (a) =>
      a.namespace === "lazy-builtin"
        ? { path: a.path, external: true } // the shim's own require of the real module
        : { path: a.path, namespace: "lazy-builtin" });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (a) => ({
      loader: "js",
      contents: `let m;\nconst get = () => (m ??= require(${JSON.stringify(a.path)}));\n` +
        LAZY_BUILTINS[a.path].map((n) => `export function ${n}(...a) { return get().${n}(...a); }`)
          .join("\n"),
    }));
  },
};

// Every other node:* builtin goes through one shared ESM shim per builtin: esbuild wraps each
// `import * as fs from "node:fs"` of the CommonJS bundle in its own __toESM() copy of the module's
// properties (61 sites), which cost every start milliseconds. The shim exports the builtin's data
// properties by name, as listed by the node that builds the binary (accessors such as
// fs.promises are left out: reading them would load more modules; a name missing here fails the
// build).
const node = process.env.NODE ?? "node";
const builtinNames = new Map<string, string[]>();
function dataProps(id: string): string[] {
  let names = builtinNames.get(id);
  if (names === undefined) {
    const js =
      `const m = require(${JSON.stringify(id)}); console.log(JSON.stringify(Object.keys(m).filter((k) => ` +
      `/^[A-Za-z_$][\\w$]*$/.test(k) && k !== "default" && !Object.getOwnPropertyDescriptor(m, k).get)))`;
    names = JSON.parse(execFileSync(node, ["-e", js]).toString()) as string[];
    builtinNames.set(id, names);
  }
  return names;
}
const sharedBuiltins: esbuild.Plugin = {
  name: "shared-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => {
      if (a.path in LAZY_BUILTINS) return undefined;
      return a.namespace === "shared-builtin"
        ? { path: a.path, external: true }
        : { path: a.path, namespace: "shared-builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "shared-builtin" }, (a) => ({
      loader: "js",
      contents: `const m = require(${JSON.stringify(a.path)});\nexport default m;\n` +
        dataProps(a.path).map((n) => `export const ${n} = m.${n};`).join("\n"),
    }));
  },
};

// Started before any module of the bundle is evaluated; written by a synchronous 'exit' listener.
// The file is opened first: the gofer later chroots into a read-only view of its root.
const CPU_PROF = `if (process.env.RUNSC_CPU_PROF) {
  const fs = require("node:fs");
  const fd = fs.openSync(require("node:path").join(process.env.RUNSC_CPU_PROF, \`runsc-\${process.pid}.cpuprofile\`), "w");
  const s = new (require("node:inspector").Session)();
  s.connect();
  s.post("Profiler.setSamplingInterval", { interval: 100 });
  s.post("Profiler.enable");
  s.post("Profiler.start");
  process.on("exit", () => s.post("Profiler.stop", (e, r) => { if (!e) fs.writeSync(fd, JSON.stringify(r.profile)); }));
}`;
const bundle = path.join(work, "runsc.cjs");
// ffi/koffi-sea.ts checks the extracted addon against this digest (no hashing of the asset
// itself on every start).
const addonDigest = createHash("sha256").update(fs.readFileSync(addon)).digest("hex");
await esbuild.build({
  entryPoints: [path.join(root, "src/main.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  outfile: bundle,
  define: { __RUNSC_ADDON_SHA256__: JSON.stringify(addonDigest) },
  alias: { koffi: path.join(root, "ffi/koffi-sea-entry.ts") },
  // The SEA loader needs the flag before any module runs. RUNSC_CPU_PROF=DIR writes a V8 CPU
  // profile of every process of the binary (CLI and roles) into DIR, from the bundle's first line
  // (docs/benchmarks.md); off, it costs one env lookup.
  banner: {
    js: "globalThis.__RUNSC_SEA__ = true; globalThis.__RUNSC_T0__ = performance.now();\n" + CPU_PROF,
  },
  plugins: [lazyBuiltins, sharedBuiltins],
  logLevel: "warning",
  minify: process.env.RUNSC_BUILD_MINIFY !== "0",
  keepNames: true,
});
await esbuild.stop();

const seaConfig = path.join(work, "sea-config.json");
const blob = path.join(work, "sea-prep.blob");
fs.writeFileSync(
  seaConfig,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: { "koffi.node": addon },
  }),
);
execFileSync(node, ["--experimental-sea-config", seaConfig], { stdio: "inherit" });
const nodeBin = execFileSync(node, ["-p", "process.execPath"]).toString().trim();
const out = path.join(dist, "runsc");
const tmp = `${out}.tmp`;
fs.copyFileSync(nodeBin, tmp);
fs.chmodSync(tmp, 0o755);
execFileSync(path.join(root, "node_modules/.bin/postject"), [
  tmp,
  "NODE_SEA_BLOB",
  blob,
  "--sentinel-fuse",
  "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
], { stdio: ["ignore", "ignore", "inherit"] });
fs.renameSync(tmp, out);
console.log(`built ${path.relative(root, out)} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
