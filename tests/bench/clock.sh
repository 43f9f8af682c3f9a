#!/usr/bin/env bash
# Benchmark (not a test): clock_gettime(CLOCK_MONOTONIC) ns/call through libc natively, under
# ours (`runsc do`: the host vDSO on ptrace, a trap per call on kvm) and under the reference
# runsc (--platform=ptrace), in one run, with ratios to native. Usage: tests/bench/clock.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20000}
ours=${RUNSC_BIN:-dist/runsc}
ref=${RUNSC_REF:-/usr/bin/runsc}
[ -x "$ours" ] || { echo "bench: $ours not built (node_modules/.bin/deno run -A scripts/build.ts)" >&2; exit 1; }
bin=tests/programs/bin
mkdir -p "$bin"
gcc -O2 -o "$bin/clock_loop" tests/programs/clock_loop.c
prog=$PWD/$bin/clock_loop
native=$("$prog" "$n")
o=$("$ours" do "$prog" "$n")
r=n/a
[ -x "$ref" ] && [ "$(id -u)" = 0 ] && r=$("$ref" --platform=ptrace --network=none do "$prog" "$n")
echo "| clock_gettime, N=$n | ns/call | × native |"
echo "|---|---|---|"
echo "| native | $native | 1 |"
echo "| reference runsc --platform=ptrace | $r | $(. tests/bench/lib.sh; ratio "$native" "$r") |"
echo "| ours (ptrace) | $o | $(. tests/bench/lib.sh; ratio "$native" "$o") |"
