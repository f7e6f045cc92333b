/* report_load.c: reads a results tree (docs/results-format.md) into struct rep_data.
 *
 * Every test-<type>-results/ scenario document (.json) becomes one run of a cell keyed by
 * (test, service, endpoint), taken from the document's own "scenario" object (file names are
 * only a fallback, since a service name may itself contain '-'). The .csv beside it gives the
 * per-second series. Server-side percentiles are recomputed here from the bucket deltas with
 * prom_histogram_quantile rather than trusted from the document, so the report and Prometheus
 * agree by construction (and a test checks it against promtool). A malformed file is skipped
 * with a warning: one torn scenario must not hide the other twenty-three. capacity/ and sweep/
 * documents are kept as parsed trees; the document writer reads what it needs. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fsutil.h"
#include "hist.h"
#include "prom.h"
#include "report.h"
#include "units.h"

yajl_val rep_get(yajl_val v, ...) {
  va_list ap;
  va_start(ap, v);
  const char *k;
  while (v && (k = va_arg(ap, const char *))) {
    yajl_val next = NULL;
    if (YAJL_IS_OBJECT(v))
      for (size_t i = 0; i < v->u.object.len; i++)
        if (!strcmp(v->u.object.keys[i], k)) { next = v->u.object.values[i]; break; }
    v = next;
  }
  va_end(ap);
  return v;
}

double rep_num(yajl_val v) {
  if (v && YAJL_IS_NUMBER(v)) return YAJL_GET_DOUBLE(v);
  return NAN;
}

const char *rep_str(yajl_val v) { return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL; }

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* a + b + c into buf (n bytes); an over-long path is cut (and then simply not found). */
static char *pjoin(char *buf, size_t n, const char *a, const char *b, const char *c) {
  const char *parts[] = {a, b, c};
  size_t len = 0;
  for (int i = 0; i < 3; i++)
    for (const char *p = parts[i]; p && *p && len + 1 < n; p++) buf[len++] = *p;
  buf[len] = '\0';
  return buf;
}

static void warn(struct rep_data *d, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char **w = realloc(d->warnings, (d->nwarnings + 1) * sizeof *w);
  if (!w) return;
  d->warnings = w;
  d->warnings[d->nwarnings++] = strdup(buf);
}

static yajl_val read_json(const char *path, char *err, size_t errlen) {
  char *text = NULL;
  size_t len = 0;
  int rc = fs_read_all(path, &text, &len);
  if (rc < 0) { snprintf(err, errlen, "%s", strerror(-rc)); return NULL; }
  char perr[256] = "";
  yajl_val v = yajl_tree_parse(text, perr, sizeof perr);
  free(text);
  if (!v) {
    char *nl = strchr(perr, '\n');
    if (nl) *nl = '\0';
    snprintf(err, errlen, "not valid JSON: %s", perr);
  }
  return v;
}

/* A string list kept unique; returns the index. */
static size_t add_unique(char ***list, size_t *n, const char *s) {
  for (size_t i = 0; i < *n; i++) if (!strcmp((*list)[i], s)) return i;
  char **l = realloc(*list, (*n + 1) * sizeof *l);
  if (!l) abort();
  *list = l;
  l[*n] = strdup(s);
  return (*n)++;
}

/* ---------------------------------------------------------------- the per-second series */

static double **col(struct rep_series *s, const char *name) {
  static const char *names[] = {"t_s", "vus", "reqs", "failed", "p50_ms", "p90_ms", "p95_ms",
                                "p99_ms", "cpu_cores", "memory_bytes"};
  double **cols[] = {&s->t, &s->vus, &s->reqs, &s->failed, &s->p50, &s->p90, &s->p95,
                     &s->p99, &s->cpu, &s->mem};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(names[i], name)) return cols[i];
  return NULL;
}

