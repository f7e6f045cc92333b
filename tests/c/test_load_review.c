/* test_load_review.c: engine edge cases found in review, each against a small purpose-built
 * server (a forked process on 127.0.0.1 port 0) whose observations sit in a MAP_SHARED page. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "load.h"
#include "support/testserver.h"

#define MS 1000000LL

static char url[128];

static struct load_opts base(int port, int64_t vus, int64_t dur_ms) {
  struct load_opts o;
  memset(&o, 0, sizeof o);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
  o.url = url;
  o.method = "GET";
  o.scenario = "default";
  o.executor = EXEC_CONSTANT_VUS;
  o.vus = vus;
  o.duration_ns = dur_ms * MS;
  o.graceful_stop_ns = 2000 * MS;
  o.graceful_ramp_down_ns = 2000 * MS;
  o.timeout_ns = 10000 * MS;
  o.time_unit_ns = 1000 * MS;
  o.quiet = true;
  o.scale = 1;
  return o;
}

/* ------------------------------------------------------------ early-answer server */

struct early_ctr {
  volatile uint64_t accepted, requests, desync, body_done;
};

/* Blocking, one connection at a time (1 VU). Per request: read the header block, check it
 * starts a request line, answer 200 keep-alive at once (before reading the body), wait 50 ms,
 * then read exactly Content-Length body bytes and go on with the next request. A client that
 * reuses the connection before it wrote the whole body makes the next "request" start inside
 * its bytes: counted in desync. */
static void early_serve(int lfd, struct early_ctr *ctr) {
  static char buf[1 << 16];
  static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (;;) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    poll(&p, 1, -1);
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) continue;
    ctr->accepted++;
    size_t len = 0;
    for (;;) {
      char *e = NULL;
      while (!(e = memmem(buf, len, "\r\n\r\n", 4))) {
        if (len == sizeof buf) { ctr->desync++; goto drop; }   /* 64 KiB without a header end */
        ssize_t r = recv(fd, buf + len, sizeof buf - len, 0);
        if (r <= 0) goto drop;
        len += (size_t)r;
      }
      if (len < 5 || memcmp(buf, "POST ", 5) != 0) { ctr->desync++; goto drop; }
      ctr->requests++;
      size_t hl = (size_t)(e + 4 - buf);
      char *cl = memmem(buf, hl, "Content-Length: ", 16);
      size_t body = cl ? (size_t)strtoull(cl + 16, NULL, 10) : 0;
      if (send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL) < 0) goto drop;
      struct timespec ts = {0, 50 * MS};
      nanosleep(&ts, NULL);
      memmove(buf, buf + hl, len - hl);
      len -= hl;
      if (len >= body) {
        memmove(buf, buf + body, len - body);
        len -= body;
      } else {   /* consume the rest of the body */
        size_t rest = body - len;
        len = 0;
        while (rest) {
          char sink[1 << 16];
          ssize_t r = recv(fd, sink, rest < sizeof sink ? rest : sizeof sink, 0);
          if (r <= 0) goto drop;
          rest -= (size_t)r;
        }
      }
      ctr->body_done++;
    }
  drop:
    close(fd);
  }
}

struct fork_server {
  pid_t pid;
  int port;
  void *ctr;
};

static int fork_server_start(struct fork_server *s, void (*serve)(int, void *)) {
  memset(s, 0, sizeof *s);
  s->ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s->ctr == MAP_FAILED) { s->ctr = NULL; return -errno; }
  int port = 0, lfd = testserver_listen(&port);
  if (lfd < 0) return lfd;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) { close(lfd); return -errno; }
  if (pid == 0) {
    signal(SIGPIPE, SIG_IGN);
    serve(lfd, s->ctr);
    _exit(0);
  }
  close(lfd);
  s->pid = pid;
  s->port = port;
  return 0;
}

static void fork_server_stop(struct fork_server *s) {
  if (s->pid > 0) { kill(s->pid, SIGKILL); waitpid(s->pid, NULL, 0); }
  if (s->ctr) munmap(s->ctr, 4096);
  s->pid = 0;
  s->ctr = NULL;
}

static void early_serve_v(int lfd, void *ctr) {
  /* the listening socket is non-blocking (testserver_listen); accept after poll is fine */
  early_serve(lfd, ctr);
}

/* A server that answers before the request is fully written (a large body): the connection
 * must not be reused with the rest of the old body still unsent. */
static void case_early_answer_large_body(void) {
  struct fork_server fs;
  if (fork_server_start(&fs, early_serve_v)) { CHECK(0, "early answer: server starts"); return; }
  struct early_ctr *ctr = fs.ctr;
  struct load_opts o = base(fs.port, 1, 600);
  o.method = "POST";
  size_t blen = 16u << 20;   /* far beyond the loopback socket buffers: the send goes partial */
  char *body = malloc(blen);
  if (!body) { CHECK(0, "early answer: body allocated"); fork_server_stop(&fs); return; }
  memset(body, 'x', blen);
  o.body = body;
  o.body_len = blen;
  struct load_stats s;
  volatile int stop = 0;
  int rc = engine_run(&o, &stop, &s);
  CHECK_INT(rc, 0, "early answer: engine_run returns 0");
  CHECK(s.http_reqs >= 2, "early answer: several requests were made");
  CHECK_INT(ctr->desync, 0, "early answer before the body was sent: no request starts inside an unsent body");
  CHECK_INT(s.http_reqs, s.iterations + s.interrupted, "early answer: every request is one iteration, complete or interrupted");
  load_stats_free(&s);
  free(body);
  fork_server_stop(&fs);
}

