/* test_load_engine.c: engine_run over real loopback sockets against the misbehaving test server
 * (tests/c/support/testserver.c), one case per server mode, each asserting the counted outcome. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* count of needle in hay */
static int count_of(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

/* reads a whole small file into buf (NUL-terminated); returns its length */
static size_t slurp(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  return n;
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
  slurp(epath, text, sizeof text);
  unlink(epath);
  CHECK(s.http_reqs > 3, "refused: attempts were made");
  CHECK_INT(s.fails[FAIL_REFUSED], s.http_reqs, "refused: counted as refused");
  snprintf(want, sizeof want, "WARN: request failed: connection refused (127.0.0.1:%d) \xe2\x80\x94 further failures "
           "of this kind are counted, not logged\n", port);
  CHECK_INT(count_of(text, want), 1, "refused: the first refusal logged once on stderr, naming the address");
  CHECK_INT(count_of(text, "request failed"), 1, "refused: the other refusals are not logged");
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
  slurp(csv, text, sizeof text);
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

/* `pocbench load` as a user runs it: exit status, stdout and stderr (POCBENCH names the binary) */
static int cli(const char *args, char *out, size_t outcap, char *err, size_t errcap) {
  const char *bin = getenv("POCBENCH") ? getenv("POCBENCH") : "build/pocbench";
  char o[] = "/tmp/test_load_engine_out.XXXXXX", e[] = "/tmp/test_load_engine_stderr.XXXXXX";
  close(mkstemp(o));
  close(mkstemp(e));
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s load %s >%s 2>%s", bin, args, o, e);
  int st = system(cmd);
  slurp(o, out, outcap);
  slurp(e, err, errcap);
  unlink(o);
  unlink(e);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void case_cli_refused(void) {
  int port = 0;
  int fd = testserver_listen(&port);
  close(fd);
  char args[200], out[16384], err[4096], want[200];
  snprintf(args, sizeof args, "--no-color -d 1s --sleep 20ms http://127.0.0.1:%d/", port);
  int rc = cli(args, out, sizeof out, err, sizeof err);
  CHECK_INT(rc, 0, "cli refused: exit 0 without thresholds (as k6)");
  CHECK(strstr(out, "http_req_failed") && strstr(out, "100.00%"), "cli refused: the summary keeps its layout and shows 100% failed");
  snprintf(want, sizeof want, "WARN: request failed: connection refused (127.0.0.1:%d)", port);
  CHECK_INT(count_of(err, want), 1, "cli refused: first refusal logged once on stderr");
  CHECK(strstr(err, "WARN: no request succeeded: every one of the ") && strstr(err, " requests failed with connection refused\n"),
        "cli refused: stderr says no request succeeded, and why");
  CHECK(count_of(err, "\n") <= 4, "cli refused: stderr is a few lines, not one per request");
  if (rc != 0 || !strstr(err, "no request succeeded")) printf("# stderr: %s\n", err);
  CHECK_INT(cli("-q -d 1s --sleep 20ms --threshold 'http_req_failed: rate<0.5' http://127.0.0.1:1/", out, sizeof out, err, sizeof err), 99,
            "cli refused with a failure-rate threshold: exit 99");
}

static void case_cli_bad_url(void) {
  static const char *const urls[] = {"http://127.0.0.1:99999/", "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/", "ftp://127.0.0.1/",
                                     "http://127.0.0.1:0/", "http://[::1/"};
  char args[200], out[4096], err[4096], want[200];
  /* The unresolvable host has a 64-octet label: the resolver refuses such a name before sending
   * any query, so this test never reaches a DNS server (traffic stays on this machine). */
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    snprintf(args, sizeof args, "-d 1s '%s'", urls[i]);
    int rc = cli(args, out, sizeof out, err, sizeof err);
    snprintf(want, sizeof want, "pocbench load: URL '%s': ", urls[i]);
    char name[300];
    snprintf(name, sizeof name, "cli bad URL %s: exit 104, nothing on stdout, one line naming it on stderr", urls[i]);
    CHECK(rc == 104 && out[0] == '\0' && !strncmp(err, want, strlen(want)) && count_of(err, "\n") == 1, name);
    if (rc != 104 || out[0]) printf("# rc %d, stdout %.200s, stderr %s\n", rc, out, err);
  }
  cli("-d 1s http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/", out, sizeof out, err, sizeof err);
  CHECK(strstr(err, "cannot resolve host 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid'") != NULL, "cli unresolvable host: the host is named");
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
  case_series_empty_second();
  case_cli_refused();
  case_cli_bad_url();
  case_interrupted();
  case_ramping();
  case_arrival();
  case_stop_flag();
  return check_done("test_load_engine");
}
