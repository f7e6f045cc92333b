/* test_summary.c: k6 number formatting (semantics 3.3) and the full summary layout (3.2). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "load.h"
#include "loadout.h"

static char b[128];
#define T(ms, want) CHECK_STR(loadout_fmt_time((ms), b, sizeof b), (want), "time " #ms " -> " want)
#define R(v, want) CHECK_STR(loadout_fmt_rate((v), b, sizeof b), (want), "rate " #v " -> " want)
#define D(v, want) CHECK_STR(loadout_fmt_data((v), b, sizeof b), (want), "data " #v " -> " want)
#define N(v, want) CHECK_STR(loadout_fmt_number((v), b, sizeof b), (want), "number " #v " -> " want)

/* runs summary_print into a string, stderr into another */
static void capture(const struct load_opts *o, const struct load_stats *s, char **out, char **errout) {
  size_t n;
  FILE *f = open_memstream(out, &n);
  char path[] = "/tmp/test_summary_err.XXXXXX";
  int fd = mkstemp(path);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  summary_print(f, o, s);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  fclose(f);
  off_t len = lseek(fd, 0, SEEK_END);
  *errout = calloc(1, (size_t)len + 1);
  if (pread(fd, *errout, (size_t)len, 0) != len) (*errout)[0] = '\0';
  close(fd);
  unlink(path);
}

static struct load_stats fixture(void) {
  struct load_stats s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < T_COUNT; i++) s.trend[i] = hist_new();
  /* values chosen in the histogram's exact region (< 2048 ns) or on exact bucket bounds, so
   * every figure below is exact: 1 ms = 2^20 ns region has 1024-ns buckets. */
  for (uint64_t i = 0; i < 4; i++) {
    uint64_t d = (i + 1) * 1048576;                           /* 1.048576 .. 4.194304 ms */
    hist_record(s.trend[T_HTTP_REQ_DURATION], d);
    hist_record(s.trend[T_HTTP_REQ_DURATION_EXPECTED], d);
    hist_record(s.trend[T_HTTP_REQ_WAITING], d - 1024);
    hist_record(s.trend[T_HTTP_REQ_BLOCKED], 1000 + i * 10);   /* 1 µs .. 1.03 µs */
    hist_record(s.trend[T_HTTP_REQ_CONNECTING], 0);
    hist_record(s.trend[T_HTTP_REQ_TLS_HANDSHAKING], 0);
    hist_record(s.trend[T_HTTP_REQ_SENDING], 512);
    hist_record(s.trend[T_HTTP_REQ_RECEIVING], 1536);
    hist_record(s.trend[T_ITERATION_DURATION], (uint64_t)100 << 20);  /* 104.857600 ms */
  }
  s.http_reqs = 4;
  s.http_req_failed = 0;
  s.iterations = 4;
  s.data_sent = 400;
  s.data_received = 1300000;
  s.status_class[2] = 4;
  s.run_duration_ns = 3000000000LL;
  s.vus = 0; s.vus_min = 0; s.vus_max = 2; s.vus_max_value = 2;
  s.gen_cpu_seconds = 0.5;
  s.gen_cpu_share_peak = 0.25;
  return s;
}

