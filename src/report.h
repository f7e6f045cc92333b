/* report.h: the shared internals of `pocbench report` (report_load.c reads a results tree,
 * report_stats.c aggregates repeats and compares contenders, report_doc.c turns the data into
 * answers and tables, report_md.c / report_html.c write REPORT.md / report.html).
 * Not a public contract beyond the report; cmd_report.c drives it. Nothing here is thread-safe
 * and nothing needs to be: the report is one pass over files already on disk.
 * Units: times in milliseconds, rates per second, memory in bytes, shares as fractions 0..1;
 * a missing figure is NAN (never 0), so "no data" can be told apart from "zero". */
#ifndef REPORT_H
#define REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yajl/yajl_tree.h>

/* The figures of one scenario run (one .json [+ .csv]); each also aggregated over repeats. */
enum rep_fig {
  F_RPS,             /* client http_reqs.rate */
  F_REQS,            /* client http_reqs.count */
  F_P50, F_P90, F_P95, F_P99,          /* client http_req_duration, ms */
  F_SP50, F_SP90, F_SP99,              /* server histogram_quantile over bucket deltas, ms */
  F_FAIL_RATE,       /* client http_req_failed.value, 0..1 */
  F_CPU_PER_1K,      /* resources.cpu_seconds_per_1k_requests (CPU-seconds) */
  F_CPU_S,           /* resources.cpu_seconds */
  F_MEM_PEAK,        /* resources.memory_peak_bytes */
  F_THROTTLED,       /* resources.throttled_share, 0..1 */
  F_SREQS,           /* server requests_total_delta */
  F_INTERRUPTED,     /* failures_by_cause.interrupted: in flight when the harness stopped the test */
  F_SVC_FAILED,      /* failed requests caused by the service (every other cause), a count */
  F_THINK_MS,        /* think time after each request, ms (the run's .txt "think:" line, else
                        iteration_duration - http_req_duration medians) */
  F_VUS_PEAK,        /* client vus.max */
  F_NFIGS
};

struct rep_count { char *name; double n; };   /* a named count: failure cause, status class */
struct rep_threshold { char *metric; char *expr; bool crossed; };

/* Per-second series (the .csv); every array has n entries, NAN where the cell was empty. */
struct rep_series {
  size_t n;
  double *t, *vus, *reqs, *failed, *p50, *p90, *p95, *p99, *cpu, *mem;
};

struct rep_run {
  int repeat;                       /* k of .r<k>; 1 without --repeat */
  char *status, *failure;           /* scenario.status, scenario.failure (may be NULL) */
  double fig[F_NFIGS];
  struct rep_count *causes; size_t ncauses;       /* client failures by cause */
  struct rep_count *statuses; size_t nstatuses;   /* server requests_by_status */
  struct rep_threshold *ths; size_t nths;
  double *les, *buckets; size_t nbuckets;         /* server duration_histogram (seconds) */
  /* The bucket each server quantile (p50, p90, p99) falls in, ms: lo 0 for the first bucket,
   * hi INFINITY for the +Inf bucket; NAN without a histogram. */
  double sq_lo[3], sq_hi[3];
  bool think_estimated;             /* F_THINK_MS came from the export, not the .txt */
  struct rep_series series;                       /* empty when the .csv is absent */
};

/* Median and spread of one figure over a cell's runs (n = runs where the figure exists). */
struct rep_agg { double med, min, max; int n; };

/* One test type x contender x endpoint, with its repeats. */
struct rep_cell {
  char *test, *service, *endpoint;  /* "load", "golang@gomaxprocs1", "/health" */
  struct rep_run *runs; size_t nruns;
  struct rep_agg agg[F_NFIGS];
};

/* A capacity/ or sweep/ document, kept as parsed (docs/results-format.md gives the shape). */
struct rep_extra { char *service, *endpoint; yajl_val doc; };

struct rep_data {
  char *dir;
  yajl_val run;                     /* run.json, NULL when absent */
  struct rep_cell *cells; size_t ncells;
  char **tests; size_t ntests;      /* load, stress first, then others alphabetically */
  char **services; size_t nservices;/* the baseline first, then alphabetically */
  char **endpoints; size_t nendpoints; /* /health /cpu /io /json first, then others */
  struct rep_extra *capacity; size_t ncapacity;
  struct rep_extra *sweep; size_t nsweep;
  const char *baseline;             /* the contender ratios are taken against (borrowed) */
  bool has_baseline;                /* the baseline appears in the data */
  int max_repeat;                   /* highest repeat count of any cell */
  char **warnings; size_t nwarnings;/* files skipped and why */
};

/* report_load.c ------------------------------------------------------------------------ */
/* Reads every scenario document, series, capacity and sweep document under dir.
 * A malformed file is skipped with a warning (kept in d->warnings), never fatal; a missing dir
 * or a tree without any scenario document is -ENOENT with a message in err. 0 / -errno. */
int rep_load(const char *dir, const char *baseline, struct rep_data *d, char *err, size_t errlen);
void rep_free(struct rep_data *d);
/* The cell for (test, service, endpoint), or NULL. */
const struct rep_cell *rep_find(const struct rep_data *d, const char *test, const char *service,
                                const char *endpoint);
