/* test_thresholds.c: threshold grammar (k6 4.2) and evaluation (k6 4.3). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "load.h"

static struct threshold t;
static char err[512];

static int parse(const char *metric, const char *expr) {
  free(t.metric);
  free(t.source);
  memset(&t, 0, sizeof t);
  err[0] = '\0';
  return threshold_parse(metric, expr, &t, err, sizeof err);
}

static void ok_case(const char *metric, const char *expr, enum th_agg agg, enum th_op op, double rhs, const char *name) {
  int rc = parse(metric, expr);
  CHECK(rc == 0 && t.agg == agg && t.op == op && t.rhs == rhs && t.source && !strcmp(t.source, expr), name);
  if (rc) printf("#   error was: %s\n", err);
}

static void bad_case(const char *metric, const char *expr, const char *must_mention, const char *name) {
  int rc = parse(metric, expr);
  CHECK(rc == -EINVAL && strstr(err, must_mention) != NULL, name);
  if (rc != -EINVAL || !strstr(err, must_mention)) printf("#   rc %d, error was: %s\n", rc, err);
}

static size_t eval1(const char *metric, const char *expr, const struct load_stats *s) {
  struct load_opts o;
  memset(&o, 0, sizeof o);
  struct threshold th;
  if (threshold_parse(metric, expr, &th, err, sizeof err)) return 99;
  o.thresholds = &th;
  o.nthresholds = 1;
  size_t n = thresholds_eval(&o, s);
  if (n != (th.failed ? 1u : 0u)) n = 98;
  free(th.metric);
  free(th.source);
  return n;
}

int main(void) {
  ok_case("http_req_failed", "rate<0.01", TH_RATE, TH_LT, 0.01, "rate<0.01 on a rate metric");
  ok_case("http_req_duration", "p(90)<2000", TH_P, TH_LT, 2000, "p(90)<2000 on a trend");
  CHECK(t.p == 90, "p(90) keeps N=90");
  ok_case("http_req_duration", "p(99.9)<500", TH_P, TH_LT, 500, "p(99.9)<500");
  CHECK(t.p == 99.9, "p(99.9) keeps N=99.9");
  ok_case("http_req_duration", "avg<200", TH_AVG, TH_LT, 200, "avg<200");
  ok_case("http_req_duration", "med<=150", TH_MED, TH_LE, 150, "med<=150 splits at <= not <");
  ok_case("http_req_duration", "max<3000", TH_MAX, TH_LT, 3000, "max<3000");
  ok_case("iteration_duration", "min>=100", TH_MIN, TH_GE, 100, "min>=100 splits at >=");
  ok_case("http_reqs", "count>10", TH_COUNT, TH_GT, 10, "count>10 on a counter");
  ok_case("http_reqs", "rate>=100", TH_RATE, TH_GE, 100, "rate>=100 on a counter");
  ok_case("vus", "value<50", TH_VALUE, TH_LT, 50, "value<50 on a gauge");
  ok_case("http_req_failed", "rate>=0.95", TH_RATE, TH_GE, 0.95, "rate>=0.95");
  ok_case("iterations", "count==10", TH_COUNT, TH_EQ, 10, "== is equality");
  ok_case("iterations", "count===10", TH_COUNT, TH_EQ, 10, "=== is equality");
  ok_case("dropped_iterations", "count!=0", TH_COUNT, TH_NE, 0, "!= is inequality");
  ok_case("http_req_duration", "  p(95)   <   500  ", TH_P, TH_LT, 500, "whitespace around parts ignored");
  ok_case("http_req_duration", "avg<1e3", TH_AVG, TH_LT, 1000, "exponent literal 1e3");
  ok_case("data_received", "count>-1", TH_COUNT, TH_GT, -1, "negative right side");
  ok_case("http_req_duration{expected_response:true}", "p(95)<500", TH_P, TH_LT, 500, "sub-metric expected_response");
  CHECK_STR(t.metric, "http_req_duration{expected_response:true}", "sub-metric name canonical");
  ok_case("http_req_duration{ \"expected_response\" : 'true' }", "p(95)<500", TH_P, TH_LT, 500, "selector trimmed of spaces and quotes");
  CHECK_STR(t.metric, "http_req_duration{expected_response:true}", "trimmed selector canonical");
  ok_case("http_reqs{scenario:default}", "count>0", TH_COUNT, TH_GT, 0, "scenario selector accepted");

  bad_case("http_req_duration", "p95<500", "p95", "p95 without parentheses rejected, named");
  bad_case("http_req_duration", "count<10", "count", "count on a trend rejected");
  bad_case("http_reqs", "avg<1", "avg", "avg on a counter rejected");
  bad_case("http_req_duration", "rate<0.01", "rate", "rate on a trend rejected");
  bad_case("http_req_failed", "value<1", "value", "value on a rate rejected");
  bad_case("vus", "count<1", "count", "count on a gauge rejected");
  bad_case("http_req_duration", "p(101)<1", "p(101)", "p(101) rejected");
  bad_case("http_req_duration", "p()<1", "p()", "p() rejected");
  bad_case("http_req_duration", "p(90)<abc", "p(90)<abc", "non-number right side rejected with the expression");
  bad_case("http_req_duration", "p(90)<", "missing number", "missing right side rejected");
  bad_case("http_req_duration", "p(90)<1ms", "p(90)<1ms", "units on the right side rejected");
  bad_case("http_req_duration", "p(90)<0x10", "0x10", "hex right side rejected");
  bad_case("http_req_duration", "p(90)<inf", "inf", "inf right side rejected");
  bad_case("http_req_duration", "p(90)<nan", "nan", "nan right side rejected");
  bad_case("http_req_duration", "p(90)", "no comparison operator", "no operator rejected");
  bad_case("http_req_duration", "<5", "'' is not an aggregation", "missing aggregation rejected");
  bad_case("http_req_duration", "", "no comparison operator", "empty expression rejected");
  bad_case("checks", "rate>0.9", "unknown metric 'checks'", "metric we do not produce rejected");
  bad_case("http_req_durations", "avg<1", "http_req_durations", "unknown metric named");
  bad_case("http_req_waiting{status:200}", "avg<1", "selector not supported", "unsupported selector rejected");
  bad_case("http_req_duration{expected_response:true", "avg<1", "end with '}'", "unclosed selector rejected");
  bad_case("http_req_duration{a:1,b:2}", "avg<1", "one tag only", "two-tag selector rejected");
  bad_case("http_reqs", "rate<1<2", "rate<1<2", "two operators rejected");

  /* evaluation */
  struct load_stats s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < T_COUNT; i++) s.trend[i] = hist_new();
  for (uint64_t i = 1; i <= 100; i++) hist_record(s.trend[T_HTTP_REQ_DURATION], i * 1000000);  /* 1..100 ms */
  s.http_reqs = 100;
  s.http_req_failed = 2;
  s.iterations = 100;
  s.run_duration_ns = 10000000000LL;                 /* 10 s */
  s.vus = 3; s.vus_min = 1; s.vus_max = 20; s.vus_max_value = 20;

  CHECK_INT(eval1("http_req_duration", "p(90)<95", &s), 0, "p(90) of 1..100 ms (90.1) < 95 passes");
  CHECK_INT(eval1("http_req_duration", "p(90)<90", &s), 1, "p(90) of 1..100 ms (90.1) < 90 fails");
  CHECK_INT(eval1("http_req_duration", "med>50.45", &s) + eval1("http_req_duration", "med<50.55", &s), 0,
            "med of 1..100 ms is 50.5 within histogram precision");
  CHECK_INT(eval1("http_req_duration", "avg==50.5", &s), 0, "avg of 1..100 ms is 50.5");
  CHECK_INT(eval1("http_req_duration", "max<=100", &s), 0, "max 100 ms <= 100");
  CHECK_INT(eval1("http_req_duration", "min>1", &s), 1, "min 1 ms > 1 fails");
  CHECK_INT(eval1("http_req_failed", "rate<0.01", &s), 1, "2% failed fails rate<0.01");
  CHECK_INT(eval1("http_req_failed", "rate<0.05", &s), 0, "2% failed passes rate<0.05");
  CHECK_INT(eval1("http_reqs", "rate==10", &s), 0, "counter rate = 100 / 10 s = 10");
  CHECK_INT(eval1("http_reqs", "count>100", &s), 1, "count 100 > 100 fails");
  CHECK_INT(eval1("vus", "value==3", &s), 0, "gauge value is the last value");
  CHECK_INT(eval1("vus_max", "value<20", &s), 1, "vus_max 20 < 20 fails");
  CHECK_INT(eval1("http_req_duration{expected_response:true}", "avg>0", &s), 1, "empty sub-metric trend evaluates as 0");
  CHECK_INT(eval1("http_req_duration{scenario:default}", "p(90)<95", &s), 0, "scenario selector reads the whole metric");
  CHECK_INT(eval1("dropped_iterations", "count<1", &s), 0, "empty counter evaluates as 0");

  struct load_stats empty;
  memset(&empty, 0, sizeof empty);
  CHECK_INT(eval1("http_req_failed", "rate<0.01", &empty), 0, "empty rate metric passes rate<0.01");
  CHECK_INT(eval1("http_req_failed", "rate>0.5", &empty), 0, "empty rate metric passes any rate threshold");
  CHECK_INT(eval1("http_req_duration", "p(95)<500", &empty), 0, "empty trend (NULL hist) evaluates as 0");
  CHECK_INT(eval1("http_reqs", "rate>0", &empty), 1, "counter rate with zero run duration is 0");

  {
    struct load_opts o;
    memset(&o, 0, sizeof o);
    struct threshold th[2];
    threshold_parse("http_req_failed", "rate<0.01", &th[0], err, sizeof err);
    threshold_parse("http_req_duration", "p(90)<2000", &th[1], err, sizeof err);
    o.thresholds = th;
    o.nthresholds = 2;
    CHECK_INT(thresholds_eval(&o, &s), 1, "two thresholds, one crossed: returns 1");
    CHECK(th[0].failed && !th[1].failed, "failed flags set per threshold");
    o.no_thresholds = true;
    CHECK_INT(thresholds_eval(&o, &s), 0, "--no-thresholds: nothing fails");
    CHECK(!th[0].failed, "--no-thresholds clears failed flags");
    for (int i = 0; i < 2; i++) { free(th[i].metric); free(th[i].source); }
  }

  for (int i = 0; i < T_COUNT; i++) hist_free(s.trend[i]);
  parse("vus", "value<1");
  free(t.metric);
  free(t.source);
  return check_done("test_thresholds");
}
