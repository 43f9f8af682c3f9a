// Processes, signals and threads: fork/wait, exit status and signal deaths, execve of itself,
// handlers with SA_SIGINFO, sigprocmask, pthreads with futexes, nanosleep.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int got;
static void handler(int sig, siginfo_t *si, void *uc) { (void)uc; got = sig * 100 + (si->si_code == SI_USER ? 1 : 2); }

static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *arg) {
  for (int i = 0; i < 1000; i++) { pthread_mutex_lock(&mu); counter++; pthread_mutex_unlock(&mu); }
  return arg;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "child") == 0) { printf("exec'd child ok\n"); return 7; }
  pid_t p = fork();
  if (p == 0) _exit(42);
  int st;
  waitpid(p, &st, 0);
  printf("fork: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
  p = fork();
  if (p == 0) { raise(SIGTERM); _exit(1); }
  waitpid(p, &st, 0);
  printf("signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  p = fork();
  if (p == 0) { char *a[] = {argv[0], "child", NULL}; execv(argv[0], a); _exit(99); }
  waitpid(p, &st, 0);
  printf("exec: code=%d\n", WEXITSTATUS(st));
  struct sigaction sa; memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  kill(getpid(), SIGUSR1);
  printf("handler: got=%d\n", got);
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  got = 0;
  kill(getpid(), SIGUSR1);
  printf("blocked: got=%d\n", got);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("unblocked: got=%d\n", got);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, NULL);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  printf("threads: counter=%d\n", counter);
  struct timespec ts = {0, 20 * 1000 * 1000};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  nanosleep(&ts, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("slept>=20ms: %d\n", ms >= 20);
  return 0;
}
