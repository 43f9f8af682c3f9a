// Benchmark program (tests/bench/clock.sh): N clock_gettime(CLOCK_MONOTONIC) calls through libc
// (the vDSO when there is one), prints ns per call measured with the same clock.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100000;
  struct timespec a, b, c;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) clock_gettime(CLOCK_MONOTONIC, &b);
  clock_gettime(CLOCK_MONOTONIC, &c);
  printf("%.0f\n", ((c.tv_sec - a.tv_sec) * 1e9 + (c.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
