// Linux x86_64 socket ABI numbers (linux/socket.h, in.h, in6.h, tcp.h, netlink.h,
// rtnetlink.h), in one place so the syscalls, the socket files and the tests agree.

/** Address families. */
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

/** Socket types and socket(2)/accept4 flags. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
export const SOCK_TYPE_MASK = 0xf;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

/** Protocols. */
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const NETLINK_ROUTE = 0;

/** Option levels. */
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_TCP = 6;
export const SOL_UDP = 17;
export const SOL_IPV6 = 41;
export const SOL_NETLINK = 270;

/** SOL_SOCKET options. */
export const SO_DEBUG = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_DONTROUTE = 5;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_OOBINLINE = 10;
export const SO_NO_CHECK = 11;
export const SO_PRIORITY = 12;
export const SO_LINGER = 13;
export const SO_BSDCOMPAT = 14;
export const SO_REUSEPORT = 15;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const SO_RCVLOWAT = 18;
export const SO_SNDLOWAT = 19;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_BINDTODEVICE = 25;
export const SO_TIMESTAMP = 29;
export const SO_ACCEPTCONN = 30;
export const SO_PEERSEC = 31;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_PASSSEC = 34;
export const SO_MARK = 36;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const SO_RXQ_OVFL = 40;
export const SO_PEEK_OFF = 42;
export const SO_BUSY_POLL = 46;
export const SO_INCOMING_CPU = 49;
export const SO_ZEROCOPY = 60;

/** Control message types at SOL_SOCKET. */
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;

/** send/recv flags. */
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_WAITFORONE = 0x10000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** shutdown(2) how. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** IPPROTO_TCP options. */
export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_CORK = 3;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_SYNCNT = 7;
export const TCP_LINGER2 = 8;
export const TCP_DEFER_ACCEPT = 9;
export const TCP_WINDOW_CLAMP = 10;
export const TCP_INFO = 11;
export const TCP_QUICKACK = 12;
export const TCP_CONGESTION = 13;
export const TCP_USER_TIMEOUT = 18;
export const TCP_FASTOPEN = 23;
export const TCP_NOTSENT_LOWAT = 25;

/** IPPROTO_IP / IPPROTO_IPV6 options accepted. */
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_RECVERR = 11;
export const IP_MTU_DISCOVER = 10;
export const IP_PKTINFO = 8;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IPV6_V6ONLY = 26;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_TCLASS = 67;

/** Default buffer sizes Linux reports (net.core.{r,w}mem_default = 212992). */
export const DEFAULT_BUF = 212992;
/** Smallest and largest SO_*BUF values after doubling (SOCK_MIN_RCVBUF..2*rmem_max). */
export const MIN_BUF = 2304;
export const MAX_BUF = 425984;
/** Linux's SOMAXCONN (5.4+). */
export const SOMAXCONN = 4096;
/** Ephemeral port range (net.ipv4.ip_local_port_range). */
export const EPHEMERAL_LO = 32768;
export const EPHEMERAL_HI = 60999;
/** net.unix.max_dgram_qlen. */
export const MAX_DGRAM_QLEN = 512;
/** Largest UDP payload over IPv4 (65535 - 20 - 8). */
export const UDP_MAX = 65507;
/** sizeof(struct sockaddr_storage). */
export const SOCKADDR_STORAGE = 128;
/** sizeof(sockaddr_un) and its path field. */
export const UNIX_PATH_MAX = 108;
