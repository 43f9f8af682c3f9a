#!/usr/bin/env bash
# KVM exit round trip per guest syscall: the TypeScript machinery (src/platform/kvm through koffi)
# vs a C loop doing the same thing (tests/programs/kvm/probe.c: sync regs, `out` at LSTAR),
# which is the floor on this host. Median of R runs of N syscalls each.
# Usage: tests/bench/kvm.sh [N] [R]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
n=${1:-20000}
r=${2:-3}
bin=tests/programs/bin
mkdir -p "$bin"
gcc -O2 -o "$bin/kvm-probe" tests/programs/kvm/probe.c
c_runs() { for _ in $(seq "$r"); do "$bin/kvm-probe" syncregs "$n" | awk '/ns\/syscall/ {print $(NF-1)}' | tr -d 'a-z/'; done; }
ts_runs() { for _ in $(seq "$r"); do node_modules/.bin/deno run -A tests/programs/kvm/bench.ts "$n" | awk '{print $2}'; done; }
c=$(c_runs | median)
t=$(ts_runs | median)
backend=unknown
[ -d /sys/module/kvm_pvm ] && backend=pvm
[ -d /sys/module/kvm_intel ] && backend=vmx
[ -d /sys/module/kvm_amd ] && backend=svm
echo "| measurement ($backend, $n syscalls, median of $r) | unit | C floor | TypeScript | TS/C |"
echo "|---|---|---|---|---|"
echo "| guest syscall -> host -> guest | ns | $c | $t | $(ratio "$c" "$t") |"
