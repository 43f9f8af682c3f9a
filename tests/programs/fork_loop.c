// Benchmark program: N fork + child _exit + waitpid round trips with MB megabytes of touched
// heap in the parent; prints microseconds per fork (argv[1] = N, argv[2] = MB).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  long mb = argc > 2 && atol(argv[2]) > 0 ? atol(argv[2]) : 8;
  char *heap = malloc((mb << 20) + 1);
  memset(heap, 1, (mb << 20) + 1);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    pid_t c = fork();
    if (c == 0) {
      heap[i] = 2; // the child writes one page, as a child about to exec does with its stack
      _exit(heap[(mb << 20) - 1] == 1 ? 0 : 1);
    }
    int st;
    if (waitpid(c, &st, 0) != c || st != 0) return 1;
    heap[4096L * i % ((mb << 20) + 1)] = 3; // the parent writes after the child is gone
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000);
  return 0;
}
