/* test_load_engine.c: engine_run over real loopback sockets against the misbehaving test server
 * (tests/c/support/testserver.c), one case per server mode, each asserting the counted outcome. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "load.h"
#include "support/testserver.h"
#include "support/textfile.h"

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
  o.timeout_ns = 60000 * MS;
  o.time_unit_ns = 1000 * MS;
  o.quiet = true;
  o.scale = 1;
  return o;
}

static int run(struct load_opts *o, struct load_stats *s) {
  volatile int stop = 0;
  return engine_run(o, &stop, s);
}

static uint64_t nfail(const struct load_stats *s) {
  uint64_t n = 0;
  for (int i = 0; i < FAIL_COUNT; i++) n += s->fails[i];
  return n;
}

static void case_normal(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "normal: server starts"); return; }
  struct load_opts o = base(ts.port, 4, 800);
  struct load_stats s;
  CHECK_INT(run(&o, &s), 0, "normal: engine_run returns 0");
  CHECK(s.http_reqs > 100, "normal: 4 VUs for 0.8 s send over 100 requests");
  CHECK_INT(s.http_req_failed, 0, "normal: no failures");
  CHECK_INT(s.status_class[2], s.http_reqs, "normal: every response is 2xx");
  CHECK_INT(s.iterations, s.http_reqs, "normal: one request per iteration");
  CHECK_INT(s.interrupted, 0, "normal: nothing interrupted");
  CHECK_INT(ts.ctr->accepted, 4, "normal: one keep-alive connection per VU");
  CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION]), s.http_reqs, "normal: a duration sample per request");
  CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION_EXPECTED]), s.http_reqs, "normal: every response expected");
  CHECK_INT(s.data_received, s.http_reqs * 69, "normal: data_received counts wire bytes (69 per response)");
  CHECK(s.data_sent > s.http_reqs * 20, "normal: data_sent counts request bytes");
  CHECK_INT(s.vus_max_value, 4, "normal: vus_max 4");
  CHECK(s.run_duration_ns >= 800 * MS && s.run_duration_ns < 1500 * MS, "normal: run lasts about the duration");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_close(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_CLOSE, 0)) { CHECK(0, "close: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 500);
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs > 20, "Connection: close: requests keep flowing");
  CHECK_INT(s.http_req_failed, 0, "Connection: close: no failures");
  CHECK_INT(ts.ctr->accepted, s.http_reqs, "Connection: close: a new connection per request");
  CHECK(hist_min(s.trend[T_HTTP_REQ_CONNECTING]) > 0, "Connection: close: every request shows connecting > 0");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_stall_timeout(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_STALL, 0)) { CHECK(0, "stall: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 700);
  o.timeout_ns = 200 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs >= 6, "stall, timeout 200ms over 0.7 s: at least 3 timed-out requests per VU");
  CHECK_INT(s.fails[FAIL_TIMEOUT], s.http_reqs, "stall: every request failed by timeout");
  CHECK_INT(s.status_class[0], s.http_reqs, "stall: status 0 for timeouts");
  CHECK(hist_min(s.trend[T_HTTP_REQ_DURATION]) >= 200 * MS, "stall: a timed-out request lasts at least the timeout");
  CHECK(hist_max(s.trend[T_HTTP_REQ_DURATION]) < 300 * MS, "stall: and not much more");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_late_answer(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_DELAY, 400)) { CHECK(0, "late: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 500);
  o.timeout_ns = 150 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs >= 4, "answer after the timeout: requests were made");
  CHECK_INT(s.fails[FAIL_TIMEOUT], s.http_reqs, "answer after the timeout: all counted as timeouts");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_chunked_split(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_CHUNKED_SPLIT, 0)) { CHECK(0, "chunked: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 600);
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs >= 4, "chunked split at every byte: requests complete");
  CHECK_INT(s.http_req_failed, 0, "chunked split at every byte: no failures");
  CHECK_INT(ts.ctr->accepted, 2, "chunked split at every byte: connections kept alive");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_garbage(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_GARBAGE, 0)) { CHECK(0, "garbage: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 300);
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs > 5, "garbage: requests were made");
  CHECK_INT(s.fails[FAIL_MALFORMED], s.http_reqs, "garbage: every response counted malformed");
  CHECK_INT(nfail(&s), s.http_req_failed, "garbage: failures by cause add up to http_req_failed");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_close_delimited(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_CLOSE_DELIMITED, 0)) { CHECK(0, "close-delimited: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 400);
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs > 10, "close-delimited body: requests complete");
  CHECK_INT(s.http_req_failed, 0, "close-delimited body: read to EOF is success");
  CHECK_INT(s.data_received, s.http_reqs * 62, "close-delimited body: all 62 bytes read each time");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_reset(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_RESET_MID_BODY, 0)) { CHECK(0, "reset: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 300);
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs > 5, "reset mid-body: requests were made");
  CHECK_INT(s.fails[FAIL_RESET], s.http_reqs, "reset mid-body: every request counted as reset");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_idle_close(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_IDLE_CLOSE, 20)) { CHECK(0, "idle close: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 500);
  o.sleep_ns = 60 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs >= 10, "idle close during think time: requests were made");
  CHECK_INT(s.http_req_failed, 0, "idle close during think time: reconnect, not a failure");
  CHECK_INT(ts.ctr->accepted, s.http_reqs, "idle close during think time: each request reconnects");
  CHECK(hist_min(s.trend[T_HTTP_REQ_CONNECTING]) > 0, "idle close: the reconnect shows in connecting");
  CHECK(hist_min(s.trend[T_ITERATION_DURATION]) >= 60 * MS, "think time: iteration_duration includes the sleep");
  load_stats_free(&s);
  testserver_stop(&ts);
}

/* A status-class server: every request answered with `mode`'s status, keep-alive. */
static void status_run(enum ts_mode mode, const char *what, struct testserver *ts, struct load_stats *s) {
  char name[160];
  memset(s, 0, sizeof *s);
  if (testserver_start(ts, mode, 0)) {
    snprintf(name, sizeof name, "%s: server starts", what);
    CHECK(0, name);
    return;
  }
  struct load_opts o = base(ts->port, 2, 300);
  o.sleep_ns = 2 * MS;
  snprintf(name, sizeof name, "%s: engine_run returns 0", what);
  CHECK_INT(run(&o, s), 0, name);
  snprintf(name, sizeof name, "%s: requests were made, each one the server saw", what);
  CHECK(s->http_reqs > 10 && s->http_reqs == ts->ctr->requests, name);
  snprintf(name, sizeof name, "%s: the connection is kept alive (one per VU)", what);
  CHECK_INT(ts->ctr->accepted, 2, name);
}