static void series_free(struct rep_series *s) {
  free(s->t); free(s->vus); free(s->reqs); free(s->failed); free(s->p50); free(s->p90);
  free(s->p95); free(s->p99); free(s->cpu); free(s->mem);
  memset(s, 0, sizeof *s);
}

/* Columns are found by header name, so the runner may add columns without breaking this. */
static int read_series(const char *path, struct rep_series *s, char *err, size_t errlen) {
  char *text = NULL;
  size_t len = 0;
  int rc = fs_read_all(path, &text, &len);
  if (rc < 0) { snprintf(err, errlen, "%s", strerror(-rc)); return rc; }
  size_t rows = 0;
  for (size_t i = 0; i < len; i++) rows += text[i] == '\n';
  double ***slot = NULL;   /* per header column: where its values go, or NULL */
  size_t ncols = 0;
  double **arrays[] = {&s->t, &s->vus, &s->reqs, &s->failed, &s->p50, &s->p90, &s->p95,
                       &s->p99, &s->cpu, &s->mem};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
    *arrays[i] = malloc((rows + 1) * sizeof(double));
    if (!*arrays[i]) { rc = -ENOMEM; goto out; }
    for (size_t r = 0; r <= rows; r++) (*arrays[i])[r] = NAN;
  }
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  if (!line || strncmp(line, "t_s,", 4)) {
    snprintf(err, errlen, "no 't_s,...' header line");
    rc = -EINVAL;
    goto out;
  }
  for (char *p = line, *f; (f = strsep(&p, ","));) {
    double ***ns = realloc(slot, (ncols + 1) * sizeof *ns);
    if (!ns) { rc = -ENOMEM; goto out; }
    slot = ns;
    slot[ncols++] = col(s, f);
  }
  size_t r = 0;
  while ((line = strtok_r(NULL, "\n", &save))) {
    size_t c = 0;
    for (char *p = line, *f; (f = strsep(&p, ",")) && c < ncols; c++) {
      if (!slot[c] || !*f) continue;
      char *end;
      double v = strtod(f, &end);
      if (end != f) (*slot[c])[r] = v;
    }
    /* a second without requests has no latency: older series wrote 0 there, newer leave the
     * cells empty; both are missing, never 0 ms */
    if (s->reqs[r] == 0) s->p50[r] = s->p90[r] = s->p95[r] = s->p99[r] = NAN;
    r++;
  }
  s->n = r;
  rc = 0;
out:
  free(slot);
  free(text);
  if (rc < 0) series_free(s);
  return rc;
}

/* The think time pocbench load printed in its summary (".txt": "think: 100ms after each
 * request, ..."), ms; NAN when the file or the line is absent. */
static double summary_think_ms(const char *path) {
  char *text = NULL;
  size_t len = 0;
  if (fs_read_all(path, &text, &len) < 0) return NAN;
  double v = NAN;
  char *p = strstr(text, "think: ");
  if (p) {
    p += 7;
    char *e = strpbrk(p, " \n,");
    if (e) *e = '\0';
    int64_t ns;
    if (units_parse_duration(p, &ns) == 0 && ns >= 0) v = (double)ns / 1e6;
  }
  free(text);
  return v;
}

/* ---------------------------------------------------------------- the scenario document */

static void add_count(struct rep_count **a, size_t *n, const char *name, double v) {
  struct rep_count *x = realloc(*a, (*n + 1) * sizeof *x);
  if (!x) abort();
  *a = x;
  x[*n].name = strdup(name);
  x[*n].n = v;
  (*n)++;
}

static void read_thresholds(struct rep_run *r, yajl_val metrics) {
  if (!YAJL_IS_OBJECT(metrics)) return;
  for (size_t i = 0; i < metrics->u.object.len; i++) {
    yajl_val th = rep_get(metrics->u.object.values[i], "thresholds", NULL);
    if (!YAJL_IS_OBJECT(th)) continue;
    for (size_t j = 0; j < th->u.object.len; j++) {
      struct rep_threshold *t = realloc(r->ths, (r->nths + 1) * sizeof *t);
      if (!t) abort();
      r->ths = t;
      t[r->nths].metric = strdup(metrics->u.object.keys[i]);
      t[r->nths].expr = strdup(th->u.object.keys[j]);
      /* k6's summary export: true means the threshold FAILED */
      t[r->nths].crossed = YAJL_IS_TRUE(th->u.object.values[j]);
      r->nths++;
    }
  }
}