/* Open model, a new connection per request (Connection: close): the worker sleeps to its next
 * due time without waking for responses (deferred reads), but a connect's completion carries no
 * kernel timestamp: it must not be observed (and the request sent) only at the next due time. */
static void case_deferred_connect(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_CLOSE, 0)) { CHECK(0, "deferred connect: server starts"); return; }
  struct load_opts o = base(ts.port, 0, 1000);
  o.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  o.rate = 400;                 /* 2.5 ms apart: within the 5-ms deferral horizon */
  o.pre_allocated_vus = 20;
  o.max_vus = 20;
  o.threads = 1;
  struct load_stats s;
  volatile int stop = 0;
  CHECK_INT(engine_run(&o, &stop, &s), 0, "deferred connect: engine_run returns 0");
  CHECK(s.http_reqs >= 350, "deferred connect: about 400 requests");
  double med = hist_percentile(s.trend[T_HTTP_REQ_CONNECTING], 50) / 1e6;
  double blk = hist_percentile(s.trend[T_HTTP_REQ_BLOCKED], 50) / 1e6;
  printf("# connecting p50 %.3f ms, blocked p50 %.3f ms, corrected p50 %.3f ms, duration p50 %.3f ms\n", med, blk,
         hist_percentile(s.trend[T_HTTP_REQ_DURATION_CORRECTED], 50) / 1e6, hist_percentile(s.trend[T_HTTP_REQ_DURATION], 50) / 1e6);
  CHECK(med < 1.0, "deferred connect: a loopback connect's median http_req_connecting is under 1 ms (not the 2.5-ms due spacing)");
  load_stats_free(&s);
  testserver_stop(&ts);
}

/* Open model, close-delimited bodies (the end is the server's FIN): with deferred reads the
 * completion must be the arrival of the body's last byte, not the time the worker got round to
 * reading the EOF (up to its next due time). */
static void case_deferred_close_delimited(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_CLOSE_DELIMITED, 0)) { CHECK(0, "deferred close-delimited: server starts"); return; }
  struct load_opts o = base(ts.port, 0, 1000);
  o.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  o.rate = 400;                 /* 2.5 ms apart: within the 5-ms deferral horizon */
  o.pre_allocated_vus = 20;
  o.max_vus = 20;
  o.threads = 1;
  struct load_stats s;
  volatile int stop = 0;
  CHECK_INT(engine_run(&o, &stop, &s), 0, "deferred close-delimited: engine_run returns 0");
  CHECK(s.http_reqs >= 350, "deferred close-delimited: about 400 requests");
  CHECK_INT(s.http_req_failed, 0, "deferred close-delimited: no failures");
  double med = hist_percentile(s.trend[T_HTTP_REQ_DURATION], 50) / 1e6;
  double rcv = hist_percentile(s.trend[T_HTTP_REQ_RECEIVING], 50) / 1e6;
  printf("# duration p50 %.3f ms, receiving p50 %.3f ms\n", med, rcv);
  CHECK(med < 1.0, "deferred close-delimited: median http_req_duration on loopback under 1 ms (not the 2.5-ms due spacing)");
  load_stats_free(&s);
  testserver_stop(&ts);
}

/* Durations near INT64_MAX (the parsers accept up to INT64_MAX ns; --scale saturates there):
 * deadlines computed from them must saturate, not wrap into the past. */
static void case_huge_durations(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "huge durations: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 1000);
  o.sleep_ns = INT64_MAX - 1;          /* think "forever": one request per VU */
  o.graceful_stop_ns = 300 * MS;
  struct load_stats s;
  volatile int stop = 0;
  CHECK_INT(engine_run(&o, &stop, &s), 0, "huge think time: engine_run returns 0");
  CHECK_INT(s.http_reqs, 2, "huge think time: one request per VU, the think time does not wrap to the past");
  CHECK_INT(s.interrupted, 2, "huge think time: both VUs still thinking at the hard stop");
  load_stats_free(&s);

  o = base(ts.port, 1, 1000);
  o.graceful_stop_ns = INT64_MAX - 1;  /* the hard stop is never reached; the test ends at 1 s */
  o.graceful_ramp_down_ns = INT64_MAX - 1;
  o.timeout_ns = INT64_MAX - 1;
  CHECK_INT(engine_run(&o, &stop, &s), 0, "huge graceful stop and timeout: engine_run returns 0");
  CHECK(s.http_reqs > 10, "huge graceful stop and timeout: the test runs (the hard stop does not wrap to the past)");
  CHECK(s.run_duration_ns >= 1000 * MS && s.run_duration_ns < 3000 * MS, "huge graceful stop: the test ends after its 1-s duration");
  CHECK_INT(s.http_req_failed, 0, "huge graceful stop and timeout: no failures");
  load_stats_free(&s);
  testserver_stop(&ts);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  case_early_answer_large_body();
  case_deferred_connect();
  case_deferred_close_delimited();
  case_huge_durations();
  return check_done("test_load_review");
}
