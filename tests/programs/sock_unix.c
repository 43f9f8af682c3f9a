// AF_UNIX sockets: socketpair (stream, dgram, seqpacket) with SCM_RIGHTS and SCM_CREDENTIALS,
// a path-bound stream server and client across fork with SO_PEERCRED, abstract names,
// datagram sendto/recvfrom with names, seqpacket boundaries and MSG_TRUNC, shutdown, EOF,
// EPIPE, MSG_PEEK/MSG_DONTWAIT, poll readiness, getsockname/getpeername, errno cases.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) { printf("FAIL line %d: %s (errno %s)\n", __LINE__, #x, strerrorname_np(errno)); exit(1); } } while (0)

static const char *en(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int waitcode(pid_t p) {
  int st;
  if (waitpid(p, &st, 0) != p) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static socklen_t mkaddr(struct sockaddr_un *a, const char *path, int abstract) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (abstract) {
    memcpy(a->sun_path + 1, path, strlen(path));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
  }
  strcpy(a->sun_path, path);
  return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void rights(void) {
  int sv[2], p[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(pipe(p) == 0);
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[1], sizeof(int));
  printf("sendmsg rights: %zd\n", sendmsg(sv[0], &m, 0));
  close(p[1]);
  char got = 0;
  struct iovec riov = {&got, 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ru;
  struct msghdr rm = {0};
  rm.msg_iov = &riov;
  rm.msg_iovlen = 1;
  rm.msg_control = ru.buf;
  rm.msg_controllen = sizeof ru.buf;
  ssize_t n = recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC);
  struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
  printf("recvmsg: %zd '%c' cmsg=%d level=%d type=%d len=%zu flags=%d\n", n, got, rc != NULL, rc ? rc->cmsg_level : -1,
         rc ? rc->cmsg_type : -1, rc ? (size_t)rc->cmsg_len : 0, rm.msg_flags);
  int fd;
  memcpy(&fd, CMSG_DATA(rc), sizeof fd);
  printf("received fd cloexec: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(write(fd, "via passed fd", 13) == 13);
  close(fd);
  char buf[64] = {0};
  printf("pipe read: %zd '%s'\n", read(p[0], buf, sizeof buf), buf);
  printf("pipe EOF after close: %zd\n", read(p[0], buf, sizeof buf));
  close(p[0]);

  // Credentials: SO_PASSCRED on the receiver, explicit SCM_CREDENTIALS from the sender.
  int on = 1;
  CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0);
  CHECK(write(sv[0], "c", 1) == 1);
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } cu;
  rm.msg_control = cu.buf;
  rm.msg_controllen = sizeof cu.buf;
  n = recvmsg(sv[1], &rm, 0);
  rc = CMSG_FIRSTHDR(&rm);
  struct ucred uc;
  memcpy(&uc, CMSG_DATA(rc), sizeof uc);
  printf("creds: n=%zd type=%d pid_ok=%d uid=%d gid=%d\n", n, rc->cmsg_type, uc.pid == getpid(), uc.uid, uc.gid);
  struct ucred pc;
  socklen_t pl = sizeof pc;
  CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &pl) == 0);
  printf("peercred: len=%u pid_ok=%d uid=%d\n", pl, pc.pid == getpid(), pc.uid);
  close(sv[0]);
  close(sv[1]);
}