static void case_status_4xx(void) {
  struct testserver ts;
  struct load_stats s;
  status_run(TS_STATUS_404, "404 keep-alive", &ts, &s);
  CHECK_INT(s.fails[FAIL_STATUS_4XX], s.http_reqs, "404 keep-alive: every request failed with cause 4xx");
  CHECK_INT(nfail(&s), s.fails[FAIL_STATUS_4XX], "404 keep-alive: no other cause");
  CHECK_INT(s.http_req_failed, s.http_reqs, "404 keep-alive: http_req_failed counts every request");
  CHECK_INT(s.status_class[4], s.http_reqs, "404 keep-alive: status class 4xx");
  CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION_EXPECTED]), 0, "404 keep-alive: no expected_response:true sample");
  CHECK_INT(s.iterations, s.http_reqs, "404 keep-alive: a failed status still completes its iteration");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_status_5xx(void) {
  struct testserver ts;
  struct load_stats s;
  status_run(TS_STATUS_503, "503 keep-alive", &ts, &s);
  CHECK_INT(s.fails[FAIL_STATUS_5XX], s.http_reqs, "503 keep-alive: every request failed with cause 5xx");
  CHECK_INT(nfail(&s), s.fails[FAIL_STATUS_5XX], "503 keep-alive: no other cause");
  CHECK_INT(s.http_req_failed, s.http_reqs, "503 keep-alive: http_req_failed counts every request");
  CHECK_INT(s.status_class[5], s.http_reqs, "503 keep-alive: status class 5xx");
  CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION_EXPECTED]), 0, "503 keep-alive: no expected_response:true sample");
  load_stats_free(&s);
  testserver_stop(&ts);
}

