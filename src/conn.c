/* conn.c: the per-VU HTTP/1.1 keep-alive connection, a small state machine under epoll.
 *
 * Key decisions. The epoll registration is level-triggered for EPOLLIN and lasts as long as the
 * socket, so a keep-alive request costs one send() and one read() and no epoll_ctl (EPOLLOUT is
 * added only while a connect or a partial write is pending). A kept-alive connection the server
 * closed while the VU was thinking becomes readable; it is closed then, so the next request
 * reconnects (and pays blocked/connecting) instead of failing. If the close races with our
 * write, the request sees EOF/EPIPE/RESET before any response byte: on a reused connection that
 * is retried once on a fresh one, as browsers and Go's client do for idempotent requests.
 * Rejected: a pool per thread (k6 gives each VU its own connection; sharing changes the model).
 * Responses are parsed by http_resp (libhttp-parser) and never stored: bodies are only counted.
 * Arrival times come from the kernel (SO_TIMESTAMPNS: when the segment reached the socket),
 * clamped to [request written, read]: the engine may read a response a little after it
 * arrived (it sleeps to its next deadline rather than waking once more per response), and the
 * figures stay those of the wire, not of when the thread got round to them. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "conn.h"

/* Fresh timestamps where a batch-wide one would be wrong: a VU handled late in an epoll batch
 * writes its request later than the batch woke up (vDSO clock: ~20 ns). */
static int64_t clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int target_init(struct target *t, const struct load_opts *o, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  const char *u = o->url;
  if (!u || strncmp(u, "http://", 7) != 0) {
    snprintf(err, errlen, "URL \"%s\": only http://host[:port]/path is supported", u ? u : "");
    return -EINVAL;
  }
  const char *h = u + 7, *path = strchr(h, '/');
  size_t hl = path ? (size_t)(path - h) : strlen(h);
  if (!path) path = "/";
  if (hl == 0 || hl >= sizeof t->host) {
    snprintf(err, errlen, "URL \"%s\": bad host", u);
    return -EINVAL;
  }
  memcpy(t->host, h, hl);
  t->host[hl] = 0;
  char name[256], port[16] = "80";
  const char *hp = t->host, *colon;
  if (*hp == '[') {
    const char *rb = strchr(hp, ']');
    if (!rb) { snprintf(err, errlen, "URL \"%s\": unterminated [IPv6] host", u); return -EINVAL; }
    snprintf(name, sizeof name, "%.*s", (int)(rb - hp - 1), hp + 1);
    colon = rb[1] == ':' ? rb + 1 : NULL;
  } else {
    colon = strrchr(hp, ':');
    snprintf(name, sizeof name, "%.*s", (int)(colon ? (size_t)(colon - hp) : strlen(hp)), hp);
  }
  if (colon) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p <= 0 || p > 65535) { snprintf(err, errlen, "URL \"%s\": bad port", u); return -EINVAL; }
    snprintf(port, sizeof port, "%ld", p);
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(name, port, &hints, &res);
  if (rc != 0 || !res) {
    snprintf(err, errlen, "URL \"%s\": cannot resolve \"%s\": %s", u, name, gai_strerror(rc));
    return -EINVAL;
  }
  memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
  t->addrlen = res->ai_addrlen;
  freeaddrinfo(res);

  const char *method = o->method ? o->method : "GET";
  t->head = strcmp(method, "HEAD") == 0;
  bool has_host = false;
  size_t cap = strlen(method) + strlen(path) + strlen(t->host) + 128 + o->body_len;
  for (size_t i = 0; i < o->nheaders; i++) {
    cap += strlen(o->headers[i].name) + strlen(o->headers[i].value) + 4;
    if (strcasecmp(o->headers[i].name, "host") == 0) has_host = true;
  }
  t->req = malloc(cap);
  if (!t->req) return -ENOMEM;
  size_t n = (size_t)snprintf(t->req, cap, "%s %s HTTP/1.1\r\n", method, path);
  if (!has_host) n += (size_t)snprintf(t->req + n, cap - n, "Host: %s\r\n", t->host);
  n += (size_t)snprintf(t->req + n, cap - n, "User-Agent: pocbench\r\n");
  for (size_t i = 0; i < o->nheaders; i++)
    n += (size_t)snprintf(t->req + n, cap - n, "%s: %s\r\n", o->headers[i].name, o->headers[i].value);
  if (o->body) n += (size_t)snprintf(t->req + n, cap - n, "Content-Length: %zu\r\n", o->body_len);
  n += (size_t)snprintf(t->req + n, cap - n, "\r\n");
  if (o->body && o->body_len) {
    memcpy(t->req + n, o->body, o->body_len);
    n += o->body_len;
  }
  t->req_len = n;
  return 0;
}

void target_free(struct target *t) {
  if (!t) return;
  free(t->req);
  t->req = NULL;
}

