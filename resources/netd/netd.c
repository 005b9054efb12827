/*
 * netd — Skiff's network agent. One per cluster network, in a container on that network with
 * NET_ADMIN. Usage: netd SERVICE_CIDR [PORT]   (PORT defaults to 7070)
 *
 * `netd --write FILE CONTENT` is a second, one-shot mode: it overwrites FILE in place (truncate +
 * write, no rename, so a bind-mounted file such as the pod's /etc/resolv.conf works) and exits
 * 0, or 1 with the reason on stderr. The kubelet runs it in a pod's sandbox to write the
 * resolv.conf Kubernetes' dnsPolicy asks for, which Docker's own options cannot express.
 *
 * At start it makes SERVICE_CIDR local (a netlink RTM_NEWROUTE: table local, type local, dev lo,
 * what `ip route add local CIDR dev lo table local` does), so it can bind any ClusterIP and pods
 * on the network reach the ones it binds (and get a refusal on the others).
 *
 * Everything arrives on one TCP port. Each connection starts with a header line, answered with a
 * status line ("OK\n" or "ERR CODE message\n") before anything else:
 *   CTRL\n          a control connection (binary frames, below); listeners live as long as it
 *   DIAL a.b.c.d p\n netd connects to a.b.c.d:p and splices the two connections
 *   ATTACH id\n     splices this connection with pending inbound connection #id
 *
 * Control frames, both ways: u32 length of what follows, u8 op, body (all big-endian).
 *   host -> netd
 *     1 LISTEN   u32 req, u8 proto (6 tcp, 17 udp), u32 ip, u16 port  -> RESULT value=listener id
 *     2 CLOSE    u32 req, u32 listener                                  -> RESULT
 *     3 FORWARD  u32 conn, u32 ip, u16 port   dial ip:port and splice pending conn (reset on failure)
 *     4 REJECT   u32 conn                     reset pending conn
 *     5 UDPSEND  u32 listener, u32 ip, u16 port, data   send from the listener's address
 *     6 PING     u32 req                                                -> RESULT
 *   netd -> host
 *     0x81 RESULT  u32 req, u32 value, error text ("" on success, else "CODE message")
 *     0x82 INBOUND u32 listener, u32 conn, u32 remote ip, u16 remote port, u32 local ip, u16 local port
 *     0x83 UDPRECV u32 listener, u32 ip, u16 port, data
 *
 * A pending inbound connection not decided within 30 s is reset; so are the pending connections
 * and listeners of a control connection that goes away. Bad input closes the offending
 * connection, never the agent. One thread per spliced connection; the main thread owns the
 * listeners and the control connections.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CTRL 16
#define MAX_LISTENERS 4096
#define MAX_PENDING 4096
#define MAX_FRAME 70000
#define PENDING_TTL 30

static uint32_t svc_base, svc_mask;

/* ---------- small helpers ---------- */

static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static const char *errname(int e) {
  switch (e) {
  case ECONNREFUSED: return "ECONNREFUSED";
  case EHOSTUNREACH: return "EHOSTUNREACH";
  case ENETUNREACH: return "ENETUNREACH";
  case ETIMEDOUT: return "ETIMEDOUT";
  case EADDRINUSE: return "EADDRINUSE";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EACCES: return "EACCES";
  case EINVAL: return "EINVAL";
  case ENOENT: return "ENOENT";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  case ECONNRESET: return "ECONNRESET";
  default: return "EIO";
  }
}

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void reset_close(int fd) {
  struct linger l = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

static void sin_of(struct sockaddr_in *sa, uint32_t ip, uint16_t port) {
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(ip);
  sa->sin_port = htons(port);
}

/* Connects to ip:port (blocking, bounded by a 10 s timeout); returns the fd or -errno. */
static int dial(uint32_t ip, uint16_t port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  struct timeval tv = {10, 0};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in sa;
  sin_of(&sa, ip, port);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno == EINPROGRESS ? ETIMEDOUT : errno;
    close(s);
    return -e;
  }
  struct timeval zero = {0, 0};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

/* ---------- splicing ---------- */

/* Copies both ways until both directions ended; an EOF half-closes the other side. */
static void splice_fds(int a, int b) {
  char buf[16384];
  struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  int open_a = 1, open_b = 1; /* reading side still open */
  while (open_a || open_b) {
    p[0].fd = open_a ? a : -1;
    p[1].fd = open_b ? b : -1;
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (!p[i].revents) continue;
      int from = i ? b : a, to = i ? a : b;
      ssize_t n = read(from, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        if (n < 0) goto reset; /* a reset on one side resets the other */
        shutdown(to, SHUT_WR);
        if (i) open_b = 0; else open_a = 0;
      } else if (write_all(to, buf, (size_t)n) < 0) {
        goto reset;
      }
    }
  }
  close(a);
  close(b);
  return;
reset:
  reset_close(a);
  reset_close(b);
}