static void read_server(struct rep_run *r, yajl_val server) {
  r->fig[F_SREQS] = rep_num(rep_get(server, "requests_total_delta", NULL));
  yajl_val by = rep_get(server, "requests_by_status", NULL);
  if (YAJL_IS_OBJECT(by))
    for (size_t i = 0; i < by->u.object.len; i++)
      add_count(&r->statuses, &r->nstatuses, by->u.object.keys[i], rep_num(by->u.object.values[i]));
  yajl_val le = rep_get(server, "duration_histogram", "le", NULL);
  yajl_val counts = rep_get(server, "duration_histogram", "counts", NULL);
  if (!YAJL_IS_ARRAY(le) || !YAJL_IS_ARRAY(counts) || le->u.array.len != counts->u.array.len ||
      le->u.array.len == 0)
    return;
  size_t n = le->u.array.len;
  r->les = malloc(n * sizeof(double));
  r->buckets = malloc(n * sizeof(double));
  if (!r->les || !r->buckets) abort();
  for (size_t i = 0; i < n; i++) {
    yajl_val l = le->u.array.values[i];
    const char *s = rep_str(l);
    r->les[i] = s ? (!strcmp(s, "+Inf") ? INFINITY : strtod(s, NULL)) : rep_num(l);
    r->buckets[i] = rep_num(counts->u.array.values[i]);
  }
  r->nbuckets = n;
  static const double qs[] = {0.5, 0.9, 0.99};
  static const int figs[] = {F_SP50, F_SP90, F_SP99};
  for (int i = 0; i < 3; i++) {
    r->fig[figs[i]] = prom_histogram_quantile(qs[i], r->les, r->buckets, n) * 1000.0;
    if (rep_quantile_bucket(qs[i], r->les, r->buckets, n, &r->sq_lo[i], &r->sq_hi[i]) == 0) {
      r->sq_lo[i] *= 1000.0;
      r->sq_hi[i] *= 1000.0;
    }
  }
}

int rep_quantile_bucket(double q, const double *les, const double *counts, size_t n, double *lo, double *hi) {
  *lo = *hi = NAN;
  if (n == 0 || isnan(q) || q < 0 || q > 1) return -1;
  double total = 0;
  for (size_t i = 0; i < n; i++) if (counts[i] > total) total = counts[i];
  if (!(total > 0)) return -1;
  /* the rank rule of prom_histogram_quantile (running maximum, +Inf not searched) */
  bool inf_last = isinf(les[n - 1]) && les[n - 1] > 0;
  size_t searched = inf_last ? n - 1 : n, b = n - 1;
  double rank = q * total, run = 0;
  for (size_t i = 0; i < searched; i++) {
    if (counts[i] > run) run = counts[i];
    if (run >= rank) { b = i; break; }
  }
  *lo = b == 0 ? 0 : les[b - 1];
  *hi = les[b];
  if (b == 0 && les[0] <= 0) *lo = les[0];
  return 0;
}

