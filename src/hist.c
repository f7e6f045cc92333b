/* hist.c: log-linear latency histogram (HdrHistogram-style) with exact count/min/max/sum.
 *
 * Layout "loglinear-11": values below 2^11 get one bucket each (exact); above, every power of
 * two [2^k, 2^(k+1)) is split into 1024 equal buckets, so a bucket is at most 1/1024 of its
 * lower bound wide and its midpoint is within 1/2048 (0.05 %) of any value in it. Buckets go up
 * to 2^43 ns (~2.4 h); larger values land in the top bucket while min/max/sum stay exact.
 * That is 2048 + 32*1024 counters (272 KiB): fixed at creation, so memory never grows with the
 * test, and merging is a bucket-by-bucket add, exact and order-independent.
 * Every non-zero bucket lies between bucket_of(min) and bucket_of(max), so reset, merge, the
 * percentile walk and the export touch only that span: a per-second histogram of a run whose
 * latencies sit within 2x of each other costs a few KiB of work, not 272 KiB.
 * Rejected: a sorted sample list like k6 (unbounded memory, #763) and a flat array of
 * microsecond slots like wrk (coarse at the bottom, huge at the top). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"

#define SUB_BITS 11
#define SUB_COUNT (1u << SUB_BITS)       /* 2048: exact region */
#define HALF (SUB_COUNT / 2)             /* 1024 buckets per power of two above it */
#define TOP_BIT 43                       /* highest tracked power: values < 2^43 */
#define NBUCKETS (SUB_COUNT + (TOP_BIT - SUB_BITS) * HALF)
#define LAYOUT "loglinear-11"

struct hist {
  uint64_t count, min, max, sum;
  uint64_t b[NBUCKETS];
};

static unsigned bucket_of(uint64_t v) {
  if (v < SUB_COUNT) return (unsigned)v;
  if (v >> TOP_BIT) return NBUCKETS - 1;
  unsigned k = 63u - (unsigned)__builtin_clzll(v);   /* 11..42 */
  unsigned shift = k - (SUB_BITS - 1);
  unsigned sub = (unsigned)(v >> shift);             /* 1024..2047 */
  return SUB_COUNT + (k - SUB_BITS) * HALF + (sub - HALF);
}

/* lowest value and width of bucket i */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width) {
  if (i < SUB_COUNT) { *lo = i; *width = 1; return; }
  unsigned j = i - SUB_COUNT;
  unsigned k = SUB_BITS + j / HALF;
  unsigned shift = k - (SUB_BITS - 1);
  *lo = (uint64_t)(HALF + j % HALF) << shift;
  *width = (uint64_t)1 << shift;
}

static double bucket_mid(unsigned i) {
  uint64_t lo, w;
  bucket_range(i, &lo, &w);
  return (double)lo + (double)(w - 1) / 2.0;
}

struct hist *hist_new(void) {
  struct hist *h = calloc(1, sizeof *h);
  return h;
}

void hist_free(struct hist *h) { free(h); }

void hist_reset(struct hist *h) {
  if (h->count) {
    unsigned lo = bucket_of(h->min), hi = bucket_of(h->max);
    memset(&h->b[lo], 0, (size_t)(hi - lo + 1) * sizeof h->b[0]);
  }
  h->count = h->min = h->max = h->sum = 0;
}

void hist_record_n(struct hist *h, uint64_t ns, uint64_t count) {
  if (count == 0) return;
  if (h->count == 0 || ns < h->min) h->min = ns;
  if (ns > h->max) h->max = ns;
  h->count += count;
  h->sum += ns * count;
  h->b[bucket_of(ns)] += count;
}

void hist_record(struct hist *h, uint64_t ns) { hist_record_n(h, ns, 1); }

void hist_merge(struct hist *dst, const struct hist *src) {
  if (!src || src->count == 0) return;
  if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
  if (src->max > dst->max) dst->max = src->max;
  dst->count += src->count;
  dst->sum += src->sum;
  for (unsigned i = bucket_of(src->min), hi = bucket_of(src->max); i <= hi; i++) dst->b[i] += src->b[i];
}

uint64_t hist_count(const struct hist *h) { return h->count; }
uint64_t hist_min(const struct hist *h) { return h->count ? h->min : 0; }
uint64_t hist_max(const struct hist *h) { return h->count ? h->max : 0; }
double hist_mean(const struct hist *h) { return h->count ? (double)h->sum / (double)h->count : 0; }

/* value of the sample at 0-based rank r in sorted order; rank 0 and n-1 are exact */
static double value_at_rank(const struct hist *h, uint64_t r) {
  if (r == 0) return (double)h->min;
  if (r >= h->count - 1) return (double)h->max;
  uint64_t seen = 0;
  for (unsigned i = bucket_of(h->min); i < NBUCKETS; i++) {
    seen += h->b[i];
    if (seen > r) {
      double v = bucket_mid(i);
      if (v < (double)h->min) v = (double)h->min;
      if (v > (double)h->max) v = (double)h->max;
      return v;
    }
  }
  return (double)h->max;
}

