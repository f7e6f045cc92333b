/* export.c: --summary-export (k6's legacy JSON shape) plus everything needed to merge exports.
 *
 * The "metrics" object is k6's shape (semantics 5.1): counters {count, rate}, gauges {value,
 * min, max}, rates {value, passes, fails}, trends the summaryTrendStats keys in ms, and
 * "thresholds": {source: true-if-FAILED}. k6's figures are derived and cannot be merged, so a
 * "pocbench" object carries the raw material: every histogram (hist_write_json), every counter,
 * failure causes, status classes, the generator's figures. export_read_merge reads only that
 * object, so merging N exports is exact (histograms add bucket by bucket) and the merged
 * summary is what one process would have printed. Histogram buckets are written on one line
 * each so a pretty-printed export stays small. Written via temp file + rename (fsutil). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "fsutil.h"
#include "load.h"
#include "loadout.h"

static const char *const trend_names[T_COUNT] = {
  [T_HTTP_REQ_DURATION] = "http_req_duration",
  [T_HTTP_REQ_DURATION_EXPECTED] = "http_req_duration{expected_response:true}",
  [T_HTTP_REQ_BLOCKED] = "http_req_blocked",
  [T_HTTP_REQ_CONNECTING] = "http_req_connecting",
  [T_HTTP_REQ_TLS_HANDSHAKING] = "http_req_tls_handshaking",
  [T_HTTP_REQ_SENDING] = "http_req_sending",
  [T_HTTP_REQ_WAITING] = "http_req_waiting",
  [T_HTTP_REQ_RECEIVING] = "http_req_receiving",
  [T_ITERATION_DURATION] = "iteration_duration",
  [T_HTTP_REQ_DURATION_CORRECTED] = "http_req_duration_corrected",
};

static const char *const cause_names[FAIL_COUNT] = {
  [FAIL_REFUSED] = "refused", [FAIL_CONNECT] = "connect", [FAIL_RESET] = "reset",
  [FAIL_TIMEOUT] = "timeout", [FAIL_EOF] = "eof", [FAIL_MALFORMED] = "malformed",
  [FAIL_STATUS_4XX] = "status_4xx", [FAIL_STATUS_5XX] = "status_5xx",
  [FAIL_STATUS_OTHER] = "status_other", [FAIL_INTERRUPTED] = "interrupted",
};

static const char *const class_names[6] = {"transport", "1xx", "2xx", "3xx", "4xx", "5xx"};

static const char *const default_stats[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};

#define KEY(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

/* shortest text that reads back as the same double */
static void gen_double(yajl_gen g, double v) {
  char buf[40];
  if (!isfinite(v)) v = 0;
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  yajl_gen_number(g, buf, strlen(buf));
}

static void gen_u64(yajl_gen g, uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  yajl_gen_number(g, buf, strlen(buf));
}

static void gen_trend(yajl_gen g, const struct hist *h, const char *const *stats, size_t nstats) {
  for (size_t j = 0; j < nstats; j++) {
    double v = 0;
    loadout_trend_stat(h, stats[j], &v);
    KEY(g, stats[j]);
    if (!strcmp(stats[j], "count")) gen_u64(g, (uint64_t)v);
    else gen_double(g, v);
  }
}

static void gen_thresholds(yajl_gen g, const struct load_opts *o, const char *canon) {
  bool any = false;
  for (size_t i = 0; i < o->nthresholds; i++) {
    if (strcmp(o->thresholds[i].metric, canon)) continue;
    if (!any) { KEY(g, "thresholds"); yajl_gen_map_open(g); any = true; }
    KEY(g, o->thresholds[i].source);
    yajl_gen_bool(g, o->thresholds[i].failed && !o->no_thresholds);
  }
  if (any) yajl_gen_map_close(g);
}

static bool thresholded(const struct load_opts *o, const char *canon) {
  for (size_t i = 0; i < o->nthresholds; i++)
    if (!strcmp(o->thresholds[i].metric, canon)) return true;
  return false;
}

static void gen_metric(yajl_gen g, const struct load_opts *o, const struct metric_key *k, const char *canon,
                       const struct load_stats *s, const char *const *stats, size_t nstats) {
  struct metric_values v;
  loadout_values(k, s, &v);
  if (!v.observed && !thresholded(o, canon)) return;
  KEY(g, canon);
  yajl_gen_map_open(g);
  switch (k->def->type) {
  case M_TREND: gen_trend(g, v.h, stats, nstats); break;
  case M_COUNTER:
    KEY(g, "count"); gen_u64(g, (uint64_t)v.count);
    KEY(g, "rate"); gen_double(g, v.rate);
    break;
  case M_GAUGE:
    KEY(g, "value"); gen_double(g, v.value);
    KEY(g, "min"); gen_double(g, v.min);
    KEY(g, "max"); gen_double(g, v.max);
    break;
  case M_RATE:
    KEY(g, "value"); gen_double(g, v.value);
    KEY(g, "passes"); gen_u64(g, v.passes);
    KEY(g, "fails"); gen_u64(g, v.fails);
    break;
  }
  gen_thresholds(g, o, canon);
  yajl_gen_map_close(g);
}