static void pairs(void) {
  int sv[2];
  char buf[64];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  printf("empty nonblock read: %s\n", en(read(sv[0], buf, sizeof buf)));
  CHECK(write(sv[0], "hello", 5) == 5);
  CHECK(write(sv[0], "world", 5) == 5);
  printf("peek: %zd\n", recv(sv[1], buf, 3, MSG_PEEK));
  ssize_t n = read(sv[1], buf, sizeof buf);
  printf("stream merges: %zd '%.*s'\n", n, (int)n, buf);
  struct pollfd pf = {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
  int pr = poll(&pf, 1, 0);
  printf("poll idle: %d revents=%#x\n", pr, pf.revents);
  CHECK(shutdown(sv[0], SHUT_WR) == 0);
  pf.revents = 0;
  pr = poll(&pf, 1, 0);
  printf("poll after peer SHUT_WR: %d revents=%#x\n", pr, pf.revents);
  printf("read EOF: %zd\n", read(sv[1], buf, sizeof buf));
  printf("write after SHUT_WR: %s\n", en(send(sv[0], "x", 1, MSG_NOSIGNAL)));
  close(sv[0]);
  pf.revents = 0;
  pr = poll(&pf, 1, 0);
  printf("poll after peer close: %d revents=%#x\n", pr, pf.revents);
  signal(SIGPIPE, SIG_IGN);
  printf("write to closed peer: %s\n", en(write(sv[1], "x", 1)));
  close(sv[1]);

  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
  CHECK(write(sv[0], "first-message", 13) == 13);
  CHECK(write(sv[0], "second", 6) == 6);
  struct iovec iov = {buf, 5};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  n = recvmsg(sv[1], &m, 0);
  printf("seqpacket truncated: %zd flags_trunc=%d\n", n, (m.msg_flags & MSG_TRUNC) != 0);
  n = recv(sv[1], buf, sizeof buf, 0);
  printf("seqpacket next: %zd '%.*s'\n", n, (int)n, buf);
  close(sv[0]);
  printf("seqpacket EOF: %zd\n", recv(sv[1], buf, sizeof buf, 0));
  close(sv[1]);

  CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  CHECK(send(sv[0], "d1", 2, 0) == 2);
  CHECK(send(sv[0], "dgram2", 6, 0) == 6);
  printf("dgram: %zd %zd\n", recv(sv[1], buf, sizeof buf, 0), recv(sv[1], buf, 3, MSG_TRUNC));
  printf("dgram empty: %s\n", en(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
  int type = 0;
  socklen_t tl = sizeof type;
  getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
  printf("SO_TYPE dgram: %d\n", type);
  close(sv[0]);
  close(sv[1]);
}

static void server(const char *name, int abstract) {
  struct sockaddr_un a, got;
  socklen_t al = mkaddr(&a, name, abstract);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(ls >= 0);
  if (!abstract) unlink(name);
  CHECK(bind(ls, (struct sockaddr *)&a, al) == 0);
  printf("bind again: %s\n", en(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, al)));
  struct sockaddr_un tmp;
  int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
  printf("connect before listen: %s\n", en(connect(c0, (struct sockaddr *)&a, al)));
  close(c0);
  CHECK(listen(ls, 8) == 0);
  socklen_t gl = sizeof got;
  CHECK(getsockname(ls, (struct sockaddr *)&got, &gl) == 0);
  printf("getsockname len=%u same=%d\n", gl, gl == al && memcmp(&got, &a, al) == 0);
  if (!abstract) {
    struct stat st;
    CHECK(stat(name, &st) == 0);
    printf("socket file: sock=%d\n", S_ISSOCK(st.st_mode));
  }
  pid_t c = fork();
  if (c == 0) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(s, (struct sockaddr *)&a, al) == 0);
    socklen_t pl = sizeof tmp;
    CHECK(getpeername(s, (struct sockaddr *)&tmp, &pl) == 0);
    char msg[32];
    snprintf(msg, sizeof msg, "ping from child");
    CHECK(write(s, msg, strlen(msg)) == (ssize_t)strlen(msg));
    char buf[64];
    ssize_t n = read(s, buf, sizeof buf);
    printf("child got: '%.*s' peername same=%d\n", (int)n, buf, pl == al && memcmp(&tmp, &a, al) == 0);
    _exit(0);
  }
  struct sockaddr_un peer;
  socklen_t pl = sizeof peer;
  int s = accept4(ls, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
  CHECK(s >= 0);
  printf("accept peer len=%u\n", pl);
  struct ucred uc;
  socklen_t ul = sizeof uc;
  CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0);
  printf("peercred is child: %d\n", uc.pid == c);
  char buf[64];
  ssize_t n = read(s, buf, sizeof buf);
  printf("server got: '%.*s'\n", (int)n, buf);
  CHECK(write(s, "pong", 4) == 4);
  printf("child exit: %d\n", waitcode(c));
  printf("read after child exit: %zd\n", read(s, buf, sizeof buf));
  close(s);
  close(ls);
  if (!abstract) {
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect after close: %s\n", en(connect(c2, (struct sockaddr *)&a, al)));
    close(c2);
    unlink(name);
  }
}

