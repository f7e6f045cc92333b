/* test_report.c: pocbench report (src/report_*.c).
 * 1. Units: median/spread over repeats, the noise rule, number formatting.
 * 2. Each committed fixture tree (tests/report/fixtures/<name>, from a real run) is copied to a
 *    temporary directory and rendered by the real binary ($POCBENCH report --no-html); every
 *    figure in REPORT.md's per-endpoint tables is then checked against the scenario documents
 *    it came from, read here independently with yajl (medians over repeats computed here too).
 * 3. Server-side percentiles agree with Prometheus: a promtool rule-test file is generated from
 *    each fixture's bucket deltas with pocbench's values as the expected samples, and
 *    `promtool test rules` evaluates histogram_quantile over the same series. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <yajl/yajl_tree.h>
#include "check.h"
#include "fsutil.h"
#include "hist.h"
#include "prom.h"
#include "report.h"

#define FIXTURES "tests/report/fixtures"

static void units(void) {
  double v1[] = {3, 1, 2};
  struct rep_agg a = rep_aggregate(v1, 3);
  CHECK(a.med == 2 && a.min == 1 && a.max == 3 && a.n == 3, "median of three unsorted runs is the middle one");
  double v2[] = {4, NAN, 1, 2, 3};
  a = rep_aggregate(v2, 5);
  CHECK(a.med == 2.5 && a.n == 4, "median of four runs averages the middle two, NaN skipped");
  double v3[] = {NAN};
  a = rep_aggregate(v3, 1);
  CHECK(a.n == 0 && isnan(a.med), "a figure missing in every run aggregates to missing");
  struct rep_agg x = {10, 9, 11, 3}, y = {12, 11.5, 13, 3}, z = {11, 10.5, 12, 3}, one = {10, 10, 10, 1};
  CHECK_INT(rep_beyond_noise(&x, &y), 1, "non-overlapping ranges are beyond noise");
  CHECK_INT(rep_beyond_noise(&x, &z), 0, "overlapping ranges are within noise");
  CHECK_INT(rep_beyond_noise(&x, &one), -1, "a single run leaves noise unknown");
  CHECK(isnan(rep_ratio(&x, &(struct rep_agg){0, 0, 0, 1})), "ratio to zero is missing, not infinite");
  char b[64];
  CHECK_STR(rep_fmt(NAN, b, sizeof b), "n/a", "NaN prints n/a");
  CHECK_STR(rep_fmt(1234.4, b, sizeof b), "1234", "large values print without decimals");
  CHECK_STR(rep_fmt(12.345, b, sizeof b), "12.3", "tens print one decimal");
  CHECK_STR(rep_fmt(0.012345, b, sizeof b), "0.0123", "small values keep three significant figures");
  CHECK_STR(rep_fmt_agg(&x, 1, b, sizeof b), "10 (9-11)", "repeats print median (min-max)");
  /* one ratio format everywhere */
  CHECK_STR(rep_fmt_ratio(1, b, sizeof b), "1.00x", "ratio 1 prints 1.00x, not 1x");
  CHECK_STR(rep_fmt_ratio(0.2, b, sizeof b), "0.200x", "ratio 0.2 keeps three significant figures");
  CHECK_STR(rep_fmt_ratio(0.3131, b, sizeof b), "0.313x", "ratio below 1 prints 3 significant figures");
  CHECK_STR(rep_fmt_ratio(4.2249, b, sizeof b), "4.22x", "ratio above 1 prints 3 significant figures");
  CHECK_STR(rep_fmt_ratio(12.34, b, sizeof b), "12.3x", "ratio above 10 prints 3 significant figures");
  CHECK_STR(rep_fmt_ratio(123.4, b, sizeof b), "123x", "ratio above 100 prints no decimals");
  CHECK_STR(rep_fmt_ratio(0.000401, b, sizeof b), "<0.01x", "ratio below 0.01 prints <0.01x");
  CHECK_STR(rep_fmt_ratio(0.01, b, sizeof b), "0.0100x", "ratio 0.01 is printed, not <0.01x");
  CHECK_STR(rep_fmt_ratio(NAN, b, sizeof b), "n/a", "missing ratio prints n/a");
  /* server quantiles as the bucket they fall in */
  CHECK_STR(rep_fmt_bucket(0, 5, b, sizeof b), "\u2264 5", "first bucket prints as <= its upper bound");
  CHECK_STR(rep_fmt_bucket(50, 75, b, sizeof b), "50\u201375", "a middle bucket prints its bounds");
  CHECK_STR(rep_fmt_bucket(10000, INFINITY, b, sizeof b), "> 10000", "the +Inf bucket prints > the last bound");
  CHECK_STR(rep_fmt_bucket(NAN, NAN, b, sizeof b), "n/a", "no histogram prints n/a");
  double les[] = {0.005, 0.01, 0.025, INFINITY}, lo, hi;
  double all_first[] = {100, 100, 100, 100}, mid[] = {0, 754, 760, 760}, tail[] = {10, 10, 10, 20};
  CHECK(rep_quantile_bucket(0.99, les, all_first, 4, &lo, &hi) == 0 && lo == 0 && hi == 0.005,
        "every request in the first bucket: p99 is in 0-5 ms");
  CHECK(prom_histogram_quantile(0.99, les, all_first, 4) > 0.0049,
        "while histogram_quantile interpolates p99 to 4.95 ms (why the report shows the bucket)");
  CHECK(rep_quantile_bucket(0.5, les, mid, 4, &lo, &hi) == 0 && lo == 0.005 && hi == 0.01,
        "p50 of a histogram whose requests sit in 5-10 ms is in 5-10 ms");
  CHECK(rep_quantile_bucket(0.9, les, tail, 4, &lo, &hi) == 0 && lo == 0.025 && isinf(hi),
        "p90 in the +Inf bucket: above the last finite bound");
  double none[] = {0, 0, 0, 0};
  CHECK(rep_quantile_bucket(0.5, les, none, 4, &lo, &hi) < 0 && isnan(lo), "an empty histogram has no bucket");
}

/* The bucket text of a server cell ("\u2264 5", "5\u201310", "> 10000") as [lo, hi]; -1 if not one. */
static int parse_bucket(const char *cell, double *lo, double *hi) {
  char *e;
  if (!strncmp(cell, "\u2264 ", strlen("\u2264 "))) {
    *lo = 0;
    *hi = strtod(cell + strlen("\u2264 "), &e);
    return e == cell + strlen("\u2264 ") ? -1 : 0;
  }
  if (!strncmp(cell, "> ", 2)) { *lo = strtod(cell + 2, &e); *hi = INFINITY; return e == cell + 2 ? -1 : 0; }
  *lo = strtod(cell, &e);
  if (e == cell || strncmp(e, "\u2013", strlen("\u2013"))) return -1;
  const char *p = e + strlen("\u2013");
  *hi = strtod(p, &e);
  return e == p ? -1 : 0;
}

/* A server cell shows the bucket: every run's histogram_quantile, computed here from the JSON,
 * must lie inside it (a quantile on a bucket bound belongs to the bucket below, as in Prometheus). */
static void check_bucket_cell(const char *cell, const double *runs, int n, const char *what) {
  char name[1100];
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" is the bucket of the JSON's histogram_quantile", what, cell);
  double v[16];
  memcpy(v, runs, sizeof(double) * (size_t)n);
  struct rep_agg a = rep_aggregate(v, (size_t)n);
  if (a.n == 0) { CHECK(!strncmp(cell, "n/a", 3), name); return; }
  double lo, hi;
  bool ok = parse_bucket(cell, &lo, &hi) == 0;
  for (int i = 0; ok && i < n; i++)
    if (!isnan(runs[i])) ok = runs[i] >= lo - 1e-9 && runs[i] <= hi * (1 + 1e-9);
  CHECK(ok, name);
}

/* ---------------------------------------------------------------- expected figures from JSON */

struct want {
  char key[256];         /* "test|service|endpoint" */
  double v[12][16];      /* figure x run */
  int n;
  char cause[16][64];    /* failures_by_cause, counts above 0 summed over the runs */
  double cause_n[16];
  int ncause;
  double svcfail[16];    /* per run: requests failed by the service (not cut off) / http_reqs.count */
  char th[16][128];      /* every threshold expression, and in how many runs it was crossed */
  int th_crossed[16];
  int nth;
  char stem[1400];       /* the first run's path without ".json" (its .csv and .txt beside it) */
};
enum { W_RPS, W_P50, W_P90, W_P95, W_P99, W_SP50, W_SP90, W_SP99, W_FAIL, W_CPU1K, W_MEM, W_THR, W_N };

static double jnum(yajl_val v, const char **path) {
  yajl_val x = yajl_tree_get(v, path, yajl_t_number);
  return x ? YAJL_GET_DOUBLE(x) : NAN;
}

