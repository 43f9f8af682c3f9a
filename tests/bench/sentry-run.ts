// Benchmark helper (not a test): runs ARGV under the Sentry with stdio inherited and files
// served by the in-process test gofer double, until `runsc do` is wired end to end.
import process from "node:process";
import { runSentry } from "../../src/sentry/entry.ts";
import { hostGofer } from "../unit/sentry/helpers.ts";

const cpu = process.env.SENTRY_CPU !== undefined ? Number(process.env.SENTRY_CPU) : undefined;
const status = runSentry({
  argv: process.argv.slice(2),
  env: ["PATH=/usr/bin:/bin"],
  cwd: "/",
  gofer: hostGofer(),
  stdio: [0, 1, 2],
  uid: 0,
  gid: 0,
  hostname: "bench",
  platform: "ptrace",
  strace: false,
  cpu,
});
process.exit(status);
