/* report_html.c: renders the report as ONE self-contained page that works from disk, offline.
 *
 * The page is report/template.html with four places filled in: the body (the same blocks as
 * REPORT.md, HTML-escaped), the data as a JSON blob in <script type="application/json">, the
 * chart library (Apache ECharts' minified build, pinned in report/package.json) with its licence
 * texts, and the page's own small script (report/report.js) that draws every chart from the
 * blob. All four come from build/report-assets/, which `make` fills; the binary carries no copy
 * of the library, so updating the pin needs no C change. The blob is generated with yajl with
 * '/' escaped, so no string in the data can close the <script> element early. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include "fsutil.h"
#include "report.h"

static void esc(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

static void body(FILE *f, const struct rep_doc *doc) {
  for (size_t i = 0; i < doc->n; i++) {
    const struct rep_block *b = &doc->b[i];
    switch (b->kind) {
    case B_H1: fputs("<h1>", f); esc(f, b->text); fputs("</h1>\n", f); break;
    case B_H2: fputs("<h2>", f); esc(f, b->text); fputs("</h2>\n", f); break;
    case B_H3: fputs("<h3>", f); esc(f, b->text); fputs("</h3>\n", f); break;
    case B_P: fputs("<p>", f); esc(f, b->text); fputs("</p>\n", f); break;
    case B_LI:
      if (i == 0 || doc->b[i - 1].kind != B_LI) fputs("<ul>\n", f);
      fputs("<li>", f); esc(f, b->text); fputs("</li>\n", f);
      if (i + 1 == doc->n || doc->b[i + 1].kind != B_LI) fputs("</ul>\n", f);
      break;
    case B_CHARTS:
      fputs("<div id=\"charts\"><p class=\"nojs\">The charts need JavaScript.</p></div>\n", f);
      break;
    case B_TABLE:
      fputs("<div class=\"tablewrap\"><table", f);
      if (b->id) { fputs(" id=\"", f); esc(f, b->id); fputc('"', f); }
      fputs("><caption>", f); esc(f, b->text); fputs("</caption>\n", f);
      bool text[32];   /* text columns are left-aligned, numbers right */
      for (size_t c = 0; c < b->ncols && c < 32; c++) text[c] = c > 0 && rep_col_text(b, c);
      for (size_t r = 0; r < b->nrows; r++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < b->ncols; c++) {
          bool l = c < 32 && text[c];
          fputs(r == 0 ? (l ? "<th class=\"l\">" : "<th>") : (l ? "<td class=\"l\">" : "<td>"), f);
          esc(f, b->cells[r * b->ncols + c]);
          fputs(r == 0 ? "</th>" : "</td>", f);
        }
        fputs("</tr>\n", f);
      }
      fputs("</table></div>\n", f);
      break;
    }
  }
}

/* ---------------------------------------------------------------- the JSON blob */

static void gstr(yajl_gen g, const char *s) {
  if (s) yajl_gen_string(g, (const unsigned char *)s, strlen(s));
  else yajl_gen_null(g);
}
static void gnum(yajl_gen g, double v) {
  if (isnan(v) || isinf(v)) yajl_gen_null(g);
  else yajl_gen_double(g, v);
}
static void gkey(yajl_gen g, const char *k) { gstr(g, k); }

static void gtree(yajl_gen g, yajl_val v) {
  if (!v || YAJL_IS_NULL(v)) yajl_gen_null(g);
  else if (YAJL_IS_STRING(v)) gstr(g, YAJL_GET_STRING(v));
  else if (YAJL_IS_NUMBER(v)) gnum(g, YAJL_GET_DOUBLE(v));
  else if (YAJL_IS_TRUE(v)) yajl_gen_bool(g, 1);
  else if (YAJL_IS_FALSE(v)) yajl_gen_bool(g, 0);
  else if (YAJL_IS_OBJECT(v)) {
    yajl_gen_map_open(g);
    for (size_t i = 0; i < v->u.object.len; i++) { gkey(g, v->u.object.keys[i]); gtree(g, v->u.object.values[i]); }
    yajl_gen_map_close(g);
  } else if (YAJL_IS_ARRAY(v)) {
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v->u.array.len; i++) gtree(g, v->u.array.values[i]);
    yajl_gen_array_close(g);
  } else yajl_gen_null(g);
}

