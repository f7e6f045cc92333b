/* fuzz_threshold.c: threshold_parse on hostile metric names and expressions.
 * Input: "<metric>\n<expression>" (no newline: the whole input is the expression for
 * http_req_duration). An accepted threshold is evaluated against small real histograms; a
 * rejected one must come with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct load_stats stats;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!stats.trend[0]) {
    for (int i = 0; i < T_COUNT; i++) {
      stats.trend[i] = hist_new();
      for (uint64_t v = 1; v < 50; v++) hist_record(stats.trend[i], v * v * 1000);
    }
    stats.http_reqs = 49;
    stats.http_req_failed = 3;
    stats.run_duration_ns = 5000000000LL;
  }
  char *in = malloc(size + 1);
  if (!in) return 0;
  memcpy(in, data, size);
  in[size] = '\0';
  char *nl = strchr(in, '\n');
  const char *metric = "http_req_duration", *expr = in;
  if (nl) { *nl = '\0'; metric = in; expr = nl + 1; }
  struct threshold t;
  char err[512] = "";
  int rc = threshold_parse(metric, expr, &t, err, sizeof err);
  if (rc == 0) {
    struct load_opts o;
    memset(&o, 0, sizeof o);
    o.thresholds = &t;
    o.nthresholds = 1;
    if (thresholds_eval(&o, &stats) > 1) abort();
    free(t.metric);
    free(t.source);
  } else if (rc != -12 && !err[0]) {
    abort();
  }
  free(in);
  return 0;
}
