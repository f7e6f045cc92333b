/* load.h: the contract between the load engine (who sends requests and fills struct load_stats)
 * and the load outputs (options/config parsing, thresholds, summary, export, series, merge).
 *
 * Ownership: struct load_opts is filled by options_* (src/options.c) and read-only afterwards;
 * everything it points to is malloc'd and released by options_free. struct load_stats is
 * produced by the engine (src/engine.c) after per-thread stats were merged once at the end
 * (or, for --merge, by export_read); load_stats_free releases its histograms.
 * Either side may add fields at the END of a struct; never reorder or repurpose a field.
 * All times are int64 nanoseconds unless a name says otherwise. */
#ifndef LOAD_H
#define LOAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hist.h"

/* ---------------------------------------------------------------- options */

enum executor {
  EXEC_CONSTANT_VUS,
  EXEC_RAMPING_VUS,
  EXEC_CONSTANT_ARRIVAL_RATE,
  EXEC_RAMPING_ARRIVAL_RATE,
};

struct stage {
  int64_t duration_ns;
  double target;            /* VUs (ramping-vus) or iterations per time_unit (ramping-arrival-rate) */
};

enum th_agg { TH_AVG, TH_MIN, TH_MAX, TH_MED, TH_P, TH_COUNT, TH_RATE, TH_VALUE };
enum th_op { TH_LT, TH_LE, TH_GT, TH_GE, TH_EQ, TH_NE };

struct threshold {
  char *metric;             /* as declared, may carry a selector: "http_req_duration{expected_response:true}" */
  char *source;             /* the expression text as written: "p(95)<500" */
  enum th_agg agg;
  double p;                 /* for TH_P: 99.9 for p(99.9) */
  enum th_op op;
  double rhs;               /* raw metric unit: ms for time trends, fraction for rates, /s for counter rate */
  bool abort_on_fail;
  int64_t delay_abort_eval_ns;
  bool failed;              /* result of the last evaluation */
};

struct header {
  char *name;
  char *value;
};

struct load_opts {
  char *url;                         /* target, http://host:port/path (no TLS) */
  char *method;                      /* default "GET" */
  struct header *headers;
  size_t nheaders;
  char *body;                        /* NULL for none */
  size_t body_len;

  char *scenario;                    /* default "default" */
  enum executor executor;
  int64_t vus;                       /* constant-vus, and startVUs default for stages (k6: 1) */
  int64_t start_vus;                 /* ramping-vus */
  int64_t duration_ns;               /* constant-vus / constant-arrival-rate */
  struct stage *stages;
  size_t nstages;
  int64_t graceful_stop_ns;          /* default 30 s */
  int64_t graceful_ramp_down_ns;     /* default 30 s */
  double rate;                       /* constant-arrival-rate: iterations per time_unit */
  double start_rate;                 /* ramping-arrival-rate */
  int64_t time_unit_ns;              /* default 1 s */
  int64_t pre_allocated_vus;
  int64_t max_vus;                   /* default = pre_allocated_vus */

  int64_t sleep_ns;                  /* think time after each request (iteration = request + sleep) */
  int64_t timeout_ns;                /* per request, default 60 s */
  int threads;                       /* engine threads; 0 = auto (from the planned rate, at most online CPUs and 4) */

  struct threshold *thresholds;
  size_t nthresholds;
  bool no_thresholds;
  char **trend_stats;                /* summaryTrendStats; default avg,min,med,max,p(90),p(95) */
  size_t ntrend_stats;               /* p(N) thresholds add their p(N) (beyond k6) */

  char *summary_export;              /* --summary-export FILE */
  char *out_csv;                     /* --out csv=FILE   per-second series */
  char *out_json;                    /* --out json=FILE  per-second series, NDJSON */
  char *config_path;                 /* --config FILE, for the header line */
  bool quiet;
  bool no_color;
  double scale;                      /* --scale F multiplies every duration (default 1) */
  char **merge_files;                /* --merge A.json B.json ...: print the combined summary */
  size_t nmerge_files;
  /* options.c bookkeeping: which options were given at all and which as flags (flags win over
   * --config); the bits are private to options.c. finalized: options_finalize ran (it applies
   * --scale exactly once). */
  uint64_t given;
  uint64_t given_cli;
  bool finalized;
};