/* k6's expected statuses are 200-399: a 304 (no body) or a 302 (not followed) is a success. */
/* Bodiless answers through the engine: to HEAD the server sends Content-Length: 5 and no body,
 * and a 204 has neither; a client waiting for a body would time out (60 s, far past the run)
 * or close the connection. Each must complete at its headers and keep the connection. */
static void case_bodiless(void) {
  struct testserver ts;
  struct load_stats s;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "HEAD: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 500);
  o.method = "HEAD";
  CHECK_INT(run(&o, &s), 0, "HEAD: engine_run returns 0");
  CHECK(s.http_reqs > 50 && s.http_req_failed == 0 && nfail(&s) == 0, "HEAD: many requests, none failed");
  CHECK_INT(s.status_class[2], s.http_reqs, "HEAD: every response 2xx");
  CHECK_INT(s.data_received, s.http_reqs * 64, "HEAD: 64 bytes per response (headers only, Content-Length: 5 unsent)");
  CHECK_INT(ts.ctr->accepted, 2, "HEAD: the connections are kept (one per VU)");
  CHECK_INT(s.interrupted, 0, "HEAD: nothing left in flight");
  load_stats_free(&s);
  testserver_stop(&ts);
  if (testserver_start(&ts, TS_STATUS_204, 0)) { CHECK(0, "204: server starts"); return; }
  o = base(ts.port, 2, 500);
  CHECK_INT(run(&o, &s), 0, "204: engine_run returns 0");
  CHECK(s.http_reqs > 50 && s.http_req_failed == 0 && nfail(&s) == 0, "204: many requests, none failed");
  CHECK_INT(s.status_class[2], s.http_reqs, "204: every response 2xx");
  CHECK_INT(s.data_received, s.http_reqs * 41, "204: 41 bytes per response, no body");
  CHECK_INT(ts.ctr->accepted, 2, "204: the connections are kept (one per VU)");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_status_3xx(void) {
  static const struct { enum ts_mode mode; const char *what; } m[] = {
    {TS_STATUS_304, "304 without a body"}, {TS_STATUS_302, "302 with a Location"}};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    struct testserver ts;
    struct load_stats s;
    char name[160];
    status_run(m[i].mode, m[i].what, &ts, &s);
    snprintf(name, sizeof name, "%s: not failed", m[i].what);
    CHECK(s.http_req_failed == 0 && nfail(&s) == 0, name);
    snprintf(name, sizeof name, "%s: status class 3xx", m[i].what);
    CHECK_INT(s.status_class[3], s.http_reqs, name);
    snprintf(name, sizeof name, "%s: every response expected", m[i].what);
    CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION_EXPECTED]), s.http_reqs, name);
    snprintf(name, sizeof name, "%s: one request per iteration (no redirect followed)", m[i].what);
    CHECK_INT(s.iterations, s.http_reqs, name);
    load_stats_free(&s);
    testserver_stop(&ts);
  }
}

