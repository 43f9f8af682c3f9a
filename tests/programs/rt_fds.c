// Differential: the fd kinds and resource calls runtimes use (timerfd, memfd, inotify,
// splice/tee/copy_file_range, sysinfo/getrusage/times, sched_*, ioprio, FIOASYNC).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define R(x) do { long _r = (long)(x); printf("%-44s = %ld%s%s\n", #x, _r < 0 ? -1L : _r, \
  _r < 0 ? " " : "", _r < 0 ? strerrorname_np(errno) : ""); } while (0)

static void timerfds(void) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  printf("timerfd ok %d\n", fd >= 0);
  uint64_t n = 0;
  R(read(fd, &n, 8));
  struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}}, cur;
  R(timerfd_settime(fd, 0, &its, NULL));
  R(timerfd_gettime(fd, &cur));
  printf("armed %d\n", cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
  R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  R(epoll_wait(ep, &out, 1, 2000));
  printf("data %u\n", out.data.u32);
  R(read(fd, &n, 8));
  printf("ticks %llu\n", (unsigned long long)n);
  R(timerfd_gettime(fd, &cur));
  printf("disarmed %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  struct itimerspec per = {{0, 10 * 1000 * 1000}, {0, 10 * 1000 * 1000}};
  R(timerfd_settime(fd, 0, &per, NULL));
  usleep(55 * 1000);
  R(read(fd, &n, 8));
  printf("periodic ticks >= 4: %d\n", n >= 4);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct itimerspec abs = {{0, 0}, {now.tv_sec - 1, now.tv_nsec}}, off = {{0, 0}, {0, 0}};
  R(timerfd_settime(fd, 0, &off, NULL));
  R(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL));
  R(epoll_wait(ep, &out, 1, 2000));
  R(read(fd, &n, 8));
  printf("past ticks %llu\n", (unsigned long long)n);
  struct itimerspec bad = {{0, 0}, {0, 1000000000}};
  R(timerfd_settime(fd, 0, &bad, NULL));
  R(timerfd_settime(fd, 8, &its, NULL));
  R(timerfd_create(CLOCK_MONOTONIC, 0x40));
  R(timerfd_create(12345, 0));
  R(timerfd_settime(0, 0, &its, NULL));
  /* blocking read */
  int b = timerfd_create(CLOCK_REALTIME, 0);
  its.it_value.tv_nsec = 5 * 1000 * 1000;
  timerfd_settime(b, 0, &its, NULL);
  R(read(b, &n, 8));
  printf("blocking ticks %llu\n", (unsigned long long)n);
  close(b);
  close(fd);
  close(ep);
}

static void memfds(void) {
  int fd = memfd_create("rt test", MFD_CLOEXEC);
  printf("memfd ok %d\n", fd >= 0);
  R(write(fd, "hello memfd", 11));
  struct stat st;
  R(fstat(fd, &st));
  printf("size %ld reg %d\n", (long)st.st_size, S_ISREG(st.st_mode));
  char buf[64] = {0}, link[64];
  R(pread(fd, buf, sizeof buf, 6));
  printf("read %s\n", buf);
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t l = readlink(link, buf, sizeof buf - 1);
  buf[l < 0 ? 0 : l] = 0;
  printf("link %s\n", buf);
  R(ftruncate(fd, 4));
  char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("map %.4s\n", p == MAP_FAILED ? "fail" : p);
  R(fcntl(fd, F_GETFD));
  R(memfd_create("x", 0x100));
  close(fd);
}

static void inotifys(void) {
  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  printf("inotify ok %d\n", in >= 0);
  int w1 = inotify_add_watch(in, "/tmp", IN_CREATE | IN_DELETE);
  int w2 = inotify_add_watch(in, "/tmp", IN_MODIFY | IN_MASK_ADD);
  int w3 = inotify_add_watch(in, "/", IN_MODIFY);
  printf("wds %d %d %d\n", w1, w2 == w1, w3 == w1 + 1);
  R(inotify_add_watch(in, "/nonexistent", IN_MODIFY));
  R(inotify_add_watch(in, "/tmp", 0));
  R(inotify_add_watch(in, "/etc/hostname", IN_MODIFY | IN_ONLYDIR));
  R(inotify_add_watch(1, "/tmp", IN_MODIFY));
  char buf[256];
  R(read(in, buf, sizeof buf));
  R(inotify_rm_watch(in, w1));
  R(inotify_rm_watch(in, w1));
  R(inotify_init1(0x1));
  close(in);
}

