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

# getppid ns/op inside `runsc do` on each platform (static loop, tests/programs/getppid_loop.c),
# the reference runsc (ptrace) if installed, and `runsc do true` start to exit (median of R).
# RUNSC_BIN: the runsc to measure (default dist/runsc; build it with scripts/build.ts).
runsc=${RUNSC_BIN:-dist/runsc}
gcc -O2 -static -o "$bin/getppid_loop" tests/programs/getppid_loop.c
gcc -O2 -static -o "$bin/true_static" -x c - <<'C'
int main(void) { return 0; }
C
loop="$PWD/$bin/getppid_loop"
do_runs() { for _ in $(seq "$r"); do "$@" do "$loop" "$n" 2>/dev/null || echo n/a; done | median; }
kvm=$(do_runs "$runsc" --network=none --platform=kvm)
ptr=$(do_runs "$runsc" --network=none --platform=ptrace)
ref=n/a
[ -x /usr/bin/runsc ] && ref=$(do_runs /usr/bin/runsc --rootless --network=none --platform=ptrace)
echo
echo "| getppid under runsc do ($n calls, median of $r) | ns/op |"
echo "|---|---|"
echo "| ours --platform=kvm | $kvm |"
echo "| ours --platform=ptrace | $ptr |"
echo "| reference runsc --platform=ptrace | $ref |"
echo
echo "| runsc do $bin/true_static, start to exit (median of $r) | ms |"
echo "|---|---|"
echo "| ours --platform=kvm | $(bench_median "$r" "$runsc" --network=none --platform=kvm do "$PWD/$bin/true_static") |"
echo "| ours --platform=ptrace | $(bench_median "$r" "$runsc" --network=none --platform=ptrace do "$PWD/$bin/true_static") |"
if [ -x /usr/bin/runsc ]; then
  echo "| reference runsc --platform=ptrace | $(bench_median "$r" /usr/bin/runsc --rootless --network=none --platform=ptrace do "$PWD/$bin/true_static") |"
fi
