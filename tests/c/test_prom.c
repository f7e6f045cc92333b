/* test_prom.c: src/prom.c, one case a line. Inputs are parsed from exact-length copies in
 * malloc'd buffers without a NUL, so ASan catches any read past len. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "prom.h"

static int parse(const char *text, struct prom_doc *d, char *err, size_t errlen) {
  size_t n = strlen(text);
  char *copy = malloc(n ? n : 1);
  memcpy(copy, text, n);
  int rc = prom_parse(copy, n, d, err, errlen);
  free(copy);
  return rc;
}

/* parse must fail with "line <line>: ..." containing want. */
static int fails_with(const char *text, int line, const char *want) {
  struct prom_doc d;
  char err[256], prefix[32];
  int rc = parse(text, &d, err, sizeof err);
  snprintf(prefix, sizeof prefix, "line %d: ", line);
  int ok = rc == -EINVAL && !strncmp(err, prefix, strlen(prefix)) && strstr(err, want) && d.nsamples == 0 &&
           d.nfamilies == 0 && d.samples == NULL;
  if (!ok) printf("# rc=%d err=\"%s\"\n", rc, err);
  prom_doc_free(&d);
  return ok;
}

static const char scrape[] =
  "# HELP http_requests_total Total number of requests by method, status and handler.\n"
  "# TYPE http_requests_total counter\n"
  "http_requests_total{handler=\"/health\",method=\"GET\",status=\"2xx\"} 7.0\n"
  "http_requests_total{handler=\"/json\",method=\"GET\",status=\"2xx\"} 3\n"
  "http_requests_total{handler=\"none\",method=\"GET\",status=\"4xx\"} 1\n"
  "# HELP http_request_duration_seconds Latency.\n"
  "# TYPE http_request_duration_seconds histogram\n"
  "http_request_duration_seconds_bucket{handler=\"/health\",method=\"GET\",le=\"0.005\"} 5\n"
  "http_request_duration_seconds_bucket{handler=\"/health\",method=\"GET\",le=\"0.01\"} 7\n"
  "http_request_duration_seconds_bucket{handler=\"/health\",method=\"GET\",le=\"+Inf\"} 7\n"
  "http_request_duration_seconds_sum{handler=\"/health\",method=\"GET\"} 0.0123\n"
  "http_request_duration_seconds_count{handler=\"/health\",method=\"GET\"} 7\n"
  "# TYPE http_requests_inprogress gauge\n"
  "http_requests_inprogress{handler=\"/io\",method=\"GET\"} 0\n"
  "# a plain comment\n"
  "\n"
  "process_resident_memory_bytes 2.1e+07\n"
  "process_cpu_seconds_total 0.5 1700000000000\n"
  "weird_value{a=\"x\\\\y\\\"z\\nw\" , b = \"\" ,} -Inf\n"
  "nan_value NaN\n";