int export_write(const char *path, const struct load_opts *o, const struct load_stats *s) {
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return -ENOMEM;
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "    ");
  const char *const *stats = o->ntrend_stats ? (const char *const *)o->trend_stats : default_stats;
  size_t nstats = o->ntrend_stats ? o->ntrend_stats : 6;

  yajl_gen_map_open(g);
  KEY(g, "root_group");
  yajl_gen_map_open(g);
  KEY(g, "name"); KEY(g, "");
  KEY(g, "path"); KEY(g, "");
  KEY(g, "id"); KEY(g, "d41d8cd98f00b204e9800998ecf8427e");   /* MD5 of the root path "" */
  KEY(g, "groups"); yajl_gen_map_open(g); yajl_gen_map_close(g);
  KEY(g, "checks"); yajl_gen_map_open(g); yajl_gen_map_close(g);
  yajl_gen_map_close(g);

  KEY(g, "metrics");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < loadout_nmetrics; i++) {
    const struct metric_def *d = &loadout_metrics[i];
    struct metric_key k = {.def = d};
    gen_metric(g, o, &k, d->name, s, stats, nstats);
    if (d->trend == T_HTTP_REQ_DURATION) {
      struct metric_key ke = {.def = d, .expected_sub = true};
      gen_metric(g, o, &ke, trend_names[T_HTTP_REQ_DURATION_EXPECTED], s, stats, nstats);
    }
    size_t nl = strlen(d->name);
    for (size_t t = 0; t < o->nthresholds; t++) {   /* {scenario:X} sub-metrics with thresholds */
      const char *m = o->thresholds[t].metric;
      if (strncmp(m, d->name, nl) || strncmp(m + nl, "{scenario:", 10)) continue;
      bool dup = false;
      for (size_t u = 0; u < t && !dup; u++) dup = !strcmp(o->thresholds[u].metric, m);
      if (!dup) gen_metric(g, o, &k, m, s, stats, nstats);
    }
  }
  yajl_gen_map_close(g);

  KEY(g, "pocbench");
  yajl_gen_map_open(g);
  KEY(g, "schema"); yajl_gen_integer(g, 1);
  KEY(g, "scenario"); KEY(g, o->scenario ? o->scenario : "default");
  KEY(g, "run_duration_ms"); gen_double(g, (double)s->run_duration_ns / 1e6);
  KEY(g, "run_duration_ns"); yajl_gen_integer(g, s->run_duration_ns);
  KEY(g, "http_reqs"); gen_u64(g, s->http_reqs);
  KEY(g, "http_req_failed"); gen_u64(g, s->http_req_failed);
  KEY(g, "iterations"); gen_u64(g, s->iterations);
  KEY(g, "interrupted_iterations"); gen_u64(g, s->interrupted);
  KEY(g, "dropped_iterations"); gen_u64(g, s->dropped_iterations);
  KEY(g, "data_sent"); gen_u64(g, s->data_sent);
  KEY(g, "data_received"); gen_u64(g, s->data_received);
  KEY(g, "vus");
  yajl_gen_map_open(g);
  KEY(g, "value"); yajl_gen_integer(g, s->vus);
  KEY(g, "min"); yajl_gen_integer(g, s->vus_min);
  KEY(g, "max"); yajl_gen_integer(g, s->vus_max);
  yajl_gen_map_close(g);
  KEY(g, "vus_max"); yajl_gen_integer(g, s->vus_max_value);
  KEY(g, "in_flight_at_end"); gen_u64(g, s->fails[FAIL_INTERRUPTED]);
  KEY(g, "failures_by_cause");
  yajl_gen_map_open(g);
  for (int i = 0; i < FAIL_COUNT; i++) { KEY(g, cause_names[i]); gen_u64(g, s->fails[i]); }
  yajl_gen_map_close(g);
  KEY(g, "status_classes");
  yajl_gen_map_open(g);
  for (int i = 0; i < 6; i++) { KEY(g, class_names[i]); gen_u64(g, s->status_class[i]); }
  yajl_gen_map_close(g);
  KEY(g, "http_req_duration_corrected");
  yajl_gen_map_open(g);
  gen_trend(g, s->trend[T_HTTP_REQ_DURATION_CORRECTED], stats, nstats);
  yajl_gen_map_close(g);
  KEY(g, "generator");
  yajl_gen_map_open(g);
  KEY(g, "cpu_seconds"); gen_double(g, s->gen_cpu_seconds);
  KEY(g, "cpu_share_peak"); gen_double(g, s->gen_cpu_share_peak);
  KEY(g, "rate_missed_fraction"); gen_double(g, s->rate_missed_fraction);
  yajl_gen_map_close(g);
  KEY(g, "aborted"); yajl_gen_bool(g, s->aborted);
  KEY(g, "histograms");
  yajl_gen_map_open(g);
  for (int i = 0; i < T_COUNT; i++) {
    if (!s->trend[i]) continue;
    KEY(g, trend_names[i]);
    yajl_gen_config(g, yajl_gen_beautify, 0);   /* one line per histogram */
    int rc = hist_write_json(s->trend[i], g);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    if (rc) { yajl_gen_free(g); return rc; }
  }
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);

  const unsigned char *buf;
  size_t len;
  int rc = yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok ? 0 : -EINVAL;
  if (!rc) rc = fs_write_atomic(path, buf, len);
  yajl_gen_free(g);
  return rc;
}