/* Typed look-up in a yajl tree by a NULL-terminated list of keys; NULL when absent. */
yajl_val rep_get(yajl_val v, ...);
double rep_num(yajl_val v);          /* number value, NAN if v is not a number */
const char *rep_str(yajl_val v);     /* string value, NULL if v is not a string */

/* The bucket of a cumulative histogram that histogram_quantile(q) answers from (the same rank
 * rule as prom_histogram_quantile): *lo = its lower bound (0 for the first bucket), *hi = its
 * upper bound (INFINITY for +Inf), in the units of les. -1 (both NAN) when empty. */
int rep_quantile_bucket(double q, const double *les, const double *counts, size_t n, double *lo, double *hi);

/* report_sat.c ------------------------------------------------------------------------- */
/* Saturation of one scenario, from its data (report_sat.c's top comment gives the rule). Each
 * figure is NAN when it cannot be computed; the series used are the first run's. */
struct rep_sat {
  bool saturated;                   /* could not keep up with the load the profile offered */
  bool capped;                      /* served >= 85 % of the closed model's offer */
  double rps;                       /* median requests/s */
  double think_ms, base_ms;         /* think time; lowest per-second p50 (unloaded latency) */
  double offered_rps, share;        /* the closed model's offer on this test and endpoint (the
                                       median of the contenders', one figure for all); rps / it */
  double throttled;                 /* share of CFS periods throttled */
  bool flat;                        /* requests/s plateaued while the VUs at least doubled */
  double plateau_t, plateau_rps, plateau_vus_from, plateau_vus_to;
  double p90_lo, p90_hi;            /* per-second p90 at <= 1/4 of the peak VUs, at >= 0.9 */
  bool ev_throttled, ev_latency, ev_peer;
  double peer_rps; const char *peer;/* best other contender on the same test and endpoint */
};
/* 0, or -1 (all NAN, not saturated) when c has no requests/s. */
int rep_saturation(const struct rep_data *d, const struct rep_cell *c, struct rep_sat *s);

/* report_stats.c ----------------------------------------------------------------------- */
/* Median, min and max of the non-NAN values of v[0..n). n=0 or all NAN -> {NAN,NAN,NAN,0}. */
struct rep_agg rep_aggregate(const double *v, size_t n);
/* Fills every cell's agg[] from its runs. */
void rep_aggregate_cells(struct rep_data *d);
/* Whether the difference between a and b exceeds run-to-run noise: 1 when both have >= 2 runs
 * and their [min, max] ranges do not overlap, 0 when they overlap, -1 when noise is unknown
 * (fewer than 2 runs on either side, or a figure missing). */
int rep_beyond_noise(const struct rep_agg *a, const struct rep_agg *b);
/* a / b of two medians; NAN when either is missing or b is 0. */
double rep_ratio(const struct rep_agg *a, const struct rep_agg *b);

/* report_doc.c ------------------------------------------------------------------------- */
/* The report as a list of blocks that both writers render: headings, paragraphs, bullet
 * items and tables. Text is plain (no markup); each writer escapes for its format. */
enum rep_block_kind { B_H1, B_H2, B_H3, B_P, B_LI, B_TABLE, B_CHARTS };
struct rep_block {
  enum rep_block_kind kind;
  char *text;                       /* heading/paragraph/item; table caption; chart group id */
  char *id;                         /* a stable anchor for tables ("load-health-perf") or NULL */
  size_t ncols, nrows;
  char **cells;                     /* nrows x ncols, row 0 is the header */
};
struct rep_doc { struct rep_block *b; size_t n; };

/* Builds the whole report: the seven answers, the tables, capacity/sweep, environment. */
int rep_doc_build(const struct rep_data *d, struct rep_doc *doc);
void rep_doc_free(struct rep_doc *doc);
/* Numbers as the report prints them (3 significant figures, no exponent); "n/a" for NAN.
 * Writes into buf (n bytes) and returns it. */
char *rep_fmt(double v, char *buf, size_t n);
/* A ratio as the report prints it: 3 significant figures and "x" ("1.00x", "0.313x", "4.22x",
 * "123x"), "<0.01x" below 0.01, "n/a" for NAN. */
char *rep_fmt_ratio(double r, char *buf, size_t n);
/* A server-side quantile as the histogram bucket it falls in, ms: "≤ 5" (first bucket),
 * "50–75", "> 10000" (+Inf bucket), "n/a". */
char *rep_fmt_bucket(double lo, double hi, char *buf, size_t n);
/* Whether column col of table b holds text (left-aligned by both writers): some data cell is
 * neither a number (optionally after "<", ">", "~" or "\u2264 ") nor "n/a" or empty. */
bool rep_col_text(const struct rep_block *b, size_t col);
/* A figure with its spread: "412" or, with repeats, "412 (405-418)". */
char *rep_fmt_agg(const struct rep_agg *a, double scale, char *buf, size_t n);

/* report_md.c / report_html.c ---------------------------------------------------------- */
/* Renders doc as Markdown into f. */
void rep_write_md(FILE *f, const struct rep_doc *doc);
/* Renders doc as one self-contained page into f: assets_dir holds echarts.min.js, its licence
 * texts and report.js/template.html (build/report-assets). 0, or -ENOENT with a message. */
int rep_write_html(FILE *f, const struct rep_doc *doc, const struct rep_data *d,
                   const char *assets_dir, char *err, size_t errlen);

#endif
