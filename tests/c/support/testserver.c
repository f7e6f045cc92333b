/* testserver.c: see testserver.h. One process, one epoll loop, one timerfd armed at the
 * earliest pending action (a delayed answer, the next split byte, an idle close); the pending
 * actions are found by scanning the connection table, which is small in tests. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testserver.h"

#define MAXFD 16384

static const char RESP_OK[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
static const char RESP_OK10[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";
static const char RESP_CLOSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
static const char RESP_CHUNKED[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
static const char RESP_GARBAGE[] = "\x16\x03\x01 this is not HTTP \xff\xfe\r\n\r\n";
static const char RESP_CLOSE_DELIM[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello until close";
static const char RESP_RESET[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello";
static const char RESP_404[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found";
static const char RESP_503[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 4\r\n\r\nbusy";
static const char RESP_304[] = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
static const char RESP_204[] = "HTTP/1.1 204 No Content\r\nX-Test: none\r\n\r\n";
static const char RESP_302[] = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n";

struct tconn {
  int fd;
  char in[4096];
  size_t inlen;
  int64_t due;          /* pending action time, 0 = none */
  int action;           /* 1 answer, 2 next split byte, 3 idle close */
  size_t split_off;
  bool http10;          /* an HTTP/1.0 client (ab) keeps the connection only when told so */
  bool head;            /* this request is a HEAD: the answer has no body */
};

static struct tconn *conns[MAXFD];
static int maxfd;   /* highest fd ever accepted: bounds the scans */

static int64_t mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int testserver_listen(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

static void drop(struct tconn *c, bool reset) {
  if (reset) {
    struct linger l = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(c->fd);
  conns[c->fd] = NULL;
  free(c);
}

static void put(int fd, const char *b, size_t n) {
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w <= 0) return;    /* tests send tiny answers; a full socket buffer is a test bug */
    b += w;
    n -= (size_t)w;
  }
}

/* Answers the request in c; returns false when c was closed. */
static bool answer(struct tconn *c, enum ts_mode mode, int delay_ms, struct ts_counters *ctr) {
  ctr->responses++;
  switch (mode) {
  case TS_NORMAL:
  case TS_DELAY:
    if (c->http10) put(c->fd, RESP_OK10, sizeof RESP_OK10 - 1);
    else if (c->head) put(c->fd, RESP_OK, sizeof RESP_OK - 1 - 5);   /* the length, not the body */
    else put(c->fd, RESP_OK, sizeof RESP_OK - 1);
    return true;
  case TS_STATUS_204:
    put(c->fd, RESP_204, sizeof RESP_204 - 1);
    return true;
  case TS_IDLE_CLOSE:
    put(c->fd, RESP_OK, sizeof RESP_OK - 1);
    c->action = 3;
    c->due = mono() + (int64_t)delay_ms * 1000000;
    return true;
  case TS_CLOSE:
    put(c->fd, RESP_CLOSE, sizeof RESP_CLOSE - 1);
    drop(c, false);
    return false;
  case TS_GARBAGE:
    put(c->fd, RESP_GARBAGE, sizeof RESP_GARBAGE - 1);
    return true;
  case TS_CLOSE_DELIMITED:
    put(c->fd, RESP_CLOSE_DELIM, sizeof RESP_CLOSE_DELIM - 1);
    drop(c, false);
    return false;
  case TS_RESET_MID_BODY:
    put(c->fd, RESP_RESET, sizeof RESP_RESET - 1);
    drop(c, true);
    return false;
  case TS_EOF_MID_BODY:
    /* the request was read in full, so close() sends a FIN, not the RST unread data would */
    put(c->fd, RESP_RESET, sizeof RESP_RESET - 1);
    drop(c, false);
    return false;
  case TS_STATUS_404:
    put(c->fd, RESP_404, sizeof RESP_404 - 1);
    return true;
  case TS_STATUS_503:
    put(c->fd, RESP_503, sizeof RESP_503 - 1);
    return true;
  case TS_STATUS_304:
    put(c->fd, RESP_304, sizeof RESP_304 - 1);
    return true;
  case TS_STATUS_302:
    put(c->fd, RESP_302, sizeof RESP_302 - 1);
    return true;
  case TS_STATUS_MIXED:
    if (ctr->requests % 2) put(c->fd, RESP_OK, sizeof RESP_OK - 1);
    else put(c->fd, RESP_503, sizeof RESP_503 - 1);
    return true;
  case TS_CHUNKED_SPLIT:
    c->split_off = 0;
    c->action = 2;
    c->due = mono();
    return true;
  case TS_STALL:
    return true;
  }
  return true;
}

static void on_request(struct tconn *c, enum ts_mode mode, int delay_ms, struct ts_counters *ctr) {
  ctr->requests++;
  if (mode == TS_STALL) return;
  if (mode == TS_DELAY) {
    c->action = 1;
    c->due = mono() + (int64_t)delay_ms * 1000000;
    return;
  }
  answer(c, mode, delay_ms, ctr);
}