static const char expected[] =
"\n"
"     data_received..................: 1.3 MB 433 kB/s\n"
"     data_sent......................: 400 B  133 B/s\n"
"     http_req_blocked...............: avg=1.01\xc2\xb5s   min=1\xc2\xb5s      med=1.01\xc2\xb5s   max=1.03\xc2\xb5s   p(90)=1.02\xc2\xb5s   p(95)=1.02\xc2\xb5s   p(99.9)=1.02\xc2\xb5s  \n"
"     http_req_connecting............: avg=0s       min=0s       med=0s       max=0s       p(90)=0s       p(95)=0s       p(99.9)=0s      \n"
"   \xe2\x9c\x93 http_req_duration..............: avg=2.62ms   min=1.04ms   med=2.62ms   max=4.19ms   p(90)=3.88ms   p(95)=4.03ms   p(99.9)=4.19ms  \n"
"       { expected_response:true }...: avg=2.62ms   min=1.04ms   med=2.62ms   max=4.19ms   p(90)=3.88ms   p(95)=4.03ms   p(99.9)=4.19ms  \n"
"   \xe2\x9c\x97 http_req_failed................: 0.00%  \xe2\x9c\x93 0        \xe2\x9c\x97 4  \n"
"     http_req_receiving.............: avg=1.53\xc2\xb5s   min=1.53\xc2\xb5s   med=1.53\xc2\xb5s   max=1.53\xc2\xb5s   p(90)=1.53\xc2\xb5s   p(95)=1.53\xc2\xb5s   p(99.9)=1.53\xc2\xb5s  \n"
"     http_req_sending...............: avg=512ns    min=512ns    med=512ns    max=512ns    p(90)=512ns    p(95)=512ns    p(99.9)=512ns   \n"
"     http_req_tls_handshaking.......: avg=0s       min=0s       med=0s       max=0s       p(90)=0s       p(95)=0s       p(99.9)=0s      \n"
"     http_req_waiting...............: avg=2.62ms   min=1.04ms   med=2.62ms   max=4.19ms   p(90)=3.87ms   p(95)=4.03ms   p(99.9)=4.19ms  \n"
"     http_reqs......................: 4      1.333333/s\n"
"     iteration_duration.............: avg=104.85ms min=104.85ms med=104.85ms max=104.85ms p(90)=104.85ms p(95)=104.85ms p(99.9)=104.85ms\n"
"     iterations.....................: 4      1.333333/s\n"
"     vus............................: 0      min=0      max=2\n"
"     vus_max........................: 2      min=2      max=2\n"
"\n"
"   pocbench (beyond k6)\n"
"     failures by cause...: none\n"
"     status classes......: 2xx=4\n"
"     in flight at end....: 0 (counted in http_reqs, not dropped)\n"
"     generator...........: cpu 0.5s, peak 25% of one core\n"
"\n";

