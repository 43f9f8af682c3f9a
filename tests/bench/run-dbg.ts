// Debugging helper (not a test): runs ARGV under the Sentry with the in-process test gofer,
// stdout/stderr captured, and prints {status, stdout, stderr} as JSON. STRACE=1 prints the
// --strace lines on stderr.
import process from "node:process";
import { runUnderSentry } from "../unit/sentry/helpers.ts";

const strace = process.env.STRACE ? (l: string) => console.error(l) : undefined;
const r = runUnderSentry(process.argv.slice(2), ["PATH=/usr/bin:/bin", "HOME=/root"], strace);
console.log(JSON.stringify(r));
