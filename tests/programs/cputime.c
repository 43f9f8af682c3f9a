// CPU time: process/thread CPU clocks, clock_getcpuclockid, getrusage, times, wait4 rusage,
// ITIMER_PROF/ITIMER_VIRTUAL signals and POSIX timers on CPU-time clocks. Time advances while
// spinning, not while sleeping. Prints booleans and counts, never durations.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static volatile sig_atomic_t prof, vtalrm, usr1, usr2;

static long long ns(clockid_t c) {
  struct timespec ts;
  if (clock_gettime(c, &ts) != 0) return -1;
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void chunk(void) {  // ~1 ms of pure computation, no syscalls
  for (int i = 0; i < 300000; i++) sink += i;
}

// Spins until `clock` advanced by `want` ns (wall-clock bound: 20 s); returns 1 if it did.
static int spin_cpu(clockid_t clock, long long want) {
  long long start = ns(clock), wall = ns(CLOCK_MONOTONIC);
  while (ns(clock) - start < want)
    for (int i = 0; i < 5; i++) chunk();
  return ns(CLOCK_MONOTONIC) - wall < 20000000000LL;
}

// Spins until *flag reaches n (wall-clock bound: 20 s); returns the count reached.
static int spin_until(volatile sig_atomic_t *flag, int n) {
  long long wall = ns(CLOCK_MONOTONIC);
  while (*flag < n && ns(CLOCK_MONOTONIC) - wall < 20000000000LL)
    for (int i = 0; i < 5; i++) chunk();
  return *flag;
}

static void on_sig(int s) {
  if (s == SIGPROF) prof++;
  if (s == SIGVTALRM) vtalrm++;
  if (s == SIGUSR1) usr1++;
  if (s == SIGUSR2) usr2++;
}

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&d, &d) != 0 && errno == EINTR) {
  }
}

static long long tv_ns(struct timeval tv) { return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL; }

static void clocks(void) {
  long long p0 = ns(CLOCK_PROCESS_CPUTIME_ID), t0 = ns(CLOCK_THREAD_CPUTIME_ID);
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  struct tms m0, m1;
  times(&m0);
  printf("spin 150 ms of process CPU: %d\n", spin_cpu(CLOCK_PROCESS_CPUTIME_ID, 150000000));
  long long p1 = ns(CLOCK_PROCESS_CPUTIME_ID), t1 = ns(CLOCK_THREAD_CPUTIME_ID);
  getrusage(RUSAGE_SELF, &r1);
  times(&m1);
  printf("thread clock advanced: %d\n", t1 - t0 >= 100000000);
  printf("getrusage utime advanced: %d\n", tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime) >= 50000000);
  printf("times utime advanced: %d\n", m1.tms_utime - m0.tms_utime >= 5);
  unsigned long ut = 0, st = 0;
  FILE *f = fopen("/proc/self/stat", "r");
  if (f != NULL) {
    // Fields 14 and 15, after the ")" that ends comm.
    char line[1024];
    char *p = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (p != NULL) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    fclose(f);
  }
  printf("/proc/self/stat utime+stime >= 10 ticks: %d\n", ut + st >= 10);
  printf("process >= thread: %d\n", p1 - p0 >= (t1 - t0) * 9 / 10);
  sleep_ms(300);
  long long p2 = ns(CLOCK_PROCESS_CPUTIME_ID), t2 = ns(CLOCK_THREAD_CPUTIME_ID);
  printf("sleep 300 ms: process clock moved < 50 ms: %d, thread: %d\n", p2 - p1 < 50000000,
         t2 - t1 < 50000000);

  clockid_t mine, tc;
  printf("clock_getcpuclockid(0): %d\n", clock_getcpuclockid(0, &mine));
  long long a = ns(mine);
  printf("  reads: %d, matches process clock: %d\n", a > 0, a <= ns(CLOCK_PROCESS_CPUTIME_ID));
  printf("pthread_getcpuclockid: %d\n", pthread_getcpuclockid(pthread_self(), &tc));
  printf("  reads: %d\n", ns(tc) > 0);
  struct timespec res;
  int rr = clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
  printf("clock_getres(PROCESS_CPUTIME): %d %ld\n", rr, res.tv_nsec);
  printf("clock_getcpuclockid(no such pid): %s\n", strerror(clock_getcpuclockid(0x3fffff, &mine)));
  long long x = ns((~0x3fffff << 3) | 2);
  printf("clock_gettime(no such pid): %lld %s\n", x, strerror(errno));
  x = ns((~0 << 3) | 3);
  printf("clock_gettime(kind 3): %lld %s\n", x, strerror(errno));
}

