/* sigwait: prints "ready", then for every SIGUSR1 prints "got USR1"; SIGTERM prints "got TERM"
 * and exits 0. Exercises `docker kill -s USR1` and `docker stop` against a PID 1 with handlers. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, term;
static void on_usr1(int s) { (void)s; usr1++; }
static void on_term(int s) { (void)s; term = 1; }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  int seen = 0;
  while (!term) {
    pause();
    while (seen < usr1) {
      seen++;
      printf("got USR1\n");
    }
  }
  printf("got TERM\n");
  return 0;
}