/* Every second request is a 503: http_req_failed is their share, and a rate threshold reads it. */
static void case_status_mixed(void) {
  struct testserver ts;
  struct load_stats s;
  status_run(TS_STATUS_MIXED, "200/503 alternating", &ts, &s);
  uint64_t n = ts.ctr->requests;
  CHECK_INT(s.http_req_failed, n / 2, "200/503 alternating: http_req_failed is the 503s the server sent");
  CHECK_INT(s.fails[FAIL_STATUS_5XX], n / 2, "200/503 alternating: counted as cause 5xx");
  CHECK_INT(s.status_class[2], n - n / 2, "200/503 alternating: the rest are 2xx");
  CHECK_INT(hist_count(s.trend[T_HTTP_REQ_DURATION_EXPECTED]), n - n / 2, "200/503 alternating: only the 200s are expected");
  struct threshold th[2];
  char err[256];
  int prc = threshold_parse("http_req_failed", "rate<0.45", &th[0], err, sizeof err);
  prc |= threshold_parse("http_req_failed", "rate<0.55", &th[1], err, sizeof err);
  CHECK_INT(prc, 0, "200/503 alternating: thresholds parse");
  if (!prc) {
    struct load_opts o = base(ts.port, 2, 300);
    o.thresholds = th;
    o.nthresholds = 2;
    CHECK_INT(thresholds_eval(&o, &s), 1, "200/503 alternating: one of rate<0.45 and rate<0.55 crossed");
    CHECK(th[0].failed && !th[1].failed, "200/503 alternating: rate<0.45 crossed, rate<0.55 passes");
    for (int i = 0; i < 2; i++) { free(th[i].metric); free(th[i].source); }
  }
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_eof_mid_body(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_EOF_MID_BODY, 0)) { CHECK(0, "eof mid-body: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 300);
  o.sleep_ns = 2 * MS;   /* a connection per request: a few hundred, not thousands */
  struct load_stats s;
  CHECK_INT(run(&o, &s), 0, "EOF mid-body: engine_run returns 0");
  CHECK(s.http_reqs > 5, "EOF mid-body (Content-Length 100, 5 sent, FIN): requests were made");
  CHECK_INT(s.fails[FAIL_EOF], s.http_reqs, "EOF mid-body: every request counted as eof");
  CHECK_INT(s.fails[FAIL_RESET], 0, "EOF mid-body: a FIN is not counted as reset");
  CHECK_INT(s.http_req_failed, s.http_reqs, "EOF mid-body: no request counted as success");
  CHECK_INT(s.status_class[0], s.http_reqs, "EOF mid-body: a transport error, not a 2xx");
  CHECK_INT(ts.ctr->accepted, s.http_reqs, "EOF mid-body: every request on a new connection");
  load_stats_free(&s);
  testserver_stop(&ts);
}


static void case_refused(void) {
  int port = 0;
  int fd = testserver_listen(&port);
  close(fd);   /* nobody listens there now */
  struct load_opts o = base(port, 1, 200);
  o.sleep_ns = 20 * MS;
  struct load_stats s;
  /* the engine's stderr into a file: the first refusal is logged once, the rest only counted */
  char epath[] = "/tmp/test_load_engine_err.XXXXXX";
  int efd = mkstemp(epath);
  fflush(stderr);
  int saved = dup(2);
  dup2(efd, 2);
  run(&o, &s);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(efd);
  char text[4096], want[160];
  textfile_slurp(epath, text, sizeof text);
  unlink(epath);
  CHECK(s.http_reqs > 3, "refused: attempts were made");
  CHECK_INT(s.fails[FAIL_REFUSED], s.http_reqs, "refused: counted as refused");
  snprintf(want, sizeof want, "WARN: request failed: connection refused (127.0.0.1:%d) \xe2\x80\x94 further failures "
           "of this kind are counted, not logged\n", port);
  CHECK_INT(textfile_count(text, want), 1, "refused: the first refusal logged once on stderr, naming the address");
  CHECK_INT(textfile_count(text, "request failed"), 1, "refused: the other refusals are not logged");
  load_stats_free(&s);
}

/* A second in which no request completed has no latency in the series (empty CSV fields). */
static void case_series_empty_second(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_DELAY, 1500)) { CHECK(0, "empty second: server starts"); return; }
  struct load_opts o = base(ts.port, 1, 1000);
  char csv[] = "/tmp/test_load_engine_csv.XXXXXX";
  int cfd = mkstemp(csv);
  close(cfd);
  o.out_csv = csv;
  struct load_stats s;
  CHECK_INT(run(&o, &s), 0, "empty second: engine_run returns 0");
  char text[4096];
  textfile_slurp(csv, text, sizeof text);
  unlink(csv);
  CHECK_INT(s.http_reqs, 1, "empty second: one 1.5-s request");
  CHECK(strstr(text, "\n1,1,0,0,0,0,0,0,,,,,,\n") != NULL, "empty second: second 1 has counts 0 and no latency");
  char *row2 = strstr(text, "\n2,");
  double p50 = 0;
  int fields = row2 ? sscanf(row2 + 1, "2,%*d,1,0,1,0,%*d,%*d,%lf,", &p50) : 0;
  CHECK(fields == 1 && p50 >= 1500 && p50 < 1700, "empty second: second 2 has the request and its ~1500 ms latency");
  if (!row2 || fields != 1) printf("# %s", text);
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_interrupted(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_STALL, 0)) { CHECK(0, "interrupted: server starts"); return; }
  struct load_opts o = base(ts.port, 3, 300);
  o.graceful_stop_ns = 200 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK_INT(s.http_reqs, 3, "in flight at the hard stop: counted in http_reqs");
  CHECK_INT(s.fails[FAIL_INTERRUPTED], 3, "in flight at the hard stop: counted as interrupted failures");
  CHECK_INT(s.interrupted, 3, "in flight at the hard stop: iterations interrupted");
  CHECK_INT(s.iterations, 0, "in flight at the hard stop: no iteration completed");
  CHECK(s.run_duration_ns >= 500 * MS && s.run_duration_ns < 900 * MS, "hard stop at duration + gracefulStop");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_ramping(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "ramping: server starts"); return; }
  struct stage st[] = {{400 * MS, 4}, {400 * MS, 0}};
  struct load_opts o = base(ts.port, 0, 0);
  o.executor = EXEC_RAMPING_VUS;
  o.start_vus = 0;
  o.stages = st;
  o.nstages = 2;
  o.sleep_ns = 20 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK(s.iterations > 20, "ramping 0->4->0: iterations ran");
  CHECK_INT(s.interrupted, 0, "ramping 0->4->0 with 20 ms think time: nothing interrupted");
  CHECK_INT(s.vus_max_value, 4, "ramping 0->4->0: 4 VUs initialised");
  CHECK(s.run_duration_ns < 1000 * MS, "ramping: ends soon after the last stage");
  CHECK_INT(s.http_req_failed, 0, "ramping: no failures");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_arrival(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "arrival: server starts"); return; }
  struct load_opts o = base(ts.port, 0, 1000);
  o.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  o.rate = 100;
  o.pre_allocated_vus = 4;
  o.max_vus = 4;
  struct load_stats s;
  run(&o, &s);
  CHECK_INT(s.iterations + s.dropped_iterations, 100, "100/s for 1 s: 100 iterations due");
  CHECK_INT(s.dropped_iterations, 0, "100/s against a fast server: none dropped");
  CHECK(s.rate_missed_fraction < 0.05, "100/s: rate kept");
  CHECK(s.run_duration_ns >= 1000 * MS && s.run_duration_ns < 1300 * MS, "arrival: lasts the duration");
  load_stats_free(&s);

  /* one VU against a server taking 100 ms: most iterations dropped, maxVUs respected */
  testserver_stop(&ts);
  if (testserver_start(&ts, TS_DELAY, 100)) { CHECK(0, "arrival drop: server starts"); return; }
  o = base(ts.port, 0, 1000);
  o.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  o.rate = 50;
  o.pre_allocated_vus = 1;
  o.max_vus = 2;
  o.threads = 1;
  run(&o, &s);
  CHECK_INT(s.iterations + s.dropped_iterations + s.interrupted, 50, "50/s with 2 slow VUs: every due iteration accounted");
  CHECK(s.dropped_iterations >= 25, "50/s with 2 VUs at 100 ms each: over half dropped");
  CHECK_INT(s.vus_max_value, 2, "maxVUs 2: one extra VU initialised after the first drop");
  CHECK(hist_count(s.trend[T_HTTP_REQ_DURATION_CORRECTED]) == s.http_reqs + s.dropped_iterations,
        "dropped iterations enter the corrected trend");
  load_stats_free(&s);
  testserver_stop(&ts);
}