static void children(void) {
  pid_t c = fork();
  if (c == 0) _exit(spin_cpu(CLOCK_PROCESS_CPUTIME_ID, 100000000) ? 0 : 1);
  clockid_t cc;
  int r = clock_getcpuclockid(c, &cc);
  printf("child clock: %d, reads: %d\n", r, ns(cc) >= 0);
  int st;
  struct rusage ru;
  wait4(c, &st, 0, &ru);
  printf("child exit %d, wait4 rusage >= 50 ms: %d\n", WEXITSTATUS(st),
         tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= 50000000);
  getrusage(RUSAGE_CHILDREN, &ru);
  struct tms m;
  times(&m);
  printf("RUSAGE_CHILDREN >= 50 ms: %d, tms_cutime >= 5: %d\n",
         tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= 50000000, m.tms_cutime + m.tms_cstime >= 5);
}

static void itimers(void) {
  signal(SIGPROF, on_sig);
  signal(SIGVTALRM, on_sig);
  struct itimerval it = {{0, 10000}, {0, 10000}}, cur;
  setitimer(ITIMER_PROF, &it, NULL);
  getitimer(ITIMER_PROF, &cur);
  printf("ITIMER_PROF armed: interval %ld, value set: %d\n", cur.it_interval.tv_usec,
         cur.it_value.tv_usec > 0 || cur.it_value.tv_sec > 0);
  printf("SIGPROF while spinning: %d\n", spin_until(&prof, 5));
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  setitimer(ITIMER_VIRTUAL, &it, NULL);
  printf("SIGVTALRM while spinning: %d\n", spin_until(&vtalrm, 3));
  setitimer(ITIMER_VIRTUAL, &off, NULL);
  prof = 0;
  struct itimerval once = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_PROF, &once, NULL);
  sleep_ms(300);
  printf("SIGPROF after sleeping 300 ms with 50 ms armed: %d\n", prof);
  printf("then while spinning: %d\n", spin_until(&prof, 1));
  getitimer(ITIMER_PROF, &cur);
  printf("one-shot disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
}

static void posix_timers(void) {
  signal(SIGUSR1, on_sig);
  signal(SIGUSR2, on_sig);
  struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
  timer_t tp, tt;
  printf("timer on process CPU clock: %d\n", timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &tp));
  ev.sigev_signo = SIGUSR2;
  printf("timer on thread CPU clock: %d\n", timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &tt));
  struct itimerspec v = {{0, 0}, {0, 50000000}}, cur;
  timer_settime(tp, 0, &v, NULL);
  timer_settime(tt, 0, &v, NULL);
  sleep_ms(300);
  printf("after sleeping 300 ms: process %d, thread %d\n", usr1, usr2);
  timer_gettime(tp, &cur);
  printf("still armed: %d\n", cur.it_value.tv_nsec > 0 || cur.it_value.tv_sec > 0);
  spin_until(&usr1, 1);
  spin_until(&usr2, 1);
  printf("after spinning: process %d, thread %d\n", usr1, usr2);
  // Absolute expiry already passed: fires at once.
  v.it_value.tv_sec = 0;
  v.it_value.tv_nsec = 1;
  timer_settime(tp, TIMER_ABSTIME, &v, NULL);
  spin_until(&usr1, 2);
  printf("absolute in the past: %d\n", usr1);
  timer_delete(tp);
  timer_delete(tt);
}

// After execve: POSIX timers are gone, ITIMER_REAL survives (Linux's exit_itimers).
static int after_exec(const char *id) {
  struct itimerspec cur;
  timer_t t = (timer_t)(long)atoi(id);
  int r = timer_gettime(t, &cur);
  printf("after exec: timer_gettime: %s\n", r == 0 ? "ok" : strerror(errno));
  struct itimerval it;
  getitimer(ITIMER_REAL, &it);
  printf("after exec: ITIMER_REAL still armed: %d\n", it.it_value.tv_sec > 0);
  return 0;
}

static void exec_self(void) {
  struct sigevent ev = {.sigev_notify = SIGEV_NONE};
  timer_t t;
  timer_create(CLOCK_MONOTONIC, &ev, &t);
  struct itimerspec v = {{0, 0}, {100, 0}};
  timer_settime(t, 0, &v, NULL);
  struct itimerval it = {{0, 0}, {100, 0}};
  setitimer(ITIMER_REAL, &it, NULL);
  char id[16];
  snprintf(id, sizeof id, "%ld", (long)t);
  execl("/proc/self/exe", "cputime", "after-exec", id, (char *)NULL);
  printf("exec failed: %s\n", strerror(errno));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc == 3 && strcmp(argv[1], "after-exec") == 0) return after_exec(argv[2]);
  clocks();
  children();
  itimers();
  posix_timers();
  exec_self();
  return 1;
}
