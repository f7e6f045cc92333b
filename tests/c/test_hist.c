/* test_hist.c: histogram accuracy against exact sorted percentiles, exact merge, JSON round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "hist.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t xorshift(void) {
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return rng;
}
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
/* k6's definition on an exact sorted list */
static double exact_pct(const uint64_t *v, size_t n, double p) {
  if (n == 0) return 0;
  double i = p / 100.0 * (double)(n - 1);
  size_t lo = (size_t)i, hi = lo + 1 < n ? lo + 1 : lo;
  return (double)v[lo] + ((double)v[hi] - (double)v[lo]) * (i - (double)lo);
}

static char *to_json(const struct hist *h) {
  yajl_gen g = yajl_gen_alloc(NULL);
  hist_write_json(h, g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *s = strndup((const char *)buf, len);
  yajl_gen_free(g);
  return s;
}

static int same(const struct hist *a, const struct hist *b) {
  char *x = to_json(a), *y = to_json(b);
  int r = strcmp(x, y) == 0;
  free(x);
  free(y);
  return r;
}

int main(void) {
  enum { N = 200000 };
  uint64_t *v = malloc(N * sizeof *v);
  struct hist *h = hist_new(), *a = hist_new(), *b = hist_new();

  CHECK(hist_count(h) == 0 && hist_min(h) == 0 && hist_max(h) == 0, "empty: count/min/max 0");
  CHECK(hist_mean(h) == 0 && hist_percentile(h, 50) == 0, "empty: mean and p50 are 0");

  hist_record(h, 42);
  CHECK(hist_percentile(h, 0) == 42 && hist_percentile(h, 50) == 42 && hist_percentile(h, 100) == 42,
        "one sample: every percentile is that sample");
  hist_reset(h);

  /* log-uniform from 1 us to ~17 s: every bucket regime gets samples */
  uint64_t sum = 0, mn = UINT64_MAX, mx = 0;
  for (size_t i = 0; i < N; i++) {
    double e = (double)(xorshift() % 1000000) / 1000000.0 * 24.0;  /* 2^0..2^24 us */
    v[i] = (uint64_t)(1000.0 * pow(2.0, e)) + xorshift() % 7;
    if (i % 10 == 0) v[i] = xorshift() % 3000;                    /* some exact-region values */
    hist_record(h, v[i]);
    hist_record(i % 3 ? a : b, v[i]);
    sum += v[i];
    if (v[i] < mn) mn = v[i];
    if (v[i] > mx) mx = v[i];
  }
  qsort(v, N, sizeof *v, cmp_u64);
  CHECK_INT(hist_count(h), N, "count is exact");
  CHECK(hist_min(h) == mn, "min is exact");
  CHECK(hist_max(h) == mx, "max is exact");
  CHECK_NEAR(hist_mean(h), (double)sum / N, 1e-6, "mean is exact sum/count");
  static const double ps[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
  double worst = 0;
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
    double want = exact_pct(v, N, ps[i]), got = hist_percentile(h, ps[i]);
    double rel = fabs(got - want) / want;
    if (rel > worst) worst = rel;
  }
  printf("# worst relative percentile error over 200k log-uniform samples: %.6f%%\n", worst * 100);
  CHECK(worst <= 0.001, "percentiles within 0.1% of exact sorted percentiles");
  CHECK(hist_percentile(h, 0) == (double)mn && hist_percentile(h, 100) == (double)mx,
        "p(0) and p(100) are exact min and max");

  /* a narrow distribution (50 ms +- 0.5 ms) keeps its median within 0.1% */
  {
    struct hist *n = hist_new();
    for (int i = 0; i < 10000; i++) hist_record(n, 50000000 + (uint64_t)(i % 1000) * 500);
    CHECK_NEAR(hist_percentile(n, 50) / 1e6, 50.25, 0.05, "narrow 50ms distribution median");
    hist_free(n);
  }

  /* merge of split data == whole */
  struct hist *m = hist_new();
  hist_merge(m, a);
  hist_merge(m, b);
  CHECK(same(m, h), "merge of two thirds/one third split equals the whole (buckets, count, min, max, sum)");
  CHECK(hist_percentile(m, 99) == hist_percentile(h, 99), "merged p99 identical to whole p99");
  hist_merge(m, NULL);
  {
    struct hist *e = hist_new();
    hist_merge(m, e);
    CHECK(same(m, h), "merging an empty histogram changes nothing");
    hist_merge(e, m);
    CHECK(same(e, h), "merging into an empty histogram copies it");
    hist_free(e);
  }

  /* JSON round trip */
  char *js = to_json(h);
  char eb[128];
  yajl_val doc = yajl_tree_parse(js, eb, sizeof eb);
  CHECK(doc != NULL, "hist JSON parses");
  struct hist *r = hist_new();
  CHECK_INT(hist_read_json(r, doc), 0, "hist JSON read back");
  CHECK(same(r, h), "JSON round trip is exact");
  CHECK_INT(hist_read_json(r, doc), 0, "reading twice merges");
  CHECK_INT(hist_count(r), 2 * N, "reading twice doubles the count");
  yajl_tree_free(doc);
  free(js);

  static const char *bad[] = {
    "{\"unit\":\"ms\",\"layout\":\"loglinear-11\",\"count\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-7\",\"count\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":2,\"min\":1,\"max\":1,\"sum\":2,\"buckets\":[[1,1]]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[[99999999,1]]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[[1,-1]]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":1,\"min\":5,\"max\":1,\"sum\":1,\"buckets\":[[1,1]]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"buckets\":[[1]]}",
    "{\"unit\":\"ns\",\"layout\":\"loglinear-11\",\"count\":1,\"min\":1,\"max\":1,\"buckets\":[[1,1]]}",
    "[1,2]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct hist *t = hist_new();
    yajl_val d = yajl_tree_parse(bad[i], eb, sizeof eb);
    char name[64];
    snprintf(name, sizeof name, "malformed hist JSON #%zu rejected, nothing merged", i);
    CHECK(d && hist_read_json(t, d) < 0 && hist_count(t) == 0, name);
    yajl_tree_free(d);
    hist_free(t);
  }

  /* huge values clamp into the top bucket but max stays exact */
  {
    struct hist *t = hist_new();
    hist_record(t, UINT64_C(1) << 50);
    hist_record(t, 1000);
    CHECK(hist_max(t) == (UINT64_C(1) << 50), "value beyond range keeps exact max");
    CHECK(hist_percentile(t, 100) == (double)(UINT64_C(1) << 50), "p100 of clamped value is exact max");
    hist_free(t);
  }
  hist_record_n(r, 7, 0);
  CHECK_INT(hist_count(r), 2 * N, "record_n with count 0 is a no-op");

  hist_free(NULL);
  hist_free(h); hist_free(a); hist_free(b); hist_free(m); hist_free(r);
  free(v);
  return check_done("test_hist");
}