int main(void) {
  T(0, "0s");
  T(0.000123, "123ns");
  T(0.00000049, "0s");
  T(0.51234, "512.34\xc2\xb5s");
  T(0.007, "7\xc2\xb5s");
  T(0.01225, "12.25\xc2\xb5s");
  T(0.012259, "12.25\xc2\xb5s");
  T(0.9999999, "999.99\xc2\xb5s");
  T(46.0399, "46.03ms");
  T(1.3, "1.3ms");
  T(110.479, "110.47ms");
  T(999.999, "999.99ms");
  T(1000, "1s");
  T(1140.9, "1.14s");
  T(12919, "12.91s");
  T(59999.99, "59.99s");
  T(60000, "1m0s");
  T(66000.5, "1m6s");
  T(119999, "1m59s");
  T(3600000, "1h0m0s");
  T(3723000, "1h2m3s");
  T(-5, "0s");

  R(0, "0.00%");
  R(1, "100.00%");
  R(0.99999, "99.99%");
  R(0.01, "1.00%");
  R(1.0 / 3, "33.33%");
  R(2.0 / 3, "66.66%");
  R(0.0001, "0.01%");
  R(0.00009, "0.00%");

  D(1300000, "1.3 MB");
  D(81000, "81 kB");
  D(2000, "2.0 kB");
  D(512, "512 B");
  D(0, "0 B");
  D(3.3333, "3.3333 B");
  D(46000, "46 kB");
  D(5500000, "5.5 MB");
  D(10, "10 B");
  D(1250, "1.3 kB");
  D(99950, "100 kB");
  D(1e12, "1.0 TB");

  N(180, "180");
  N(4.36938, "4.36938");
  N(147.839254, "147.839254");
  N(147.8392544, "147.839254");
  N(0.1234567, "0.123457");
  N(0, "0");
  N(1e-7, "0");
  N(2.5, "2.5");

  /* full layout */
  struct load_opts o;
  char err[256];
  char *argv[] = {"load", "-d", "3s", "--no-color",
                  "--threshold", "http_req_duration: p(99.9)<500",
                  "--threshold", "http_req_duration: avg<100",
                  "--threshold", "http_req_failed: rate>0.5", "http://127.0.0.1:9/", NULL};
  int rc = options_parse_args(11, argv, &o, err, sizeof err);
  if (!rc) rc = options_finalize(&o, err, sizeof err);
  CHECK_INT(rc, 0, "options for the layout fixture");
  struct load_stats s = fixture();
  CHECK_INT(thresholds_eval(&o, &s), 1, "fixture: one threshold crossed (empty-rate rule does not apply)");
  char *out, *errout;
  capture(&o, &s, &out, &errout);
  CHECK_STR(out, expected, "full summary layout: order, dots, padding, marks, sub-metric, extras");
  if (strcmp(out, expected)) {
    printf("# --- got ---\n%s# --- end ---\n", out);
  }
  CHECK_STR(errout, "thresholds on metrics 'http_req_failed' have been crossed\n", "crossed thresholds named on stderr");
  free(out);
  free(errout);

  /* open model: the corrected latency line beside the measured one; warnings */
  o.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  o.no_thresholds = true;
  hist_record(s.trend[T_HTTP_REQ_DURATION_CORRECTED], 2048);
  s.gen_cpu_share_peak = 64.0;   /* far above any machine's cores */
  s.rate_missed_fraction = 0.05;
  s.dropped_iterations = 7;
  s.fails[FAIL_TIMEOUT] = 2;
  s.fails[FAIL_INTERRUPTED] = 1;
  s.status_class[0] = 3;
  capture(&o, &s, &out, &errout);
  CHECK(strstr(out, "     http_req_duration (measured)......: avg=2.62ms min=1.04ms") != NULL, "open model: measured line");
  CHECK(strstr(out, "     from intended start (corrected)...: avg=2.04\xc2\xb5s") != NULL, "open model: corrected line");
  CHECK(strstr(out, "failures by cause.................: timeout=2 interrupted=1\n") != NULL, "failures by cause listed");
  CHECK(strstr(out, "status classes....................: 2xx=4 transport=3\n") != NULL, "status classes, transport last");
  CHECK(strstr(out, "in flight at end..................: 1 (") != NULL, "in flight at end");
  CHECK(strstr(out, "WARN the generator's CPU peaked at 6400%") != NULL, "generator CPU warning");
  CHECK(strstr(out, "WARN the arrival rate was missed by 5.0% (7 dropped iterations)") != NULL, "missed rate warning");
  CHECK(strstr(out, "dropped_iterations.............: 7      2.333333/s\n") != NULL, "dropped_iterations shown once observed");
  CHECK(strstr(out, "\xe2\x9c\x93 http_req") == NULL && strstr(out, "\xe2\x9c\x97 http_req") == NULL, "--no-thresholds: no marks");
  CHECK_STR(errout, "", "--no-thresholds: nothing on stderr");
  if (getenv("SHOW")) fputs(out, stdout);
  CHECK(strchr(out, '\x1b') == NULL, "--no-color: no ANSI escapes");
  free(out);
  free(errout);

  /* a threshold on a metric without samples still shows it */
  {
    struct load_opts o2;
    char *argv2[] = {"load", "-d", "1s", "--threshold", "dropped_iterations: count<1", "http://x/", NULL};
    options_parse_args(6, argv2, &o2, err, sizeof err);
    options_finalize(&o2, err, sizeof err);
    struct load_stats e;
    memset(&e, 0, sizeof e);
    thresholds_eval(&o2, &e);
    capture(&o2, &e, &out, &errout);
    CHECK(strstr(out, "\xe2\x9c\x93 dropped_iterations") != NULL, "thresholded empty counter shown with its mark");
    CHECK(strstr(out, "http_req_duration") == NULL, "unobserved trend without threshold hidden");
    CHECK(strstr(out, "WARN no iteration completed") != NULL, "warning when nothing completed");
    free(out);
    free(errout);
    options_free(&o2);
  }

  /* header */
  {
    size_t n;
    char *hdr;
    FILE *f = open_memstream(&hdr, &n);
    struct load_opts o3;
    char *argv3[] = {"load", "-s", "30s:20", "-s", "1m:20", "-s", "30s:0", "--sleep", "100ms", "http://127.0.0.1:8080/", NULL};
    options_parse_args(10, argv3, &o3, err, sizeof err);
    options_finalize(&o3, err, sizeof err);
    summary_print_header(f, &o3);
    fclose(f);
    CHECK(strstr(hdr, "  execution: local\n") != NULL, "header: execution line");
    CHECK(strstr(hdr, "     output: -\n") != NULL, "header: output - without --out");
    CHECK(strstr(hdr, "  scenarios: (100.00%) 1 scenario, 20 max VUs, 2m30s max duration (incl. graceful stop):\n") != NULL,
          "header: scenarios line with max VUs and max duration");
    CHECK(strstr(hdr, "           * default: Up to 20 looping VUs for 2m0s over 3 stages (gracefulRampDown: 30s, gracefulStop: 30s)\n") != NULL,
          "header: ramping-vus description");
    free(hdr);
    options_free(&o3);
    char *argv4[] = {"load", "--rate", "50", "-d", "1m", "--pre-allocated-vus", "10", "--max-vus", "40", "--out", "csv=a.csv", "http://h/", NULL};
    options_parse_args(12, argv4, &o3, err, sizeof err);
    options_finalize(&o3, err, sizeof err);
    f = open_memstream(&hdr, &n);
    summary_print_header(f, &o3);
    fclose(f);
    CHECK(strstr(hdr, "* default: 50.00 iterations/s for 1m0s (maxVUs: 10-40, gracefulStop: 30s)\n") != NULL,
          "header: constant-arrival-rate description");
    CHECK(strstr(hdr, "     output: csv (a.csv)\n") != NULL, "header: csv output named");
    free(hdr);
    o3.quiet = true;
    f = open_memstream(&hdr, &n);
    summary_print_header(f, &o3);
    fclose(f);
    CHECK_INT(n, 0, "header: --quiet prints nothing");
    free(hdr);
    options_free(&o3);
  }

  /* the failure line cmd_load writes to stderr after the summary */
  {
    struct load_stats fs;
    memset(&fs, 0, sizeof fs);
    char *txt;
    size_t n;
#define FAILS(name, want) do { FILE *f_ = open_memstream(&txt, &n); summary_print_failures(f_, &o, &fs); \
    fclose(f_); CHECK_STR(txt, (want), name); free(txt); } while (0)
    fs.http_reqs = 1000;
    FAILS("failure line: nothing when no request failed", "");
    fs.http_req_failed = 12;
    fs.fails[FAIL_REFUSED] = 10;
    fs.fails[FAIL_STATUS_5XX] = 2;
    FAILS("failure line: share (truncated) and causes with counts",
          "WARN: 12 of 1000 requests failed (1.20%): connection refused (10), HTTP status 5xx (2)\n");
    fs.http_reqs = fs.http_req_failed = fs.fails[FAIL_REFUSED] = 91813;
    fs.fails[FAIL_STATUS_5XX] = 0;
    FAILS("failure line: every request refused",
          "WARN: no request succeeded: every one of the 91813 requests failed with connection refused\n");
    fs.http_reqs = fs.http_req_failed = 913;
    fs.fails[FAIL_REFUSED] = 900;
    fs.fails[FAIL_TIMEOUT] = 13;
    FAILS("failure line: none succeeded, two causes with counts and the timeout",
          "WARN: no request succeeded: every one of the 913 requests failed: connection refused (900), "
          "no complete response within the 1m0s timeout (13)\n");
    memset(&fs, 0, sizeof fs);
    FAILS("failure line: nothing when no request was sent", "");
#undef FAILS
    char t[128];
    CHECK_STR(load_fail_text(FAIL_STATUS_4XX, 404, 0, t, sizeof t), "HTTP status 404", "fail text: the status when known");
    CHECK_STR(load_fail_text(FAIL_STATUS_OTHER, 101, 0, t, sizeof t), "unexpected HTTP status 101", "fail text: 1xx");
    CHECK_STR(load_fail_text(FAIL_TIMEOUT, 0, 200 * 1000000LL, t, sizeof t), "no complete response within the 200ms timeout",
              "fail text: timeout names its length");
    CHECK_STR(load_fail_text(FAIL_EOF, 0, 0, t, sizeof t), "connection closed before the response was complete", "fail text: EOF");
    for (int c = 0; c < FAIL_COUNT; c++)
      CHECK(strlen(load_fail_text(c, 0, 0, t, sizeof t)) > 5 && !strstr(t, "unknown"), "fail text: every cause has words");
  }

  /* the CPU warning counts the threads the engine really ran (the auto rule may pick 1 of 4 CPUs) */
  if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
    s.gen_cpu_share_peak = 0.95;
    s.threads = 1;
    char *out1, *err1;
    capture(&o, &s, &out1, &err1);
    CHECK(strstr(out1, "WARN the generator's CPU peaked at 95% of a core (1 thread)") != NULL,
          "CPU warning: 95% of the one thread the engine ran, on a machine with more CPUs");
    free(out1);
    free(err1);
    s.threads = 0;
  }

  for (int i = 0; i < T_COUNT; i++) hist_free(s.trend[i]);
  options_free(&o);
  return check_done("test_summary");
}