/* ---------- pending inbound connections (shared with stream threads) ---------- */

struct pending { uint32_t id; int fd; int ctrl; time_t at; };
static struct pending pend[MAX_PENDING];
static int npend;
static uint32_t next_conn_id = 1;
static pthread_mutex_t pend_mu = PTHREAD_MUTEX_INITIALIZER;

static int take_pending(uint32_t id) {
  int fd = -1;
  pthread_mutex_lock(&pend_mu);
  for (int i = 0; i < npend; i++)
    if (pend[i].id == id) { fd = pend[i].fd; pend[i] = pend[--npend]; break; }
  pthread_mutex_unlock(&pend_mu);
  return fd;
}

/* Resets pending connections of control slot `ctrl` (-1: any) older than `before` (0: all). */
static void drop_pending(int ctrl, time_t before) {
  pthread_mutex_lock(&pend_mu);
  for (int i = 0; i < npend;) {
    if ((ctrl < 0 || pend[i].ctrl == ctrl) && (before == 0 || pend[i].at < before)) {
      reset_close(pend[i].fd);
      pend[i] = pend[--npend];
    } else {
      i++;
    }
  }
  pthread_mutex_unlock(&pend_mu);
}

/* ---------- threads ---------- */

static pthread_attr_t thread_attr;
static int ctrl_pipe[2]; /* stream threads hand accepted control connections to the main thread */

struct job { int fd; uint32_t ip; uint16_t port; int kind; /* 0 new connection, 1 forward */ };

static void status_line(int fd, int err, const char *what) {
  char line[160];
  if (!err) snprintf(line, sizeof line, "OK\n");
  else snprintf(line, sizeof line, "ERR %s %s%s%s\n", errname(err), what, *what ? ": " : "", strerror(err));
  write_all(fd, line, strlen(line));
}

/* Reads the header line of a new connection: at most 127 bytes, within 10 s. */
static int read_line(int fd, char *line, size_t cap) {
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || n + 1 >= cap) return -1;
    if (c == '\n') break;
    line[n++] = c;
  }
  line[n] = 0;
  struct timeval zero = {0, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof zero);
  return 0;
}

static void handle_new(int fd) {
  char line[128], ipstr[32];
  unsigned port;
  unsigned long id;
  struct in_addr a;
  if (read_line(fd, line, sizeof line) < 0) { close(fd); return; }
  if (strcmp(line, "CTRL") == 0) {
    if (write(ctrl_pipe[1], &fd, sizeof fd) != sizeof fd) close(fd);
    return;
  }
  if (sscanf(line, "DIAL %31s %u", ipstr, &port) == 2) {
    if (inet_pton(AF_INET, ipstr, &a) != 1 || port == 0 || port > 65535) {
      status_line(fd, EINVAL, "bad DIAL address");
      close(fd);
      return;
    }
    int s = dial(ntohl(a.s_addr), (uint16_t)port);
    if (s < 0) {
      char what[64];
      snprintf(what, sizeof what, "dial %s:%u", ipstr, port);
      status_line(fd, -s, what);
      close(fd);
      return;
    }
    status_line(fd, 0, "");
    splice_fds(fd, s);
    return;
  }
  if (sscanf(line, "ATTACH %lu", &id) == 1) {
    int s = take_pending((uint32_t)id);
    if (s < 0) {
      status_line(fd, ENOENT, "no such pending connection");
      close(fd);
      return;
    }
    status_line(fd, 0, "");
    splice_fds(fd, s);
    return;
  }
  status_line(fd, EINVAL, "unknown header (want CTRL, DIAL ip port or ATTACH id)");
  close(fd);
}