static void glist(yajl_gen g, const char *k, char **l, size_t n) {
  gkey(g, k);
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) gstr(g, l[i]);
  yajl_gen_array_close(g);
}

static void garr(yajl_gen g, const char *k, const double *v, size_t n) {
  gkey(g, k);
  yajl_gen_array_open(g);
  for (size_t i = 0; v && i < n; i++) gnum(g, v[i]);
  yajl_gen_array_close(g);
}

static void gcell(yajl_gen g, const struct rep_data *d, const struct rep_cell *c) {
  static const char *const names[F_NFIGS] = {
    [F_RPS] = "rps", [F_REQS] = "reqs", [F_P50] = "p50", [F_P90] = "p90", [F_P95] = "p95", [F_P99] = "p99",
    [F_SP50] = "sp50", [F_SP90] = "sp90", [F_SP99] = "sp99", [F_FAIL_RATE] = "fail",
    [F_CPU_PER_1K] = "cpu1k", [F_CPU_S] = "cpu_s", [F_MEM_PEAK] = "mem", [F_THROTTLED] = "thr",
    [F_SREQS] = "sreqs", [F_INTERRUPTED] = "cut_off", [F_SVC_FAILED] = "svc_failed",
    [F_THINK_MS] = "think_ms", [F_VUS_PEAK] = "vus_peak"};
  yajl_gen_map_open(g);
  gkey(g, "test"); gstr(g, c->test);
  gkey(g, "service"); gstr(g, c->service);
  gkey(g, "endpoint"); gstr(g, c->endpoint);
  gkey(g, "runs"); yajl_gen_integer(g, (long long)c->nruns);
  gkey(g, "med");
  yajl_gen_map_open(g);
  for (int f = 0; f < F_NFIGS; f++) { gkey(g, names[f]); gnum(g, c->agg[f].med); }
  yajl_gen_map_close(g);
  gkey(g, "min");
  yajl_gen_map_open(g);
  for (int f = 0; f < F_NFIGS; f++) { gkey(g, names[f]); gnum(g, c->agg[f].min); }
  yajl_gen_map_close(g);
  gkey(g, "max");
  yajl_gen_map_open(g);
  for (int f = 0; f < F_NFIGS; f++) { gkey(g, names[f]); gnum(g, c->agg[f].max); }
  yajl_gen_map_close(g);
  /* server quantiles as the histogram bucket they fall in (union over runs), ms: [lo, hi],
   * lo 0 for the first bucket, hi null for +Inf; med.sp50 etc. keep histogram_quantile's value */
  gkey(g, "sq");
  yajl_gen_map_open(g);
  static const char *const qn[3] = {"p50", "p90", "p99"};
  for (int k = 0; k < 3; k++) {
    double lo = NAN, hi = NAN;
    for (size_t r = 0; r < c->nruns; r++) {
      if (isnan(c->runs[r].sq_lo[k])) continue;
      if (isnan(lo) || c->runs[r].sq_lo[k] < lo) lo = c->runs[r].sq_lo[k];
      if (isnan(hi) || c->runs[r].sq_hi[k] > hi) hi = c->runs[r].sq_hi[k];
    }
    gkey(g, qn[k]);
    if (isnan(lo)) { yajl_gen_null(g); continue; }
    yajl_gen_array_open(g);
    gnum(g, lo);
    gnum(g, hi);
    yajl_gen_array_close(g);
  }
  yajl_gen_map_close(g);
  struct rep_sat x;
  rep_saturation(d, c, &x);
  gkey(g, "saturated"); yajl_gen_bool(g, x.saturated);
  gkey(g, "offered_rps"); gnum(g, x.offered_rps);
  /* the series of the first run only: repeats would multiply the page size for little gain */
  const struct rep_series *s = c->nruns ? &c->runs[0].series : NULL;
  size_t n = s ? s->n : 0;
  gkey(g, "series");
  yajl_gen_map_open(g);
  garr(g, "t", s ? s->t : NULL, n);
  garr(g, "vus", s ? s->vus : NULL, n);
  garr(g, "reqs", s ? s->reqs : NULL, n);
  garr(g, "failed", s ? s->failed : NULL, n);
  garr(g, "p50", s ? s->p50 : NULL, n);
  garr(g, "p90", s ? s->p90 : NULL, n);
  garr(g, "p95", s ? s->p95 : NULL, n);
  garr(g, "p99", s ? s->p99 : NULL, n);
  garr(g, "cpu", s ? s->cpu : NULL, n);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}

