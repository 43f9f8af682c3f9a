// inotify on a directory made inside: create, modify, close-write, attrib, moves with a shared
// cookie, delete, delete-self and ignored, subdirectories (IN_ISDIR), a watch on a file, event
// merging, oneshot, IN_MASK_CREATE, rm_watch, FIONREAD, short reads.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static int ino;
static int wd_dir, wd_file, wd_sub;
static unsigned last_cookie;

static const char *who(int wd) {
  return wd == wd_dir ? "dir" : wd == wd_file ? "file" : wd == wd_sub ? "sub" : wd == -1 ? "-1" : "?";
}

static void mask_str(unsigned m, char *out) {
  static const struct { unsigned bit; const char *n; } names[] = {
      {IN_ACCESS, "ACCESS"},       {IN_MODIFY, "MODIFY"},         {IN_ATTRIB, "ATTRIB"},
      {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"},
      {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},   {IN_CREATE, "CREATE"},
      {IN_DELETE, "DELETE"},       {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
      {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"},     {IN_ISDIR, "ISDIR"}};
  out[0] = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (m & names[i].bit) {
      if (out[0]) strcat(out, "|");
      strcat(out, names[i].n);
    }
}

// Prints every queued event (non-blocking), then "--".
static void drain(const char *step) {
  char buf[4096] __attribute__((aligned(8)));
  printf("%s:\n", step);
  for (;;) {
    ssize_t n = read(ino, buf, sizeof buf);
    if (n <= 0) break;
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *)p;
      char m[256];
      mask_str(e->mask, m);
      const char *c = "";
      if (e->mask & IN_MOVED_FROM) last_cookie = e->cookie;
      if (e->mask & IN_MOVED_TO) c = e->cookie == last_cookie && e->cookie != 0 ? " (same cookie)" : " (other cookie)";
      printf("  %s %s %s%s\n", who(e->wd), m, e->len ? e->name : "-", c);
      p += sizeof *e + e->len;
    }
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char dir[] = "/tmp/inotify-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  if (chdir(dir) != 0) return 1;
  ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wd_dir = inotify_add_watch(ino, ".", IN_ALL_EVENTS & ~(IN_ACCESS | IN_OPEN | IN_CLOSE_NOWRITE));
  printf("watch dir: %d\n", wd_dir > 0);
  drain("nothing yet");

  int fd = open("a", O_CREAT | O_WRONLY, 0644);
  (void)!write(fd, "x", 1);
  (void)!write(fd, "y", 1);  // merged with the previous IN_MODIFY
  drain("create + two writes");
  close(fd);
  drain("close");

  wd_file = inotify_add_watch(ino, "a", IN_ALL_EVENTS);
  int again = inotify_add_watch(ino, "a", IN_MODIFY | IN_MASK_CREATE);
  printf("watch file: %d, IN_MASK_CREATE again: %d %s\n", wd_file > 0, again, strerror(errno));
  chmod("a", 0600);
  drain("chmod");
  fd = open("a", O_RDONLY);
  char c;
  (void)!read(fd, &c, 1);
  close(fd);
  drain("open, read, close (file watch sees all, dir does not)");
  truncate("a", 0);
  drain("truncate");
  int in = open("/proc/self/exe", O_RDONLY);
  fd = open("a", O_WRONLY);
  off_t off = 0;
  printf("sendfile: %zd\n", sendfile(fd, in, &off, 10));
  close(fd);
  close(in);
  drain("sendfile into it");

  rename("a", "b");
  drain("rename a -> b");
  mkdir("sub", 0755);
  wd_sub = inotify_add_watch(ino, "sub", IN_ALL_EVENTS);
  rename("b", "sub/c");
  drain("mkdir sub, rename b -> sub/c");
  link("sub/c", "d");
  drain("link sub/c d");
  unlink("d");
  unlink("sub/c");
  drain("unlink both names");
  symlink("target", "sym");
  mknod("fifo", S_IFIFO | 0644, 0);
  unlink("sym");
  unlink("fifo");
  drain("symlink, fifo, unlinked");
  rmdir("sub");
  drain("rmdir sub");

  int one = inotify_add_watch(ino, ".", IN_CREATE | IN_ONESHOT);
  printf("oneshot replaces the dir watch: %d\n", one == wd_dir);
  close(open("e", O_CREAT | O_WRONLY, 0644));
  close(open("f", O_CREAT | O_WRONLY, 0644));
  drain("oneshot: only the first create");

  wd_dir = inotify_add_watch(ino, ".", IN_DELETE | IN_DELETE_SELF);
  int avail = -1;
  unlink("e");
  ioctl(ino, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  char small[20];
  ssize_t n = read(ino, small, sizeof small);
  printf("read into 20 bytes: %zd %s\n", n, n < 0 ? strerror(errno) : "");
  drain("unlink e");
  int rm1 = inotify_rm_watch(ino, wd_dir);
  int rm2 = inotify_rm_watch(ino, wd_dir);
  printf("rm_watch: %d, again: %d %s\n", rm1, rm2, strerror(errno));
  drain("after rm_watch");
  unlink("f");
  drain("unwatched unlink");

  wd_dir = inotify_add_watch(ino, dir, IN_DELETE_SELF);
  if (chdir("/") != 0) return 1;
  rmdir(dir);
  struct pollfd p = {ino, POLLIN, 0};
  printf("poll: %d\n", poll(&p, 1, 0));
  drain("rmdir the watched dir");
  return 0;
}