/* ---------------------------------------------------------------- read + merge */

static yajl_val get(yajl_val obj, const char *key, yajl_type t) {
  const char *p[] = {key, NULL};
  return yajl_tree_get(obj, p, t);
}

static int get_u64(yajl_val obj, const char *key, uint64_t *out) {
  yajl_val v = get(obj, key, yajl_t_number);
  if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0) return -EINVAL;
  *out = (uint64_t)YAJL_GET_INTEGER(v);
  return 0;
}

static int get_i64(yajl_val obj, const char *key, int64_t *out) {
  yajl_val v = get(obj, key, yajl_t_number);
  if (!v || !YAJL_IS_INTEGER(v)) return -EINVAL;
  *out = YAJL_GET_INTEGER(v);
  return 0;
}

static int get_dbl(yajl_val obj, const char *key, double *out) {
  yajl_val v = get(obj, key, yajl_t_number);
  if (!v || !YAJL_IS_DOUBLE(v) || !isfinite(YAJL_GET_DOUBLE(v))) return -EINVAL;
  *out = YAJL_GET_DOUBLE(v);
  return 0;
}

static void free_hists(struct load_stats *s) {
  for (int i = 0; i < T_COUNT; i++) { hist_free(s->trend[i]); s->trend[i] = NULL; }
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto bad; } while (0)

