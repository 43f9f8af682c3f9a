// glibc 2.34+ creates threads and posix_spawn children with clone3 (falling back to clone on
// ENOSYS): pthreads, posix_spawn with file actions, attributes and a failing exec.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int tls_value;

static void *worker(void *arg) {
  tls_value = (int)(long)arg;
  for (int i = 0; i < 1000; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return (void *)(long)(tls_value * 2 + (syscall(SYS_gettid) != getpid()));
}

static int spawn(const char *path, char *const argv[], posix_spawn_file_actions_t *fa,
                 posix_spawnattr_t *attr) {
  pid_t pid;
  int r = posix_spawn(&pid, path, fa, attr, argv, environ);
  if (r != 0) return -r;
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void) {
  pthread_t th[4];
  for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)i);
  int sum = 0;
  for (int i = 0; i < 4; i++) {
    void *rv;
    pthread_join(th[i], &rv);
    sum += (int)(long)rv;
  }
  printf("threads: counter %d, results %d, main tls %d\n", counter, sum, tls_value);

  char *sh[] = {"sh", "-c", "echo spawned $0 >&2; exit 3", "x", NULL};
  printf("spawn sh: %d\n", spawn("/bin/sh", sh, NULL, NULL));

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  char *echo[] = {"sh", "-c", "echo hidden; test -t 1 || exit 5", NULL};
  printf("spawn with file actions: %d\n", spawn("/bin/sh", echo, &fa, NULL));
  posix_spawn_file_actions_destroy(&fa);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  signal(SIGTERM, SIG_IGN);
  char *term[] = {"sh", "-c", "kill -TERM $$; exit 0", NULL};
  printf("spawn with SIGTERM default, own group: %d\n", spawn("/bin/sh", term, NULL, &attr));
  posix_spawnattr_destroy(&attr);

  char *none[] = {"nonexistent", NULL};
  int r = spawn("/nonexistent/program", none, NULL, NULL);
  printf("spawn missing: %s\n", r < 0 ? strerror(-r) : "ran");
  return 0;
}
