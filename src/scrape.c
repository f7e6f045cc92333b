/* scrape.c: fetches /metrics during a scenario and turns two scrapes into the server-side
 * figures of the scenario's route.
 *
 * The GET is a plain blocking socket with poll() deadlines and Connection: close, parsed with
 * the shared http_resp parser (so chunked bodies from Go's promhttp work). It runs every 5 s,
 * so simplicity beats reuse of the load engine's event loop.
 * Deltas are computed per route from the raw samples: bucket bounds are matched by value, not
 * by label text, because clients print "1" and "1.0" for the same bound. The "server" object
 * of the scenario document is emitted here too, so the local runner and `pocbench k8s run`
 * (whose scrapes come through kubectl) write it with the same code. */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "http_resp.h"
#include "prom.h"
#include "runner_json.h"
#include "scrape.h"

#define MAX_BODY (4u << 20)

static int wait_fd(int fd, short ev, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - clock_now_ns();
    if (left <= 0) return -ETIMEDOUT;
    struct pollfd p = {.fd = fd, .events = ev};
    int r = poll(&p, 1, (int)(left / 1000000) + 1);
    if (r > 0) return 0;
    if (r < 0 && errno != EINTR) return -errno;
  }
}

static int connect_to(const char *host, int port, int64_t deadline) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai) return -EHOSTUNREACH;
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -errno : 0;
  if (!rc && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
    if (errno != EINPROGRESS) rc = -errno;
    else if (!(rc = wait_fd(fd, POLLOUT, deadline))) {
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
      rc = -soerr;
    }
  }
  freeaddrinfo(ai);
  if (rc < 0 && fd >= 0) close(fd);
  return rc < 0 ? rc : fd;
}

int scrape_get(const char *host, int port, const char *path, int64_t timeout_ns,
               char **body, size_t *len, int *status) {
  *body = NULL;
  *len = 0;
  *status = 0;
  int64_t deadline = clock_now_ns() + timeout_ns;
  int fd = connect_to(host, port, deadline);
  if (fd < 0) return fd;
  char req[512];
  int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: pocbench-scrape\r\n"
                    "Accept: text/plain\r\nConnection: close\r\n\r\n", path, host, port);
  int rc = 0;
  for (int off = 0; off < rl && !rc; ) {
    ssize_t w = send(fd, req + off, (size_t)(rl - off), MSG_NOSIGNAL);
    if (w > 0) off += (int)w;
    else if (w < 0 && errno == EAGAIN) rc = wait_fd(fd, POLLOUT, deadline);
    else if (w < 0 && errno != EINTR) rc = -errno;
  }
  char *buf = rc ? NULL : malloc(MAX_BODY + 1);
  struct http_resp r;
  if (buf) http_resp_init(&r, false, buf, MAX_BODY);
  else if (!rc) rc = -ENOMEM;
  char chunk[16384];
  while (!rc && !r.complete) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      if (http_resp_feed(&r, chunk, (size_t)n) < 0) rc = -EPROTO;
    } else if (n == 0) {
      if (http_resp_eof(&r) < 0) rc = -EPROTO;
      break;
    } else if (errno == EAGAIN) {
      rc = wait_fd(fd, POLLIN, deadline);
    } else if (errno != EINTR) {
      rc = -errno;
    }
  }
  close(fd);
  if (!rc && r.body_truncated) rc = -EFBIG;
  if (rc) { free(buf); return rc; }
  size_t n = r.body_len < MAX_BODY ? r.body_len : MAX_BODY;
  buf[n] = '\0';
  *body = buf;
  *len = n;
  *status = r.status;
  return 0;
}

/* Adds doc's route samples into d with the given sign (+1 after, -1 before). */
static void accumulate(const struct prom_doc *doc, const char *route, double sign,
                       struct scrape_delta *d) {
  for (size_t i = 0; i < doc->nsamples; i++) {
    const struct prom_sample *s = &doc->samples[i];
    const char *h = prom_label_get(s, "handler");
    if (!strcmp(s->name, "process_cpu_seconds_total")) {
      d->cpu_seconds = (isnan(d->cpu_seconds) ? 0 : d->cpu_seconds) + sign * s->value;
      continue;
    }
    if (!strcmp(s->name, "process_resident_memory_bytes")) {
      if (sign > 0) d->rss_bytes_after = s->value;
      continue;
    }
    if (!h || strcmp(h, route)) continue;
    if (!strcmp(s->name, "http_requests_total")) {
      d->requests_total += sign * s->value;
      const char *st = prom_label_get(s, "status");
      if (st && st[0] >= '1' && st[0] <= '5') d->by_status[st[0] - '0'] += sign * s->value;
    } else if (!strcmp(s->name, "http_request_duration_seconds_sum")) {
      d->sum_seconds += sign * s->value;
    } else if (!strcmp(s->name, "http_request_duration_seconds_count")) {
      d->count += sign * s->value;
    } else if (!strcmp(s->name, "http_request_duration_seconds_bucket")) {
      const char *le = prom_label_get(s, "le");
      if (!le) continue;
      double b = !strcmp(le, "+Inf") ? INFINITY : strtod(le, NULL);
      size_t k = 0;
      while (k < d->nbuckets && d->les[k] != b) k++;
      if (k == d->nbuckets) {
        if (d->nbuckets == SCRAPE_MAX_BUCKETS) continue;
        /* keep bounds sorted: insert in place */
        k = 0;
        while (k < d->nbuckets && d->les[k] < b) k++;
        memmove(&d->les[k + 1], &d->les[k], (d->nbuckets - k) * sizeof(double));
        memmove(&d->counts[k + 1], &d->counts[k], (d->nbuckets - k) * sizeof(double));
        d->les[k] = b;
        d->counts[k] = 0;
        d->nbuckets++;
      }
      d->counts[k] += sign * s->value;
    }
  }
}