static int load_wants(const char *dir, struct want *w, int max) {
  int nw = 0;
  char tests[16][64];
  int ntests = 0;
  DIR *top = opendir(dir);
  struct dirent *te;
  while (top && (te = readdir(top)) && ntests < 16) {   /* every test-<test>-results/ */
    size_t l = strlen(te->d_name);
    if (l > 13 && l < 70 && !strncmp(te->d_name, "test-", 5) && !strcmp(te->d_name + l - 8, "-results"))
      snprintf(tests[ntests++], sizeof tests[0], "%.*s", (int)(l - 13), te->d_name + 5);
  }
  if (top) closedir(top);
  for (int t = 0; t < ntests; t++) {
    char sub[1200];
    snprintf(sub, sizeof sub, "%.1023s/test-%.63s-results", dir, tests[t]);
    DIR *d = opendir(sub);
    if (!d) continue;
    struct dirent *e;
    while ((e = readdir(d))) {
      size_t l = strlen(e->d_name);
      if (l < 6 || strcmp(e->d_name + l - 5, ".json")) continue;
      char path[1400], *text = NULL, err[256];
      size_t len;
      snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
      if (fs_read_all(path, &text, &len) < 0) continue;
      yajl_val doc = yajl_tree_parse(text, err, sizeof err);
      free(text);
      if (!doc) continue;
      const char *ps[] = {"scenario", "service", NULL}, *pe[] = {"scenario", "endpoint", NULL};
      char key[256];
      snprintf(key, sizeof key, "%.63s|%.127s|%.63s", tests[t], YAJL_GET_STRING(yajl_tree_get(doc, ps, yajl_t_string)),
               YAJL_GET_STRING(yajl_tree_get(doc, pe, yajl_t_string)));
      int i = 0;
      while (i < nw && strcmp(w[i].key, key)) i++;
      if (i == nw) { if (nw == max) { yajl_tree_free(doc); continue; } memset(&w[nw], 0, sizeof w[nw]); snprintf(w[nw].key, sizeof w[nw].key, "%s", key); nw++; }
      struct want *x = &w[i];
      int r = x->n++;
      const char *rp[] = {"scenario", "repeat", NULL};
      double rep = jnum(doc, rp);
      if (!x->stem[0] || rep == 1) snprintf(x->stem, sizeof x->stem, "%.*s", (int)(strlen(path) - 5), path);
      const char *rps[] = {"client", "metrics", "http_reqs", "rate", NULL};
      const char *p50[] = {"client", "metrics", "http_req_duration", "med", NULL};
      const char *p90[] = {"client", "metrics", "http_req_duration", "p(90)", NULL};
      const char *p95[] = {"client", "metrics", "http_req_duration", "p(95)", NULL};
      const char *p99[] = {"client", "metrics", "http_req_duration", "p(99)", NULL};
      const char *fail[] = {"client", "metrics", "http_req_failed", "value", NULL};
      const char *cpu[] = {"resources", "cpu_seconds_per_1k_requests", NULL};
      const char *mem[] = {"resources", "memory_peak_bytes", NULL};
      x->v[W_RPS][r] = jnum(doc, rps);
      x->v[W_P50][r] = jnum(doc, p50);
      x->v[W_P90][r] = jnum(doc, p90);
      x->v[W_P95][r] = jnum(doc, p95);
      x->v[W_P99][r] = jnum(doc, p99);
      /* a percentile the export's trend stats lack comes from its histogram */
      const char *hp[] = {"client", "pocbench", "histograms", "http_req_duration", NULL};
      yajl_val hv = yajl_tree_get(doc, hp, yajl_t_object);
      static const int wi[] = {W_P50, W_P90, W_P95, W_P99};
      static const double pp[] = {50, 90, 95, 99};
      for (int k = 0; k < 4 && hv; k++) {
        if (!isnan(x->v[wi[k]][r])) continue;
        struct hist *h = hist_new();
        if (h && hist_read_json(h, hv) == 0) x->v[wi[k]][r] = hist_percentile(h, pp[k]) / 1e6;
        hist_free(h);
      }
      x->v[W_FAIL][r] = jnum(doc, fail) * 100;
      x->v[W_CPU1K][r] = jnum(doc, cpu);
      if (isnan(x->v[W_CPU1K][r])) {   /* docs/report.md: else cpu_seconds / http_reqs.count x 1000 */
        const char *cs[] = {"resources", "cpu_seconds", NULL}, *cnt[] = {"client", "metrics", "http_reqs", "count", NULL};
        x->v[W_CPU1K][r] = jnum(doc, cs) / jnum(doc, cnt) * 1000;
      }
      x->v[W_MEM][r] = jnum(doc, mem) / 1048576.0;
      const char *thr[] = {"resources", "throttled_share", NULL};
      x->v[W_THR][r] = jnum(doc, thr) * 100;
      const char *fc[] = {"client", "pocbench", "failures_by_cause", NULL}, *mp[] = {"client", "metrics", NULL};
      yajl_val causes = yajl_tree_get(doc, fc, yajl_t_object), metrics = yajl_tree_get(doc, mp, yajl_t_object);
      const char *cntp[] = {"client", "metrics", "http_reqs", "count", NULL};
      double svc_failed = 0;
      for (size_t k = 0; causes && k < causes->u.object.len; k++) {
        double cnt = YAJL_IS_NUMBER(causes->u.object.values[k]) ? YAJL_GET_DOUBLE(causes->u.object.values[k]) : 0;
        if (!(cnt > 0)) continue;
        if (strcmp(causes->u.object.keys[k], "interrupted")) svc_failed += cnt;
        int j = 0;
        while (j < x->ncause && strcmp(x->cause[j], causes->u.object.keys[k])) j++;
        if (j == 16) continue;
        if (j == x->ncause) { snprintf(x->cause[j], sizeof x->cause[j], "%s", causes->u.object.keys[k]); x->cause_n[j] = 0; x->ncause++; }
        x->cause_n[j] += cnt;
      }
      x->svcfail[r] = jnum(doc, cntp) > 0 ? svc_failed / jnum(doc, cntp) : 0;
      for (size_t k = 0; metrics && k < metrics->u.object.len; k++) {
        const char *tp[] = {"thresholds", NULL};
        yajl_val th = yajl_tree_get(metrics->u.object.values[k], tp, yajl_t_object);
        for (size_t t2 = 0; th && t2 < th->u.object.len; t2++) {
          int j = 0;
          while (j < x->nth && strcmp(x->th[j], th->u.object.keys[t2])) j++;
          if (j == 16) continue;
          if (j == x->nth) { snprintf(x->th[j], sizeof x->th[j], "%s", th->u.object.keys[t2]); x->th_crossed[j] = 0; x->nth++; }
          x->th_crossed[j] += YAJL_IS_TRUE(th->u.object.values[t2]);   /* k6 export: true = crossed */
        }
      }
      const char *le[] = {"server", "duration_histogram", "le", NULL}, *cn[] = {"server", "duration_histogram", "counts", NULL};
      yajl_val L = yajl_tree_get(doc, le, yajl_t_array), C = yajl_tree_get(doc, cn, yajl_t_array);
      double les[64], cs[64];
      size_t nb = L && C ? L->u.array.len : 0;
      for (size_t k = 0; k < nb && k < 64; k++) {
        yajl_val lv = L->u.array.values[k];
        les[k] = YAJL_IS_STRING(lv) ? INFINITY : YAJL_GET_DOUBLE(lv);
        cs[k] = YAJL_GET_DOUBLE(C->u.array.values[k]);
      }
      x->v[W_SP50][r] = prom_histogram_quantile(0.5, les, cs, nb) * 1000;
      x->v[W_SP90][r] = prom_histogram_quantile(0.9, les, cs, nb) * 1000;
      x->v[W_SP99][r] = prom_histogram_quantile(0.99, les, cs, nb) * 1000;
      yajl_tree_free(doc);
    }
    closedir(d);
  }
  return nw;
}

/* The cells of the row whose first nkeys cells are keys[], in the table whose caption starts
 * with caption; 0 when there is none. */
static int md_row_keys(const char *md, const char *caption, const char *const *keys, int nkeys, char cells[16][256]) {
  const char *p = strstr(md, caption);
  if (!p) return 0;
  const char *end = strstr(p, "\n\n\n");
  for (const char *line = strchr(p, '\n'); line && *line; line = strchr(line + 1, '\n')) {
    if (end && line > end) break;
    if (line[1] == '*') break;   /* the next table's caption */
    if (line[1] != '|') continue;
    int n = 0;
    const char *c = line + 2;
    while (*c && *c != '\n' && n < 16) {
      const char *bar = strchr(c, '|');
      if (!bar) break;
      size_t l = (size_t)(bar - c);
      snprintf(cells[n], 256, "%.*s", (int)l, c);
      char *s = cells[n];
      while (*s == ' ') memmove(s, s + 1, strlen(s));
      for (size_t k = strlen(s); k && s[k - 1] == ' '; k--) s[k - 1] = '\0';
      n++;
      c = bar + 1;
      if (*c == ' ') c++;
    }
    bool match = n >= nkeys;
    for (int k = 0; match && k < nkeys; k++) match = !strcmp(cells[k], keys[k]);
    if (match) return n;
  }
  return 0;
}

static int md_row(const char *md, const char *caption, const char *service, char cells[16][256]) {
  return md_row_keys(md, caption, &service, 1, cells);
}

/* what the fixtures exercise, so the checks above cannot all be vacuous */
static int seen_causes, seen_crossed, seen_spread, seen_noise;

/* A printed figure (3 significant figures) agrees with the value computed from the JSON. */
static bool near3(double got, double want) { return fabs(got - want) <= 0.006 * fabs(want) + 1e-9; }

/* A figure cell is the median over the runs, followed with repeats by " (min-max)" (docs/report.md,
 * Repeats): both the median and the spread must be those of the JSON's runs. */
static void check_cell(const char *cell, const double *runs, int n, const char *what) {
  double v[16];
  memcpy(v, runs, sizeof(double) * (size_t)n);
  struct rep_agg a = rep_aggregate(v, (size_t)n);
  char name[512];
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" matches the JSON", what, cell);
  if (a.n == 0) { CHECK(!strncmp(cell, "n/a", 3), name); return; }
  char *e, *e2, *e3;
  double got = strtod(cell, &e);
  bool ok = e != cell && near3(got, a.med);
  if (a.n < 2) {
    CHECK(ok && *e == '\0', name);
    return;
  }
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\": median and (min-max) of %d runs match the JSON", what, cell, a.n);
  seen_spread++;
  ok = ok && !strncmp(e, " (", 2);
  double lo = ok ? strtod(e + 2, &e2) : NAN;
  ok = ok && e2 != e + 2 && *e2 == '-';
  double hi = ok ? strtod(e2 + 1, &e3) : NAN;
  ok = ok && e3 != e2 + 1 && !strcmp(e3, ")");
  CHECK(ok && near3(lo, a.min) && near3(hi, a.max), name);
}

/* A ratio cell: median of the contender / median of the baseline, "<0.01x" below 0.01, with
 * " (beyond noise)" when both have >= 2 runs and their min-max ranges do not overlap, " (within
 * noise)" when they overlap, nothing with one run or in the baseline's own row. */
static void check_ratio(const char *cell, const struct want *c, const struct want *base, int fig, const char *what) {
  char name[700];
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" is the ratio of the JSON's medians", what, cell);
  double v[16];
  memcpy(v, c->v[fig], sizeof(double) * (size_t)c->n);
  struct rep_agg a = rep_aggregate(v, (size_t)c->n), b = {NAN, NAN, NAN, 0};
  if (base) { memcpy(v, base->v[fig], sizeof(double) * (size_t)base->n); b = rep_aggregate(v, (size_t)base->n); }
  double want = a.n && b.n && b.med != 0 ? a.med / b.med : NAN;
  if (isnan(want)) { CHECK(!strcmp(cell, "n/a"), name); return; }
  const char *rest;
  bool ok;
  if (!strncmp(cell, "<0.01x", 6)) { ok = fabs(want) < 0.01; rest = cell + 6; }
  else {
    char *e;
    double got = strtod(cell, &e);
    ok = e != cell && *e == 'x' && near3(got, want);
    rest = *e ? e + 1 : e;
  }
  const char *suffix = "";
  if (c != base && a.n >= 2 && b.n >= 2) {
    suffix = a.max < b.min || b.max < a.min ? " (beyond noise)" : " (within noise)";
    seen_noise |= suffix[2] == 'b' ? 1 : 2;
  }
  CHECK(ok && !strcmp(rest, suffix), name);
  if (c == base) {
    snprintf(name, sizeof name, "REPORT.md %s: the baseline's own row is \"1.00x\"", what);
    CHECK_STR(cell, "1.00x", name);
  }
}