/* Parses argv (argv[0] is "load"); initialises *o first (so options_free is always safe after
 * it). On error returns -EINVAL with a message naming the bad flag or expression in err (caller
 * exits 104). --help prints usage to stdout and returns 1. Usual sequence:
 *   options_parse_args -> options_load_config(o->config_path) if set -> options_finalize
 * (options_finalize loads o->config_path itself when the caller has not). */
int options_parse_args(int argc, char **argv, struct load_opts *o, char *err, size_t errlen);
/* Applies a k6 options JSON file (stages, vus, duration, scenarios subset, thresholds,
 * summaryTrendStats). Flags given on the command line win over the file. 0 / -EINVAL + err. */
int options_load_config(const char *path, struct load_opts *o, char *err, size_t errlen);
/* Defaults, shortcut resolution (k6 1.2), validation (the URL's syntax and port range included,
 * no network), --scale. 0 / -EINVAL + err. */
int options_finalize(struct load_opts *o, char *err, size_t errlen);
/* Checks o->url as options_finalize does and resolves its host (getaddrinfo: may block on DNS),
 * so an unknown host fails before any output. 0, -ENOMEM, or -EINVAL with a message naming the
 * URL and the host in err (caller exits 104). Kept out of options_finalize: a URL that only
 * resolves elsewhere (a Kubernetes service name) must still pass there. */
int options_resolve_url(const struct load_opts *o, char *err, size_t errlen);
void options_free(struct load_opts *o);

/* Parses one threshold expression for metric (k6 grammar, 4.2). 0 / -EINVAL + err. */
int threshold_parse(const char *metric, const char *expr, struct threshold *out, char *err, size_t errlen);

/* ---------------------------------------------------------------- results */

/* Trend metrics, in ms when reported. T_DURATION_CORRECTED is measured from each request's
 * intended start (open model); in closed models it equals T_DURATION. */
enum trend_id {
  T_HTTP_REQ_DURATION,
  T_HTTP_REQ_DURATION_EXPECTED,      /* sub-metric http_req_duration{expected_response:true} */
  T_HTTP_REQ_BLOCKED,
  T_HTTP_REQ_CONNECTING,
  T_HTTP_REQ_TLS_HANDSHAKING,
  T_HTTP_REQ_SENDING,
  T_HTTP_REQ_WAITING,
  T_HTTP_REQ_RECEIVING,
  T_ITERATION_DURATION,
  T_HTTP_REQ_DURATION_CORRECTED,
  T_COUNT
};

/* Why a request failed (beyond k6: every failure counted by cause). */
enum fail_cause {
  FAIL_REFUSED,        /* connect: ECONNREFUSED */
  FAIL_CONNECT,        /* connect: other error or connect timeout */
  FAIL_RESET,          /* ECONNRESET / EPIPE while sending or receiving */
  FAIL_TIMEOUT,        /* request exceeded timeout_ns */
  FAIL_EOF,            /* peer closed before the response was complete */
  FAIL_MALFORMED,      /* response parser error */
  FAIL_STATUS_4XX,
  FAIL_STATUS_5XX,
  FAIL_STATUS_OTHER,   /* 1xx or >= 600 */
  FAIL_INTERRUPTED,    /* still in flight at the hard stop (counted, not dropped) */
  FAIL_COUNT
};

