/* loadout.h: shared internals of the load outputs (options.c, thresholds.c, summary.c,
 * export.c): the table of built-in metrics and how each one's values are read from
 * struct load_stats. Not a public contract; the engine needs only load.h.
 * Owner: load outputs work. All functions are pure and thread-safe. */
#ifndef LOADOUT_H
#define LOADOUT_H
#include <stdbool.h>
#include <stddef.h>
#include "load.h"

enum mtype { M_COUNTER, M_GAUGE, M_RATE, M_TREND };
enum mcontains { MC_DEFAULT, MC_TIME, MC_DATA };

struct metric_def {
  const char *name;          /* k6 name */
  enum mtype type;
  enum mcontains contains;
  int trend;                 /* enum trend_id for trends, else -1 */
};

/* Built-in metrics in summary order (ASCII order of names, which equals k6's collation here). */
extern const struct metric_def loadout_metrics[];
extern const size_t loadout_nmetrics;

/* The definition for a bare metric name (no selector), or NULL. */
const struct metric_def *loadout_metric(const char *name, size_t len);

/* A metric key as used by thresholds and exports: "name" or "name{k:v,...}" with a supported
 * selector. Returns the definition and which histogram/selector it reads:
 * *sub = 1 for http_req_duration{expected_response:true}, 0 otherwise.
 * The scenario selector {scenario:X} matches every sample of the single scenario X. */
struct metric_key {
  const struct metric_def *def;
  bool expected_sub;          /* the expected_response:true sub-metric */
  char scenario[64];          /* "" or the X of {scenario:X} */
};
/* Parses and canonicalises a metric key; *canon (malloc'd) gets "name" or "name{k:v}".
 * 0 or -EINVAL with a message naming the metric. */
int loadout_parse_metric(const char *text, struct metric_key *k, char **canon, char *err, size_t errlen);

/* Values of one metric in raw units (ms for time trends, bytes for data, ratio for rates). */
struct metric_values {
  double count, rate;            /* counter: sum and sum per second of run duration */
  double value, min, max;        /* gauge: last, min, max; rate: value = ratio */
  uint64_t passes, fails;        /* rate: non-zero and zero samples */
  const struct hist *h;          /* trend (may be NULL: treated as empty) */
  bool observed;                 /* has data (k6 shows only observed metrics or thresholded) */
};
void loadout_values(const struct metric_key *k, const struct load_stats *s, struct metric_values *v);

/* A trend statistic ("avg", "min", "med", "max", "count", "p(N)") of h in ms (count: raw).
 * -EINVAL for an unknown name; 0 and *out otherwise. */
int loadout_trend_stat(const struct hist *h, const char *stat, double *out);
/* Parses "p(N)" with 0 <= N <= 100. true and *p on success. */
bool loadout_parse_pstat(const char *s, size_t len, double *p);

/* Seconds of run duration, never 0 for divisions. */
double loadout_run_seconds(const struct load_stats *s);

/* Number formatting of the k6 summary (semantics 3.3). Each writes into buf (always
 * NUL-terminated) and returns buf. */
char *loadout_fmt_time(double ms, char *buf, size_t n);     /* 0s, 123ns, 512.34µs, 46.03ms, 1m6s */
char *loadout_fmt_rate(double ratio, char *buf, size_t n);  /* 99.99% (truncated) */
char *loadout_fmt_data(double bytes, char *buf, size_t n);  /* 1.3 MB, 81 kB, 512 B */
char *loadout_fmt_number(double v, char *buf, size_t n);    /* <= 6 decimals, zeros dropped */

#endif