double hist_percentile(const struct hist *h, double p) {
  if (h->count == 0) return 0;
  if (!(p >= 0)) p = 0;              /* also NaN */
  if (p > 100) p = 100;
  double idx = p / 100.0 * (double)(h->count - 1);
  uint64_t lo = (uint64_t)idx;
  if (lo >= h->count - 1) return (double)h->max;
  double frac = idx - (double)lo;
  double a = value_at_rank(h, lo);
  if (frac == 0) return a;
  double b = value_at_rank(h, lo + 1);
  return a + (b - a) * frac;
}

int hist_write_json(const struct hist *h, yajl_gen g) {
  int st = 0;
#define S(str) yajl_gen_string(g, (const unsigned char *)(str), strlen(str))
  st |= yajl_gen_map_open(g);
  st |= S("unit"); st |= S("ns");
  st |= S("layout"); st |= S(LAYOUT);
  st |= S("count"); st |= yajl_gen_integer(g, (long long)h->count);
  st |= S("min"); st |= yajl_gen_integer(g, (long long)hist_min(h));
  st |= S("max"); st |= yajl_gen_integer(g, (long long)hist_max(h));
  st |= S("sum"); st |= yajl_gen_integer(g, (long long)h->sum);
  st |= S("buckets");
  st |= yajl_gen_array_open(g);
  for (unsigned i = h->count ? bucket_of(h->min) : NBUCKETS, hi = bucket_of(h->max); i <= hi && i < NBUCKETS; i++) {
    if (!h->b[i]) continue;
    /* one [index,count] pair per line would bloat beautified output: keep them compact */
    st |= yajl_gen_array_open(g);
    st |= yajl_gen_integer(g, (long long)i);
    st |= yajl_gen_integer(g, (long long)h->b[i]);
    st |= yajl_gen_array_close(g);
  }
  st |= yajl_gen_array_close(g);
  st |= yajl_gen_map_close(g);
#undef S
  return st ? -EINVAL : 0;
}

static int get_u64(yajl_val obj, const char *key, uint64_t *out) {
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(obj, path, yajl_t_number);
  if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0) return -EINVAL;
  *out = (uint64_t)YAJL_GET_INTEGER(v);
  return 0;
}

int hist_read_json(struct hist *h, yajl_val v) {
  if (!YAJL_IS_OBJECT(v)) return -EINVAL;
  const char *pu[] = {"unit", NULL}, *pl[] = {"layout", NULL}, *pb[] = {"buckets", NULL};
  yajl_val unit = yajl_tree_get(v, pu, yajl_t_string);
  yajl_val layout = yajl_tree_get(v, pl, yajl_t_string);
  yajl_val buckets = yajl_tree_get(v, pb, yajl_t_array);
  const char *us = unit ? YAJL_GET_STRING(unit) : NULL;
  const char *ls = layout ? YAJL_GET_STRING(layout) : NULL;
  if (!us || strcmp(us, "ns") != 0 || !ls || strcmp(ls, LAYOUT) != 0) return -EINVAL;
  if (!buckets) return -EINVAL;
  uint64_t count, mn, mx, sum;
  if (get_u64(v, "count", &count) || get_u64(v, "min", &mn) || get_u64(v, "max", &mx) ||
      get_u64(v, "sum", &sum))
    return -EINVAL;
  /* validate everything into a scratch histogram first, so a bad document merges nothing */
  struct hist *t = hist_new();
  if (!t) return -ENOMEM;
  uint64_t total = 0;
  size_t n = YAJL_GET_ARRAY(buckets)->len;
  for (size_t i = 0; i < n; i++) {
    yajl_val pair = YAJL_GET_ARRAY(buckets)->values[i];
    if (!YAJL_IS_ARRAY(pair) || YAJL_GET_ARRAY(pair)->len != 2) goto bad;
    yajl_val iv = YAJL_GET_ARRAY(pair)->values[0], cv = YAJL_GET_ARRAY(pair)->values[1];
    if (!YAJL_IS_INTEGER(iv) || !YAJL_IS_INTEGER(cv)) goto bad;
    long long idx = YAJL_GET_INTEGER(iv), c = YAJL_GET_INTEGER(cv);
    if (idx < 0 || idx >= NBUCKETS || c <= 0) goto bad;
    if (total + (uint64_t)c < total) goto bad;
    total += (uint64_t)c;
    t->b[idx] += (uint64_t)c;
  }
  if (total != count) goto bad;
  if (count > 0 && (mn > mx || t->b[bucket_of(mn)] == 0 || t->b[bucket_of(mx)] == 0)) goto bad;
  /* no bucket outside [bucket_of(min), bucket_of(max)]: merge and reset rely on it */
  for (size_t i = 0; i < n; i++) {
    long long idx = YAJL_GET_INTEGER(YAJL_GET_ARRAY(YAJL_GET_ARRAY(buckets)->values[i])->values[0]);
    if (idx < (long long)bucket_of(mn) || idx > (long long)bucket_of(mx)) goto bad;
  }
  t->count = count;
  t->min = count ? mn : 0;
  t->max = count ? mx : 0;
  t->sum = sum;
  hist_merge(h, t);
  hist_free(t);
  return 0;
bad:
  hist_free(t);
  return -EINVAL;
}
