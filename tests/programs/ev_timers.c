// POSIX timers: SIGEV_SIGNAL with a sigval, overruns while blocked, SIGEV_NONE countdown,
// SIGEV_THREAD_ID, glibc's SIGEV_THREAD (a 64-bit pointer through si_value), errors.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int got, gotCode, gotInt, gotOverrun;

static void handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got = sig;
  gotCode = si->si_code;
  gotInt = si->si_value.sival_int;
  gotOverrun = si->si_overrun;
}

static void res(const char *what, int r) {
  printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

static void msleep(int ms) {
  struct timespec d = {0, ms * 1000000L};
  while (nanosleep(&d, &d) != 0) {
  }
}

static const char *message = "pointer through sigval";
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int threadCalls;
static const char *threadSaw;

static void onThread(union sigval sv) {
  pthread_mutex_lock(&mu);
  threadSaw = sv.sival_ptr;
  threadCalls++;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa = {0};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGRTMIN + 1, &sa, NULL);

  // SIGEV_SIGNAL, one-shot, with an int sigval.
  timer_t t1;
  struct sigevent se = {0};
  se.sigev_notify = SIGEV_SIGNAL;
  se.sigev_signo = SIGUSR1;
  se.sigev_value.sival_int = 4242;
  printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &se, &t1));
  struct itimerspec its = {{0, 0}, {0, 10 * 1000000L}};
  printf("settime: %d\n", timer_settime(t1, 0, &its, NULL));
  while (!got) pause();
  printf("signal %d code %d (SI_TIMER %d) value %d\n", got, gotCode, SI_TIMER, gotInt);
  struct itimerspec cur;
  timer_gettime(t1, &cur);
  printf("after one-shot: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

  // Periodic while blocked: one signal queued, the rest counted as overruns.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  struct itimerspec per = {{0, 2 * 1000000L}, {0, 2 * 1000000L}};
  timer_settime(t1, 0, &per, NULL);
  msleep(60);
  got = 0;
  siginfo_t si;
  int s = sigwaitinfo(&set, &si);
  printf("sigwaitinfo %d code %d value %d overrun>3 %d\n", s, si.si_code, si.si_value.sival_int,
         si.si_overrun > 3);
  struct itimerspec off = {{0, 0}, {0, 0}};
  timer_settime(t1, 0, &off, &cur);
  printf("old interval %ld ns, value armed %d\n", cur.it_interval.tv_nsec, cur.it_value.tv_nsec > 0);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("delete: %d\n", timer_delete(t1));
  res("delete again", timer_delete(t1));

  // SIGEV_NONE: no signal, the countdown is visible.
  timer_t t2;
  se.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_REALTIME, &se, &t2);
  struct itimerspec longer = {{1, 0}, {5, 0}};
  timer_settime(t2, 0, &longer, NULL);
  timer_gettime(t2, &cur);
  printf("none: interval %ld value<=5s %d >4s %d\n", (long)cur.it_interval.tv_sec,
         cur.it_value.tv_sec < 5 || (cur.it_value.tv_sec == 5 && cur.it_value.tv_nsec == 0),
         cur.it_value.tv_sec >= 4);
  struct itimerspec bad = {{0, 0}, {0, 1000000000L}};
  res("bad nsec", timer_settime(t2, 0, &bad, NULL));
  // Absolute realtime deadline in the past fires at once.
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  timer_delete(t2);

  // SIGEV_THREAD_ID to this thread with a realtime signal (raw syscall, as glibc does).
  se.sigev_notify = SIGEV_THREAD_ID;
  se.sigev_signo = SIGRTMIN + 1;
  se.sigev_value.sival_int = 77;
  se._sigev_un._tid = (pid_t)syscall(SYS_gettid);
  timer_t t3;
  printf("thread_id create: %d\n", timer_create(CLOCK_REALTIME, &se, &t3));
  got = 0;
  struct itimerspec abs = {{0, 0}, {now.tv_sec - 1, 0}};
  timer_settime(t3, TIMER_ABSTIME, &abs, NULL);
  while (!got) pause();
  printf("thread_id signal rtmin+%d value %d\n", got - SIGRTMIN, gotInt);
  se._sigev_un._tid = 999999;
  timer_t t4;
  res("bad tid", timer_create(CLOCK_MONOTONIC, &se, &t4));
  res("bad clock", timer_create(12345, NULL, &t4));

  // glibc SIGEV_THREAD: callback in a helper thread gets the pointer sigval.
  se.sigev_notify = SIGEV_THREAD;
  se.sigev_notify_function = onThread;
  se.sigev_notify_attributes = NULL;
  se.sigev_value.sival_ptr = (void *)message;
  timer_t t5;
  printf("thread create: %d\n", timer_create(CLOCK_MONOTONIC, &se, &t5));
  struct itimerspec twice = {{0, 5 * 1000000L}, {0, 5 * 1000000L}};
  timer_settime(t5, 0, &twice, NULL);
  pthread_mutex_lock(&mu);
  while (threadCalls < 2) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  timer_delete(t5);
  printf("thread callback saw: %s\n", threadSaw);
  return 0;
}