static void read_run(struct rep_run *r, yajl_val doc) {
  for (int i = 0; i < F_NFIGS; i++) r->fig[i] = NAN;
  for (int i = 0; i < 3; i++) r->sq_lo[i] = r->sq_hi[i] = NAN;
  r->status = xstrdup(rep_str(rep_get(doc, "scenario", "status", NULL)));
  r->failure = xstrdup(rep_str(rep_get(doc, "scenario", "failure", NULL)));
  yajl_val m = rep_get(doc, "client", "metrics", NULL);
  r->fig[F_RPS] = rep_num(rep_get(m, "http_reqs", "rate", NULL));
  r->fig[F_REQS] = rep_num(rep_get(m, "http_reqs", "count", NULL));
  yajl_val dur = rep_get(m, "http_req_duration", NULL);
  r->fig[F_P50] = rep_num(rep_get(dur, "med", NULL));
  if (isnan(r->fig[F_P50])) r->fig[F_P50] = rep_num(rep_get(dur, "p(50)", NULL));
  r->fig[F_P90] = rep_num(rep_get(dur, "p(90)", NULL));
  r->fig[F_P95] = rep_num(rep_get(dur, "p(95)", NULL));
  r->fig[F_P99] = rep_num(rep_get(dur, "p(99)", NULL));
  /* k6's default summaryTrendStats have no p(99): take any missing percentile from the
   * generator's exported histogram (same k6 percentile definition, src/hist.h) */
  yajl_val hv = rep_get(doc, "client", "pocbench", "histograms", "http_req_duration", NULL);
  if (hv && (isnan(r->fig[F_P50]) || isnan(r->fig[F_P90]) || isnan(r->fig[F_P95]) || isnan(r->fig[F_P99]))) {
    struct hist *h = hist_new();
    if (h && hist_read_json(h, hv) == 0 && hist_count(h) > 0) {
      static const double ps[] = {50, 90, 95, 99};
      static const int fs[] = {F_P50, F_P90, F_P95, F_P99};
      for (int i = 0; i < 4; i++)
        if (isnan(r->fig[fs[i]])) r->fig[fs[i]] = hist_percentile(h, ps[i]) / 1e6;
    }
    hist_free(h);
  }
  r->fig[F_FAIL_RATE] = rep_num(rep_get(m, "http_req_failed", "value", NULL));
  read_thresholds(r, m);
  yajl_val causes = rep_get(doc, "client", "pocbench", "failures_by_cause", NULL);
  if (YAJL_IS_OBJECT(causes)) {
    /* a request the harness cut off at the end is not the service failing */
    r->fig[F_INTERRUPTED] = r->fig[F_SVC_FAILED] = 0;
    for (size_t i = 0; i < causes->u.object.len; i++) {
      double v = rep_num(causes->u.object.values[i]);
      if (!(v > 0)) continue;
      add_count(&r->causes, &r->ncauses, causes->u.object.keys[i], v);
      if (!strcmp(causes->u.object.keys[i], "interrupted")) r->fig[F_INTERRUPTED] += v;
      else r->fig[F_SVC_FAILED] += v;
    }
  } else {
    r->fig[F_SVC_FAILED] = rep_num(rep_get(m, "http_req_failed", "passes", NULL));
  }
  r->fig[F_VUS_PEAK] = rep_num(rep_get(m, "vus", "max", NULL));
  /* k6 semantics: an iteration is the request then the think time */
  double it = rep_num(rep_get(m, "iteration_duration", "med", NULL));
  if (!isnan(it) && !isnan(r->fig[F_P50]) && it - r->fig[F_P50] > 0) {
    r->fig[F_THINK_MS] = it - r->fig[F_P50];
    r->think_estimated = true;
  }
  read_server(r, rep_get(doc, "server", NULL));
  yajl_val res = rep_get(doc, "resources", NULL);
  r->fig[F_CPU_S] = rep_num(rep_get(res, "cpu_seconds", NULL));
  r->fig[F_CPU_PER_1K] = rep_num(rep_get(res, "cpu_seconds_per_1k_requests", NULL));
  if (isnan(r->fig[F_CPU_PER_1K]) && r->fig[F_REQS] > 0)
    r->fig[F_CPU_PER_1K] = r->fig[F_CPU_S] / r->fig[F_REQS] * 1000.0;
  r->fig[F_MEM_PEAK] = rep_num(rep_get(res, "memory_peak_bytes", NULL));
  r->fig[F_THROTTLED] = rep_num(rep_get(res, "throttled_share", NULL));
}

