/* app.c: routing and the five endpoints, on libh2o's request/response API.
 *
 * One handler is registered at "/" and routes by exact match on the normalized path (no query
 * string), so unmatched paths are counted with handler="none" instead of reaching h2o's own
 * 404. Per-request state (start time, metric slots, the /io timer entry) lives in the request's
 * memory pool as a shared object whose dispose callback runs when h2o frees the request, i.e.
 * after the response was written or the connection was lost; that keeps the in-flight count
 * used by the drain exact and unlinks a pending /io timer of a vanished client.
 * /io waits on an h2o_timeout_t of 50 ms. h2o's loop clock has millisecond granularity, so a
 * timer can fire up to 1 ms early; the callback checks the monotonic clock and re-arms a 1 ms
 * timer until 50 ms have really passed. A thread or a blocking sleep per request was rejected
 * by the contract: the point of /io is that waits overlap on one thread. */
#include "app.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "payload.h"

#define IO_WAIT_NS 50000000ull

struct req_ctx {
  h2o_timeout_entry_t timer; /* /io */
  h2o_req_t *req;
  uint64_t t0;               /* CLOCK_MONOTONIC ns when the handler got the (complete) request */
  int method;                /* metrics method slot */
  enum route route;
  bool counted;              /* metrics_begin was called */
  bool done;                 /* metrics_end was called */
  bool head;
};

static h2o_timeout_t io_timeout, io_retry;
static size_t live;
static const h2o_generator_t generator = {NULL, NULL};

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_JSON "application/json"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ctx_dispose(void *p) {
  struct req_ctx *c = p;
  if (h2o_timeout_is_linked(&c->timer)) h2o_timeout_unlink(&c->timer);
  if (c->counted && !c->done) metrics_abort(c->method, c->route);
  live--;
}

/* Sends the whole response. body must stay valid until the request is disposed unless copy. */
static void respond(struct req_ctx *c, int status, const char *reason, const char *ctype,
                    const char *body, size_t len, bool copy) {
  h2o_req_t *req = c->req;
  req->res.status = status;
  req->res.reason = reason;
  req->res.content_length = len;
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                 strlen(ctype));
  if (c->counted) {
    metrics_end(c->method, c->route, status, (double)(now_ns() - c->t0) / 1e9);
    c->done = true;
  }
  h2o_start_response(req, (h2o_generator_t *)&generator);
  if (c->head) {
    h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    return;
  }
  h2o_iovec_t buf = copy ? h2o_strdup(&req->pool, body, len) : h2o_iovec_init(body, len);
  h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

static void on_io_timer(h2o_timeout_entry_t *entry) {
  struct req_ctx *c = (struct req_ctx *)entry; /* timer is the first member */
  if (now_ns() - c->t0 < IO_WAIT_NS) {
    h2o_timeout_link(c->req->conn->ctx->loop, &io_retry, &c->timer);
    return;
  }
  static const char body[] = "{\"slept_ms\":50}";
  respond(c, 200, "OK", CT_JSON, body, sizeof body - 1, false);
}

static bool path_is(const h2o_iovec_t p, const char *s) {
  size_t n = strlen(s);
  return p.len == n && memcmp(p.base, s, n) == 0;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
  (void)self;
  uint64_t t0 = now_ns();
  struct req_ctx *c = h2o_mem_alloc_shared(&req->pool, sizeof *c, ctx_dispose);
  memset(c, 0, sizeof *c);
  live++;
  c->req = req;
  c->t0 = t0;
  bool get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
  c->head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
  const h2o_iovec_t path = req->path_normalized;

  if ((get || c->head) && path_is(path, "/metrics")) {
    const char *text;
    size_t len;
    if (metrics_render(&text, &len) < 0) {
      respond(c, 500, "Internal Server Error", CT_TEXT, "out of memory", 13, false);
      return 0;
    }
    respond(c, 200, "OK", CT_PROM, text, len, true);
    return 0;
  }

  c->route = ROUTE_NONE;
  if (get || c->head) {
    if (path_is(path, "/health")) c->route = ROUTE_HEALTH;
    else if (path_is(path, "/cpu")) c->route = ROUTE_CPU;
    else if (path_is(path, "/io")) c->route = ROUTE_IO;
    else if (path_is(path, "/json")) c->route = ROUTE_JSON;
  }
  c->method = metrics_method_slot(req->method.base, req->method.len);
  c->counted = true;
  metrics_begin(c->method, c->route);

  switch (c->route) {
  case ROUTE_HEALTH:
    respond(c, 200, "OK", CT_TEXT, "ok", 2, false);
    break;
  case ROUTE_CPU: {
    char body[PAYLOAD_CPU_LEN + 1];
    size_t n = payload_cpu(body);
    respond(c, 200, "OK", CT_JSON, body, n, true);
    break;
  }
  case ROUTE_IO:
    c->timer.cb = on_io_timer;
    h2o_timeout_link(req->conn->ctx->loop, &io_timeout, &c->timer);
    break;
  case ROUTE_JSON: {
    const char *body;
    size_t n;
    if (payload_json(&body, &n) < 0)
      respond(c, 500, "Internal Server Error", CT_TEXT, "json generator error", 20, false);
    else
      respond(c, 200, "OK", CT_JSON, body, n, true);
    break;
  }
  default:
    respond(c, 404, "Not Found", CT_TEXT, "not found", 9, false);
    break;
  }
  return 0;
}

int app_init(h2o_pathconf_t *pathconf, h2o_loop_t *loop) {
  h2o_handler_t *h = h2o_create_handler(pathconf, sizeof *h);
  if (!h) return -ENOMEM;
  h->on_req = on_req;
  h2o_timeout_init(loop, &io_timeout, IO_WAIT_NS / 1000000);
  h2o_timeout_init(loop, &io_retry, 1);
  return 0;
}

size_t app_live_requests(void) { return live; }

void app_dispose(h2o_loop_t *loop) {
  h2o_timeout_dispose(loop, &io_timeout);
  h2o_timeout_dispose(loop, &io_retry);
}
