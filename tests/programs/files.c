// Files, metadata and directories in a fresh temporary directory: create/write/pread/pwrite/
// lseek, stat/fstat/lstat/statx fields that do not depend on the host, chmod/umask, rename,
// link counts, symlinks, truncate, utimensat, access, O_EXCL/O_DIRECTORY/O_NOFOLLOW errors,
// mkdir/rmdir/ENOTEMPTY, sorted getdents listing, openat/fstatat with a dirfd, getcwd/chdir/
// fchdir, close-on-exec across execve, fexecve (execveat AT_EMPTY_PATH) and execveat with a
// dirfd, /proc/self/exe and /proc/self/maps.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int waitcode(pid_t p) {
  int st;
  if (waitpid(p, &st, 0) != p) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    printf("opendir: %s\n", strerror(errno));
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 64) {
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("ls:");
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");
}

static const char *err(int r) { return r < 0 ? strerror(errno) : "ok"; }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) {
    // Re-exec'd: report whether fd 5 (cloexec) and fd 6 (inherited) survived.
    printf("after exec (%s): fd5=%d fd6=%d\n", argv[1], fcntl(5, F_GETFD) >= 0, fcntl(6, F_GETFD) >= 0);
    return 0;
  }
  char dir[] = "/tmp/runsc-files-XXXXXX";
  if (mkdtemp(dir) == NULL) return 1;
  if (chdir(dir) != 0) return 1;
  char cwd[256];
  printf("getcwd is the temp dir: %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, dir) == 0);
  umask(022);

  int fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0666);
  printf("write: %zd\n", write(fd, "hello world\n", 12));
  printf("pwrite: %zd\n", pwrite(fd, "HELLO", 5, 0));
  char buf[64] = {0};
  ssize_t got = pread(fd, buf, 5, 6);
  printf("pread: %zd %.*s\n", got, 5, buf);
  long end = lseek(fd, 0, SEEK_END);
  long cur = lseek(fd, -6, SEEK_CUR);
  printf("lseek end: %ld cur: %ld\n", end, cur);
  memset(buf, 0, sizeof buf);
  got = read(fd, buf, sizeof buf);
  printf("read: %zd %s", got, buf);
  struct stat st, st2;
  fstat(fd, &st);
  printf("fstat: mode=%o size=%ld nlink=%ld blocks_ok=%d\n", st.st_mode, (long)st.st_size, (long)st.st_nlink,
         st.st_blocks >= 0);
  stat("a.txt", &st2);
  printf("stat same inode: %d\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
  printf("O_EXCL: %s\n", err(open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0600)));
  printf("O_DIRECTORY on a file: %s\n", err(open("a.txt", O_RDONLY | O_DIRECTORY)));
  printf("missing: %s\n", err(open("nope", O_RDONLY)));

  chmod("a.txt", 0600);
  stat("a.txt", &st);
  printf("chmod: %o\n", st.st_mode & 07777);
  printf("access R: %d X: %d\n", access("a.txt", R_OK), access("a.txt", F_OK));
  printf("link: %s\n", err(link("a.txt", "b.txt")));
  stat("a.txt", &st);
  printf("nlink after link: %ld\n", (long)st.st_nlink);
  printf("symlink: %s\n", err(symlink("a.txt", "s.lnk")));
  memset(buf, 0, sizeof buf);
  got = readlink("s.lnk", buf, sizeof buf);
  printf("readlink: %zd %s\n", got, buf);
  lstat("s.lnk", &st);
  printf("lstat symlink: %d size=%ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
  printf("O_NOFOLLOW on symlink: %s\n", err(open("s.lnk", O_RDONLY | O_NOFOLLOW)));
  printf("rename: %s\n", err(rename("b.txt", "c.txt")));
  printf("truncate: %s\n", err(truncate("c.txt", 3)));
  stat("a.txt", &st);
  printf("size after truncate through the other link: %ld\n", (long)st.st_size);
  struct timespec ts[2] = {{1000000000, 0}, {1200000000, 500}};
  printf("utimensat: %s\n", err(utimensat(AT_FDCWD, "a.txt", ts, 0)));
  stat("a.txt", &st);
  printf("times: atime=%ld mtime=%ld.%09ld\n", (long)st.st_atime, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  close(fd);

  printf("mkdir: %s\n", err(mkdir("sub", 0755)));
  stat("sub", &st);
  printf("dir mode: %o nlink=%ld\n", st.st_mode, (long)st.st_nlink);
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  int f2 = openat(dfd, "inner", O_CREAT | O_WRONLY, 0640);
  printf("openat: %d\n", f2 >= 0);
  close(f2);
  printf("fstatat: %s\n", err(fstatat(dfd, "inner", &st, 0)));
  printf("inner mode: %o\n", st.st_mode & 0777);
  printf("rmdir non-empty: %s\n", err(rmdir("sub")));
  list(".");
  list("sub");
  printf("fchdir: %s\n", err(fchdir(dfd)));
  printf("cwd ends with /sub: %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd + strlen(cwd) - 4, "/sub") == 0);
  printf("chdir ..: %s\n", err(chdir("..")));
  printf("unlinkat: %s\n", err(unlinkat(dfd, "inner", 0)));
  printf("rmdir: %s\n", err(rmdir("sub")));
  close(dfd);
  mkdir("d2", 0700);
  printf("unlink a directory: %s\n", err(unlink("d2")));
  rmdir("d2");

  // Close-on-exec across execve.
  int self = open("/proc/self/exe", O_RDONLY);
  char exe[256] = {0};
  printf("readlink /proc/self/exe ends with files: %d\n",
         readlink("/proc/self/exe", exe, sizeof exe) > 0 && strstr(exe, "files") != NULL);
  FILE *maps = fopen("/proc/self/maps", "r");
  int stack = 0, exemap = 0;
  char line[512];
  while (maps != NULL && fgets(line, sizeof line, maps) != NULL) {
    if (strstr(line, "[stack]") != NULL) stack = 1;
    if (strstr(line, exe) != NULL && strstr(line, "r-xp") != NULL) exemap = 1;
  }
  if (maps != NULL) fclose(maps);
  printf("/proc/self/maps: stack=%d text=%d\n", stack, exemap);
  dup2(self, 5);
  fcntl(5, F_SETFD, FD_CLOEXEC);
  dup2(self, 6);
  pid_t c = fork();
  if (c == 0) {
    char *av[] = {"files", "execve", NULL};
    execv(exe, av);
    _exit(127);
  }
  printf("execve child: %d\n", waitcode(c));
  c = fork();
  if (c == 0) {
    char *av[] = {"files", "fexecve", NULL};
    char *ev[] = {NULL};
    syscall(SYS_execveat, self, "", av, ev, AT_EMPTY_PATH);
    _exit(127);
  }
  printf("fexecve child: %d\n", waitcode(c));
  char *slash = strrchr(exe, '/');
  *slash = 0;
  int bindir = open(exe, O_RDONLY | O_DIRECTORY);
  c = fork();
  if (c == 0) {
    char *av[] = {"files", "execveat", NULL};
    char *ev[] = {NULL};
    syscall(SYS_execveat, bindir, slash + 1, av, ev, 0);
    _exit(127);
  }
  printf("execveat dirfd child: %d\n", waitcode(c));
  errno = 0;
  long r = syscall(SYS_execveat, bindir, "", NULL, NULL, 0);
  printf("execveat empty path without AT_EMPTY_PATH: %ld %s\n", r, strerror(errno));

  unlink("a.txt");
  unlink("c.txt");
  unlink("s.lnk");
  chdir("/");
  printf("rmdir temp: %s\n", err(rmdir(dir)));
  return 0;
}
