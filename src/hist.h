/* hist.h: log-linear latency histogram (HdrHistogram-style), bounded memory, exact merge.
 * Owner: load-metrics work (src/hist.c).
 *
 * Values are unsigned integers in nanoseconds from 1 ns to at least 2^42 ns (~73 min); a larger
 * value is clamped to the top bucket (and counted in hist_max exactly). Every recorded value is
 * represented with at most 0.1 % relative error (>= 1024 sub-buckets per power of two).
 * count, min, max and sum are exact. One hist per thread; hist_record is not thread-safe;
 * merge per-thread histograms once (hist_merge is exact: counts add bucket by bucket). */
#ifndef HIST_H
#define HIST_H
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

struct hist;

struct hist *hist_new(void);            /* NULL on allocation failure */
void hist_free(struct hist *h);         /* NULL is a no-op */
void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
void hist_record_n(struct hist *h, uint64_t ns, uint64_t count);
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h);   /* 0 when empty */
uint64_t hist_max(const struct hist *h);   /* 0 when empty */
double hist_mean(const struct hist *h);    /* exact sum / count; 0 when empty */

/* k6's percentile definition applied to the histogram: rank i = (p/100)*(n-1), linear
 * interpolation between the values of ranks floor(i) and ceil(i), each value being its bucket's
 * representative (clamped to [min, max]). p in [0, 100]. 0 when empty. Result in ns. */
double hist_percentile(const struct hist *h, double p);

/* Serialization for --summary-export and cross-process merge:
 * {"unit":"ns","count":N,"min":..,"max":..,"sum":..,"buckets":[[index,count],...]} (sparse,
 * only non-zero buckets; index is the internal bucket index, stable across builds of the same
 * layout, recorded as "layout":"loglinear-<sub_bucket_bits>"). */
int hist_write_json(const struct hist *h, yajl_gen g);
/* Reads what hist_write_json wrote, merging it into h. 0, or -EINVAL on a malformed/other-layout doc. */
int hist_read_json(struct hist *h, yajl_val v);

#endif