static int64_t armed;   /* what the timerfd is set to: skip the syscall when unchanged */

static void arm(int tfd) {
  int64_t best = 0;
  for (int i = 0; i <= maxfd; i++)
    if (conns[i] && conns[i]->due && (!best || conns[i]->due < best)) best = conns[i]->due;
  if (best == armed) return;
  armed = best;
  struct itimerspec its = {0};
  if (best) {
    its.it_value.tv_sec = best / 1000000000LL;
    its.it_value.tv_nsec = best % 1000000000LL;
    if (!its.it_value.tv_sec && !its.it_value.tv_nsec) its.it_value.tv_nsec = 1;
  }
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void testserver_serve(int lfd, enum ts_mode mode, int delay_ms, struct ts_counters *ctr) {
  prctl(PR_SET_TIMERSLACK, 1UL);   /* delays exact to the microsecond, not 50 us late */
  int ep = epoll_create1(0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = tfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    bool rearm = false;
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          if (cfd >= MAXFD) { close(cfd); continue; }
          int one = 1;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct tconn *c = calloc(1, sizeof *c);
          if (!c) { close(cfd); continue; }
          c->fd = cfd;
          conns[cfd] = c;
          if (cfd > maxfd) maxfd = cfd;
          ctr->accepted++;
          struct epoll_event ce = {.events = EPOLLIN, .data.fd = cfd};
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ce);
        }
      } else if (fd == tfd) {
        uint64_t x;
        if (read(tfd, &x, sizeof x) < 0) { /* spurious */ }
        armed = 0;   /* expired: disarmed */
        int64_t now = mono();
        for (int k = 0; k <= maxfd; k++) {
          struct tconn *c = conns[k];
          if (!c || !c->due || c->due > now) continue;
          int act = c->action;
          c->due = 0;
          c->action = 0;
          if (act == 1) answer(c, mode, delay_ms, ctr);
          else if (act == 3) drop(c, false);
          else if (act == 2) {
            put(c->fd, RESP_CHUNKED + c->split_off, 1);
            if (++c->split_off < sizeof RESP_CHUNKED - 1) { c->action = 2; c->due = now + 200000; }
          }
        }
        rearm = true;
      } else {
        struct tconn *c = fd < MAXFD ? conns[fd] : NULL;
        if (!c) continue;
        ssize_t r = read(fd, c->in + c->inlen, sizeof c->in - c->inlen);
        if (r <= 0) {
          if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          drop(c, false);
          rearm = true;
          continue;
        }
        c->inlen += (size_t)r;
        /* one request at a time: GET/HEAD without a body */
        for (;;) {
          char *e = memmem(c->in, c->inlen, "\r\n\r\n", 4);
          if (!e) {
            if (c->inlen == sizeof c->in) { drop(c, false); c = NULL; }
            break;
          }
          size_t used = (size_t)(e + 4 - c->in);
          c->http10 = memmem(c->in, used, " HTTP/1.0\r\n", 11) != NULL;
          c->head = used >= 5 && !memcmp(c->in, "HEAD ", 5);
          memmove(c->in, c->in + used, c->inlen - used);
          c->inlen -= used;
          if (c->action == 3) { c->action = 0; c->due = 0; }   /* busy again: not idle */
          int before = fd;
          on_request(c, mode, delay_ms, ctr);
          rearm = true;
          if (!conns[before]) { c = NULL; break; }
        }
      }
    }
    if (rearm) arm(tfd);
  }
}

int testserver_start(struct testserver *s, enum ts_mode mode, int delay_ms) {
  memset(s, 0, sizeof *s);
  s->ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s->ctr == MAP_FAILED) { s->ctr = NULL; return -errno; }
  int port = 0;
  int lfd = testserver_listen(&port);
  if (lfd < 0) return lfd;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) { int e = errno; close(lfd); return -e; }
  if (pid == 0) {
    signal(SIGPIPE, SIG_IGN);
    if (mode == TS_DELAY) {
      /* A delay server must answer on time even when the machine is busy (CI shares two cores
       * with builds): the tests measure the generator's accuracy, not the scheduler's. Real-time
       * priority 1 as root; elsewhere this fails and the server runs as before. */
      struct sched_param sp = {.sched_priority = 1};
      (void)sched_setscheduler(0, SCHED_FIFO, &sp);
    }
    testserver_serve(lfd, mode, delay_ms, s->ctr);
    _exit(0);
  }
  close(lfd);
  s->pid = pid;
  s->port = port;
  return 0;
}

void testserver_stop(struct testserver *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
  }
  if (s->ctr) munmap(s->ctr, 4096);
  s->ctr = NULL;
}