void conn_init(struct conn *c, uint64_t epoll_tag) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  c->cause = -1;
  c->epoll_tag = epoll_tag;
}

bool conn_busy(const struct conn *c) {
  return c->state == CS_CONNECTING || c->state == CS_WRITING || c->state == CS_READING;
}

/* c->want_out changes only here, so x->n_want_out stays the number of conns with it set */
static void want_out(struct conn *c, const struct conn_ctx *x, bool out) {
  if (c->want_out != out && x->n_want_out) *x->n_want_out += out ? 1 : -1;
  c->want_out = out;
}

void conn_close(struct conn *c, const struct conn_ctx *x) {
  /* close() removes the fd from the epoll set (no dup'd fds) */
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = CS_CLOSED;
  want_out(c, x, false);
}

static uint64_t tag(const struct conn *c) {
  return (c->epoll_tag & 0xffffffffu) | ((uint64_t)c->gen << 32);
}

static int set_events(struct conn *c, const struct conn_ctx *x, bool out) {
  if (c->want_out == out) return 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u), .data.u64 = tag(c)};
  want_out(c, x, out);
  return epoll_ctl(x->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int finish(struct conn *c, const struct conn_ctx *x, int cause, bool keep) {
  c->cause = cause;
  if (cause >= 0 && cause < FAIL_STATUS_4XX) c->status = 0;
  if (!keep) conn_close(c, x);
  else {
    c->state = CS_IDLE;
    if (c->want_out) set_events(c, x, false);
  }
  return 1;
}

void conn_fail(struct conn *c, const struct conn_ctx *x, int cause) {
  c->status = 0;
  finish(c, x, cause, false);
}

static int do_connect(struct conn *c, const struct conn_ctx *x, int64_t now);

/* A reused connection died before any byte of the answer: try once more on a fresh one. */
static int retry_or_fail(struct conn *c, const struct conn_ctx *x, int cause, int64_t now) {
  if (c->reused && !c->retried && c->tm.first_byte == 0) {
    conn_close(c, x);
    c->retried = true;
    c->reused = false;
    return do_connect(c, x, now);
  }
  return finish(c, x, cause, false);
}

static int do_write(struct conn *c, const struct conn_ctx *x, int64_t now) {
  const struct target *t = x->tg;
  while (c->woff < t->req_len) {
    ssize_t n = send(c->fd, t->req + c->woff, t->req_len - c->woff, MSG_NOSIGNAL);
    if (n > 0) {
      c->woff += (size_t)n;
      c->sent += (uint64_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c->state = CS_WRITING;
      return set_events(c, x, true) < 0 ? finish(c, x, FAIL_RESET, false) : 0;
    }
    return retry_or_fail(c, x, errno == ECONNREFUSED ? FAIL_REFUSED : FAIL_RESET, now);
  }
  (void)now;
  c->tm.written = clock_ns();
  c->state = CS_READING;
  if (c->want_out && set_events(c, x, false) < 0) return finish(c, x, FAIL_RESET, false);
  return 0;
}

static int got_conn(struct conn *c, const struct conn_ctx *x, int64_t now) {
  c->tm.got_conn = now;
  c->woff = 0;
  http_resp_init(&c->resp, x->tg->head, NULL, 0);
  return do_write(c, x, now);
}

static int do_connect(struct conn *c, const struct conn_ctx *x, int64_t now) {
  const struct target *t = x->tg;
  c->new_conn = true;
  c->tm.conn_start = now;
  c->tm.conn_done = 0;
  c->gen++;
  c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return finish(c, x, FAIL_CONNECT, false);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (x->rx_ts) setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);   /* best effort */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT, .data.u64 = tag(c)};
  want_out(c, x, true);
  if (epoll_ctl(x->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) return finish(c, x, FAIL_CONNECT, false);
  c->state = CS_CONNECTING;
  if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) == 0) {
    c->tm.conn_done = now;
    return got_conn(c, x, now);
  }
  if (errno == EINPROGRESS || errno == EINTR) return 0;
  return finish(c, x, errno == ECONNREFUSED ? FAIL_REFUSED : FAIL_CONNECT, false);
}

int conn_begin(struct conn *c, const struct conn_ctx *x, int64_t now) {
  memset(&c->tm, 0, sizeof c->tm);
  c->tm.start = now;
  c->status = 0;
  c->cause = -1;
  c->sent = c->received = 0;
  c->retried = false;
  c->new_conn = false;
  if (c->state == CS_IDLE) {
    c->reused = true;
    return got_conn(c, x, now);
  }
  c->reused = false;
  if (c->fd >= 0) conn_close(c, x);
  return do_connect(c, x, now);
}

static int classify(int status) {
  if (status >= 200 && status < 400) return -1;
  if (status >= 400 && status < 500) return FAIL_STATUS_4XX;
  if (status >= 500 && status < 600) return FAIL_STATUS_5XX;
  return FAIL_STATUS_OTHER;
}

