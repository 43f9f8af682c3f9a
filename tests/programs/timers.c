// Timers and synchronous signals: setitimer/getitimer (periodic SIGALRM), alarm's return value,
// nanosleep interrupted by a handler (EINTR + remaining time), rt_sigtimedwait (taking a
// blocked signal with its siginfo, timing out, being interrupted), robust mutexes whose owner
// thread died (EOWNERDEAD).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }
static volatile int usr2;
static void on_usr2(int s) { (void)s; usr2++; }

static pthread_mutex_t robust;
static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&robust);
  return NULL; // exits owning the mutex
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);

  // Periodic ITIMER_REAL: 3 ticks of 20 ms.
  struct itimerval it = {{0, 20000}, {0, 20000}}, cur;
  setitimer(ITIMER_REAL, &it, NULL);
  while (alarms < 3) pause();
  getitimer(ITIMER_REAL, &cur);
  printf("itimer: alarms=%d interval=%ldus armed=%d\n", alarms, (long)cur.it_interval.tv_usec,
         cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 20000);
  struct itimerval zero = {{0, 0}, {0, 0}}, old;
  setitimer(ITIMER_REAL, &zero, &old);
  getitimer(ITIMER_REAL, &cur);
  printf("disarmed: old interval=%ldus now=%ld.%06ld\n", (long)old.it_interval.tv_usec,
         (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
  printf("itimer EINVAL: %d\n", setitimer(7, &it, NULL) == -1 && errno == EINVAL);

  // alarm: returns the seconds left on the previous one.
  printf("alarm: first=%u second=%u cancel=%u\n", alarm(10), alarm(5), alarm(0));

  // nanosleep cut short by a handler: EINTR and the time left.
  alarms = 0;
  struct itimerval once = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &once, NULL);
  struct timespec req = {2, 0}, rem = {0, 0};
  int r = nanosleep(&req, &rem);
  printf("nanosleep: r=%d eintr=%d rem_ok=%d alarms=%d\n", r, errno == EINTR,
         rem.tv_sec == 1 && rem.tv_nsec > 0, alarms);

  // rt_sigtimedwait on a blocked signal sent to ourselves.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(getpid(), SIGUSR1);
  siginfo_t si;
  struct timespec tmo = {1, 0};
  int s = sigtimedwait(&set, &si, &tmo);
  printf("sigtimedwait: sig=%d code_user=%d pid_ok=%d\n", s, si.si_code == SI_USER, si.si_pid == getpid());
  struct timespec short_tmo = {0, 30000000};
  s = sigtimedwait(&set, &si, &short_tmo);
  printf("sigtimedwait timeout: r=%d eagain=%d\n", s, errno == EAGAIN);
  struct timespec poll0 = {0, 0};
  s = sigtimedwait(&set, &si, &poll0);
  printf("sigtimedwait poll: r=%d eagain=%d\n", s, errno == EAGAIN);

  // Interrupted by another (handled) signal.
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  setitimer(ITIMER_REAL, &once, NULL);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  s = sigtimedwait(&set, &si, &tmo);
  printf("sigtimedwait interrupted: r=%d eintr=%d\n", s, errno == EINTR);

  // A signal arriving while waiting (from a thread-less timer: SIGALRM in the set).
  sigset_t aset;
  sigemptyset(&aset);
  sigaddset(&aset, SIGALRM);
  sigprocmask(SIG_BLOCK, &aset, NULL);
  setitimer(ITIMER_REAL, &once, NULL);
  s = sigwaitinfo(&aset, &si);
  printf("sigwaitinfo: sig=%d code_kernel=%d\n", s, si.si_code == SI_KERNEL);

  // Robust mutex whose owner died.
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust, &ma);
  pthread_t th;
  pthread_create(&th, NULL, die_holding, NULL);
  pthread_join(th, NULL);
  r = pthread_mutex_lock(&robust);
  printf("robust: eownerdead=%d\n", r == EOWNERDEAD);
  pthread_mutex_consistent(&robust);
  pthread_mutex_unlock(&robust);
  printf("robust relock: %d\n", pthread_mutex_lock(&robust));
  return 0;
}
