// Memory the Sentry copies while other threads write it: the heap grown by brk while worker
// threads increment a counter in it (the Sentry moves the heap's backing when it cannot extend
// it in place). No increment may be lost.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

enum { THREADS = 3 };
static atomic_long *counter;  // in the brk heap
static atomic_int stop;
static long done[THREADS];

// Increments until told to stop; counts its own increments where the Sentry never copies.
static void *work(void *arg) {
  long n = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    atomic_fetch_add(counter, 1);
    n++;
  }
  done[(long)arg] = n;
  return NULL;
}

int main(void) {
  // A big heap, so that each copy of it takes a while.
  char *heap = sbrk(32 << 20);
  if (heap == (void *)-1) return 1;
  for (long i = 0; i < (32 << 20); i += 4096) heap[i] = 1;
  counter = (atomic_long *)heap;
  atomic_store(counter, 0);
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, (void *)i);
  // Grow the heap while they run; anonymous mappings in between take the memory after it.
  int grows = 0;
  for (int i = 0; i < 40; i++) {
    if (sbrk(64 << 10) != (void *)-1) grows++;
    void *m = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) *(volatile char *)m = 1;
  }
  atomic_store(&stop, 1);
  long want = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    want += done[i];
  }
  printf("heap grown %d times, increments lost: %ld\n", grows, want - atomic_load(counter));
  return 0;
}
