// Benchmark program: N fork + execl(PROG) + waitpid round trips (argv[1] = N, argv[2] = PROG,
// default /bin/true); prints microseconds per round trip.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50;
  const char *prog = argc > 2 ? argv[2] : "/bin/true";
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) { execl(prog, prog, (char *)0); _exit(127); }
    int st; waitpid(p, &st, 0);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.0f us per fork+exec+wait of %s\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000, prog);
  return 0;
}
