#!/usr/bin/env bash
# `runsc --version` wall time, median of N runs: ours (dist/runsc or $RUNSC_BIN) vs the reference
# runsc (/usr/bin/runsc, Debian's gVisor) when installed. Usage: tests/bench/version.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
n=${1:-10}
ours=${RUNSC_BIN:-dist/runsc}
ref=${RUNSC_REF:-/usr/bin/runsc}
[ -x "$ours" ] || { echo "bench: $ours not built (node_modules/.bin/deno run -A scripts/build.ts)" >&2; exit 1; }
"$ours" --version >/dev/null # warm the page cache and the addon extraction
o=$(bench_median "$n" "$ours" --version)
if [ -x "$ref" ]; then r=$(bench_median "$n" "$ref" --version); else r=n/a; fi
echo "| measurement | unit | reference runsc | ours | ours/ref |"
echo "|---|---|---|---|---|"
echo "| runsc --version, median of $n | ms | $r | $o | $(ratio "$r" "$o") |"