static void run_free(struct rep_run *r) {
  free(r->status); free(r->failure);
  for (size_t i = 0; i < r->ncauses; i++) free(r->causes[i].name);
  for (size_t i = 0; i < r->nstatuses; i++) free(r->statuses[i].name);
  for (size_t i = 0; i < r->nths; i++) { free(r->ths[i].metric); free(r->ths[i].expr); }
  free(r->causes); free(r->statuses); free(r->ths); free(r->les); free(r->buckets);
  series_free(&r->series);
}

static struct rep_cell *cell_for(struct rep_data *d, const char *test, const char *service,
                                 const char *endpoint) {
  for (size_t i = 0; i < d->ncells; i++)
    if (!strcmp(d->cells[i].test, test) && !strcmp(d->cells[i].service, service) &&
        !strcmp(d->cells[i].endpoint, endpoint))
      return &d->cells[i];
  struct rep_cell *c = realloc(d->cells, (d->ncells + 1) * sizeof *c);
  if (!c) abort();
  d->cells = c;
  c = &d->cells[d->ncells++];
  memset(c, 0, sizeof *c);
  c->test = strdup(test);
  c->service = strdup(service);
  c->endpoint = strdup(endpoint);
  return c;
}

const struct rep_cell *rep_find(const struct rep_data *d, const char *test, const char *service,
                                const char *endpoint) {
  for (size_t i = 0; i < d->ncells; i++)
    if (!strcmp(d->cells[i].test, test) && !strcmp(d->cells[i].service, service) &&
        !strcmp(d->cells[i].endpoint, endpoint))
      return &d->cells[i];
  return NULL;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

/* "<service>-<endpoint>[.r<k>]" -> service, "/endpoint", k (fallback when the doc lacks them). */
static void parse_basename(const char *base, char *svc, size_t n, char *ep, size_t m, int *rep) {
  char tmp[512];
  pjoin(tmp, sizeof tmp, base, NULL, NULL);
  *rep = 1;
  char *dot = strrchr(tmp, '.');
  if (dot && dot[1] == 'r' && dot[2]) { *rep = atoi(dot + 2); *dot = '\0'; }
  char *dash = strrchr(tmp, '-');
  if (dash) { *dash = '\0'; pjoin(ep, m, "/", dash + 1, NULL); } else pjoin(ep, m, "/", NULL, NULL);
  pjoin(svc, n, tmp, NULL, NULL);
}

static void load_scenario(struct rep_data *d, const char *test, const char *dirpath, const char *name) {
  char path[4096], err[512];
  pjoin(path, sizeof path, dirpath, "/", name);
  yajl_val doc = read_json(path, err, sizeof err);
  if (!doc) { warn(d, "%s skipped: %s", path, err); return; }
  if (!rep_get(doc, "scenario", NULL) || !rep_get(doc, "client", NULL)) {
    warn(d, "%s skipped: not a scenario document (no \"scenario\"/\"client\" object)", path);
    yajl_tree_free(doc);
    return;
  }
  char base[512], fsvc[256], fep[256];
  snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 5), name);
  int frep;
  parse_basename(base, fsvc, sizeof fsvc, fep, sizeof fep, &frep);
  const char *svc = rep_str(rep_get(doc, "scenario", "service", NULL));
  const char *variant = rep_str(rep_get(doc, "scenario", "variant", NULL));
  const char *ep = rep_str(rep_get(doc, "scenario", "endpoint", NULL));
  const char *t = rep_str(rep_get(doc, "scenario", "test", NULL));
  char svcname[300];
  if (svc && variant && strcmp(variant, "default") && !strchr(svc, '@'))
    snprintf(svcname, sizeof svcname, "%s@%s", svc, variant);
  else
    snprintf(svcname, sizeof svcname, "%s", svc ? svc : fsvc);
  double rp = rep_num(rep_get(doc, "scenario", "repeat", NULL));
  struct rep_cell *c = cell_for(d, t ? t : test, svcname, ep ? ep : fep);
  struct rep_run *r = realloc(c->runs, (c->nruns + 1) * sizeof *r);
  if (!r) abort();
  c->runs = r;
  r = &c->runs[c->nruns++];
  memset(r, 0, sizeof *r);
  r->repeat = isnan(rp) ? frep : (int)rp;
  read_run(r, doc);
  yajl_tree_free(doc);
  char csvname[600];
  pjoin(csvname, sizeof csvname, "/", base, ".csv");
  pjoin(path, sizeof path, dirpath, csvname, NULL);
  struct stat st;
  if (stat(path, &st) == 0 && read_series(path, &r->series, err, sizeof err) < 0)
    warn(d, "%s: per-second series ignored: %s", path, err);
  pjoin(csvname, sizeof csvname, "/", base, ".txt");
  pjoin(path, sizeof path, dirpath, csvname, NULL);
  double think = summary_think_ms(path);
  if (!isnan(think)) { r->fig[F_THINK_MS] = think; r->think_estimated = false; }
  add_unique(&d->tests, &d->ntests, c->test);
  add_unique(&d->services, &d->nservices, c->service);
  add_unique(&d->endpoints, &d->nendpoints, c->endpoint);
}