/* Items of a list cell ("a; b" or "a, b") each equal to one of want[], every one present. */
static void check_items(const char *cell, const char *sep, char want[][256], int nwant, const char *what) {
  char name[700], buf[256];
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" lists exactly what the JSON has", what, cell);
  if (nwant == 0) { CHECK(!strcmp(cell, "-"), name); return; }
  snprintf(buf, sizeof buf, "%s", cell);
  int seen = 0, items = 0;
  bool used[32] = {0};
  for (char *p = buf, *q; p; p = q) {
    q = strstr(p, sep);
    if (q) { *q = '\0'; q += strlen(sep); }
    items++;
    for (int j = 0; j < nwant; j++)
      if (!used[j] && !strcmp(p, want[j])) { used[j] = true; seen++; break; }
  }
  CHECK(seen == nwant && items == nwant, name);
}

/* With repeats, the answers' "N requests failed" sentence says the count is the worst run's and
 * the causes are every run's together (the two numbers differ, so an unlabelled pair misleads). */
static void check_failed_sentence(const char *md, const struct want *w, const char *what) {
  char causes[512] = "", want[640], name[640];
  for (int j = 0; j < w->ncause; j++) {
    if (!strcmp(w->cause[j], "interrupted")) continue;
    size_t l = strlen(causes);
    snprintf(causes + l, sizeof causes - l, "%s%s %.0f", l ? ", " : "", w->cause[j], w->cause_n[j]);
  }
  if (w->n < 2 || !causes[0]) return;
  snprintf(want, sizeof want, "in the worst of %d runs (all runs together: %s)", w->n, causes);
  snprintf(name, sizeof name, "%s: the answers label the worst run's count and the summed causes", what);
  CHECK(strstr(md, want) != NULL, name);
}

/* failure causes: "timeout 353", "in flight at the stop 5 (cut off by the harness)", or "-" */
static void check_causes(const char *cell, const struct want *w, const char *what) {
  char want[16][256];
  for (int j = 0; j < w->ncause; j++) {
    if (!strcmp(w->cause[j], "interrupted"))
      snprintf(want[j], sizeof want[j], "in flight at the stop %.0f (cut off by the harness)", w->cause_n[j]);
    else
      snprintf(want[j], sizeof want[j], "%s %.0f", w->cause[j], w->cause_n[j]);
  }
  check_items(cell, ", ", want, w->ncause, what);
  seen_causes += w->ncause > 0;
}

/* thresholds: "expr passed" / "expr crossed", with repeats "expr crossed (k of N runs)" */
static void check_thresholds(const char *cell, const struct want *w, const char *what) {
  char want[16][256];
  for (int j = 0; j < w->nth; j++) {
    if (!w->th_crossed[j]) snprintf(want[j], sizeof want[j], "%s passed", w->th[j]);
    else if (w->n > 1) {
      snprintf(want[j], sizeof want[j], "%s crossed (%d of %d runs)", w->th[j], w->th_crossed[j], w->n);
      seen_crossed++;
    }
    else snprintf(want[j], sizeof want[j], "%s crossed", w->th[j]);
  }
  check_items(cell, "; ", want, w->nth, what);
}

/* ---------------------------------------------------------------- capacity/ and sweep/ */

static double gnum(yajl_val v, const char *k1, const char *k2) {
  const char *p[] = {k1, k2, NULL};
  yajl_val x = yajl_tree_get(v, p, yajl_t_number);
  return x ? YAJL_GET_DOUBLE(x) : NAN;
}
static const char *gstr(yajl_val v, const char *k) {
  const char *p[] = {k, NULL};
  yajl_val x = yajl_tree_get(v, p, yajl_t_string);
  return x ? YAJL_GET_STRING(x) : NULL;
}

/* A number cell printed with 3 significant figures against the JSON's value (n/a for null). */
static void check_num(const char *cell, double want, const char *what) {
  char name[700], *e;
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" matches the JSON", what, cell);
  if (isnan(want)) { CHECK(!strcmp(cell, "n/a"), name); return; }
  double got = strtod(cell, &e);
  CHECK(e != cell && *e == '\0' && near3(got, want), name);
}

/* The documents of dir/sub/ (capacity or sweep), parsed here with yajl; returns how many. */
static int read_extras(const char *dir, const char *sub, yajl_val *docs, int max) {
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  DIR *d = opendir(path);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) && n < max) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".json")) continue;
    char file[1800], *text = NULL, err[256];
    size_t len;
    snprintf(file, sizeof file, "%s/%s", path, e->d_name);
    if (fs_read_all(file, &text, &len) < 0) continue;
    docs[n] = yajl_tree_parse(text, err, sizeof err);
    free(text);
    if (docs[n]) n++;
  }
  if (d) closedir(d);
  return n;
}

/* The Breaking points and Concurrency sweep tables, and Q5/Q6's sentences built from them,
 * against the capacity/ and sweep/ documents (docs/results-format.md, docs/report.md). */
static void check_extras(const char *dir, const char *md, const char *name) {
  yajl_val cap[32], sw[32];
  int ncap = read_extras(dir, "capacity", cap, 32), nsw = read_extras(dir, "sweep", sw, 32);
  char what[700], cells[16][256], a[64];
  if (!ncap) {
    snprintf(what, sizeof what, "%s: without capacity/ the report says it was not measured", name);
    CHECK(strstr(md, "No capacity/ documents in this results tree"), what);
  }
  if (!nsw) {
    snprintf(what, sizeof what, "%s: without sweep/ the report says it was not measured", name);
    CHECK(strstr(md, "No sweep/ documents in this results tree"), what);
  }
  const char *q5 = strstr(md, "### 5. "), *q6 = strstr(md, "### 6. "), *q7 = strstr(md, "### 7. ");
  for (int i = 0; i < ncap; i++) {
    const char *svc = gstr(cap[i], "service"), *ep = gstr(cap[i], "endpoint"), *lim = gstr(cap[i], "limited_by");
    const char *keys[] = {svc ? svc : "?", ep ? ep : "?"};
    const char *sp[] = {"steps", NULL};
    yajl_val steps = yajl_tree_get(cap[i], sp, yajl_t_array);
    int n = md_row_keys(md, "*Highest arrival rate (open model) meeting the SLO", keys, 2, cells);
    snprintf(what, sizeof what, "%s: capacity %s %s has a Breaking points row", name, keys[0], keys[1]);
    CHECK(n == 7, what);
    if (n != 7) continue;
    snprintf(what, sizeof what, "%s capacity %s %s capacity req/s", name, keys[0], keys[1]);
    check_num(cells[2], gnum(cap[i], "capacity_rps", NULL), what);
    snprintf(what, sizeof what, "%s capacity %s %s knee req/s", name, keys[0], keys[1]);
    check_num(cells[5], gnum(cap[i], "knee_rps", NULL), what);
    snprintf(what, sizeof what, "REPORT.md %s capacity %s %s limited by = \"%s\" is the JSON's limited_by", name,
             keys[0], keys[1], cells[4]);
    CHECK(lim && !strcmp(cells[4], lim), what);
    snprintf(what, sizeof what, "%s capacity %s %s steps", name, keys[0], keys[1]);
    check_num(cells[6], steps ? (double)steps->u.array.len : NAN, what);
    char slo[128], b[64];
    snprintf(slo, sizeof slo, "p99 < %s ms, failures < %s%%", rep_fmt(gnum(cap[i], "slo", "p99_ms"), a, sizeof a),
             rep_fmt(gnum(cap[i], "slo", "failure_rate") * 100, b, sizeof b));
    snprintf(what, sizeof what, "REPORT.md %s capacity %s %s SLO = \"%s\" is the JSON's slo", name, keys[0], keys[1], cells[3]);
    CHECK(!strcmp(cells[3], slo), what);
    /* Q5: "<service> <capacity> req/s", a lower bound when the generator was the limit */
    char phrase[256];
    snprintf(phrase, sizeof phrase, " %s %s req/s%s", keys[0], rep_fmt(gnum(cap[i], "capacity_rps", NULL), a, sizeof a),
             lim && !strcmp(lim, "generator") ? " (generator-bound: a lower bound)" : "");
    const char *at = q5 ? strstr(q5, phrase) : NULL;
    snprintf(what, sizeof what, "%s: Q5 gives %s %s's capacity (\"%s\")", name, keys[0], keys[1], phrase + 1);
    CHECK(at && (!q6 || at < q6), what);
  }
  for (int i = 0; i < nsw; i++) {
    const char *svc = gstr(sw[i], "service"), *ep = gstr(sw[i], "endpoint");
    const char *pp[] = {"points", NULL};
    yajl_val pts = yajl_tree_get(sw[i], pp, yajl_t_array);
    snprintf(what, sizeof what, "%s: sweep %s %s has points", name, svc ? svc : "?", ep ? ep : "?");
    CHECK(svc && ep && pts && pts->u.array.len > 0, what);
    if (!svc || !ep || !pts || !pts->u.array.len) continue;
    double best_rps = -1, best_conn = NAN;
    for (size_t p = 0; p < pts->u.array.len; p++) {
      yajl_val pt = pts->u.array.values[p];
      char conn[64];
      rep_fmt(gnum(pt, "connections", NULL), conn, sizeof conn);
      const char *keys[] = {svc, ep, conn};
      int n = md_row_keys(md, "*Closed model without think time, by connection count", keys, 3, cells);
      snprintf(what, sizeof what, "%s: sweep %s %s at %s connections has a row", name, svc, ep, conn);
      CHECK(n == 9, what);
      if (n != 9) continue;
      static const char *const col[] = {"req/s", "p50 ms", "p99 ms", "CPU cores"};
      static const char *const key[] = {"rps", "p50_ms", "p99_ms", "cpu_cores"};
      static const int idx[] = {3, 4, 5, 7};
      for (int k = 0; k < 4; k++) {
        snprintf(what, sizeof what, "%s sweep %s %s %s connections %s", name, svc, ep, conn, col[k]);
        check_num(cells[idx[k]], gnum(pt, key[k], NULL), what);
      }
      snprintf(what, sizeof what, "%s sweep %s %s %s connections failed %%", name, svc, ep, conn);
      check_num(cells[6], gnum(pt, "failure_rate", NULL) * 100, what);
      snprintf(what, sizeof what, "%s sweep %s %s %s connections throttled %%", name, svc, ep, conn);
      check_num(cells[8], gnum(pt, "throttled_share", NULL) * 100, what);
      double r = strtod(cells[3], NULL);
      if (r > best_rps) { best_rps = r; best_conn = gnum(pt, "connections", NULL); }
    }
    /* the peak the document names is the highest requests/s the table shows, at its connections */
    snprintf(what, sizeof what, "%s: sweep %s %s peak (%g req/s at %g connections) is the table's highest row", name,
             svc, ep, gnum(sw[i], "peak", "rps"), gnum(sw[i], "peak", "connections"));
    CHECK(near3(best_rps, gnum(sw[i], "peak", "rps")) && best_conn == gnum(sw[i], "peak", "connections"), what);
    /* Q6: lowest to highest connection count */
    yajl_val p0 = pts->u.array.values[0], p1 = pts->u.array.values[pts->u.array.len - 1];
    char phrase[512], r0[32], r1[32], c0[32], c1[32], l0[32], l1[32];
    snprintf(phrase, sizeof phrase, " %s %s: %s -> %s req/s (", svc, ep, rep_fmt(gnum(p0, "rps", NULL), r0, sizeof r0),
             rep_fmt(gnum(p1, "rps", NULL), r1, sizeof r1));
    const char *at = q6 ? strstr(q6, phrase) : NULL;
    snprintf(what, sizeof what, "%s: Q6 gives %s %s's sweep from %s to %s req/s", name, svc, ep, r0, r1);
    CHECK(at && (!q7 || at < q7), what);
    snprintf(phrase, sizeof phrase, "at %s -> %s connections, p99 %s -> %s ms",
             rep_fmt(gnum(p0, "connections", NULL), c0, sizeof c0), rep_fmt(gnum(p1, "connections", NULL), c1, sizeof c1),
             rep_fmt(gnum(p0, "p99_ms", NULL), l0, sizeof l0), rep_fmt(gnum(p1, "p99_ms", NULL), l1, sizeof l1));
    snprintf(what, sizeof what, "%s: Q6 gives %s %s's connections and p99 (%s)", name, svc, ep, phrase);
    CHECK(at && strstr(at, phrase) && (!q7 || strstr(at, phrase) < q7), what);
  }
  for (int i = 0; i < ncap; i++) yajl_tree_free(cap[i]);
  for (int i = 0; i < nsw; i++) yajl_tree_free(sw[i]);
}