static void dgram_named(void) {
  struct sockaddr_un a, b, from;
  socklen_t al = mkaddr(&a, "/tmp/sock_unix_dg_a", 0), bl = mkaddr(&b, "/tmp/sock_unix_dg_b", 0);
  unlink(a.sun_path);
  unlink(b.sun_path);
  int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(bind(sa, (struct sockaddr *)&a, al) == 0);
  CHECK(bind(sb, (struct sockaddr *)&b, bl) == 0);
  CHECK(sendto(sa, "to-b", 4, 0, (struct sockaddr *)&b, bl) == 4);
  char buf[32];
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("dgram named: %zd '%.*s' from=%s\n", n, (int)n, buf, from.sun_path);
  int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK(sendto(anon, "anon", 4, 0, (struct sockaddr *)&b, bl) == 4);
  fl = sizeof from;
  n = recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("dgram from unnamed: %zd fromlen=%u\n", n, fl);
  fl = mkaddr(&from, "/tmp/sock_unix_nope", 0);
  printf("sendto missing: %s\n", en(sendto(anon, "x", 1, 0, (struct sockaddr *)&from, fl)));
  printf("send unconnected: %s\n", en(send(anon, "x", 1, 0)));
  CHECK(connect(anon, (struct sockaddr *)&b, bl) == 0);
  CHECK(send(anon, "conn", 4, 0) == 4);
  printf("after connect: %zd\n", recv(sb, buf, sizeof buf, 0));
  close(sa);
  close(sb);
  close(anon);
  unlink(a.sun_path);
  unlink(b.sun_path);
}

static void errors(void) {
  printf("socket(46): %s\n", en(socket(46, SOCK_STREAM, 0)));
  printf("socket(AF_UNIX, 9): %s\n", en(socket(AF_UNIX, 9, 0)));
  printf("socket(AF_UNIX, STREAM, 5): %s\n", en(socket(AF_UNIX, SOCK_STREAM, 5)));
  printf("socketpair(AF_INET): %s\n", en(socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0})));
  printf("listen on pipe: %s\n", en(listen(0, 1)));
  printf("listen on bad fd: %s\n", en(listen(99, 1)));
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  printf("listen unbound: %s\n", en(listen(s, 1)));
  printf("send unconnected stream: %s\n", en(send(s, "x", 1, MSG_NOSIGNAL)));
  printf("getpeername unconnected: %s\n", en(getpeername(s, &(struct sockaddr){0}, &(socklen_t){16})));
  struct sockaddr_un a;
  printf("connect missing path: %s\n", en(connect(s, (struct sockaddr *)&a, mkaddr(&a, "/tmp/sock_unix_missing", 0))));
  printf("connect missing abstract: %s\n", en(connect(s, (struct sockaddr *)&a, mkaddr(&a, "sock_unix_missing", 1))));
  struct sockaddr_un got;
  socklen_t gl = sizeof got;
  getsockname(s, (struct sockaddr *)&got, &gl);
  printf("unbound getsockname len=%u\n", gl);
  CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0);
  gl = sizeof got;
  getsockname(s, (struct sockaddr *)&got, &gl);
  printf("autobind len=%u abstract=%d\n", gl, got.sun_path[0] == 0);
  printf("lseek on socket: %s\n", en(lseek(s, 0, SEEK_SET)));
  close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  rights();
  pairs();
  server("/tmp/sock_unix_test.sock", 0);
  server("sock_unix_abstract", 1);
  dgram_named();
  errors();
  printf("done\n");
  return 0;
}