static void load_extra(struct rep_data *d, const char *sub, struct rep_extra **out, size_t *nout) {
  char dirpath[4096];
  pjoin(dirpath, sizeof dirpath, d->dir, "/", sub);
  DIR *dir = opendir(dirpath);
  if (!dir) return;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (!ends_with(e->d_name, ".json")) continue;
    char path[4400], err[512];
    pjoin(path, sizeof path, dirpath, "/", e->d_name);
    yajl_val doc = read_json(path, err, sizeof err);
    if (!doc) { warn(d, "%s skipped: %s", path, err); continue; }
    char base[512], fsvc[256], fep[256];
    int rep;
    snprintf(base, sizeof base, "%.*s", (int)(strlen(e->d_name) - 5), e->d_name);
    parse_basename(base, fsvc, sizeof fsvc, fep, sizeof fep, &rep);
    const char *svc = rep_str(rep_get(doc, "service", NULL));
    const char *ep = rep_str(rep_get(doc, "endpoint", NULL));
    struct rep_extra *x = realloc(*out, (*nout + 1) * sizeof *x);
    if (!x) abort();
    *out = x;
    x[*nout].service = strdup(svc ? svc : fsvc);
    x[*nout].endpoint = strdup(ep ? ep : fep);
    x[*nout].doc = doc;
    (*nout)++;
    add_unique(&d->services, &d->nservices, svc ? svc : fsvc);
    add_unique(&d->endpoints, &d->nendpoints, ep ? ep : fep);
  }
  closedir(dir);
}

/* Orders: known names first in the given order, the rest alphabetically. */
static const char *const *order_known;
static int rank_of(const char *s) {
  for (int i = 0; order_known && order_known[i]; i++) if (!strcmp(order_known[i], s)) return i;
  return 1000;
}
static int cmp_ordered(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = rank_of(x), ry = rank_of(y);
  return rx != ry ? rx - ry : strcmp(x, y);
}
static void sort_list(char **l, size_t n, const char *const *known) {
  order_known = known;
  qsort(l, n, sizeof *l, cmp_ordered);
  order_known = NULL;
}
static int cmp_run(const void *a, const void *b) {
  return ((const struct rep_run *)a)->repeat - ((const struct rep_run *)b)->repeat;
}

