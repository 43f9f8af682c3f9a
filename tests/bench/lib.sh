# Shared helpers for the benchmark scripts: timing in ms, medians, ratio tables.
# Benchmarks print figures; they are not tests and assert nothing.

# now_ns: monotonic-ish wall clock in nanoseconds.
now_ns() { date +%s%N; }

# time_ms CMD...: wall time of one run of CMD in milliseconds (output discarded).
time_ms() {
  local s e
  s=$(now_ns)
  "$@" >/dev/null 2>&1 || true
  e=$(now_ns)
  echo "scale=2; ($e - $s) / 1000000" | bc
}

# median: median of the numbers on stdin.
median() {
  sort -g | awk '{a[NR]=$1} END { if (NR==0) {print "n/a"; exit} if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'
}

# ratio A B: B/A with two decimals, or n/a.
ratio() {
  if [ "$1" = n/a ] || [ "$2" = n/a ]; then echo n/a; else echo "scale=2; $2 / $1" | bc; fi
}

# bench_median N CMD...: median wall time (ms) of N runs of CMD.
bench_median() {
  local n=$1 i
  shift
  for i in $(seq "$n"); do time_ms "$@"; done | median
}