static void splices(void) {
  char path[] = "/tmp/rt_fds_XXXXXX";
  int f = mkstemp(path);
  unlink(path);
  R(write(f, "0123456789abcdef", 16));
  int p[2], q[2];
  pipe(p);
  pipe(q);
  loff_t off = 4;
  R(splice(f, &off, p[1], NULL, 6, 0));
  printf("off %lld\n", (long long)off);
  R(tee(p[0], q[1], 100, 0));
  char buf[64] = {0};
  R(read(q[0], buf, sizeof buf));
  printf("tee %s\n", buf);
  char path2[] = "/tmp/rt_fds2_XXXXXX";
  int g = mkstemp(path2);
  unlink(path2);
  R(splice(p[0], NULL, g, NULL, 100, 0));
  memset(buf, 0, sizeof buf);
  R(pread(g, buf, sizeof buf, 0));
  printf("spliced %s\n", buf);
  R(splice(p[0], NULL, g, NULL, 100, SPLICE_F_NONBLOCK));
  R(splice(f, NULL, g, NULL, 10, 0));
  R(splice(p[0], &off, g, NULL, 10, 0));
  lseek(f, 0, SEEK_SET);
  loff_t oi = 10, oo = 0;
  R(copy_file_range(f, &oi, g, &oo, 100, 0));
  printf("offs %lld %lld\n", (long long)oi, (long long)oo);
  R(copy_file_range(f, NULL, g, NULL, 3, 0));
  memset(buf, 0, sizeof buf);
  R(pread(g, buf, sizeof buf, 0));
  printf("copied %s\n", buf);
  R(copy_file_range(f, NULL, p[1], NULL, 3, 0));
  R(copy_file_range(f, NULL, g, NULL, 3, 1));
  R(copy_file_range(f, &oi, f, &oi, 3, 0));
  close(p[1]);
  R(splice(p[0], NULL, g, NULL, 10, 0));
  close(f);
  close(g);
}

static void resources(void) {
  struct sysinfo si;
  R(sysinfo(&si));
  printf("sysinfo ram>0 %d unit %u procs>0 %d\n", si.totalram > 0, si.mem_unit, si.procs > 0);
  struct rusage ru;
  R(getrusage(RUSAGE_SELF, &ru));
  R(getrusage(RUSAGE_CHILDREN, &ru));
  R(getrusage(5, &ru));
  struct tms tm;
  printf("times ok %d\n", times(&tm) != (clock_t)-1);
  R(sched_getscheduler(0));
  R(sched_get_priority_max(SCHED_FIFO));
  R(sched_get_priority_min(SCHED_RR));
  R(sched_get_priority_max(SCHED_OTHER));
  R(sched_get_priority_max(42));
  struct sched_param sp = {0};
  R(sched_getparam(0, &sp));
  R(sched_setscheduler(0, SCHED_BATCH, &sp));
  R(sched_getscheduler(0));
  R(sched_setscheduler(0, SCHED_OTHER, &sp));
  sp.sched_priority = 5;
  R(sched_setscheduler(0, SCHED_OTHER, &sp));
  R(sched_getscheduler(99999));
  R(syscall(SYS_ioprio_get, 1, 0));
  R(syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 3));
  R(syscall(SYS_ioprio_get, 1, 0));
  R(syscall(SYS_ioprio_get, 9, 0));
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int on = 1;
  R(ioctl(sv[0], FIOASYNC, &on));
  R(fcntl(sv[0], F_GETFL) & O_ASYNC);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  timerfds();
  memfds();
  inotifys();
  splices();
  resources();
  return 0;
}