/* The report's rule (report_doc.c): a contender that failed 1 % or more of its requests by its own
 * doing in any run did not serve the endpoint and is not compared. */
static bool unserved(const struct want *w) {
  for (int r = 0; r < w->n; r++) if (w->svcfail[r] >= 0.01) return true;
  return false;
}

/* Q1-Q4's "Against <baseline>:" clause: the ratios of the medians, and with repeats both the
 * requests/s and the p99 judged against run-to-run noise (ranges overlap or not). */
static void check_against(const char *md, const struct want *w, int nw, const char *baseline, const char *name) {
  static const char *const eps[] = {"/health", "/cpu", "/io", "/json"};
  for (int q = 0; q < 4; q++) {
    char head[16], key[256], test[64] = "";
    snprintf(head, sizeof head, "### %d. ", q + 1);
    const char *sec = strstr(md, head), *end = sec ? strstr(sec + 4, "\n### ") : NULL;
    /* the test that answers: load when it has the endpoint, else the first one that does */
    for (int i = 0; i < nw; i++) {
      char t[64], svc[128], ep[64];
      sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", t, svc, ep);
      if (strcmp(ep, eps[q])) continue;
      if (!strcmp(t, "load") || !test[0] || (strcmp(test, "load") && strcmp(t, test) < 0)) snprintf(test, sizeof test, "%s", t);
    }
    snprintf(key, sizeof key, "%s|%s|%s", test, baseline, eps[q]);
    const struct want *b = NULL;
    for (int i = 0; i < nw; i++) if (!strcmp(w[i].key, key)) b = &w[i];
    if (!b || !sec) continue;
    if (unserved(b)) {
      /* ratios to a baseline that failed 1 % or more of its requests say nothing: none given */
      const char *ag = strstr(sec, " Against ");
      snprintf(key, sizeof key, "%s: Q%d gives no ratios against %s, which failed 1%% or more of its requests", name,
               q + 1, baseline);
      CHECK(!ag || (end && ag > end), key);
      continue;
    }
    for (int i = 0; i < nw; i++) {
      char t[64], svc[128], ep[64];
      sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", t, svc, ep);
      if (strcmp(t, test) || strcmp(ep, eps[q]) || &w[i] == b || unserved(&w[i])) continue;
      double v[16];
      struct rep_agg ar, ap, br, bp;
      memcpy(v, w[i].v[W_RPS], sizeof(double) * (size_t)w[i].n); ar = rep_aggregate(v, (size_t)w[i].n);
      memcpy(v, w[i].v[W_P99], sizeof(double) * (size_t)w[i].n); ap = rep_aggregate(v, (size_t)w[i].n);
      memcpy(v, b->v[W_RPS], sizeof(double) * (size_t)b->n); br = rep_aggregate(v, (size_t)b->n);
      memcpy(v, b->v[W_P99], sizeof(double) * (size_t)b->n); bp = rep_aggregate(v, (size_t)b->n);
      char r1[32], r2[32], phrase[512], what[800];
      int pairs = ar.n >= 2 && br.n >= 2 && ap.n >= 2 && bp.n >= 2;
      bool rb = ar.max < br.min || br.max < ar.min, pb = ap.max < bp.min || bp.max < ap.min;
      snprintf(phrase, sizeof phrase, " %s %s the requests/s and %s the p99%s%s%s%s%s", svc,
               rep_fmt_ratio(ar.med / br.med, r1, sizeof r1), rep_fmt_ratio(ap.med / bp.med, r2, sizeof r2),
               pairs ? " (requests/s " : "", pairs ? (rb ? "larger than" : "within") : "",
               pairs ? " run-to-run noise, p99 " : "", pairs ? (pb ? "larger than" : "within") : "",
               pairs ? " run-to-run noise)" : "");
      const char *at = strstr(sec, phrase);
      snprintf(what, sizeof what, "%s: Q%d against %s gives \"%s\"", name, q + 1, baseline, phrase + 1);
      CHECK(at && (!end || at < end) && (pairs || (at[strlen(phrase)] != ' ' && at[strlen(phrase)] != '(')), what);
    }
  }
}

/* ---------------------------------------------------------------- the closed model's offer */

static int seen_offer, seen_missing, seen_gap;

static double median_want(const struct want *w, int fig) {
  double v[16];
  memcpy(v, w->v[fig], sizeof(double) * (size_t)w->n);
  return rep_aggregate(v, (size_t)w->n).med;
}

/* A per-second series as the report reads it: columns vus, reqs, p50_ms (empty cells NAN). */
struct csv { double vus[512], reqs[512], p50[512]; int n; };
static int read_csv(const char *path, struct csv *c) {
  char *text = NULL;
  size_t len;
  c->n = 0;
  if (fs_read_all(path, &text, &len) < 0) return -1;
  int iv = -1, ir = -1, ip = -1, col = 0;
  char *line = text, *nl = strchr(line, '\n');
  for (char *f = line; f && f < (nl ? nl : line + len); col++) {
    size_t l = strcspn(f, ",\n");
    if (l == 3 && !strncmp(f, "vus", 3)) iv = col;
    if (l == 4 && !strncmp(f, "reqs", 4)) ir = col;
    if (l == 6 && !strncmp(f, "p50_ms", 6)) ip = col;
    f = f[l] == ',' ? f + l + 1 : NULL;
  }
  for (line = nl ? nl + 1 : NULL; line && *line && c->n < 512; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    double v[3] = {NAN, NAN, NAN};
    const char *f = line;
    for (col = 0; f; col++) {
      char *e;
      double x = strtod(f, &e);
      if (e == f) x = NAN;
      if (col == iv) v[0] = x;
      if (col == ir) v[1] = x;
      if (col == ip) v[2] = x;
      size_t l = strcspn(f, ",\n");
      f = f[l] == ',' ? f + l + 1 : NULL;
    }
    c->vus[c->n] = v[0]; c->reqs[c->n] = v[1]; c->p50[c->n] = v[2];
    c->n++;
  }
  free(text);
  return iv >= 0 && ir >= 0 && ip >= 0 ? 0 : -1;
}

/* The think time the run's .txt gives ("think: 100ms"), ms; NAN without one. */
static double read_think(const char *stem) {
  char path[1500], *text = NULL, unit[8] = "";
  size_t len;
  double v = NAN;
  snprintf(path, sizeof path, "%s.txt", stem);
  if (fs_read_all(path, &text, &len) < 0) return NAN;
  const char *p = strstr(text, "think: ");
  if (p && sscanf(p + 7, "%lf%7[a-z]", &v, unit) == 2) v = !strcmp(unit, "s") ? v * 1000 : !strcmp(unit, "ms") ? v : NAN;
  free(text);
  return v;
}

/* The offer on (test, endpoint), recomputed from the .csv/.txt/.json beside REPORT.md as
 * docs/report.md defines it: per contender requests/s x (sum of VUs / (think + unloaded
 * latency)) / (sum of requests) over its first run's seconds, unloaded latency the lowest p50
 * of a second with requests on that test and endpoint; the scenario's offer is the median. */
static double offer_for(const struct want *w, int nw, const char *test, const char *ep) {
  static struct csv cs[16];
  const struct want *m[16];
  int k = 0;
  double base = NAN;
  for (int i = 0; i < nw && k < 16; i++) {
    char t[64], svc[128], e[64];
    sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", t, svc, e);
    if (strcmp(t, test) || strcmp(e, ep)) continue;
    char path[1500];
    snprintf(path, sizeof path, "%s.csv", w[i].stem);
    if (read_csv(path, &cs[k]) < 0) continue;
    for (int j = 0; j < cs[k].n; j++)
      if (cs[k].reqs[j] > 0 && !isnan(cs[k].p50[j]) && (isnan(base) || cs[k].p50[j] < base)) base = cs[k].p50[j];
    m[k++] = &w[i];
  }
  double off[16];
  int n = 0;
  for (int i = 0; i < k; i++) {
    double think = read_think(m[i]->stem), offered = 0, served = 0;
    if (isnan(think) || isnan(base)) continue;
    for (int j = 0; j < cs[i].n; j++) {
      if (isnan(cs[i].vus[j]) || isnan(cs[i].reqs[j])) continue;
      offered += cs[i].vus[j] / ((think + base) / 1000);
      served += cs[i].reqs[j];
    }
    if (offered > 0 && served > 0) off[n++] = median_want(m[i], W_RPS) * offered / served;
  }
  return rep_aggregate(off, (size_t)n).med;
}

static double want_rps(const struct want *w, int nw, const char *test, const char *svc, const char *ep) {
  char key[300];
  snprintf(key, sizeof key, "%s|%s|%s", test, svc, ep);
  for (int i = 0; i < nw; i++) if (!strcmp(w[i].key, key)) return median_want(&w[i], W_RPS);
  return NAN;
}

/* A printed share agrees with requests/s over the printed offer (both rounded to 3 significant
 * figures, so within 0.6 %) and with the JSON's requests/s over the recomputed offer. */
static bool share_ok(double share_pct, double offer_printed, double rps, double offer) {
  return near3(share_pct / 100 * offer_printed, rps) && near3(share_pct, rps / offer * 100);
}

/* Every offer the answers quote is the recomputed one for its test and endpoint, the same in
 * Q1-Q4 and Q5, and every share next to it is requests/s over it. */
