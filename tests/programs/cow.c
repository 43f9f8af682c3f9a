// Copy-on-write fork: private memory (globals, heap, stack, private anonymous mmap, private
// mapping of the executable) is copied per side on write; MAP_SHARED memory stays shared;
// kernel writes into COW pages (getrandom, clock_gettime); mprotect and
// MADV_DONTNEED after fork; nested forks; a thread blocked on a futex across a COW break.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int global = 1;
static char big[1 << 20];

static int waitcode(pid_t p) {
  int st;
  if (waitpid(p, &st, 0) != p) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static volatile int flag;
static void *waiter(void *arg) {
  (void)arg;
  while (__atomic_load_n(&flag, __ATOMIC_SEQ_CST) == 0) usleep(1000);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  size_t hn = 3 << 20;
  char *heap = malloc(hn);
  memset(heap, 'h', hn);
  memset(big, 'b', sizeof big);
  char *anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(anon, 'a', 1 << 20);
  int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *shared = 5;
  char stackbuf[8192];
  memset(stackbuf, 's', sizeof stackbuf);

  pid_t p = fork();
  if (p == 0) {
    global = 2;
    heap[0] = 'H';
    heap[hn - 1] = 'H';
    big[4096] = 'B';
    anon[12345] = 'A';
    stackbuf[100] = 'S';
    *shared = 6;
    int ok = global == 2 && heap[1] == 'h' && heap[0] == 'H' && big[4096] == 'B' && big[0] == 'b' &&
             anon[12345] == 'A' && stackbuf[100] == 'S' && stackbuf[0] == 's';
    _exit(ok ? 10 : 11);
  }
  printf("child wrote its copies: %d\n", waitcode(p));
  printf("parent unchanged: global=%d heap=%c%c big=%c anon=%c stack=%c shared=%d\n", global, heap[0],
         heap[hn - 1], big[4096], anon[12345], stackbuf[100], *shared);

  // Parent writes while the child lives; the child must still see the old values.
  p = fork();
  if (p == 0) {
    while (__atomic_load_n(shared, __ATOMIC_SEQ_CST) != 7) usleep(1000);
    _exit(global == 1 && heap[7] == 'h' && anon[7] == 'a' && big[7] == 'b' ? 21 : 22);
  }
  global = 3;
  heap[7] = 'X';
  anon[7] = 'X';
  big[7] = 'X';
  __atomic_store_n(shared, 7, __ATOMIC_SEQ_CST);
  printf("child kept the old values: %d\n", waitcode(p));
  printf("parent sees its writes: global=%d heap=%c anon=%c big=%c\n", global, heap[7], anon[7], big[7]);

  // The kernel writing into COW pages (copy-out) must copy them too.
  unsigned char rnd[64];
  memset(rnd, 0, sizeof rnd);
  p = fork();
  if (p == 0) {
    struct timespec ts = {0, 0};
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) _exit(31);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int nz = 0;
    for (size_t i = 0; i < sizeof rnd; i++) nz += rnd[i] != 0;
    _exit(nz > 32 && ts.tv_sec + ts.tv_nsec > 0 ? 30 : 32);
  }
  printf("kernel copy-out in the child: %d\n", waitcode(p));
  int zero = 1;
  for (size_t i = 0; i < sizeof rnd; i++) zero &= rnd[i] == 0;
  printf("parent buffer untouched: %d\n", zero);

  // mprotect and madvise(MADV_DONTNEED) on COW memory.
  p = fork();
  if (p == 0) {
    if (mprotect(anon, 1 << 20, PROT_READ) != 0) _exit(41);
    if (anon[100] != 'a') _exit(42);
    if (mprotect(anon, 1 << 20, PROT_READ | PROT_WRITE) != 0) _exit(43);
    anon[100] = 'm';
    if (madvise(anon, 8192, MADV_DONTNEED) != 0) _exit(44);
    _exit(anon[100] == 0 && anon[8192] == 'a' ? 40 : 45);
  }
  printf("mprotect/madvise in the child: %d\n", waitcode(p));
  printf("parent anon intact: %c%c\n", anon[100], anon[8192]);

  // Nested forks: a grandchild of a COW child, while the child lives.
  p = fork();
  if (p == 0) {
    heap[9] = 'c';
    pid_t g = fork();
    if (g == 0) {
      heap[10] = 'g';
      _exit(heap[9] == 'c' && heap[10] == 'g' && heap[11] == 'h' ? 50 : 51);
    }
    int r = waitcode(g);
    _exit(r == 50 && heap[10] == 'h' ? 52 : 53);
  }
  printf("nested forks: %d\n", waitcode(p));

  // Many short children, the parent writing in between (adoption after the child exits).
  int bad = 0;
  for (int i = 0; i < 20; i++) {
    p = fork();
    if (p == 0) _exit(heap[i * 4096] == 'h' || heap[i * 4096] == 'H' || heap[i * 4096] == 'X' ? 0 : 1);
    bad += waitcode(p);
    heap[i * 4096 + 1] = 'p';
  }
  printf("twenty forks, failures: %d\n", bad);

  // A thread polling memory while the main thread forks and writes.
  pthread_t th;
  pthread_create(&th, NULL, waiter, NULL);
  p = fork();
  if (p == 0) _exit(flag == 0 ? 60 : 61);
  __atomic_store_n(&flag, 1, __ATOMIC_SEQ_CST);
  pthread_join(th, NULL);
  printf("thread + fork: %d\n", waitcode(p));
  return 0;
}