/* reqs of second t in a --out csv file ("t_s,vus,reqs,..."), -1 if there is no such row */
static long csv_reqs(const char *text, int t) {
  char key[16];
  snprintf(key, sizeof key, "\n%d,", t);
  const char *row = strstr(text, key);
  long vus, reqs;
  if (!row || sscanf(row + 1, "%*d,%ld,%ld,", &vus, &reqs) != 2) return -1;
  return reqs;
}

static void case_ramping_arrival(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "ramping arrival: server starts"); return; }
  /* 0 -> 100/s over 1 s, then 100/s for 1 s: 50 + 100 = 150 iterations due */
  struct stage st[] = {{1000 * MS, 100}, {1000 * MS, 100}};
  struct load_opts o = base(ts.port, 0, 0);
  o.executor = EXEC_RAMPING_ARRIVAL_RATE;
  o.start_rate = 0;
  o.stages = st;
  o.nstages = 2;
  o.pre_allocated_vus = 5;
  o.max_vus = 10;
  char csv[] = "/tmp/test_load_engine_ramp.XXXXXX";
  int cfd = mkstemp(csv);
  close(cfd);
  o.out_csv = csv;
  struct load_stats s;
  CHECK_INT(run(&o, &s), 0, "ramping arrival 0->100/s->100/s: engine_run returns 0");
  char text[4096];
  textfile_slurp(csv, text, sizeof text);
  unlink(csv);
  CHECK(s.iterations >= 148 && s.iterations <= 151, "ramping arrival 0->100/s over 1 s, 100/s for 1 s: 150 +- 2 iterations (the integral)");
  CHECK_INT(s.dropped_iterations, 0, "ramping arrival with 5-10 VUs against a fast server: none dropped");
  CHECK_INT(s.http_reqs, ts.ctr->requests, "ramping arrival: the server saw every request");
  CHECK_INT(s.http_req_failed, 0, "ramping arrival: no failures");
  long r1 = csv_reqs(text, 1), r2 = csv_reqs(text, 2);
  CHECK(r1 >= 47 && r1 <= 53, "ramping arrival: about 50 requests in the ramp's second");
  CHECK(r2 >= 97 && r2 <= 103, "ramping arrival: about 100 requests in the flat second");
  if (r1 < 47 || r1 > 53 || r2 < 97 || r2 > 103) printf("# iterations %llu, series:\n%s", (unsigned long long)s.iterations, text);
  CHECK(s.run_duration_ns >= 2000 * MS && s.run_duration_ns < 2500 * MS, "ramping arrival: lasts the two stages");
  load_stats_free(&s);
  testserver_stop(&ts);

  /* 2 VUs at most against 50-ms answers: 40/s at best, while the ramp asks for up to 100/s */
  if (testserver_start(&ts, TS_DELAY, 50)) { CHECK(0, "ramping arrival drop: server starts"); return; }
  struct stage st2[] = {{1000 * MS, 100}};
  o = base(ts.port, 0, 0);
  o.executor = EXEC_RAMPING_ARRIVAL_RATE;
  o.stages = st2;
  o.nstages = 1;
  o.pre_allocated_vus = 1;
  o.max_vus = 2;
  o.threads = 1;
  CHECK_INT(run(&o, &s), 0, "ramping arrival drop: engine_run returns 0");
  uint64_t due = s.iterations + s.dropped_iterations + s.interrupted;
  CHECK(due >= 49 && due <= 50, "ramping arrival 0->100/s over 1 s with maxVUs 2: 50 due iterations accounted");
  CHECK(s.dropped_iterations > 0, "ramping arrival with maxVUs 2 against a 50-ms server: some dropped");
  CHECK(s.iterations <= 2 * 21, "ramping arrival with maxVUs 2: no more than 2 VUs x 20/s completed");
  CHECK_INT(s.vus_max_value, 2, "ramping arrival: maxVUs 2 respected");
  load_stats_free(&s);
  testserver_stop(&ts);
}

static void case_stop_flag(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_STALL, 0)) { CHECK(0, "stop flag: server starts"); return; }
  struct load_opts o = base(ts.port, 2, 60000);
  volatile int stop = 1;   /* already requested: the run ends at once */
  struct load_stats s;
  int rc = engine_run(&o, &stop, &s);
  CHECK_INT(rc, 0, "stop flag: engine_run returns 0");
  CHECK(s.aborted, "stop flag: marked aborted");
  CHECK(s.run_duration_ns < 1000 * MS, "stop flag: a 60 s test ends at once");
  load_stats_free(&s);
  testserver_stop(&ts);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  case_normal();
  case_close();
  case_stall_timeout();
  case_late_answer();
  case_chunked_split();
  case_garbage();
  case_close_delimited();
  case_reset();
  case_idle_close();
  case_status_4xx();
  case_status_5xx();
  case_status_3xx();
  case_bodiless();
  case_status_mixed();
  case_eof_mid_body();
  case_refused();
  case_series_empty_second();
  case_interrupted();
  case_ramping();
  case_arrival();
  case_ramping_arrival();
  case_stop_flag();
  return check_done("test_load_engine");
}