static void check_offers(const char *md, const struct want *w, int nw, const char *name) {
  static const char *const eps[] = {"/health", "/cpu", "/io", "/json"};
  char what[900];
  for (int q = 0; q < 4; q++) {
    char head[16];
    snprintf(head, sizeof head, "### %d. ", q + 1);
    const char *sec = strstr(md, head), *end = sec ? strstr(sec + 4, "\n### ") : NULL;
    char test[64];
    const char *on = sec ? strstr(sec, "at this load (") : NULL, *on2 = sec ? strstr(sec, " test) ") : NULL;
    if (!sec) continue;
    /* the test named in the answer: "... at this load (load test)" or "On /json (load test) ..." */
    const char *tp = on && (!end || on < end) ? on + strlen("at this load (") : NULL;
    if (!tp && on2 && (!end || on2 < end)) { tp = on2; while (tp > sec && tp[-1] != '(') tp--; }
    if (!tp || sscanf(tp, "%63[^ )]", test) != 1) continue;
    double offer = offer_for(w, nw, test, eps[q]);
    const char *p = strstr(sec, "% of the ~");
    if (p && (!end || p < end)) {
      /* "all served A-B req/s, S1-S2% of the ~O req/s": the lowest and highest requests/s */
      const char *st = p;
      while (st > sec && st[-1] != ' ') st--;
      double s1, s2, o;
      int ns = sscanf(st, "%lf-%lf%%", &s1, &s2);
      if (ns == 1) s2 = s1;
      bool parsed = ns >= 1 && sscanf(p + strlen("% of the ~"), "%lf", &o) == 1;
      double lo = INFINITY, hi = -INFINITY;
      for (int i = 0; i < nw; i++) {
        char t[64], svc[128], e[64];
        sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", t, svc, e);
        if (strcmp(t, test) || strcmp(e, eps[q])) continue;
        double r = median_want(&w[i], W_RPS);
        lo = fmin(lo, r); hi = fmax(hi, r);
      }
      snprintf(what, sizeof what, "%s: Q%d's offer ~%g req/s is the one recomputed from the series (%g)", name, q + 1,
               parsed ? o : NAN, offer);
      CHECK(parsed && near3(o, offer), what);
      snprintf(what, sizeof what, "%s: Q%d's shares %g-%g%% are the lowest and highest requests/s (%g, %g) over the "
               "printed offer ~%g", name, q + 1, s1, s2, lo, hi, parsed ? o : NAN);
      CHECK(parsed && share_ok(s1, o, lo, offer) && share_ok(s2, o, hi, offer), what);
      seen_offer++;
    }
    p = strstr(sec, "; the closed model offers ~");
    if (p && (!end || p < end)) {
      double o;
      bool parsed = sscanf(p + strlen("; the closed model offers ~"), "%lf", &o) == 1;
      snprintf(what, sizeof what, "%s: Q%d's offer ~%g req/s for those that kept up is the recomputed one (%g)", name,
               q + 1, parsed ? o : NAN, offer);
      CHECK(parsed && near3(o, offer), what);
      seen_offer++;
    }
  }
  /* Q5: "<svc> on <ep> (<test> test): <X> req/s, <S>% of the ~<O> req/s" per saturated scenario */
  const char *q5 = strstr(md, "### 5. "), *q6 = strstr(md, "### 6. ");
  for (const char *p = q5 ? strstr(q5, "% of the ~") : NULL; p && (!q6 || p < q6); p = strstr(p + 1, "% of the ~")) {
    const char *st = p;
    while (st > q5 && strncmp(st, " on /", 5)) st--;
    const char *sv = st;
    while (sv > q5 && sv[-1] != ' ') sv--;
    char svc[128], ep[64], test[64];
    double x, sh, o;
    bool parsed = sscanf(sv, "%127s on %63s (%63s test): %lf req/s, %lf%% of the ~%lf", svc, ep, test, &x, &sh, &o) == 6;
    double rps = parsed ? want_rps(w, nw, test, svc, ep) : NAN, offer = parsed ? offer_for(w, nw, test, ep) : NAN;
    snprintf(what, sizeof what, "%s: Q5's %s on %s (%s test) is %g%% of ~%g req/s: its requests/s (%g) over the "
             "recomputed offer (%g)", name, parsed ? svc : "?", parsed ? ep : "?", parsed ? test : "?",
             parsed ? sh : NAN, parsed ? o : NAN, rps, offer);
    CHECK(parsed && near3(o, offer) && share_ok(sh, o, rps, offer), what);
    seen_offer++;
  }
}

/* ---------------------------------------------------------------- missing capacity/sweep documents */

/* Q5's "Not searched (no capacity/ document): ..." / Q6's "Not swept (no sweep/ document): ...":
 * the pairs it names ("<svcs> on <eps>" items, "every endpoint") must be exactly the contender
 * x endpoint pairs of the scenarios without a document. */
static void check_missing(const char *from, const char *to, const char *lead, yajl_val *docs,
                          int ndocs, const struct want *w, int nw, const char *name) {
  char svcs[16][128], eps[16][64], what[3200];
  int ns = 0, ne = 0;
  for (int i = 0; i < nw; i++) {
    char t[64], svc[128], e[64];
    sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", t, svc, e);
    int k = 0;
    while (k < ns && strcmp(svcs[k], svc)) k++;
    if (k == ns && ns < 16) snprintf(svcs[ns++], sizeof svcs[0], "%s", svc);
    k = 0;
    while (k < ne && strcmp(eps[k], e)) k++;
    if (k == ne && ne < 16) snprintf(eps[ne++], sizeof eps[0], "%s", e);
  }
  bool want[16][16] = {{false}}, named[16][16] = {{false}};
  int nmiss = 0;
  for (int i = 0; i < ns; i++)
    for (int e = 0; e < ne; e++) {
      bool have = false;
      for (int k = 0; k < ndocs && !have; k++) {
        const char *s = gstr(docs[k], "service"), *ep = gstr(docs[k], "endpoint");
        have = s && ep && !strcmp(s, svcs[i]) && !strcmp(ep, eps[e]);
      }
      want[i][e] = !have;
      nmiss += !have;
    }
  const char *p = from ? strstr(from, lead) : NULL;
  if (p && to && p > to) p = NULL;
  snprintf(what, sizeof what, "%s: %s names the missing pairs exactly when %d are missing", name, lead, nmiss);
  CHECK(nmiss ? p != NULL : p == NULL, what);
  if (!p) return;
  seen_missing++;
  p += strlen(lead);
  char clause[2048];
  snprintf(clause, sizeof clause, "%.*s", (int)strcspn(p, "."), p);
  char shown[2048];
  snprintf(shown, sizeof shown, "%s", clause);   /* the parse below cuts clause apart */
  bool parsed = true;
  for (char *item = clause; item && *item;) {
    char *next = strstr(item, "; ");
    if (next) { *next = '\0'; next += 2; }
    char *on = strstr(item, " on ");
    if (!on) { parsed = false; break; }
    *on = '\0';
    bool sv[16] = {false}, ev[16] = {false};
    for (char *t = item; t && *t;) {   /* "a, b and c" */
      size_t l = strcspn(t, ",");
      char *and = strstr(t, " and ");
      if (and && (size_t)(and - t) < l) l = (size_t)(and - t);
      int k = 0;
      while (k < ns && (strlen(svcs[k]) != l || strncmp(svcs[k], t, l))) k++;
      if (k == ns) { parsed = false; break; }
      sv[k] = true;
      t += l;
      t += !strncmp(t, ", ", 2) ? 2 : !strncmp(t, " and ", 5) ? 5 : 0;
    }
    char *el = on + 4;
    if (!strcmp(el, "every endpoint")) for (int e = 0; e < ne; e++) ev[e] = true;
    else for (char *t = el; t && *t;) {
      size_t l = strcspn(t, ",");
      char *and = strstr(t, " and ");
      if (and && (size_t)(and - t) < l) l = (size_t)(and - t);
      int k = 0;
      while (k < ne && (strlen(eps[k]) != l || strncmp(eps[k], t, l))) k++;
      if (k == ne) { parsed = false; break; }
      ev[k] = true;
      t += l;
      t += !strncmp(t, ", ", 2) ? 2 : !strncmp(t, " and ", 5) ? 5 : 0;
    }
    for (int i = 0; i < ns; i++)
      for (int e = 0; e < ne; e++) if (sv[i] && ev[e]) named[i][e] = true;
    item = next;
  }
  bool same = parsed;
  for (int i = 0; i < ns; i++)
    for (int e = 0; e < ne; e++) same &= want[i][e] == named[i][e];
  snprintf(what, sizeof what, "%s: \"%s%s\" names exactly the %d contender x endpoint pairs without a document", name,
           lead, shown, nmiss);
  CHECK(same, what);
}

/* ---------------------------------------------------------------- client p50 far above the server's */

/* Under each throughput table: a contender whose client p50 exceeds 4x the upper bound of its
 * server p50 bucket (the table's cell, checked against the JSON above) is named in the note
 * that explains the gap, and no other contender is. */
static void check_gap_notes(const char *md, const struct want *w, int nw, const char *name) {
  char what[900], cells[16][256];
  for (int i = 0; i < nw; i++) {
    char test[64], svc[128], ep[64], cap[256], phrase[512];
    sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", test, svc, ep);
    snprintf(cap, sizeof cap, "*%s %s: throughput and latency", test, ep);
    if (md_row(md, cap, svc, cells) != 10) continue;
    double lo, hi, p50 = median_want(&w[i], W_P50);
    bool gap = parse_bucket(cells[7], &lo, &hi) == 0 && !isinf(hi) && p50 > 4 * hi;
    const char *t = strstr(md, cap), *tend = t ? strstr(t, "\n\n*") : NULL;   /* up to the next table */
    snprintf(phrase, sizeof phrase, "%s's client p50 (%s ms) is ", svc, cells[3]);
    const char *at = t ? strstr(t, phrase) : NULL;
    bool in = at && tend && at < tend;
    snprintf(what, sizeof what, "%s: %s %s %s, client p50 %s ms against server bucket %s: the gap note %s it", name,
             test, svc, ep, cells[3], cells[7], gap ? "names" : "does not name");
    CHECK(gap == in, what);
    if (gap && in) {
      snprintf(what, sizeof what, "%s: the %s %s gap note says what the server histogram leaves out", name, test, ep);
      CHECK(strstr(at, "listen backlog or the event loop") && strstr(at, "listen backlog") < tend, what);
      seen_gap++;
    }
  }
}