static void gextras(yajl_gen g, const char *k, const struct rep_extra *x, size_t n) {
  gkey(g, k);
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) {
    yajl_gen_map_open(g);
    gkey(g, "service"); gstr(g, x[i].service);
    gkey(g, "endpoint"); gstr(g, x[i].endpoint);
    gkey(g, "doc"); gtree(g, x[i].doc);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
}

static int blob(FILE *f, const struct rep_data *d) {
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return -ENOMEM;
  yajl_gen_config(g, yajl_gen_escape_solidus, 1);
  yajl_gen_map_open(g);
  gkey(g, "schema"); yajl_gen_integer(g, 1);
  gkey(g, "baseline"); gstr(g, d->baseline);
  glist(g, "tests", d->tests, d->ntests);
  glist(g, "services", d->services, d->nservices);
  glist(g, "endpoints", d->endpoints, d->nendpoints);
  gkey(g, "cells");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < d->ncells; i++) gcell(g, d, &d->cells[i]);
  yajl_gen_array_close(g);
  gextras(g, "capacity", d->capacity, d->ncapacity);
  gextras(g, "sweep", d->sweep, d->nsweep);
  yajl_gen_map_close(g);
  const unsigned char *buf;
  size_t len;
  int rc = yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok ? 0 : -EINVAL;
  if (!rc) fwrite(buf, 1, len, f);
  yajl_gen_free(g);
  return rc;
}

/* ---------------------------------------------------------------- assembling the page */

static int asset(const char *dir, const char *name, char **out, char *err, size_t errlen) {
  char path[4096];
  size_t len;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int rc = fs_read_all(path, out, &len);
  if (rc < 0)
    snprintf(err, errlen, "%s: %s; the report's page assets are built by `make` (make report-assets)",
             path, strerror(-rc));
  return rc;
}

int rep_write_html(FILE *f, const struct rep_doc *doc, const struct rep_data *d,
                   const char *assets_dir, char *err, size_t errlen) {
  static const char *const names[] = {"template.html", "echarts.min.js", "LICENSE-echarts.txt", "report.js"};
  char *a[4] = {0};
  int rc = 0;
  for (int i = 0; i < 4 && !rc; i++) rc = asset(assets_dir, names[i], &a[i], err, errlen);
  if (rc) goto out;
  /* inlined scripts must not end their <script> element early or open an HTML comment in it */
  for (int i = 1; i < 4; i += 2)
    if (strcasestr(a[i], "</script") || strstr(a[i], "<!--")) {
      snprintf(err, errlen, "%s/%s contains \"</script\" or \"<!--\" and cannot be inlined", assets_dir, names[i]);
      rc = -EINVAL;
      goto out;
    }
  /* the template's places, in order */
  static const char *const marks[] = {"<!--@BODY@-->", "<!--@DATA@-->", "<!--@LIB@-->", "<!--@APP@-->", "<!--@LICENSE@-->"};
  const char *p = a[0];
  for (int m = 0; m < 5; m++) {
    const char *q = strstr(p, marks[m]);
    if (!q) {
      snprintf(err, errlen, "%s/template.html: no %s place (rebuild with `make`)", assets_dir, marks[m]);
      rc = -EINVAL;
      goto out;
    }
    fwrite(p, 1, (size_t)(q - p), f);
    switch (m) {
    case 0: body(f, doc); break;
    case 1: rc = blob(f, d); break;
    case 2: fputs(a[1], f); break;
    case 3: fputs(a[3], f); break;
    case 4: esc(f, a[2]); break;
    }
    if (rc) { snprintf(err, errlen, "could not encode the chart data as JSON"); goto out; }
    p = q + strlen(marks[m]);
  }
  fputs(p, f);
out:
  for (int i = 0; i < 4; i++) free(a[i]);
  return rc;
}