int main(void) {
  struct prom_doc d;
  char err[256];

  CHECK_INT(parse(scrape, &d, err, sizeof err), 0, "realistic scrape parses");
  CHECK_INT(d.nsamples, 13, "every sample line kept");
  CHECK_INT(d.nfamilies, 3, "families from TYPE/HELP lines");
  CHECK_STR(prom_type(&d, "http_requests_total"), "counter", "counter TYPE");
  CHECK_STR(prom_type(&d, "http_request_duration_seconds"), "histogram", "histogram TYPE");
  CHECK_STR(prom_type(&d, "http_requests_inprogress"), "gauge", "gauge TYPE");
  CHECK(prom_type(&d, "process_cpu_seconds_total") == NULL, "no TYPE line: prom_type is NULL");
  CHECK_STR(d.families[0].help, "Total number of requests by method, status and handler.", "HELP text kept");
  CHECK_STR(d.samples[0].name, "http_requests_total", "sample name");
  CHECK_STR(prom_label_get(&d.samples[0], "handler"), "/health", "label value");
  CHECK(prom_label_get(&d.samples[0], "le") == NULL, "absent label is NULL");
  CHECK_NEAR(d.samples[0].value, 7, 0, "value with a decimal point");
  const char *const json_2xx[] = {"handler", "/json", "status", "2xx", NULL};
  CHECK_NEAR(prom_sum(&d, "http_requests_total", json_2xx), 3, 0, "prom_sum with two label matches");
  CHECK_NEAR(prom_sum(&d, "http_requests_total", NULL), 11, 0, "prom_sum with no match sums all");
  const char *const none[] = {"handler", "/cpu", NULL};
  CHECK_NEAR(prom_sum(&d, "http_requests_total", none), 0, 0, "prom_sum matching nothing is 0");
  CHECK_NEAR(prom_sum(&d, "process_resident_memory_bytes", NULL), 2.1e7, 0, "exponent value");
  CHECK_NEAR(prom_sum(&d, "process_cpu_seconds_total", NULL), 0.5, 0, "value followed by a timestamp");
  const struct prom_sample *w = &d.samples[11];
  CHECK_STR(w->name, "weird_value", "sample with escapes found");
  CHECK_STR(prom_label_get(w, "a"), "x\\y\"z\nw", "label value unescaped (backslash, quote, newline)");
  CHECK_STR(prom_label_get(w, "b"), "", "empty label value, spaces around '=' and trailing comma");
  CHECK(isinf(w->value) && w->value < 0, "-Inf value");
  CHECK(isnan(d.samples[12].value), "NaN value");
  prom_doc_free(&d);
  prom_doc_free(&d);
  CHECK(d.samples == NULL && d.nsamples == 0, "prom_doc_free twice is safe");

  CHECK_INT(parse("", &d, err, sizeof err), 0, "empty text parses");
  CHECK_INT(d.nsamples, 0, "empty text has no samples");
  prom_doc_free(&d);
  CHECK_INT(parse("a 1\r\nb{x=\"1\"} 2", &d, err, sizeof err), 0, "CRLF lines and no final newline");
  CHECK_INT(d.nsamples, 2, "both lines kept");
  prom_doc_free(&d);
  CHECK_INT(parse("# HELP only_help text\nonly_help 1\n", &d, err, sizeof err), 0, "HELP without TYPE");
  CHECK_STR(prom_type(&d, "only_help"), "untyped", "HELP-only family reads as untyped");
  prom_doc_free(&d);

  CHECK(fails_with("ok 1\nbad{a=\"1\" 2\n", 2, "expected ','"), "unclosed label set names line 2");
  CHECK(fails_with("x{a=\"1} 2\n", 1, "unterminated label value"), "unterminated label value");
  CHECK(fails_with("x{a=\"\\q\"} 2\n", 1, "invalid escape"), "invalid escape in label value");
  CHECK(fails_with("x{a=1} 2\n", 1, "expected '\"'"), "unquoted label value");
  CHECK(fails_with("x{a=\"1\",a=\"2\"} 2\n", 1, "duplicate label"), "duplicate label name");
  CHECK(fails_with("x{1a=\"1\"} 2\n", 1, "label name"), "label name starting with a digit");
  CHECK(fails_with("x\n", 1, "without a value"), "sample without a value");
  CHECK(fails_with("x 1.2.3\n", 1, "invalid sample value"), "value with two dots");
  CHECK(fails_with("x 0x10\n", 1, "invalid sample value"), "hex value");
  CHECK(fails_with("x infinity\n", 1, "invalid sample value"), "'infinity' is not a value");
  CHECK(fails_with("x 1 2 3\n", 1, "trailing text"), "text after the timestamp");
  CHECK(fails_with("x 1 12.5\n", 1, "invalid timestamp"), "fractional timestamp");
  CHECK(fails_with("x-y 1\n", 1, "invalid character after the metric name"), "dash in a metric name");
  CHECK(fails_with("9x 1\n", 1, "expected a metric name"), "metric name starting with a digit");
  CHECK(fails_with("# TYPE x countr\n", 1, "unknown metric type"), "unknown TYPE");
  CHECK(fails_with("# TYPE x counter\n# TYPE x gauge\n", 2, "second TYPE"), "two TYPE lines for one family");
  CHECK(fails_with("# TYPE\n", 1, "TYPE without a metric name"), "TYPE without a name");
  CHECK(fails_with("a 1\nb 2\nc 3\nd{\n", 4, "label name"), "error on line 4 after three good lines");
  char big[128];
  snprintf(big, sizeof big, "x %0100d\n", 1);
  CHECK(fails_with(big, 1, "invalid sample value"), "100-digit value token");

  /* histogram_quantile: buckets 0.1, 0.5, 1, +Inf holding 10, 10, 10, 10 observations */
  const double les[] = {0.1, 0.5, 1, INFINITY}, counts[] = {10, 20, 30, 40};
  CHECK_NEAR(prom_histogram_quantile(0.25, les, counts, 4), 0.1, 1e-12, "q=0.25 at the first bucket's bound");
  CHECK_NEAR(prom_histogram_quantile(0.5, les, counts, 4), 0.5, 1e-12, "q=0.5 at the second bound");
  CHECK_NEAR(prom_histogram_quantile(0.6, les, counts, 4), 0.7, 1e-12, "q=0.6 interpolated inside (0.5, 1]");
  CHECK_NEAR(prom_histogram_quantile(0.1, les, counts, 4), 0.04, 1e-12, "lowest bucket starts at 0");
  CHECK_NEAR(prom_histogram_quantile(0.9, les, counts, 4), 1, 1e-12, "rank in +Inf answers the highest finite bound");
  CHECK(isnan(prom_histogram_quantile(0.5, les, (const double[]){0, 0, 0, 0}, 4)), "no observations: NaN");
  CHECK(isinf(prom_histogram_quantile(-1, les, counts, 4)), "q<0: -Inf");
  CHECK(isinf(prom_histogram_quantile(2, les, counts, 4)), "q>1: +Inf");
  CHECK(isnan(prom_histogram_quantile(0.5, (const double[]){INFINITY}, (const double[]){3}, 1)),
        "only the +Inf bucket: NaN");
  CHECK_NEAR(prom_histogram_quantile(0.5, les, (const double[]){10, 9, 30, 40}, 4), 0.75, 1e-12,
             "non-monotonic counts use the running maximum");
  CHECK_NEAR(prom_histogram_quantile(0.5, (const double[]){1, 2}, (const double[]){2, 4}, 2), 1, 1e-12,
             "without +Inf the last finite bucket holds the total");
  CHECK_NEAR(prom_histogram_quantile(0.5, (const double[]){-1, 1, INFINITY}, (const double[]){5, 6, 6}, 3), -1,
             1e-12, "first bound <= 0 answers the bound itself");
  return check_done("test_prom");
}