int export_read_merge(const char *path, struct load_stats *s, char *err, size_t errlen) {
  char *text;
  size_t len;
  int rc = fs_read_all(path, &text, &len);
  if (rc) { snprintf(err, errlen, "%s: %s", path, strerror(-rc)); return rc; }
  char perr[256];
  yajl_val doc = yajl_tree_parse(text, perr, sizeof perr);
  free(text);
  if (!doc) {
    for (char *c = perr; *c; c++) if (*c == '\n') *c = ' ';
    snprintf(err, errlen, "%s: not valid JSON: %s", path, perr);
    return -EINVAL;
  }
  struct load_stats t;
  memset(&t, 0, sizeof t);
  yajl_val p = get(doc, "pocbench", yajl_t_object);
  if (!p) BAD("%s: no \"pocbench\" object (an export of pocbench load --summary-export is needed; k6's own carry no histograms)", path);
  int64_t schema;
  if (get_i64(p, "schema", &schema) || schema != 1) BAD("%s: pocbench.schema is not 1", path);
  if (get_i64(p, "run_duration_ns", &t.run_duration_ns) || t.run_duration_ns < 0) BAD("%s: pocbench.run_duration_ns missing or invalid", path);
  static const struct { const char *k; size_t off; } counters[] = {
    {"http_reqs", offsetof(struct load_stats, http_reqs)},
    {"http_req_failed", offsetof(struct load_stats, http_req_failed)},
    {"iterations", offsetof(struct load_stats, iterations)},
    {"interrupted_iterations", offsetof(struct load_stats, interrupted)},
    {"dropped_iterations", offsetof(struct load_stats, dropped_iterations)},
    {"data_sent", offsetof(struct load_stats, data_sent)},
    {"data_received", offsetof(struct load_stats, data_received)},
  };
  for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
    if (get_u64(p, counters[i].k, (uint64_t *)((char *)&t + counters[i].off)))
      BAD("%s: pocbench.%s missing or not a non-negative integer", path, counters[i].k);
  yajl_val vus = get(p, "vus", yajl_t_object);
  if (!vus || get_i64(vus, "value", &t.vus) || get_i64(vus, "min", &t.vus_min) || get_i64(vus, "max", &t.vus_max))
    BAD("%s: pocbench.vus must be {value, min, max}", path);
  if (get_i64(p, "vus_max", &t.vus_max_value)) BAD("%s: pocbench.vus_max missing", path);
  yajl_val causes = get(p, "failures_by_cause", yajl_t_object);
  if (!causes) BAD("%s: pocbench.failures_by_cause missing", path);
  for (int i = 0; i < FAIL_COUNT; i++)
    if (get_u64(causes, cause_names[i], &t.fails[i])) BAD("%s: pocbench.failures_by_cause.%s missing", path, cause_names[i]);
  yajl_val classes = get(p, "status_classes", yajl_t_object);
  if (!classes) BAD("%s: pocbench.status_classes missing", path);
  for (int i = 0; i < 6; i++)
    if (get_u64(classes, class_names[i], &t.status_class[i])) BAD("%s: pocbench.status_classes.%s missing", path, class_names[i]);
  yajl_val gen = get(p, "generator", yajl_t_object);
  if (!gen || get_dbl(gen, "cpu_seconds", &t.gen_cpu_seconds) || get_dbl(gen, "cpu_share_peak", &t.gen_cpu_share_peak) ||
      get_dbl(gen, "rate_missed_fraction", &t.rate_missed_fraction))
    BAD("%s: pocbench.generator must be {cpu_seconds, cpu_share_peak, rate_missed_fraction}", path);
  yajl_val ab = get(p, "aborted", yajl_t_any);
  if (!ab || (!YAJL_IS_TRUE(ab) && !YAJL_IS_FALSE(ab))) BAD("%s: pocbench.aborted must be true or false", path);
  t.aborted = YAJL_IS_TRUE(ab);
  yajl_val hs = get(p, "histograms", yajl_t_object);
  if (!hs) BAD("%s: pocbench.histograms missing", path);
  for (size_t i = 0; i < YAJL_GET_OBJECT(hs)->len; i++) {
    const char *name = YAJL_GET_OBJECT(hs)->keys[i];
    int id = -1;
    for (int j = 0; j < T_COUNT && id < 0; j++) if (!strcmp(trend_names[j], name)) id = j;
    if (id < 0) BAD("%s: pocbench.histograms.%s: unknown histogram", path, name);
    if (!t.trend[id] && !(t.trend[id] = hist_new())) { rc = -ENOMEM; snprintf(err, errlen, "out of memory"); goto fail; }
    if (hist_read_json(t.trend[id], YAJL_GET_OBJECT(hs)->values[i]))
      BAD("%s: pocbench.histograms.%s: malformed histogram (other layout or inconsistent counts)", path, name);
  }
  yajl_tree_free(doc);

  /* merge t into s: counters add, histograms add, gauges of separate processes add (VUs
   * of N generators run side by side), run duration and CPU peak take the maximum */
  bool first = s->run_duration_ns == 0 && s->http_reqs == 0 && s->vus_max_value == 0;
  s->http_reqs += t.http_reqs;
  s->http_req_failed += t.http_req_failed;
  for (int i = 0; i < FAIL_COUNT; i++) s->fails[i] += t.fails[i];
  for (int i = 0; i < 6; i++) s->status_class[i] += t.status_class[i];
  s->iterations += t.iterations;
  s->interrupted += t.interrupted;
  s->dropped_iterations += t.dropped_iterations;
  s->data_sent += t.data_sent;
  s->data_received += t.data_received;
  s->vus += t.vus;
  s->vus_min = first ? t.vus_min : s->vus_min + t.vus_min;
  s->vus_max += t.vus_max;
  s->vus_max_value += t.vus_max_value;
  if (t.run_duration_ns > s->run_duration_ns) s->run_duration_ns = t.run_duration_ns;
  s->gen_cpu_seconds += t.gen_cpu_seconds;
  if (t.gen_cpu_share_peak > s->gen_cpu_share_peak) s->gen_cpu_share_peak = t.gen_cpu_share_peak;
  if (t.rate_missed_fraction > s->rate_missed_fraction) s->rate_missed_fraction = t.rate_missed_fraction;
  s->aborted = s->aborted || t.aborted;
  for (int i = 0; i < T_COUNT; i++) {
    if (!t.trend[i]) continue;
    if (!s->trend[i]) { s->trend[i] = t.trend[i]; t.trend[i] = NULL; continue; }
    hist_merge(s->trend[i], t.trend[i]);
  }
  free_hists(&t);
  return 0;
bad:
  rc = -EINVAL;
fail:
  yajl_tree_free(doc);
  free_hists(&t);
  return rc;
}
