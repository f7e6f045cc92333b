/* test_load_engine.c: engine_run over real loopback sockets against the misbehaving test server
 * (tests/c/support/testserver.c), one case per server mode, each asserting the counted outcome. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

static void case_refused(void) {
  int port = 0;
  int fd = testserver_listen(&port);
  close(fd);   /* nobody listens there now */
  struct load_opts o = base(port, 1, 200);
  o.sleep_ns = 20 * MS;
  struct load_stats s;
  run(&o, &s);
  CHECK(s.http_reqs > 3, "refused: attempts were made");
  CHECK_INT(s.fails[FAIL_REFUSED], s.http_reqs, "refused: counted as refused");
  load_stats_free(&s);
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
  case_refused();
  case_interrupted();
  case_ramping();
  case_arrival();
  case_stop_flag();
  return check_done("test_load_engine");
}
