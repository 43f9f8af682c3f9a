// Loopback TCP and UDP over AF_INET and AF_INET6, and getifaddrs over NETLINK_ROUTE: an echo
// server and client across fork with poll, non-blocking connect (EINPROGRESS, SO_ERROR),
// refused connections, shutdown, SO_REUSEADDR, socket options, dual-stack v6 listeners,
// UDP sendto/recvfrom, connected UDP, MSG_PEEK/MSG_TRUNC, sendmmsg/recvmmsg. Ports are
// ephemeral, so only their properties are printed. With "all", lists every interface.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) { printf("FAIL line %d: %s (errno %s)\n", __LINE__, #x, strerrorname_np(errno)); exit(1); } } while (0)

static const char *en(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int waitcode(pid_t p) {
  int st;
  if (waitpid(p, &st, 0) != p) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct sockaddr_in v4(const char *ip, int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static int portof(int s) {
  struct sockaddr_storage ss;
  socklen_t l = sizeof ss;
  CHECK(getsockname(s, (struct sockaddr *)&ss, &l) == 0);
  return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static const char *show(struct sockaddr_storage *ss) {
  static char buf[64];
  if (ss->ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, buf, sizeof buf);
  else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof buf);
  return buf;
}

static int geti(int s, int level, int name) {
  int v = -1;
  socklen_t l = sizeof v;
  if (getsockopt(s, level, name, &v, &l) < 0) return -errno;
  return v;
}

static void tcp_echo(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = v4("127.0.0.1", 0);
  CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(ls, 16) == 0);
  int port = portof(ls);
  printf("listener port ephemeral: %d\n", port >= 32768 && port <= 60999);
  printf("SO_ACCEPTCONN: %d\n", geti(ls, SOL_SOCKET, SO_ACCEPTCONN));
  pid_t c = fork();
  if (c == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in d = v4("127.0.0.1", port);
    CHECK(connect(s, (struct sockaddr *)&d, sizeof d) == 0);
    int one = 1;
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    const char *msgs[] = {"alpha", "beta", "gamma"};
    char buf[64];
    for (int i = 0; i < 3; i++) {
      CHECK(send(s, msgs[i], strlen(msgs[i]), 0) == (ssize_t)strlen(msgs[i]));
      ssize_t n = recv(s, buf, sizeof buf, MSG_WAITALL & 0);
      printf("child echo: '%.*s'\n", (int)n, buf);
    }
    CHECK(shutdown(s, SHUT_WR) == 0);
    printf("child read after SHUT_WR: %zd\n", read(s, buf, sizeof buf));
    _exit(0);
  }
  struct sockaddr_storage peer;
  socklen_t pl = sizeof peer;
  int s = accept(ls, (struct sockaddr *)&peer, &pl);
  CHECK(s >= 0);
  printf("accepted from %s len=%u port_differs=%d\n", show(&peer), pl, ntohs(((struct sockaddr_in *)&peer)->sin_port) != port);
  printf("accepted local port same: %d\n", portof(s) == port);
  for (;;) {
    struct pollfd pf = {s, POLLIN, 0};
    CHECK(poll(&pf, 1, 5000) == 1);
    char buf[64];
    ssize_t n = read(s, buf, sizeof buf);
    if (n <= 0) {
      printf("server EOF: %zd revents=%#x\n", n, pf.revents & (POLLIN | POLLHUP | POLLERR));
      break;
    }
    CHECK(write(s, buf, n) == n);
  }
  close(s);
  printf("child exit: %d\n", waitcode(c));
  close(ls);
}

static void tcp_misc(void) {
  // Non-blocking connect.
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = v4("127.0.0.1", 0);
  CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(ls, 4) == 0);
  int port = portof(ls);
  char buf[16];
  printf("accept nonblock empty: %s\n", en(accept(ls, NULL, NULL)));
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in d = v4("127.0.0.1", port);
  int r = connect(c, (struct sockaddr *)&d, sizeof d);
  printf("nonblocking connect: %s\n", en(r));
  struct pollfd pf = {c, POLLOUT, 0};
  CHECK(poll(&pf, 1, 5000) == 1);
  printf("connect poll revents=%#x SO_ERROR=%d\n", pf.revents, geti(c, SOL_SOCKET, SO_ERROR));
  printf("connect again: %s\n", en(connect(c, (struct sockaddr *)&d, sizeof d)));
  printf("connect third: %s\n", en(connect(c, (struct sockaddr *)&d, sizeof d)));
  struct pollfd lp = {ls, POLLIN, 0};
  CHECK(poll(&lp, 1, 5000) == 1);
  int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
  CHECK(s >= 0);
  printf("accepted nonblock flag: %d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
  printf("recv nothing: %s\n", en(recv(s, buf, sizeof buf, 0)));
  CHECK(send(c, "peekme", 6, MSG_NOSIGNAL) == 6);
  pf = (struct pollfd){s, POLLIN, 0};
  CHECK(poll(&pf, 1, 5000) == 1);
  ssize_t pk = recv(s, buf, 4, MSG_PEEK);
  printf("MSG_PEEK: %zd then %zd\n", pk, recv(s, buf, sizeof buf, 0));
  // Options.
  int one = 1, big = 65536;
  CHECK(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
  CHECK(setsockopt(c, SOL_SOCKET, SO_RCVBUF, &big, sizeof big) == 0);
  CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  printf("SO_TYPE=%d SO_KEEPALIVE=%d SO_RCVBUF=%d TCP_NODELAY=%d SO_DOMAIN=%d SO_PROTOCOL=%d\n", geti(c, SOL_SOCKET, SO_TYPE),
         geti(c, SOL_SOCKET, SO_KEEPALIVE), geti(c, SOL_SOCKET, SO_RCVBUF), geti(c, IPPROTO_TCP, TCP_NODELAY),
         geti(c, SOL_SOCKET, SO_DOMAIN), geti(c, SOL_SOCKET, SO_PROTOCOL));
  printf("bad level: %d\n", geti(c, 12345, 1));
  // Peer close: EOF on the survivor, then shutdown of the survivor.
  close(s);
  pf = (struct pollfd){c, POLLIN, 0};
  CHECK(poll(&pf, 1, 5000) == 1);
  printf("after peer close: read=%zd revents=%#x\n", read(c, buf, sizeof buf), pf.revents);
  close(c);
  // Refused.
  int b = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(bind(b, (struct sockaddr *)&a, sizeof a) == 0);
  struct sockaddr_in nob = v4("127.0.0.1", portof(b));
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  printf("connect refused: %s\n", en(connect(c2, (struct sockaddr *)&nob, sizeof nob)));
  close(c2);
  c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  printf("nonblocking connect refused: %s\n", en(connect(c2, (struct sockaddr *)&nob, sizeof nob)));
  pf = (struct pollfd){c2, POLLIN | POLLOUT, 0};
  CHECK(poll(&pf, 1, 5000) == 1);
  printf("refused revents=%#x SO_ERROR=%d\n", pf.revents, geti(c2, SOL_SOCKET, SO_ERROR));
  printf("connect after refusal: %s\n", en(connect(c2, (struct sockaddr *)&nob, sizeof nob)));
  close(c2);
  printf("connect unreachable: %s\n", en(connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&(struct sockaddr_in){AF_INET, htons(80), {htonl(0xC0000201)}}, sizeof nob) == 0 ? 0 : (errno == ENETUNREACH || errno == ETIMEDOUT || errno == ECONNREFUSED || errno == EHOSTUNREACH ? (errno = ENETUNREACH, -1) : -1)));
  // SO_REUSEADDR.
  struct sockaddr_in same = v4("127.0.0.1", port);
  int x = socket(AF_INET, SOCK_STREAM, 0);
  printf("bind listening port: %s\n", en(bind(x, (struct sockaddr *)&same, sizeof same)));
  close(x);
  close(ls);
  int l2 = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  CHECK(bind(l2, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(l2, 1) == 0);
  same = v4("127.0.0.1", portof(l2));
  x = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  printf("SO_REUSEADDR beside a listener: %s\n", en(bind(x, (struct sockaddr *)&same, sizeof same)));
  close(l2);
  printf("rebind after close with SO_REUSEADDR: %s\n", en(bind(x, (struct sockaddr *)&same, sizeof same)));
  int y = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  printf("two SO_REUSEADDR non-listeners: %s\n", en(bind(y, (struct sockaddr *)&same, sizeof same)));
  printf("listen on shared port: %s\n", en(listen(y, 1)));
  close(x);
  close(y);
  int p1 = socket(AF_INET, SOCK_STREAM, 0), p2 = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(p1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  setsockopt(p2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  CHECK(bind(p1, (struct sockaddr *)&a, sizeof a) == 0);
  same = v4("127.0.0.1", portof(p1));
  printf("SO_REUSEPORT share: %s\n", en(bind(p2, (struct sockaddr *)&same, sizeof same)));
  close(p1);
  close(p2);
  close(b);
  printf("bind foreign address: %s\n", en(bind(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&(struct sockaddr_in){AF_INET, 0, {htonl(0xC0000201)}}, sizeof a)));
}

static void tcp6(void) {
  int ls = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 a = {0};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(ls, 4) == 0);
  int port = portof(ls);
  printf("IPV6_V6ONLY: %d\n", geti(ls, IPPROTO_IPV6, IPV6_V6ONLY));
  int c6 = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 d = a;
  d.sin6_addr = in6addr_loopback;
  d.sin6_port = htons(port);
  CHECK(connect(c6, (struct sockaddr *)&d, sizeof d) == 0);
  int c4 = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in d4 = v4("127.0.0.1", port);
  CHECK(connect(c4, (struct sockaddr *)&d4, sizeof d4) == 0);
  for (int i = 0; i < 2; i++) {
    struct sockaddr_storage p;
    socklen_t pl = sizeof p;
    int s = accept(ls, (struct sockaddr *)&p, &pl);
    CHECK(s >= 0);
    struct sockaddr_storage me;
    socklen_t ml = sizeof me;
    getsockname(s, (struct sockaddr *)&me, &ml);
    printf("v6 accept %d: family=%d len=%u peer=%s", i, p.ss_family, pl, show(&p));
    printf(" local=%s\n", show(&me));
    close(s);
  }
  struct sockaddr_storage p;
  socklen_t pl = sizeof p;
  getpeername(c6, (struct sockaddr *)&p, &pl);
  printf("v6 client peer=%s len=%u\n", show(&p), pl);
  close(c6);
  close(c4);
  close(ls);
}

static void udp(void) {
  int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in la = v4("127.0.0.1", 0);
  CHECK(bind(a, (struct sockaddr *)&la, sizeof la) == 0);
  CHECK(bind(b, (struct sockaddr *)&la, sizeof la) == 0);
  struct sockaddr_in ta = v4("127.0.0.1", portof(a)), tb = v4("127.0.0.1", portof(b));
  CHECK(sendto(a, "datagram-one", 12, 0, (struct sockaddr *)&tb, sizeof tb) == 12);
  CHECK(sendto(a, "two", 3, 0, (struct sockaddr *)&tb, sizeof tb) == 3);
  char buf[64];
  struct sockaddr_storage from;
  socklen_t fl = sizeof from;
  printf("udp peek: %zd\n", recv(b, buf, sizeof buf, MSG_PEEK));
  ssize_t n = recvfrom(b, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &fl);
  printf("udp recvfrom trunc: %zd from=%s from_a=%d\n", n, show(&from), ntohs(((struct sockaddr_in *)&from)->sin_port) == portof(a));
  n = recv(b, buf, sizeof buf, 0);
  printf("udp second: %zd '%.*s'\n", n, (int)n, buf);
  printf("udp empty: %s\n", en(recv(b, buf, sizeof buf, MSG_DONTWAIT)));
  // sendmmsg / recvmmsg.
  struct mmsghdr mm[3];
  struct iovec iov[3];
  char *words[] = {"one", "three", "fives"};
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) {
    iov[i].iov_base = words[i];
    iov[i].iov_len = strlen(words[i]);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_name = &tb;
    mm[i].msg_hdr.msg_namelen = sizeof tb;
  }
  int sent = sendmmsg(a, mm, 3, 0);
  printf("sendmmsg: %d lens=%u,%u,%u\n", sent, mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  char rb[3][16];
  struct iovec riov[3];
  struct mmsghdr rm[3];
  memset(rm, 0, sizeof rm);
  for (int i = 0; i < 3; i++) {
    riov[i].iov_base = rb[i];
    riov[i].iov_len = sizeof rb[i];
    rm[i].msg_hdr.msg_iov = &riov[i];
    rm[i].msg_hdr.msg_iovlen = 1;
  }
  int got = recvmmsg(b, rm, 3, MSG_DONTWAIT, NULL);
  printf("recvmmsg: %d lens=%u,%u,%u '%.5s'\n", got, rm[0].msg_len, rm[1].msg_len, rm[2].msg_len, rb[2]);
  // Connected UDP: only the peer's datagrams arrive.
  CHECK(connect(b, (struct sockaddr *)&ta, sizeof ta) == 0);
  int other = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(sendto(other, "stranger", 8, 0, (struct sockaddr *)&tb, sizeof tb) == 8);
  CHECK(sendto(a, "friend", 6, 0, (struct sockaddr *)&tb, sizeof tb) == 6);
  n = recv(b, buf, sizeof buf, 0);
  printf("connected udp gets: '%.*s'\n", (int)n, buf);
  struct sockaddr_storage pa;
  socklen_t pal = sizeof pa;
  CHECK(getpeername(b, (struct sockaddr *)&pa, &pal) == 0);
  printf("udp peer=%s\n", show(&pa));
  printf("udp send no dest: %s\n", en(send(other, "x", 1, 0)));
  // A connected socket whose peer went away learns it on the next call.
  close(a);
  CHECK(send(b, "lost", 4, 0) == 4);
  usleep(10000);
  printf("after ICMP: %s\n", en(recv(b, buf, sizeof buf, MSG_DONTWAIT)));
  close(b);
  close(other);
  int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 s6 = {0};
  s6.sin6_family = AF_INET6;
  s6.sin6_addr = in6addr_loopback;
  CHECK(bind(u6, (struct sockaddr *)&s6, sizeof s6) == 0);
  s6.sin6_port = htons(portof(u6));
  CHECK(sendto(u6, "self6", 5, 0, (struct sockaddr *)&s6, sizeof s6) == 5);
  fl = sizeof from;
  n = recvfrom(u6, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("udp6 to self: %zd from=%s len=%u\n", n, show(&from), fl);
  close(u6);
}

static void ifaddrs(int all) {
  struct ifaddrs *ifa;
  CHECK(getifaddrs(&ifa) == 0);
  for (struct ifaddrs *i = ifa; i != NULL; i = i->ifa_next) {
    if (!all && strcmp(i->ifa_name, "lo") != 0) continue;
    int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
    char buf[64] = "-";
    if (fam == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof buf);
    if (fam == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf, sizeof buf);
    char mask[64] = "-";
    if (fam == AF_INET && i->ifa_netmask) inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr, mask, sizeof mask);
    printf("ifaddr %s family=%d addr=%s mask=%s up=%d loopback=%d\n", i->ifa_name, fam, buf, mask, (i->ifa_flags & IFF_UP) != 0,
           (i->ifa_flags & IFF_LOOPBACK) != 0);
  }
  freeifaddrs(ifa);
  printf("if_nametoindex(lo)=%u\n", if_nametoindex("lo"));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && strcmp(argv[1], "all") == 0) {
    ifaddrs(1);
    return 0;
  }
  tcp_echo();
  tcp_misc();
  tcp6();
  udp();
  ifaddrs(0);
  printf("done\n");
  return 0;
}
