/* test_export.c: --summary-export shape (k6 5.1 + pocbench object) and exact cross-process merge. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>
#include "check.h"
#include "fsutil.h"
#include "load.h"

static char dir[] = "/tmp/test_export.XXXXXX";
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void stats_free(struct load_stats *s) {
  for (int i = 0; i < T_COUNT; i++) { hist_free(s->trend[i]); s->trend[i] = NULL; }
}

static struct load_stats make(uint64_t reqs, int64_t dur_ns, int64_t vus) {
  struct load_stats s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < T_COUNT; i++) s.trend[i] = hist_new();
  for (uint64_t r = 0; r < reqs; r++) {
    uint64_t d = 200000 + rnd() % 50000000;
    hist_record(s.trend[T_HTTP_REQ_DURATION], d);
    hist_record(s.trend[T_HTTP_REQ_DURATION_CORRECTED], d + rnd() % 1000000);
    if (r % 10) hist_record(s.trend[T_HTTP_REQ_DURATION_EXPECTED], d);
    hist_record(s.trend[T_HTTP_REQ_WAITING], d - 100000);
    hist_record(s.trend[T_HTTP_REQ_BLOCKED], 1000 + rnd() % 5000);
    hist_record(s.trend[T_HTTP_REQ_CONNECTING], r < 3 ? 50000 : 0);
    hist_record(s.trend[T_HTTP_REQ_TLS_HANDSHAKING], 0);
    hist_record(s.trend[T_HTTP_REQ_SENDING], 10000 + rnd() % 1000);
    hist_record(s.trend[T_HTTP_REQ_RECEIVING], 20000 + rnd() % 1000);
    hist_record(s.trend[T_ITERATION_DURATION], d + 100000000);
  }
  s.http_reqs = reqs;
  s.http_req_failed = reqs / 10;
  s.fails[FAIL_STATUS_5XX] = reqs / 10 - 1;
  s.fails[FAIL_INTERRUPTED] = 1;
  s.status_class[0] = 1;
  s.status_class[2] = reqs - reqs / 10;
  s.status_class[5] = reqs / 10 - 1;
  s.iterations = reqs - 1;
  s.interrupted = 1;
  s.dropped_iterations = 2;
  s.data_sent = reqs * 100;
  s.data_received = reqs * 250;
  s.vus = vus / 2; s.vus_min = 1; s.vus_max = vus; s.vus_max_value = vus;
  s.run_duration_ns = dur_ns;
  s.gen_cpu_seconds = 0.75;
  s.gen_cpu_share_peak = 0.3;
  s.rate_missed_fraction = 0.001;
  return s;
}

static char *path_of(const char *name) {
  static char p[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static yajl_val load(const char *path) {
  char *text;
  size_t len;
  if (fs_read_all(path, &text, &len)) return NULL;
  char e[128];
  yajl_val v = yajl_tree_parse(text, e, sizeof e);
  free(text);
  return v;
}

static yajl_val at(yajl_val v, const char *a, const char *b, const char *c) {
  const char *p[] = {a, b, c, NULL};
  return yajl_tree_get(v, p, yajl_t_any);
}

static bool same_file(const char *a, const char *b) {
  char *x, *y;
  size_t lx, ly;
  if (fs_read_all(a, &x, &lx) || fs_read_all(b, &y, &ly)) return false;
  bool r = lx == ly && !memcmp(x, y, lx);
  free(x);
  free(y);
  return r;
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  struct load_opts o;
  char err[512];
  char *argv[] = {"load", "-d", "10s", "--threshold", "http_req_duration: p(99)<5", "--threshold",
                  "http_req_failed: rate<0.5", "--threshold", "http_req_duration{expected_response:true}: avg<1000",
                  "--threshold", "http_reqs{scenario:default}: count>0", "http://127.0.0.1:9/", NULL};
  CHECK_INT(options_parse_args(12, argv, &o, err, sizeof err) || options_finalize(&o, err, sizeof err), 0, "options");

  struct load_stats a = make(3000, 10000000000LL, 20), b = make(2000, 12000000000LL, 10);
  thresholds_eval(&o, &a);
  CHECK_INT(export_write(path_of("a.json"), &o, &a), 0, "export A written");
  CHECK_INT(export_write(path_of("b.json"), &o, &b), 0, "export B written");

  /* shape */
  yajl_val d = load(path_of("a.json"));
  CHECK(d != NULL, "export is valid JSON");
  {
    char *text;
    size_t len;
    fs_read_all(path_of("a.json"), &text, &len);
    CHECK(!strncmp(text, "{\n    \"root_group\": {\n        \"name\": \"\"", 40), "pretty-printed with 4-space indentation");
    free(text);
  }
  CHECK_STR(YAJL_GET_STRING(at(d, "root_group", "id", NULL)), "d41d8cd98f00b204e9800998ecf8427e", "root group id is MD5 of \"\"");
  CHECK(YAJL_IS_OBJECT(at(d, "root_group", "groups", NULL)) && YAJL_IS_OBJECT(at(d, "root_group", "checks", NULL)),
        "root group has groups and checks objects");
  yajl_val m = at(d, "metrics", NULL, NULL);
  CHECK(YAJL_IS_OBJECT(m), "metrics object");
  static const char *trend_keys[] = {"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"};
  bool tk = true;
  for (size_t i = 0; i < 7; i++) tk = tk && YAJL_IS_NUMBER(at(m, "http_req_duration", trend_keys[i], NULL));
  CHECK(tk, "trend has exactly the trend stats keys (plus p(99) from its threshold)");
  CHECK_INT(YAJL_GET_OBJECT(at(m, "http_req_duration", NULL, NULL))->len, 8, "trend: 7 stats + thresholds, nothing else");
  CHECK(YAJL_IS_INTEGER(at(m, "http_reqs", "count", NULL)) && YAJL_GET_INTEGER(at(m, "http_reqs", "count", NULL)) == 3000,
        "counter count");
  CHECK_NEAR(YAJL_GET_DOUBLE(at(m, "http_reqs", "rate", NULL)), 300.0, 1e-9, "counter rate = count / run duration");
  CHECK_NEAR(YAJL_GET_DOUBLE(at(m, "http_req_failed", "value", NULL)), 0.1, 1e-12, "rate metric uses value (ratio)");
  CHECK(YAJL_GET_INTEGER(at(m, "http_req_failed", "passes", NULL)) == 300 && YAJL_GET_INTEGER(at(m, "http_req_failed", "fails", NULL)) == 2700,
        "rate passes = failed requests, fails = the rest");
  CHECK(YAJL_IS_NUMBER(at(m, "vus", "value", NULL)) && YAJL_IS_NUMBER(at(m, "vus", "min", NULL)) && YAJL_IS_NUMBER(at(m, "vus", "max", NULL)),
        "gauge value/min/max");
  CHECK(YAJL_IS_TRUE(at(m, "http_req_duration", "thresholds", "p(99)<5")), "crossed threshold is true (failed)");
  CHECK(YAJL_IS_FALSE(at(m, "http_req_failed", "thresholds", "rate<0.5")), "passed threshold is false");
  CHECK(YAJL_IS_OBJECT(at(m, "http_req_duration{expected_response:true}", NULL, NULL)), "sub-metric as its own key");
  CHECK(YAJL_IS_FALSE(at(m, "http_req_duration{expected_response:true}", "thresholds", "avg<1000")), "sub-metric threshold");
  CHECK(YAJL_IS_INTEGER(at(m, "http_reqs{scenario:default}", "count", NULL)), "scenario sub-metric with a threshold");
  CHECK(at(m, "dropped_iterations", "count", NULL) != NULL, "observed dropped_iterations exported");
  yajl_val p = at(d, "pocbench", NULL, NULL);
  CHECK(YAJL_IS_OBJECT(p), "pocbench object");
  CHECK(YAJL_IS_OBJECT(at(p, "histograms", "http_req_duration", NULL)) &&
        YAJL_IS_OBJECT(at(p, "histograms", "http_req_duration_corrected", NULL)) &&
        YAJL_IS_OBJECT(at(p, "histograms", "iteration_duration", NULL)), "every histogram carried");
  CHECK_INT(YAJL_GET_OBJECT(at(p, "histograms", NULL, NULL))->len, T_COUNT, "all T_COUNT histograms");
  CHECK(YAJL_GET_INTEGER(at(p, "failures_by_cause", "status_5xx", NULL)) == 299 &&
        YAJL_GET_INTEGER(at(p, "failures_by_cause", "interrupted", NULL)) == 1, "failures by cause");
  CHECK(YAJL_GET_INTEGER(at(p, "status_classes", "2xx", NULL)) == 2700 &&
        YAJL_GET_INTEGER(at(p, "status_classes", "transport", NULL)) == 1, "status classes");
  CHECK(YAJL_IS_NUMBER(at(p, "http_req_duration_corrected", "p(99)", NULL)), "corrected duration stats");
  CHECK_NEAR(YAJL_GET_DOUBLE(at(p, "run_duration_ms", NULL, NULL)), 10000, 1e-9, "run_duration_ms");
  CHECK(YAJL_IS_NUMBER(at(p, "generator", "cpu_seconds", NULL)) && YAJL_GET_INTEGER(at(p, "in_flight_at_end", NULL, NULL)) == 1,
        "generator cpu and in-flight count");
  yajl_tree_free(d);

  /* no temp file left behind */
  {
    DIR *dd = opendir(dir);
    struct dirent *e;
    int tmp = 0;
    while ((e = readdir(dd))) if (strstr(e->d_name, ".tmp.")) tmp++;
    closedir(dd);
    CHECK_INT(tmp, 0, "atomic write leaves no temp file");
  }
  CHECK(export_write("/nonexistent-dir/x.json", &o, &a) < 0, "unwritable path returns an error");

  /* merge: exports of A and B merged == export of A and B merged in memory */
  struct load_stats mg;
  memset(&mg, 0, sizeof mg);
  CHECK_INT(export_read_merge(path_of("a.json"), &mg, err, sizeof err), 0, "read A");
  CHECK_INT(export_read_merge(path_of("b.json"), &mg, err, sizeof err), 0, "read B");
  struct load_stats ex = make(0, 0, 0);
  for (int i = 0; i < T_COUNT; i++) { hist_merge(ex.trend[i], a.trend[i]); hist_merge(ex.trend[i], b.trend[i]); }
  ex.http_reqs = a.http_reqs + b.http_reqs;
  ex.http_req_failed = a.http_req_failed + b.http_req_failed;
  for (int i = 0; i < FAIL_COUNT; i++) ex.fails[i] = a.fails[i] + b.fails[i];
  for (int i = 0; i < 6; i++) ex.status_class[i] = a.status_class[i] + b.status_class[i];
  ex.iterations = a.iterations + b.iterations;
  ex.interrupted = a.interrupted + b.interrupted;
  ex.dropped_iterations = a.dropped_iterations + b.dropped_iterations;
  ex.data_sent = a.data_sent + b.data_sent;
  ex.data_received = a.data_received + b.data_received;
  ex.vus = a.vus + b.vus; ex.vus_min = a.vus_min + b.vus_min; ex.vus_max = a.vus_max + b.vus_max;
  ex.vus_max_value = a.vus_max_value + b.vus_max_value;
  ex.run_duration_ns = 12000000000LL;
  ex.gen_cpu_seconds = 1.5;
  ex.gen_cpu_share_peak = 0.3;
  ex.rate_missed_fraction = 0.001;
  thresholds_eval(&o, &mg);
  thresholds_eval(&o, &ex);
  CHECK_INT(export_write(path_of("merged.json"), &o, &mg), 0, "export of the merge");
  CHECK_INT(export_write(path_of("expected.json"), &o, &ex), 0, "export of in-memory merged stats");
  CHECK(same_file(path_of("merged.json"), path_of("expected.json")), "merge of two exports equals the export of merged stats, byte for byte");
  CHECK_INT(hist_count(mg.trend[T_HTTP_REQ_DURATION]), 5000, "merged histogram count");
  CHECK(hist_percentile(mg.trend[T_HTTP_REQ_DURATION], 99) == hist_percentile(ex.trend[T_HTTP_REQ_DURATION], 99),
        "merged p99 identical");

  /* bad inputs name the problem and change nothing */
  struct load_stats before = mg;
  fs_write_atomic(path_of("k6.json"), "{\"root_group\":{},\"metrics\":{}}", 31);
  CHECK(export_read_merge(path_of("k6.json"), &mg, err, sizeof err) == -EINVAL && strstr(err, "no \"pocbench\" object"),
        "k6's own export rejected with a reason");
  fs_write_atomic(path_of("junk.json"), "{\"pocbench\": [", 14);
  CHECK(export_read_merge(path_of("junk.json"), &mg, err, sizeof err) == -EINVAL && strstr(err, "not valid JSON"), "truncated JSON rejected");
  CHECK(export_read_merge(path_of("missing.json"), &mg, err, sizeof err) == -ENOENT && strstr(err, "missing.json"), "missing file named");
  {
    char *text;
    size_t len;
    fs_read_all(path_of("a.json"), &text, &len);
    char *c = strstr(text, "\"http_req_waiting\":{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":3000");
    if (c) memcpy(strstr(c, "3000"), "3001", 4);
    fs_write_atomic(path_of("corrupt.json"), text, len);
    free(text);
    CHECK(c && export_read_merge(path_of("corrupt.json"), &mg, err, sizeof err) == -EINVAL &&
          strstr(err, "histograms.http_req_waiting"), "histogram with inconsistent count rejected, named");
  }
  CHECK(mg.http_reqs == before.http_reqs && hist_count(mg.trend[T_HTTP_REQ_WAITING]) == 5000, "failed reads merged nothing");

  stats_free(&a); stats_free(&b); stats_free(&ex); stats_free(&mg);
  options_free(&o);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) return 1;
  return check_done("test_export");
}