static void fixture_report(const char *name) {
  char tmpl[] = "/tmp/test-report-XXXXXX";
  char *tmp = mkdtemp(tmpl), cmd[4096], dir[1024];
  if (!tmp) { CHECK(0, "mkdtemp"); return; }
  snprintf(dir, sizeof dir, "%s/%s", tmp, name);
  snprintf(cmd, sizeof cmd, "cp -r '%s/%s' '%s'", FIXTURES, name, dir);
  CHECK(system(cmd) == 0, "copy the fixture tree");
  char baseline[64] = "fastapi", path[2048], *text = NULL;
  size_t len;
  snprintf(path, sizeof path, "%s/BASELINE", dir);
  if (fs_read_all(path, &text, &len) == 0) { sscanf(text, "%63s", baseline); free(text); text = NULL; }
  const char *bin = getenv("POCBENCH") ? getenv("POCBENCH") : "build/pocbench";
  snprintf(cmd, sizeof cmd, "%s report --no-html --baseline %s '%s' >/dev/null", bin, baseline, dir);
  int rc = system(cmd);
  snprintf(path, sizeof path, "pocbench report %s exits 0", name);
  CHECK_INT(rc, 0, path);
  snprintf(path, sizeof path, "%s/REPORT.md", dir);
  char *md = NULL;
  CHECK(fs_read_all(path, &md, &len) == 0, "REPORT.md written");
  static struct want w[64];
  int nw = load_wants(dir, w, 64);
  CHECK(nw > 0, "fixture has scenario documents");
  for (int i = 0; md && i < nw; i++) {
    char test[64], svc[128], ep[64];
    sscanf(w[i].key, "%63[^|]|%127[^|]|%63s", test, svc, ep);
    char cap[256], cells[16][256], what[512];
    snprintf(cap, sizeof cap, "*%s %s: throughput and latency", test, ep);
    int n = md_row(md, cap, svc, cells);
    snprintf(what, sizeof what, "%s: %s %s %s has a throughput row", name, test, svc, ep);
    CHECK(n == 10, what);
    static const char *const cols1[] = {"req/s", "p50", "p90", "p95", "p99", "server p50", "server p90", "server p99"};
    static const int idx1[] = {W_RPS, W_P50, W_P90, W_P95, W_P99, W_SP50, W_SP90, W_SP99};
    for (int k = 0; n == 10 && k < 8; k++) {
      snprintf(what, sizeof what, "%s %s %s %s", test, svc, ep, cols1[k]);
      /* server columns show the histogram bucket, not the interpolated value */
      if (k >= 5) check_bucket_cell(cells[2 + k], w[i].v[idx1[k]], w[i].n, what);
      else check_cell(cells[2 + k], w[i].v[idx1[k]], w[i].n, what);
    }
    snprintf(cap, sizeof cap, "*%s %s: failures, thresholds", test, ep);
    n = md_row(md, cap, svc, cells);
    snprintf(what, sizeof what, "%s: %s %s %s has a resources row", name, test, svc, ep);
    CHECK(n == 10, what);
    if (n == 10) {
      snprintf(what, sizeof what, "%s %s %s failed %%", test, svc, ep);
      check_cell(cells[1], w[i].v[W_FAIL], w[i].n, what);
      snprintf(what, sizeof what, "%s %s %s CPU-s/1k", test, svc, ep);
      check_cell(cells[4], w[i].v[W_CPU1K], w[i].n, what);
      snprintf(what, sizeof what, "%s %s %s peak MiB", test, svc, ep);
      check_cell(cells[5], w[i].v[W_MEM], w[i].n, what);
      snprintf(what, sizeof what, "%s %s %s throttled %%", test, svc, ep);
      check_cell(cells[6], w[i].v[W_THR], w[i].n, what);
      snprintf(what, sizeof what, "%s %s %s failure causes", test, svc, ep);
      check_causes(cells[2], &w[i], what);
      check_failed_sentence(md, &w[i], what);
      snprintf(what, sizeof what, "%s %s %s thresholds", test, svc, ep);
      check_thresholds(cells[3], &w[i], what);
      char bkey[256];
      snprintf(bkey, sizeof bkey, "%s|%s|%s", test, baseline, ep);
      const struct want *base = NULL;
      for (int j = 0; j < nw; j++) if (!strcmp(w[j].key, bkey)) base = &w[j];
      static const char *const rcols[] = {"req/s", "p99", "CPU/1k"};
      static const int rfig[] = {W_RPS, W_P99, W_CPU1K};
      for (int k = 0; k < 3; k++) {
        snprintf(what, sizeof what, "%s %s %s %s vs %s", test, svc, ep, rcols[k], baseline);
        check_ratio(cells[7 + k], &w[i], base, rfig[k], what);
      }
    }
  }
  if (md) check_extras(dir, md, name);
  if (md) check_offers(md, w, nw, name);
  if (md) {
    yajl_val cap[32], sw[32];
    int ncap = read_extras(dir, "capacity", cap, 32), nsw = read_extras(dir, "sweep", sw, 32);
    const char *q5 = strstr(md, "### 5. "), *q6 = strstr(md, "### 6. "), *q7 = strstr(md, "### 7. ");
    if (ncap) check_missing(q5, q6, "Not searched (no capacity/ document): ", cap, ncap, w, nw, name);
    if (nsw) check_missing(q6, q7, "Not swept (no sweep/ document): ", sw, nsw, w, nw, name);
    for (int i = 0; i < ncap; i++) yajl_tree_free(cap[i]);
    for (int i = 0; i < nsw; i++) yajl_tree_free(sw[i]);
  }
  if (md) check_gap_notes(md, w, nw, name);
  if (md) check_against(md, w, nw, baseline, name);
  if (md && !strcmp(name, "run-timeouts-r2")) {
    /* two runs each: c's CPU per request range (0.0364-0.0399) lies far below fastapi's (0.868-0.908) */
    CHECK(strstr(md, "Per 1,000 requests c used the least CPU, 0.0381 CPU-seconds (fastapi 0.888, larger than "
                     "run-to-run noise)"), "run-timeouts-r2: Q1 judges the CPU comparison against noise too");
    CHECK(strstr(md, "c is best on /health: 12.8x lower p99 than fastapi, larger than run-to-run noise over 2 runs"),
          "run-timeouts-r2: Q1's best needs non-overlapping p99 ranges over the 2 runs");
    /* /io: 96 % and 100 % of requests timed out in the worst runs: nobody served it */
    const char *q3 = strstr(md, "### 3. "), *q4 = strstr(md, "### 4. ");
    char *a3 = q3 && q4 ? strndup(q3, (size_t)(q4 - q3)) : NULL;
    CHECK(a3 && strstr(a3, "No contender served /io (tight test)") &&
          strstr(a3, "fastapi: 96.1% of requests failed (worst of 2 runs; causes over all runs: timeout 345)") &&
          strstr(a3, "c: 100% of requests failed (worst of 2 runs; causes over all runs: timeout 353)"),
          "run-timeouts-r2: Q3 says no contender served /io, with each one's failure share and causes");
    CHECK(a3 && !strstr(a3, "best") && !strstr(a3, "set the throughput") && !strstr(a3, "least CPU"),
          "run-timeouts-r2: Q3 ranks nobody on throughput, latency or CPU where every request timed out");
    free(a3);
  }
  CHECK(md && strstr(md, "### 7. What are the resource-efficiency trade-offs?"), "all seven questions present");
  CHECK(md && !strstr(md, "| 1x |") && !strstr(md, " 1x "), "ratios in one format (no bare 1x)");
  if (md && !strcmp(name, "run-scale0.02")) {
    /* the real run: fastapi could not keep up on /json (71 req/s where c and golang served ~300,
     * 90 % of CFS periods throttled), while /health was capped by the profile for everyone */
    CHECK(strstr(md, "Saturation in the profiles' data") && strstr(md, "fastapi on /json (load test): 70.9 req/s"),
          "run-scale0.02: Q5 finds fastapi /json saturated from the data");
    CHECK(strstr(md, "90% of CFS periods throttled"), "run-scale0.02: with the throttled share as evidence");
    CHECK(!strstr(md, "below its breaking point") && !strstr(md, "below every contender"),
          "run-scale0.02: and never calls it below its breaking point");
    CHECK(strstr(md, "Requests/s do not separate the contenders on /health at this load"),
          "run-scale0.02: Q1 says throughput does not separate contenders capped by the closed model");
    CHECK(strstr(md, "behind: fastapi 70.9 req/s") && strstr(md, "saturated (question 5"),
          "run-scale0.02: Q4 puts the saturated contender behind");
    CHECK(strstr(md, "The study's stress profile peaks at 26 VUs, lighter than the load profile's 60"),
          "run-scale0.02: the stress clause gives both peaks from the data");
    CHECK(strstr(md, "*Highest arrival rate (open model) meeting the SLO*") &&
          strstr(md, "*Closed model without think time, by connection count*"),
          "run-scale0.02: its capacity/ and sweep/ documents are rendered as tables");
    CHECK(strstr(md, "| c | ok |") && strstr(md, "| golang | ok |") && strstr(md, "| fastapi | ok |"),
          "run-scale0.02: all three contenders are in the tables");
    CHECK(strstr(md, "Not searched (no capacity/ document): fastapi on every endpoint; c and golang on /cpu, /io and /json."),
          "run-scale0.02: Q5 names what capacity/ lacks (only c and golang on /health were searched)");
    CHECK(strstr(md, "Not swept (no sweep/ document): fastapi on every endpoint; c and golang on /cpu, /io and /json."),
          "run-scale0.02: Q6 names what sweep/ lacks");
    CHECK(strstr(md, "fastapi's client p50 (380 ms) is 38.0x the upper bound of its server p50 bucket (5\u201310 ms"),
          "run-scale0.02: the load /json table explains fastapi's 380 ms client p50 against a 5-10 ms server bucket");
    /* run.json's sizes and nulls, from the fixture's own run.json */
    char rj[1200], *rt = NULL, want[256], a[32];
    size_t rl;
    snprintf(rj, sizeof rj, "%s/run.json", dir);
    yajl_val run = fs_read_all(rj, &rt, &rl) == 0 ? yajl_tree_parse(rt, NULL, 0) : NULL;
    free(rt);
    const char *mb[] = {"machine", "memory_bytes", NULL}, *lb[] = {"limits", "memory_bytes", NULL};
    snprintf(want, sizeof want, "| machine.memory_bytes | %s GiB |", rep_fmt(jnum(run, mb) / 1073741824.0, a, sizeof a));
    CHECK(run && strstr(md, want), "run-scale0.02: machine memory in GiB (run.json's bytes / 2^30)");
    snprintf(want, sizeof want, "| limits.memory_bytes | %s MiB |", rep_fmt(jnum(run, lb) / 1048576.0, a, sizeof a));
    CHECK(run && strstr(md, want), "run-scale0.02: the memory limit in MiB (run.json's bytes / 2^20)");
    if (run) yajl_tree_free(run);
    CHECK(strstr(md, "| options.services | not set |") && !strstr(md, "| null |"),
          "run-scale0.02: run.json's nulls are shown as not set, never as null");
    const char *env = strstr(md, "| item | value |\n");
    CHECK(env && !strncmp(env + strlen("| item | value |\n"), "|---|---|\n", 10),
          "run-scale0.02: the Environment table's text column is left-aligned");
    CHECK(strstr(md, "| contender | status | req/s | p50 ms | p90 ms | p95 ms | p99 ms | server p50 ms (bucket) | "
                     "server p90 ms (bucket) | server p99 ms (bucket) |\n|---|---|---:|"),
          "run-scale0.02: status is left-aligned, figures right-aligned");
    const char *k = strstr(md, "| versions.golang.client_golang |");
    CHECK(k && !strstr(k + 1, "| versions.golang.client_golang |"),
          "run-scale0.02: run.json's client_golang (there twice) is one environment row");
  }
  free(md);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
}