static void *job_thread(void *arg) {
  struct job j = *(struct job *)arg;
  free(arg);
  if (j.kind == 0) {
    int one = 1;
    setsockopt(j.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    handle_new(j.fd);
  } else {
    int s = dial(j.ip, j.port);
    if (s < 0) reset_close(j.fd); /* the pod sees a reset, as from a refused backend */
    else splice_fds(j.fd, s);
  }
  return NULL;
}

static void spawn(int fd, int kind, uint32_t ip, uint16_t port) {
  struct job *j = malloc(sizeof *j);
  pthread_t t;
  if (!j) { reset_close(fd); return; }
  j->fd = fd; j->kind = kind; j->ip = ip; j->port = port;
  if (pthread_create(&t, &thread_attr, job_thread, j) != 0) { free(j); reset_close(fd); }
}

/* ---------- main thread state ---------- */

struct ctrl { int fd; unsigned char *buf; size_t len; };
static struct ctrl ctrls[MAX_CTRL];
struct listener { uint32_t id; int fd; int udp; int ctrl; };
static struct listener lis[MAX_LISTENERS];
static int nlis;
static uint32_t next_listener_id = 1;

static int send_frame(int c, unsigned char op, const unsigned char *body, size_t n, const unsigned char *data, size_t dn) {
  if (ctrls[c].fd < 0) return -1;
  unsigned char hdr[5];
  put32(hdr, (uint32_t)(1 + n + dn));
  hdr[4] = op;
  if (write_all(ctrls[c].fd, hdr, 5) < 0 || write_all(ctrls[c].fd, body, n) < 0 || (dn && write_all(ctrls[c].fd, data, dn) < 0)) {
    shutdown(ctrls[c].fd, SHUT_RDWR); /* the main loop sees it and cleans up */
    return -1;
  }
  return 0;
}

static void result(int c, uint32_t req, uint32_t value, int err, const char *what) {
  unsigned char b[8];
  char msg[200] = "";
  put32(b, req);
  put32(b + 4, value);
  if (err) snprintf(msg, sizeof msg, "%s %s: %s", errname(err), what, strerror(err));
  send_frame(c, 0x81, b, 8, (unsigned char *)msg, strlen(msg));
}

static void close_listener_at(int i) {
  close(lis[i].fd);
  lis[i] = lis[--nlis];
}

static void drop_ctrl(int c) {
  close(ctrls[c].fd);
  ctrls[c].fd = -1;
  free(ctrls[c].buf);
  ctrls[c].buf = NULL;
  ctrls[c].len = 0;
  for (int i = 0; i < nlis;)
    if (lis[i].ctrl == c) close_listener_at(i); else i++;
  drop_pending(c, 0);
}

static void do_listen(int c, uint32_t req, int proto, uint32_t ip, uint16_t port) {
  char what[64];
  snprintf(what, sizeof what, "listen %s %u.%u.%u.%u:%u", proto == 17 ? "udp" : "tcp", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, port);
  if ((proto != 6 && proto != 17) || port == 0) { result(c, req, 0, EINVAL, what); return; }
  if ((ip & svc_mask) != svc_base) { result(c, req, 0, EADDRNOTAVAIL, what); return; }
  if (nlis >= MAX_LISTENERS) { result(c, req, 0, EMFILE, what); return; }
  int s = socket(AF_INET, (proto == 17 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) { result(c, req, 0, errno, what); return; }
  int one = 1;
  if (proto == 6) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa;
  sin_of(&sa, ip, port);
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || (proto == 6 && listen(s, 512) < 0)) {
    int e = errno;
    close(s);
    result(c, req, 0, e, what);
    return;
  }
  lis[nlis].id = next_listener_id++;
  lis[nlis].fd = s;
  lis[nlis].udp = proto == 17;
  lis[nlis].ctrl = c;
  result(c, req, lis[nlis].id, 0, "");
  nlis++;
}

static int find_listener(int c, uint32_t id) {
  for (int i = 0; i < nlis; i++)
    if (lis[i].id == id && lis[i].ctrl == c) return i;
  return -1;
}

/* Handles one complete frame; returns -1 to drop the control connection (malformed). */
static int handle_frame(int c, const unsigned char *f, size_t n) {
  if (n < 1) return -1;
  unsigned char op = f[0];
  const unsigned char *b = f + 1;
  n--;
  switch (op) {
  case 1:
    if (n != 11) return -1;
    do_listen(c, get32(b), b[4], get32(b + 5), get16(b + 9));
    return 0;
  case 2: {
    if (n != 8) return -1;
    int i = find_listener(c, get32(b + 4));
    if (i >= 0) close_listener_at(i);
    result(c, get32(b), 0, i >= 0 ? 0 : ENOENT, "close listener");
    return 0;
  }
  case 3: {
    if (n != 10) return -1;
    int fd = take_pending(get32(b));
    if (fd >= 0) spawn(fd, 1, get32(b + 4), get16(b + 8));
    return 0;
  }
  case 4: {
    if (n != 4) return -1;
    int fd = take_pending(get32(b));
    if (fd >= 0) reset_close(fd);
    return 0;
  }
  case 5: {
    if (n < 10) return -1;
    int i = find_listener(c, get32(b));
    if (i >= 0 && lis[i].udp) {
      struct sockaddr_in sa;
      sin_of(&sa, get32(b + 4), get16(b + 8));
      sendto(lis[i].fd, b + 10, n - 10, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
    }
    return 0;
  }
  case 6:
    if (n != 4) return -1;
    result(c, get32(b), 0, 0, "");
    return 0;
  default:
    return -1;
  }
}

static void read_ctrl(int c) {
  struct ctrl *k = &ctrls[c];
  if (!k->buf && !(k->buf = malloc(MAX_FRAME + 4))) { drop_ctrl(c); return; }
  ssize_t r = read(k->fd, k->buf + k->len, MAX_FRAME + 4 - k->len);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) { drop_ctrl(c); return; }
  k->len += (size_t)r;
  size_t off = 0;
  while (k->len - off >= 4) {
    uint32_t fl = get32(k->buf + off);
    if (fl == 0 || fl > MAX_FRAME) { drop_ctrl(c); return; }
    if (k->len - off - 4 < fl) break;
    if (handle_frame(c, k->buf + off + 4, fl) < 0 || ctrls[c].fd < 0) { if (ctrls[c].fd >= 0) drop_ctrl(c); return; }
    off += 4 + fl;
  }
  memmove(k->buf, k->buf + off, k->len - off);
  k->len -= off;
}

static void accept_inbound(int i) {
  struct sockaddr_in ra, la;
  socklen_t rl = sizeof ra, ll = sizeof la;
  int fd = accept4(lis[i].fd, (struct sockaddr *)&ra, &rl, SOCK_CLOEXEC);
  if (fd < 0) return;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  getsockname(fd, (struct sockaddr *)&la, &ll);
  pthread_mutex_lock(&pend_mu);
  if (npend >= MAX_PENDING) { pthread_mutex_unlock(&pend_mu); reset_close(fd); return; }
  uint32_t id = next_conn_id++;
  if (next_conn_id == 0) next_conn_id = 1;
  pend[npend++] = (struct pending){id, fd, lis[i].ctrl, time(NULL)};
  pthread_mutex_unlock(&pend_mu);
  unsigned char b[20];
  put32(b, lis[i].id);
  put32(b + 4, id);
  put32(b + 8, ntohl(ra.sin_addr.s_addr));
  put16(b + 12, ntohs(ra.sin_port));
  put32(b + 14, ntohl(la.sin_addr.s_addr));
  put16(b + 18, ntohs(la.sin_port));
  send_frame(lis[i].ctrl, 0x82, b, 20, NULL, 0);
}

static void recv_udp(int i) {
  static unsigned char buf[65536];
  struct sockaddr_in ra;
  socklen_t rl = sizeof ra;
  ssize_t n = recvfrom(lis[i].fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ra, &rl);
  if (n < 0 || n > MAX_FRAME - 20) return;
  unsigned char b[10];
  put32(b, lis[i].id);
  put32(b + 4, ntohl(ra.sin_addr.s_addr));
  put16(b + 8, ntohs(ra.sin_port));
  send_frame(lis[i].ctrl, 0x83, b, 10, buf, (size_t)n);
}

/* ---------- the local route for the Service CIDR ---------- */

/* The few rtnetlink definitions needed (from the kernel's UAPI linux/netlink.h and
 * linux/rtnetlink.h; musl ships no kernel headers). */
struct nlmsghdr { uint32_t nlmsg_len; uint16_t nlmsg_type, nlmsg_flags; uint32_t nlmsg_seq, nlmsg_pid; };
struct nlmsgerr { int error; struct nlmsghdr msg; };
struct rtmsg { unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos, rtm_table, rtm_protocol, rtm_scope, rtm_type; unsigned rtm_flags; };
struct rtattr { unsigned short rta_len, rta_type; };
struct sockaddr_nl { unsigned short nl_family, nl_pad; uint32_t nl_pid, nl_groups; };
#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_REPLACE 0x100
#define NLM_F_CREATE 0x400
#define RTM_NEWROUTE 24
#define RT_TABLE_LOCAL 255
#define RTPROT_BOOT 3
#define RT_SCOPE_HOST 254
#define RTN_LOCAL 2
#define RTA_DST 1
#define RTA_OIF 4
#define NLMSG_ALIGN(n) (((n) + 3u) & ~3u)
#define NLMSG_LENGTH(n) ((n) + NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_LENGTH(0)))
#define RTA_ALIGN(n) (((n) + 3u) & ~3u)
#define RTA_LENGTH(n) (RTA_ALIGN(sizeof(struct rtattr)) + (n))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_LENGTH(0)))

static int add_local_route(uint32_t dst, int len) {
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return -errno;
  struct {
    struct nlmsghdr n;
    struct rtmsg r;
    char attrs[64];
  } req;
  memset(&req, 0, sizeof req);
  req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
  req.n.nlmsg_type = RTM_NEWROUTE;
  req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
  req.n.nlmsg_seq = 1;
  req.r.rtm_family = AF_INET;
  req.r.rtm_dst_len = (unsigned char)len;
  req.r.rtm_table = RT_TABLE_LOCAL;
  req.r.rtm_protocol = RTPROT_BOOT;
  req.r.rtm_scope = RT_SCOPE_HOST;
  req.r.rtm_type = RTN_LOCAL;
  uint32_t dst_be = htonl(dst);
  int oif = (int)if_nametoindex("lo");
  struct { unsigned short type; const void *data; unsigned short len; } a[2] = {{RTA_DST, &dst_be, 4}, {RTA_OIF, &oif, 4}};
  for (int i = 0; i < 2; i++) {
    struct rtattr *ra = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
    ra->rta_type = a[i].type;
    ra->rta_len = RTA_LENGTH(a[i].len);
    memcpy(RTA_DATA(ra), a[i].data, a[i].len);
    req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + RTA_ALIGN(ra->rta_len);
  }
  struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
  if (sendto(s, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&nl, sizeof nl) < 0) { int e = errno; close(s); return -e; }
  char buf[1024];
  ssize_t r = recv(s, buf, sizeof buf, 0);
  close(s);
  if (r < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) return -EIO;
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  if (h->nlmsg_type != NLMSG_ERROR) return -EIO;
  int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
  return err == -EEXIST ? 0 : err;
}

static void on_term(int sig) { (void)sig; _exit(0); }

static int write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  size_t n = strlen(content);
  if (fd < 0 || write(fd, content, n) != (ssize_t)n || close(fd) < 0) {
    fprintf(stderr, "netd: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--write") == 0) return write_file(argv[2], argv[3]);
  char cidr[40];
  int len;
  struct in_addr a;
  unsigned port = 7070;
  /* The only peer allowed on the control/data port: the network's gateway, which is where the
   * engine's port publishing (docker-proxy, or DNAT + masquerade) connects from. Pods on the
   * network must not be able to drive the agent. */
  struct in_addr allowed = {0};
  if (argc < 2 || sscanf(argv[1], "%31[0-9.]/%d", cidr, &len) != 2 || inet_pton(AF_INET, cidr, &a) != 1 || len < 8 || len > 32 ||
      (argc > 2 && (sscanf(argv[2], "%u", &port) != 1 || port == 0 || port > 65535)) ||
      (argc > 3 && inet_pton(AF_INET, argv[3], &allowed) != 1)) {
    fprintf(stderr, "usage: netd SERVICE_CIDR [PORT [ALLOWED_PEER]]   e.g. netd 10.96.0.0/21 7070 10.96.15.254\n"
                    "       netd --write FILE CONTENT\n");
    return 2;
  }
  svc_mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
  svc_base = ntohl(a.s_addr) & svc_mask;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  setvbuf(stderr, NULL, _IONBF, 0);

  int r = add_local_route(svc_base, len);
  if (r < 0) {
    fprintf(stderr, "netd: cannot make %s/%d local (needs NET_ADMIN): %s\n", cidr, len, strerror(-r));
    return 1;
  }
  pthread_attr_init(&thread_attr);
  pthread_attr_setstacksize(&thread_attr, 96 * 1024);
  pthread_attr_setdetachstate(&thread_attr, PTHREAD_CREATE_DETACHED);
  if (pipe2(ctrl_pipe, O_CLOEXEC) < 0) return 1;
  for (int i = 0; i < MAX_CTRL; i++) ctrls[i].fd = -1;

  int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa;
  sin_of(&sa, 0, (uint16_t)port);
  if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 512) < 0) {
    fprintf(stderr, "netd: cannot listen on port %u: %s\n", port, strerror(errno));
    return 1;
  }
  fprintf(stderr, "netd: %s/%d is local; listening on :%u\n", cidr, len, port);

  static struct pollfd pfd[2 + MAX_CTRL + MAX_LISTENERS];
  time_t last_sweep = time(NULL);
  for (;;) {
    int n = 0;
    pfd[n++] = (struct pollfd){ls, POLLIN, 0};
    pfd[n++] = (struct pollfd){ctrl_pipe[0], POLLIN, 0};
    for (int i = 0; i < MAX_CTRL; i++) pfd[n++] = (struct pollfd){ctrls[i].fd, POLLIN, 0};
    int nl = nlis;
    uint32_t ids[MAX_LISTENERS];
    for (int i = 0; i < nl; i++) { ids[i] = lis[i].id; pfd[n++] = (struct pollfd){lis[i].fd, POLLIN, 0}; }
    if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR) continue;
    time_t now = time(NULL);
    if (now != last_sweep) { drop_pending(-1, now - PENDING_TTL); last_sweep = now; }
    if (pfd[0].revents & POLLIN) {
      struct sockaddr_in peer;
      socklen_t plen = sizeof peer;
      int fd = accept4(ls, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
      if (fd >= 0 && allowed.s_addr && (peer.sin_family != AF_INET || peer.sin_addr.s_addr != allowed.s_addr)) {
        close(fd); /* not the engine's port publishing: a pod, refuse */
      } else if (fd >= 0) {
        spawn(fd, 0, 0, 0);
      }
    }
    if (pfd[1].revents & POLLIN) {
      int fd;
      if (read(ctrl_pipe[0], &fd, sizeof fd) == sizeof fd) {
        int c = -1;
        for (int i = 0; i < MAX_CTRL && c < 0; i++) if (ctrls[i].fd < 0) c = i;
        if (c < 0) { status_line(fd, EMFILE, "too many control connections"); close(fd); }
        else { ctrls[c].fd = fd; ctrls[c].len = 0; status_line(fd, 0, ""); }
      }
    }
    for (int i = 0; i < MAX_CTRL; i++)
      if (pfd[2 + i].fd >= 0 && pfd[2 + i].revents && ctrls[i].fd == pfd[2 + i].fd) read_ctrl(i);
    /* Listeners may have been closed above (array compacted): look each one up by id. */
    for (int k = 0; k < nl; k++) {
      if (!pfd[2 + MAX_CTRL + k].revents) continue;
      int i = -1;
      for (int j = 0; j < nlis; j++) if (lis[j].id == ids[k]) { i = j; break; }
      if (i < 0) continue;
      if (lis[i].udp) recv_udp(i); else accept_inbound(i);
    }
  }
}
