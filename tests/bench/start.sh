#!/usr/bin/env bash
# Benchmark (not a test): start-to-exit wall time, median of N runs, native vs ours
# (`runsc do`) vs the reference gVisor runsc (`--platform=ptrace --network=none do`), in one run:
# /bin/true, python3 -c pass, node -e 0. Usage: tests/bench/start.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
n=${1:-7}
ours=${RUNSC_BIN:-dist/runsc}
ref=${RUNSC_REF:-/usr/bin/runsc}
[ -x "$ours" ] || { echo "bench: $ours not built (node_modules/.bin/deno run -A scripts/build.ts)" >&2; exit 1; }
have_ref=1
[ -x "$ref" ] && [ "$(id -u)" = 0 ] || have_ref=0
echo "| workload | native ms | reference runsc do ms | ours do ms | ours/native | ours/ref |"
echo "|---|---|---|---|---|---|"
row() {
  local name=$1
  shift
  command -v "$1" >/dev/null || { echo "| $name | (missing $1) | | | | |"; return; }
  local a b c
  # A run that fails is not a measurement: say so instead of timing an error path.
  "$ours" do "$@" >/dev/null 2>&1 || { echo "| $name | | | FAILS under ours | | |"; return; }
  a=$(bench_median "$n" "$@")
  if [ "$have_ref" = 1 ]; then b=$(bench_median "$n" "$ref" --platform=ptrace --network=none do "$@"); else b=n/a; fi
  c=$(bench_median "$n" "$ours" do "$@")
  echo "| $name | $a | $b | $c | $(ratio "$a" "$c") | $(ratio "$b" "$c") |"
}
row "/bin/true" /bin/true
row "python3 -c pass" python3 -c pass
row "node -e 0" node -e 0
# Node reads and parses NODE_EXTRA_CA_CERTS before any JavaScript runs (~80 ms for Debian's bundle,
# measured): the CLI pays it, the roles it starts do not (src/sandbox/spawn.ts drops it).
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  echo
  echo "note: NODE_EXTRA_CA_CERTS is set; our CLI's Node start parses it first. Without: env -u NODE_EXTRA_CA_CERTS $0 $n"
fi