/* ---------------------------------------------------------------- against promtool */

static void promtool_check(const char *name) {
  char dir[1024], err[512];
  snprintf(dir, sizeof dir, "%s/%s", FIXTURES, name);
  struct rep_data d;
  if (rep_load(dir, "fastapi", &d, err, sizeof err) < 0) { CHECK(0, err); return; }
  char tmpl[] = "/tmp/test-report-promtool-XXXXXX";
  char *tmp = mkdtemp(tmpl);
  if (!tmp) { CHECK(0, "mkdtemp"); rep_free(&d); return; }
  char yml[1100];
  snprintf(yml, sizeof yml, "%s/quantiles.test.yml", tmp);
  FILE *f = fopen(yml, "w");
  if (!f) { CHECK(0, "open promtool test file"); rep_free(&d); return; }
  /* one input series per bucket of every run; pocbench's quantiles are the expected samples */
  fprintf(f, "# generated by tests/c/test_report.c from %s\nrule_files: []\ntests:\n  - interval: 1m\n    input_series:\n", dir);
  int ncases = 0;
  for (size_t i = 0; i < d.ncells; i++)
    for (size_t r = 0; r < d.cells[i].nruns; r++) {
      const struct rep_run *run = &d.cells[i].runs[r];
      for (size_t b = 0; b < run->nbuckets; b++) {
        char le[64];
        if (isinf(run->les[b])) snprintf(le, sizeof le, "+Inf");
        else snprintf(le, sizeof le, "%.17g", run->les[b]);
        fprintf(f, "      - series: 'http_request_duration_seconds_bucket{case=\"c%d\",le=\"%s\"}'\n        values: '%.17g'\n",
                ncases, le, run->buckets[b]);
      }
      if (run->nbuckets) ncases++;
    }
  fprintf(f, "    promql_expr_test:\n");
  int c = 0, agree = 0, inside = 0;
  static const double qs[] = {0.5, 0.9, 0.99};
  static const int figs[] = {F_SP50, F_SP90, F_SP99};
  for (size_t i = 0; i < d.ncells; i++)
    for (size_t r = 0; r < d.cells[i].nruns; r++) {
      const struct rep_run *run = &d.cells[i].runs[r];
      if (!run->nbuckets) continue;
      for (int q = 0; q < 3; q++) {
        double v = prom_histogram_quantile(qs[q], run->les, run->buckets, run->nbuckets);
        /* the report's figure is this value in ms */
        agree += fabs(run->fig[figs[q]] - v * 1000) <= 1e-9 * fabs(v * 1000);
        /* the bucket the report shows holds the value promtool computes */
        inside += run->sq_lo[q] <= v * 1000 * (1 + 1e-12) && v * 1000 <= run->sq_hi[q] * (1 + 1e-12);
        fprintf(f, "      - expr: histogram_quantile(%g, http_request_duration_seconds_bucket{case=\"c%d\"})\n"
                   "        eval_time: 0m\n        exp_samples:\n          - labels: '{case=\"c%d\"}'\n"
                   "            value: %.17g\n", qs[q], c, c, v);
      }
      c++;
    }
  fclose(f);
  CHECK_INT(agree, 3 * ncases, "the report's server percentiles are histogram_quantile of the bucket deltas");
  CHECK_INT(inside, 3 * ncases, "each lies inside the bucket the report displays for it");
  char cmd[2400], what[256];
  snprintf(cmd, sizeof cmd, "promtool test rules '%s' > '%s/out.txt' 2>&1", yml, tmp);
  int rc = system(cmd);
  snprintf(what, sizeof what, "%s: promtool's histogram_quantile equals pocbench's on %d series x 3 quantiles", name, ncases);
  CHECK(ncases > 0 && rc == 0, what);
  if (rc) {
    snprintf(cmd, sizeof cmd, "head -40 '%s/out.txt'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "(no promtool output)\n");
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
  rep_free(&d);
}

/* ---------------------------------------------------------------- a hand-made tree */

static void put(const char *dir, const char *name, const char *text) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { CHECK(0, path); return; }
  fputs(text, f);
  fclose(f);
}

/* A scenario document with the figures the report reads. */
static void put_doc(const char *dir, const char *svc, double count, double rate, double med, double p90,
                    double p95, double p99, double iter_med, const char *causes, double failed, bool crossed,
                    double throttled) {
  char text[4096], name[256];
  snprintf(text, sizeof text,
    "{\"schema\":1,\"scenario\":{\"test\":\"load\",\"service\":\"%s\",\"variant\":\"default\",\"endpoint\":\"/json\","
    "\"repeat\":1,\"status\":\"ok\",\"failure\":null},"
    "\"client\":{\"metrics\":{\"http_reqs\":{\"count\":%g,\"rate\":%g},"
    "\"http_req_duration\":{\"med\":%g,\"p(90)\":%g,\"p(95)\":%g,\"p(99)\":%g,\"thresholds\":{\"p(90)<2000\":false}},"
    "\"http_req_failed\":{\"value\":%g,\"passes\":%g,\"fails\":%g,\"thresholds\":{\"rate<0.01\":%s}},"
    "\"iteration_duration\":{\"med\":%g},\"vus\":{\"value\":0,\"min\":0,\"max\":40}},"
    "\"pocbench\":{\"failures_by_cause\":{%s}}},"
    "\"server\":{\"requests_total_delta\":%g,\"duration_histogram\":{\"le\":[0.005,0.01,0.025,0.05,\"+Inf\"],"
    "\"counts\":[%g,%g,%g,%g,%g]}},"
    "\"resources\":{\"cpu_seconds\":1,\"memory_peak_bytes\":1048576,\"throttled_share\":%g}}\n",
    svc, count, rate, med, p90, p95, p99, failed / count, failed, count - failed, crossed ? "true" : "false",
    iter_med, causes, count, count * 0.1, count * 0.5, count * 0.95, count, count, throttled);
  snprintf(name, sizeof name, "test-load-results/%s-json.json", svc);
  put(dir, name, text);
}

/* Two contenders on /json under the same 40-VU ramp: alpha plateaus at ~45 req/s (saturated,
 * throttled, latency growing) and its only failures are 5 requests cut off at the stop (which
 * alone cross rate<0.01); its series has an old-style 0 ms second without requests and a new
 * empty one. beta serves what the closed model offers and its p90 falls as VUs rise. */
static void synthetic(void) {
  char tmpl[] = "/tmp/test-report-synth-XXXXXX";
  char *dir = mkdtemp(tmpl), sub[1100], cmd[2400];
  if (!dir) { CHECK(0, "mkdtemp"); return; }
  snprintf(sub, sizeof sub, "%s/test-load-results", dir);
  CHECK(mkdir(sub, 0755) == 0, "synthetic tree: make test-load-results/");
  put(dir, "run.json", "{\"schema\":1,\"started\":\"2026-12-03T00:00:00Z\",\"status\":\"complete\","
      "\"versions\":{\"golang\":{\"client_golang\":\"v1.0.0\",\"go\":\"go1.26\",\"client_golang\":\"v1.23.2\"}}}\n");
  put_doc(dir, "alpha", 398, 39.8, 350, 700, 750, 800, 450, "\"interrupted\":5,\"reset\":0", 5, true, 0.8);
  put(dir, "test-load-results/alpha-json.csv",
      "t_s,vus,reqs,failed,p50_ms,p90_ms,p95_ms,p99_ms\n"
      "1,5,30,0,20,30,35,40\n2,10,45,0,60,90,100,120\n3,15,45,0,150,200,220,250\n4,20,46,0,250,320,340,380\n"
      "5,25,45,0,350,420,450,500\n6,30,46,0,450,520,560,600\n7,35,45,0,550,620,650,700\n8,40,45,0,650,720,760,800\n"
      "9,20,46,0,600,700,740,780\n10,0,0,0,0,0,0,0\n11,0,0,0,,,,\n12,0,5,5,900,900,900,900\n");
  put(dir, "test-load-results/alpha-json.txt", "      think: 100ms after each request, timeout 1m0s\n");
  put_doc(dir, "beta", 1978, 197.8, 0.5, 1.5, 1.8, 2.5, 100.6, "\"reset\":0", 0, false, 0);
  put(dir, "test-load-results/beta-json.csv",
      "t_s,vus,reqs,failed,p50_ms,p90_ms,p95_ms,p99_ms\n"
      "1,5,49,0,0.5,2,2.2,2.5\n2,10,99,0,0.5,2,2.2,2.5\n3,15,148,0,0.5,1.6,2,2.5\n4,20,198,0,0.5,1.5,2,2.5\n"
      "5,25,247,0,0.5,1.4,2,2.5\n6,30,297,0,0.5,1.2,2,2.5\n7,35,346,0,0.5,1.1,2,2.5\n8,40,396,0,0.5,1,2,2.5\n"
      "9,20,198,0,0.5,1,2,2.5\n10,0,0,0,,,,\n");

  struct rep_data d;
  char err[512];
  CHECK(rep_load(dir, "alpha", &d, err, sizeof err) == 0, "synthetic tree loads");
  const struct rep_cell *a = rep_find(&d, "load", "alpha", "/json"), *b = rep_find(&d, "load", "beta", "/json");
  CHECK(a && b && a->nruns == 1 && b->nruns == 1, "synthetic tree: one cell per contender");
  if (!a || !b) { rep_free(&d); return; }
  const struct rep_series *sa = &a->runs[0].series;
  CHECK(sa->n == 12 && isnan(sa->p50[9]) && isnan(sa->p99[9]), "old series: 0 ms in a second without requests is missing");
  CHECK(sa->n == 12 && isnan(sa->p90[10]), "new series: an empty latency cell is missing");
  CHECK(sa->n == 12 && sa->p90[11] == 900 && sa->reqs[9] == 0, "a second with requests keeps its latency; reqs 0 stays 0");
  CHECK(a->agg[F_INTERRUPTED].med == 5 && a->agg[F_SVC_FAILED].med == 0, "failures cut off by the harness are counted apart");
  CHECK(a->agg[F_THINK_MS].med == 100 && !a->runs[0].think_estimated, "think time read from the run's .txt");
  CHECK_NEAR(b->agg[F_THINK_MS].med, 100.1, 1e-9, "think time estimated as iteration - request duration without a .txt");
  CHECK(b->runs[0].think_estimated, "the estimate is marked as one");
  struct rep_sat x, y;
  CHECK(rep_saturation(&d, a, &x) == 0 && x.saturated, "a plateau at 45 req/s under 40 VUs is saturation");
  CHECK(x.share < 0.25 && x.flat && x.ev_throttled && x.ev_latency && x.ev_peer,
        "its evidence: under a quarter of the offer, flat requests/s, throttled, latency growth, behind its peer");
  CHECK_NEAR(x.base_ms, 0.5, 1e-9, "the unloaded latency is the lowest per-second p50 on the endpoint");
  CHECK(x.plateau_t == 2 && x.plateau_vus_from == 10 && x.plateau_vus_to == 40, "the plateau starts at second 2 (10 VUs)");
  CHECK(rep_saturation(&d, b, &y) == 0 && !y.saturated && y.capped, "a contender serving the offer is not saturated");
  CHECK(y.share > 0.85 && y.share < 1.0, "and serves close to what the closed model offers");

  struct rep_doc doc;
  rep_doc_build(&d, &doc);
  char *all = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&all, &len);
  if (f) { rep_write_md(f, &doc); fclose(f); }
  CHECK(all && strstr(all, "Saturation in the profiles' data") && strstr(all, "alpha on /json (load test): 39.8 req/s"),
        "Q5 names the saturated scenario with its requests/s");
  CHECK(all && strstr(all, "requests/s stopped rising at second 2 (~45 req/s) while VUs rose 10 -> 40"),
        "Q5 states the plateau with numbers");
  CHECK(all && strstr(all, "80% of CFS periods throttled"), "Q5 states the throttled share");
  CHECK(all && !strstr(all, "below its breaking point") && !strstr(all, "below every contender"),
        "a saturated scenario is never called below its breaking point");
  CHECK(all && strstr(all, "still in flight when the test stopped") && !strstr(all, "broke"),
        "requests cut off by the harness are not the service breaking");
  CHECK(all && !strstr(all, "first failures"), "no 'first failures' from requests the harness cut off");
  CHECK(all && strstr(all, "alpha /json (load test) 5, which alone crossed the http_req_failed threshold"),
        "a threshold crossed only by cut-off requests is said to be so");
  CHECK(all && strstr(all, "in flight at the stop 5 (cut off by the harness)"), "the causes column names the cut-off requests");
  CHECK(all && strstr(all, "beta is best on /json: the only contender that kept up"),
        "Q4: the only contender that kept up is best, and says why");
  CHECK(all && strstr(all, "behind: alpha 39.8 req/s (0.201x the leader's), saturated"), "Q4: the saturated one is behind");
  CHECK(all && strstr(all, "beta did not grow on any endpoint (it fell everywhere"),
        "Q6: a falling p90 is not called growth");
  CHECK(all && strstr(all, "2 -> 1 ms, 0.500x)"), "Q6: the falling p90 and its ratio are printed as such");
  CHECK(all && strstr(all, "The study's stress profile") == NULL, "no stress clause without a stress test");
  const char *k1 = all ? strstr(all, "versions.golang.client_golang") : NULL;
  CHECK(k1 && !strstr(k1 + 1, "versions.golang.client_golang") && strstr(k1, "v1.23.2 |"),
        "a key twice in run.json is shown once, the last value");
  free(all);

  /* the page's data keeps histogram_quantile's value beside the bucket */
  char assets[1200];
  snprintf(assets, sizeof assets, "%s/assets", dir);
  CHECK(mkdir(assets, 0755) == 0, "make a minimal assets dir");
  put(assets, "template.html", "<html><!--@BODY@--><script type=\"application/json\" id=\"report-data\"><!--@DATA@--></script>"
      "<script><!--@LIB@--></script><script><!--@APP@--></script><pre><!--@LICENSE@--></pre></html>\n");
  put(assets, "echarts.min.js", "/* lib */\n");
  put(assets, "report.js", "/* app */\n");
  put(assets, "LICENSE-echarts.txt", "licence\n");
  char *page = NULL;
  f = open_memstream(&page, &len);
  int rc = f ? rep_write_html(f, &doc, &d, assets, err, sizeof err) : -1;
  if (f) fclose(f);
  CHECK(rc == 0 && page, "report.html renders with the minimal assets");
  const char *start = page ? strstr(page, "id=\"report-data\">") : NULL;
  const char *end = start ? strstr(start, "</script>") : NULL;
  yajl_val blob = NULL;
  if (start && end) {
    start += strlen("id=\"report-data\">");
    char *json = strndup(start, (size_t)(end - start));
    blob = yajl_tree_parse(json, err, sizeof err);
    free(json);
  }
  CHECK(blob != NULL, "the page's data is valid JSON");
  yajl_val cells = blob ? rep_get(blob, "cells", NULL) : NULL;
  bool raw = false, bucket = false, sat = false;
  for (size_t i = 0; cells && YAJL_IS_ARRAY(cells) && i < cells->u.array.len; i++) {
    yajl_val c = cells->u.array.values[i];
    if (strcmp(rep_str(rep_get(c, "service", NULL)), "alpha")) continue;
    double want = prom_histogram_quantile(0.5, a->runs[0].les, a->runs[0].buckets, a->runs[0].nbuckets) * 1000;
    raw = fabs(rep_num(rep_get(c, "med", "sp50", NULL)) - want) < 1e-9 * want;
    yajl_val q = rep_get(c, "sq", "p50", NULL);
    bucket = q && YAJL_IS_ARRAY(q) && q->u.array.len == 2 && rep_num(q->u.array.values[0]) == 5 &&
             rep_num(q->u.array.values[1]) == 10;
    sat = YAJL_IS_TRUE(rep_get(c, "saturated", NULL));
  }
  CHECK(raw, "the page's data keeps the raw histogram_quantile value (med.sp50)");
  CHECK(bucket, "and the bucket it falls in (sq.p50 = [5, 10] ms)");
  CHECK(sat, "and the saturation verdict");
  if (blob) yajl_tree_free(blob);
  free(page);
  rep_doc_free(&doc);
  rep_free(&d);

  /* --baseline must name a contender of the tree */
  const char *bin = getenv("POCBENCH") ? getenv("POCBENCH") : "build/pocbench";
  snprintf(cmd, sizeof cmd, "%s report --no-html --baseline nosuch '%s' 2>&1", bin, dir);
  FILE *pf = popen(cmd, "r");
  char out[2048] = "";
  size_t got = pf ? fread(out, 1, sizeof out - 1, pf) : 0;
  out[got] = '\0';
  int st = pf ? pclose(pf) : -1;
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 104, "report --baseline nosuch exits 104");
  CHECK(strstr(out, "nosuch") && strstr(out, "contenders: alpha, beta"), "and names the contenders present");
  snprintf(cmd, sizeof cmd, "%s report --no-html --baseline beta '%s' >/dev/null 2>&1", bin, dir);
  st = system(cmd);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "report --baseline beta (present) exits 0");
  snprintf(cmd, sizeof cmd, "%s report --help", bin);
  pf = popen(cmd, "r");
  got = pf ? fread(out, 1, sizeof out - 1, pf) : 0;
  out[got] = '\0';
  if (pf) pclose(pf);
  CHECK(strstr(out, "exit status:") && strstr(out, "104"), "report --help lists the exit codes");
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* A contender that fails fast is no leader: gamma answers 500 requests/s on /json, half of them
 * refused, beside beta serving ~198 req/s cleanly; and fastapi, the baseline, failing too, gives
 * no ratios. Q4 must rank beta alone, name gamma's failures, take no share or CPU figure from
 * gamma, and print no ratio against a baseline that failed. */