struct load_stats {
  struct hist *trend[T_COUNT];
  uint64_t http_reqs;              /* round trips, including failed ones and in-flight-at-end */
  uint64_t http_req_failed;        /* non-2xx/3xx or transport error */
  uint64_t fails[FAIL_COUNT];
  uint64_t status_class[6];        /* [0] transport errors, [1..5] 1xx..5xx */
  uint64_t iterations;             /* completed */
  uint64_t interrupted;            /* hard-cancelled iterations */
  uint64_t dropped_iterations;
  uint64_t data_sent, data_received;  /* bytes on the wire */
  int64_t vus, vus_min, vus_max;   /* gauge: last, min, max */
  int64_t vus_max_value;           /* vus_max gauge (initialised VUs) */
  int64_t run_duration_ns;         /* test start to test end */
  double gen_cpu_seconds;          /* the generator's own CPU (user+sys) */
  double gen_cpu_share_peak;       /* highest 1-s share of one core used by the generator */
  double rate_missed_fraction;     /* arrival-rate: 1 - started/intended (0 for closed models) */
  bool aborted;                    /* abortOnFail or signal */
  int threads;                     /* engine threads used (0: unknown, e.g. merged exports) */
};

void load_stats_free(struct load_stats *s);   /* frees the histograms; NULL-safe */

/* Evaluates every threshold against s (k6 4.3 semantics), sets ->failed; returns how many failed. */
size_t thresholds_eval(struct load_opts *o, const struct load_stats *s);

/* The k6-style end-of-test summary (semantics doc 3.2/3.3), under our own header. Reads each
 * threshold's ->failed (run thresholds_eval first); if any crossed, it also prints
 * "thresholds on metrics 'a, b' have been crossed" to stderr. Colour only when f is a TTY. */
void summary_print(FILE *f, const struct load_opts *o, const struct load_stats *s);
/* The header block printed before the run (3.4). */
void summary_print_header(FILE *f, const struct load_opts *o);
/* When any request failed, one line: "WARN: 12 of 1000 requests failed (1.20%): connection
 * refused (10), HTTP status 5xx (2)", or, when none succeeded, "WARN: no request succeeded:
 * every one of the N requests failed with ...". Nothing otherwise. cmd_load writes it to stderr
 * after the summary (whose layout it leaves alone). */
void summary_print_failures(FILE *f, const struct load_opts *o, const struct load_stats *s);
/* Words for a failure cause (enum fail_cause), as the warnings use them: "connection refused",
 * "HTTP status 503" (status > 0) or "HTTP status 5xx" (status 0), "no complete response within
 * the 60s timeout" (timeout_ns > 0). Writes into buf (always NUL-terminated), returns buf.
 * Thread-safe (the engine calls it from its workers). */
char *load_fail_text(int cause, int status, int64_t timeout_ns, char *buf, size_t n);

/* --summary-export in k6's shape plus a "pocbench" object carrying the histograms, failure
 * causes, corrected latency and generator figures, so exports can be merged exactly. Atomic. */
int export_write(const char *path, const struct load_opts *o, const struct load_stats *s);
/* Reads an export and merges it into s (histograms exact, counters summed, duration = max). */
int export_read_merge(const char *path, struct load_stats *s, char *err, size_t errlen);

/* ---------------------------------------------------------------- per-second series */

struct series_point {
  int64_t t_s;                     /* seconds since test start (end of the 1-s window) */
  int64_t vus;
  uint64_t reqs, failed, iterations, dropped;
  uint64_t data_sent, data_received;
  double p50_ms, p90_ms, p95_ms, p99_ms, max_ms;   /* http_req_duration in that second */
  double p99_corrected_ms;                         /* from intended start; = p99_ms closed model */
  /* a second with reqs == 0, or a latency that is NaN (no samples), is written without latency:
   * empty CSV fields, NDJSON null */
};

struct series;   /* a CSV and/or NDJSON writer; rows written as they come (bounded memory) */
/* Opens the outputs named in o (out_csv, out_json); NULL paths are skipped. 0 / -errno. */
int series_open(struct series **out, const struct load_opts *o);
int series_write(struct series *s, const struct series_point *p);
/* Flushes and renames the temp files into place. NULL-safe. */
int series_close(struct series *s);

/* ---------------------------------------------------------------- engine */

/* Runs the test described by o, printing progress to stdout unless quiet. Fills *out.
 * stop_flag: set asynchronously (signal handler) to stop gracefully. 0 / -errno. */
int engine_run(const struct load_opts *o, volatile int *stop_flag, struct load_stats *out);

#endif