int scrape_delta(const char *before, size_t blen, const char *after, size_t alen,
                 const char *route, struct scrape_delta *d, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  d->cpu_seconds = NAN;
  d->rss_bytes_after = NAN;
  struct prom_doc a = {0}, b = {0};
  char e[256];
  if (prom_parse(before, blen, &b, e, sizeof e) < 0) {
    snprintf(err, errlen, "scrape before the profile: %s", e);
    return -EINVAL;
  }
  if (prom_parse(after, alen, &a, e, sizeof e) < 0) {
    snprintf(err, errlen, "scrape after the profile: %s", e);
    prom_doc_free(&b);
    return -EINVAL;
  }
  /* after first, so the bucket set is the later (complete) one */
  accumulate(&a, route, +1, d);
  accumulate(&b, route, -1, d);
  prom_doc_free(&a);
  prom_doc_free(&b);
  return 0;
}

void scrape_server_json(yajl_gen g, const char *before, size_t blen, const char *after,
                        size_t alen, const char *route, int nscrapes) {
  struct scrape_delta d;
  char err[300] = "";
  if (!before || !after || scrape_delta(before, blen, after, alen, route, &d, err, sizeof err) < 0) {
    yajl_gen_map_open(g);
    js_kint(g, "scrapes", nscrapes);
    js_kstr(g, "error", err[0] ? err : "no /metrics scrape before and after the profile");
    yajl_gen_map_close(g);
    return;
  }
  yajl_gen_map_open(g);
  js_kint(g, "scrapes", nscrapes);
  js_kdbl(g, "requests_total_delta", d.requests_total);
  js_key(g, "requests_by_status");
  yajl_gen_map_open(g);
  for (int k = 1; k <= 5; k++) {
    if (d.by_status[k] == 0) continue;
    char key[8];
    snprintf(key, sizeof key, "%dxx", k);
    js_kdbl(g, key, d.by_status[k]);
  }
  yajl_gen_map_close(g);
  js_key(g, "duration_histogram");
  yajl_gen_map_open(g);
  js_key(g, "le");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < d.nbuckets; i++) {
    if (isinf(d.les[i])) js_str(g, "+Inf"); else js_dbl(g, d.les[i]);
  }
  yajl_gen_array_close(g);
  js_key(g, "counts");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < d.nbuckets; i++) js_dbl(g, d.counts[i]);
  yajl_gen_array_close(g);
  js_kdbl(g, "sum_seconds", d.sum_seconds);
  js_kdbl(g, "count", d.count);
  yajl_gen_map_close(g);
  js_key(g, "quantiles_seconds");
  yajl_gen_map_open(g);
  static const double qs[] = {0.5, 0.9, 0.95, 0.99};
  static const char *qn[] = {"p50", "p90", "p95", "p99"};
  for (int i = 0; i < 4; i++)
    js_kdbl(g, qn[i], d.nbuckets ? prom_histogram_quantile(qs[i], d.les, d.counts, d.nbuckets) : NAN);
  yajl_gen_map_close(g);
  js_kdbl(g, "process_cpu_seconds_delta", d.cpu_seconds);
  js_kdbl(g, "process_resident_memory_bytes", d.rss_bytes_after);
  yajl_gen_map_close(g);
}

char *scrape_record_line(char *buf, size_t cap, double t_s, long long unix_ms, const char *error) {
  if (error) snprintf(buf, cap, "# pocbench-scrape t_s=%.3f unix_ms=%lld error=%s\n", t_s, unix_ms, error);
  else snprintf(buf, cap, "# pocbench-scrape t_s=%.3f unix_ms=%lld\n", t_s, unix_ms);
  return buf;
}