static void synthetic_unserved(void) {
  char tmpl[] = "/tmp/test-report-unserved-XXXXXX";
  char *dir = mkdtemp(tmpl), sub[1100], cmd[1200];
  if (!dir) { CHECK(0, "mkdtemp"); return; }
  snprintf(sub, sizeof sub, "%s/test-load-results", dir);
  CHECK(mkdir(sub, 0755) == 0, "unserved tree: make test-load-results/");
  put(dir, "run.json", "{\"schema\":1,\"started\":\"2026-12-04T00:00:00Z\",\"status\":\"complete\"}\n");
  put_doc(dir, "beta", 1978, 197.8, 0.5, 1.5, 1.8, 2.5, 100.6, "\"reset\":0", 0, false, 0);
  put_doc(dir, "gamma", 5000, 500, 0.05, 0.1, 0.1, 0.2, 100.1, "\"refused\":2500", 2500, true, 0);
  put_doc(dir, "fastapi", 1900, 190, 0.9, 2, 2.5, 3, 101, "\"timeout\":100", 100, true, 0);
  struct rep_data d;
  char err[512];
  CHECK(rep_load(dir, "fastapi", &d, err, sizeof err) == 0, "unserved tree loads");
  struct rep_doc doc;
  rep_doc_build(&d, &doc);
  char *all = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&all, &len);
  if (f) { rep_write_md(f, &doc); fclose(f); }
  const char *q4 = all ? strstr(all, "### 4. ") : NULL, *q5 = q4 ? strstr(q4, "### 5. ") : NULL;
  char *a4 = q4 && q5 ? strndup(q4, (size_t)(q5 - q4)) : NULL;
  if (a4) printf("# %s", a4);
  CHECK(a4 && strstr(a4, "beta is best on /json: the only contender that kept up"),
        "Q4: the one contender serving cleanly is best, though another answered more requests/s");
  CHECK(a4 && strstr(a4, "gamma did not serve it: 50% of requests failed (refused 2500)"),
        "Q4: the fast-failing contender is named with its failure share and cause");
  CHECK(a4 && strstr(a4, "fastapi did not serve it: 5.26% of requests failed (timeout 100)"),
        "Q4: so is the failing baseline");
  CHECK(a4 && !strstr(a4, "the leader's") && !strstr(a4, "Against fastapi"),
        "Q4: no share of a failing leader and no ratio against a failing baseline");
  CHECK(a4 && strstr(a4, "Per 1,000 requests beta used ") && !strstr(a4, "least CPU"),
        "Q4: the CPU comparison leaves the failing contenders out");
  free(a4);
  free(all);
  rep_doc_free(&doc);
  rep_free(&d);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

int main(void) {
  units();
  synthetic();
  synthetic_unserved();
  DIR *d = opendir(FIXTURES);
  CHECK(d != NULL, "fixture directory " FIXTURES " exists (run from the repository root)");
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    fixture_report(e->d_name);
    promtool_check(e->d_name);
    n++;
  }
  if (d) closedir(d);
  CHECK(n > 0, "at least one fixture tree");
  CHECK(seen_causes > 0, "a fixture has failure causes (run-timeouts-r2: timeout)");
  CHECK(seen_crossed > 0, "a fixture has a threshold crossed over repeats");
  CHECK(seen_spread > 0, "fixtures have figures with a (min-max) spread");
  CHECK(seen_noise == 3, "fixtures have ratios both beyond and within noise");
  /* 7: run-timeouts-r2's /io quotes none (nobody served it) */
  CHECK(seen_offer >= 7, "fixtures' answers quote the closed model's offer (checked against the series)");
  CHECK(seen_missing >= 2, "a fixture has capacity/ and sweep/ documents for part of the matrix");
  CHECK(seen_gap >= 1, "a fixture has a client p50 far above its server bucket");
  return check_done("test_report");
}