int rep_load(const char *dir, const char *baseline, struct rep_data *d, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  d->baseline = baseline;
  struct stat st;
  if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: not a directory (%s)", dir, strerror(errno ? errno : ENOTDIR));
    return -ENOENT;
  }
  d->dir = strdup(dir);
  char path[4096], jerr[512];
  pjoin(path, sizeof path, dir, "/run.json", NULL);
  if (stat(path, &st) == 0) {
    d->run = read_json(path, jerr, sizeof jerr);
    if (!d->run) warn(d, "%s ignored: %s", path, jerr);
  } else {
    warn(d, "%s: absent, so the environment is unknown", path);
  }
  DIR *top = opendir(dir);
  if (!top) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); rep_free(d); return -errno; }
  struct dirent *e;
  while ((e = readdir(top))) {
    /* test-<type>-results */
    if (strncmp(e->d_name, "test-", 5) || !ends_with(e->d_name, "-results")) continue;
    char test[256];
    snprintf(test, sizeof test, "%.*s", (int)(strlen(e->d_name) - 13), e->d_name + 5);
    char sub[4096];
    pjoin(sub, sizeof sub, dir, "/", e->d_name);
    DIR *sd = opendir(sub);
    if (!sd) continue;
    struct dirent *f;
    while ((f = readdir(sd)))
      if (ends_with(f->d_name, ".json") && f->d_name[0] != '.' && !strstr(f->d_name, ".tmp."))
        load_scenario(d, test, sub, f->d_name);
    closedir(sd);
  }
  closedir(top);
  load_extra(d, "capacity", &d->capacity, &d->ncapacity);
  load_extra(d, "sweep", &d->sweep, &d->nsweep);
  if (d->ncells == 0 && d->ncapacity == 0 && d->nsweep == 0) {
    snprintf(err, errlen, "%s: no scenario documents (test-*-results/*.json), capacity/ or sweep/ "
             "documents found: is this a results directory written by `pocbench run`?", dir);
    rep_free(d);
    return -ENOENT;
  }
  static const char *const tests[] = {"load", "stress", NULL};
  static const char *const eps[] = {"/health", "/cpu", "/io", "/json", NULL};
  const char *const svcs[] = {baseline, NULL};
  sort_list(d->tests, d->ntests, tests);
  sort_list(d->endpoints, d->nendpoints, eps);
  sort_list(d->services, d->nservices, svcs);
  for (size_t i = 0; i < d->nservices; i++) if (!strcmp(d->services[i], baseline)) d->has_baseline = true;
  for (size_t i = 0; i < d->ncells; i++) {
    qsort(d->cells[i].runs, d->cells[i].nruns, sizeof *d->cells[i].runs, cmp_run);
    if ((int)d->cells[i].nruns > d->max_repeat) d->max_repeat = (int)d->cells[i].nruns;
  }
  rep_aggregate_cells(d);
  return 0;
}

void rep_free(struct rep_data *d) {
  if (!d) return;
  for (size_t i = 0; i < d->ncells; i++) {
    struct rep_cell *c = &d->cells[i];
    for (size_t j = 0; j < c->nruns; j++) run_free(&c->runs[j]);
    free(c->runs); free(c->test); free(c->service); free(c->endpoint);
  }
  free(d->cells);
  struct rep_extra *xs[] = {d->capacity, d->sweep};
  size_t ns[] = {d->ncapacity, d->nsweep};
  for (int k = 0; k < 2; k++) {
    for (size_t i = 0; i < ns[k]; i++) {
      free(xs[k][i].service); free(xs[k][i].endpoint); yajl_tree_free(xs[k][i].doc);
    }
    free(xs[k]);
  }
  char **lists[] = {d->tests, d->services, d->endpoints, d->warnings};
  size_t lens[] = {d->ntests, d->nservices, d->nendpoints, d->nwarnings};
  for (int k = 0; k < 4; k++) {
    for (size_t i = 0; i < lens[k]; i++) free(lists[k][i]);
    free(lists[k]);
  }
  if (d->run) yajl_tree_free(d->run);
  free(d->dir);
  memset(d, 0, sizeof *d);
}
