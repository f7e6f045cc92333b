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
};
enum { W_RPS, W_P50, W_P90, W_P95, W_P99, W_SP50, W_SP90, W_SP99, W_FAIL, W_CPU1K, W_MEM, W_N };

static double jnum(yajl_val v, const char **path) {
  yajl_val x = yajl_tree_get(v, path, yajl_t_number);
  return x ? YAJL_GET_DOUBLE(x) : NAN;
}

static int load_wants(const char *dir, struct want *w, int max) {
  int nw = 0;
  const char *tests[] = {"load", "stress"};
  for (int t = 0; t < 2; t++) {
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/test-%s-results", dir, tests[t]);
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
      snprintf(key, sizeof key, "%s|%s|%s", tests[t], YAJL_GET_STRING(yajl_tree_get(doc, ps, yajl_t_string)),
               YAJL_GET_STRING(yajl_tree_get(doc, pe, yajl_t_string)));
      int i = 0;
      while (i < nw && strcmp(w[i].key, key)) i++;
      if (i == nw) { if (nw == max) { yajl_tree_free(doc); continue; } memset(&w[nw], 0, sizeof w[nw]); snprintf(w[nw].key, sizeof w[nw].key, "%s", key); nw++; }
      struct want *x = &w[i];
      int r = x->n++;
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
      x->v[W_MEM][r] = jnum(doc, mem) / 1048576.0;
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

/* The cells of the table row for service in the table whose caption starts with caption. */
static int md_row(const char *md, const char *caption, const char *service, char cells[16][256]) {
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
    if (n && !strcmp(cells[0], service)) return n;
  }
  return 0;
}

static void check_cell(const char *cell, const double *runs, int n, const char *what) {
  double v[16];
  memcpy(v, runs, sizeof(double) * (size_t)n);
  struct rep_agg a = rep_aggregate(v, (size_t)n);
  char name[512];
  snprintf(name, sizeof name, "REPORT.md %s = \"%s\" matches the JSON", what, cell);
  if (a.n == 0) { CHECK(!strncmp(cell, "n/a", 3), name); return; }
  char *e;
  double got = strtod(cell, &e);
  CHECK(e != cell && fabs(got - a.med) <= 0.006 * fabs(a.med) + 1e-9, name);
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
    }
  }
  CHECK(md && strstr(md, "### 7. What are the resource-efficiency trade-offs?"), "all seven questions present");
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
  int c = 0, agree = 0;
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
        fprintf(f, "      - expr: histogram_quantile(%g, http_request_duration_seconds_bucket{case=\"c%d\"})\n"
                   "        eval_time: 0m\n        exp_samples:\n          - labels: '{case=\"c%d\"}'\n"
                   "            value: %.17g\n", qs[q], c, c, v);
      }
      c++;
    }
  fclose(f);
  CHECK_INT(agree, 3 * ncases, "the report's server percentiles are histogram_quantile of the bucket deltas");
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

int main(void) {
  units();
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
  return check_done("test_report");
}
