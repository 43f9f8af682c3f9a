/* forkn N: forks N children that each sleep 3 s, prints how many forks succeeded ("forked K"),
 * then reaps them. Under --pids-limit L, K stays below L. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  int ok = 0;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) {
      sleep(3);
      _exit(0);
    }
    if (p < 0) break;
    ok++;
  }
  printf("forked %d\n", ok);
  fflush(stdout);
  while (wait(NULL) > 0) {
  }
  return 0;
}