/* read() plus the kernel's receive time of the last segment read, as CLOCK_MONOTONIC clamped
 * to [lo, now]; now when the kernel gave none (EOF, timestamps unavailable). */
static ssize_t read_ts(struct conn *c, const struct conn_ctx *x, int64_t lo, int64_t now, int64_t *at) {
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct timespec))]; } ctl;
  struct iovec iov = {.iov_base = x->rbuf, .iov_len = x->rcap};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
  *at = now;
  if (!x->rx_ts) return read(c->fd, x->rbuf, x->rcap);   /* read at once: now is the time */
  ssize_t n = recvmsg(c->fd, &mh, 0);
  if (n <= 0) return n;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS) continue;
    struct timespec ts;
    memcpy(&ts, CMSG_DATA(cm), sizeof ts);
    int64_t t = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - x->rt_off;
    if (t < lo) t = lo;
    if (t < now) *at = t;
  }
  return n;
}

static int on_read(struct conn *c, const struct conn_ctx *x, int64_t now) {
  for (;;) {
    int64_t at;
    ssize_t n = read_ts(c, x, c->tm.first_byte ? c->tm.first_byte : c->tm.written ? c->tm.written : c->tm.got_conn, now, &at);
    if (n > 0) {
      c->received += (uint64_t)n;
      if (c->tm.first_byte == 0) c->tm.first_byte = at;
      c->tm.last_rx = at;
      ssize_t used = http_resp_feed(&c->resp, x->rbuf, (size_t)n);
      if (used < 0) return finish(c, x, FAIL_MALFORMED, false);
      if (c->resp.complete) {
        c->tm.done = at;
        c->status = c->resp.status;
        /* bytes beyond the response: not ours to interpret (no pipelining), drop the conn; an
         * answer before the request was fully written leaves its rest unsent: drop it too */
        bool keep = c->resp.keep_alive && used == n && c->woff == x->tg->req_len;
        return finish(c, x, classify(c->resp.status), keep);
      }
      if ((size_t)n < x->rcap) return 0;
      continue;
    }
    if (n == 0) {
      if (c->tm.first_byte != 0 && http_resp_eof(&c->resp) == 0) {
        c->tm.done = c->tm.last_rx;
        c->status = c->resp.status;
        return finish(c, x, classify(c->resp.status), false);
      }
      return retry_or_fail(c, x, FAIL_EOF, now);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return retry_or_fail(c, x, FAIL_RESET, now);
  }
}

int conn_on_event(struct conn *c, const struct conn_ctx *x, uint32_t events, int64_t now) {
  switch (c->state) {
  case CS_IDLE: {
    /* The server closed (or wrote to) a kept-alive connection while we were not asking: drop
     * it now so the next request reconnects instead of failing. */
    char b[64];
    ssize_t n = recv(c->fd, b, sizeof b, MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) conn_close(c, x);
    return 0;
  }
  case CS_CONNECTING: {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return 0;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
    if (err == 0 && (events & EPOLLOUT)) {
      c->tm.conn_done = now;
      return got_conn(c, x, now);
    }
    if (err == 0) err = ECONNREFUSED;
    return finish(c, x, err == ECONNREFUSED ? FAIL_REFUSED : FAIL_CONNECT, false);
  }
  case CS_WRITING:
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
      int r = on_read(c, x, now);        /* an early answer or an error ends the write */
      if (r || c->state != CS_WRITING) return r;
    }
    if (events & EPOLLOUT) return do_write(c, x, now);
    return 0;
  case CS_READING:
    return on_read(c, x, now);
  case CS_CLOSED:
    return 0;
  }
  return 0;
}

void conn_timings(const struct conn *c, int64_t end, int64_t out[T_COUNT]) {
  const struct req_times *t = &c->tm;
  int64_t got = t->got_conn ? t->got_conn : end;
  out[T_HTTP_REQ_BLOCKED] = got - t->start;
  out[T_HTTP_REQ_CONNECTING] = c->new_conn ? (t->conn_done ? t->conn_done : end) - t->conn_start : 0;
  out[T_HTTP_REQ_TLS_HANDSHAKING] = 0;
  int64_t sending = 0, waiting = 0, receiving = 0;
  if (t->got_conn) {
    int64_t w = t->written ? t->written : end;
    sending = w - t->got_conn;
    if (t->written) {
      if (!t->first_byte) waiting = end - t->written;
      else if (t->first_byte > t->written) waiting = t->first_byte - t->written;
    }
    if (t->first_byte) receiving = end - (t->first_byte > w ? t->first_byte : w);
  }
  out[T_HTTP_REQ_SENDING] = sending;
  out[T_HTTP_REQ_WAITING] = waiting;
  out[T_HTTP_REQ_RECEIVING] = receiving;
  out[T_HTTP_REQ_DURATION] = sending + waiting + receiving;
}
