/* report_doc.c: turns the loaded results into the report's content: the study's seven
 * questions answered from the data, one pair of tables per test type and endpoint, the
 * capacity and sweep results when present, and the environment from run.json.
 *
 * Every sentence is assembled from figures in struct rep_data; where the figures a question
 * needs are absent the answer says which data is missing instead of falling back to a stock
 * phrase. The content is built once as a list of blocks (struct rep_doc) that the Markdown and
 * HTML writers both render, so the two formats cannot drift apart (TechEmpower's flaw: the same
 * facts kept twice). Under the study's closed model with think time, throughput is capped by
 * VUs / (think time + latency): contenders that kept up (report_sat.c) are not separated by
 * requests/s, only by latency, and one run gives no noise estimate, so "best" is said only on a
 * clear margin (beyond measured noise, or over 2x at p99 with the p90 agreeing). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* ---------------------------------------------------------------- formatting */

char *rep_fmt(double v, char *buf, size_t n) {
  double a = fabs(v);
  if (isnan(v)) snprintf(buf, n, "n/a");
  else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
  else if (a >= 100 || a == 0 || (a < 1e15 && v == floor(v))) snprintf(buf, n, "%.0f", v);
  else if (a >= 10) snprintf(buf, n, "%.1f", v);
  else if (a >= 1) snprintf(buf, n, "%.2f", v);
  else snprintf(buf, n, "%.3g", v);
  return buf;
}

char *rep_fmt_agg(const struct rep_agg *a, double scale, char *buf, size_t n) {
  char m[32], lo[32], hi[32];
  if (a->n == 0) return rep_fmt(NAN, buf, n);
  rep_fmt(a->med * scale, m, sizeof m);
  if (a->n < 2) snprintf(buf, n, "%s", m);
  else snprintf(buf, n, "%s (%s-%s)", m, rep_fmt(a->min * scale, lo, sizeof lo),
                rep_fmt(a->max * scale, hi, sizeof hi));
  return buf;
}

char *rep_fmt_ratio(double r, char *buf, size_t n) {
  double a = fabs(r);
  if (isnan(r)) return rep_fmt(r, buf, n);
  if (isinf(r)) snprintf(buf, n, "%s", r > 0 ? "inf" : "-inf");
  else if (a < 0.01) snprintf(buf, n, "<0.01x");
  else if (a >= 99.95) snprintf(buf, n, "%.0fx", r);
  else snprintf(buf, n, "%#.3gx", r);   /* '#' keeps trailing zeros: 1.00x, 0.200x */
  return buf;
}
#define fmt_ratio rep_fmt_ratio

char *rep_fmt_bucket(double lo, double hi, char *buf, size_t n) {
  char a[32], b[32];
  if (isnan(lo) || isnan(hi)) return rep_fmt(NAN, buf, n);
  if (isinf(hi)) snprintf(buf, n, "> %s", rep_fmt(lo, a, sizeof a));
  else if (lo <= 0) snprintf(buf, n, "\u2264 %s", rep_fmt(hi, b, sizeof b));
  else snprintf(buf, n, "%s\u2013%s", rep_fmt(lo, a, sizeof a), rep_fmt(hi, b, sizeof b));
  return buf;
}

bool rep_col_text(const struct rep_block *b, size_t col) {
  for (size_t r = 1; r < b->nrows; r++) {
    const char *c = b->cells[r * b->ncols + col];
    if (!*c || !strcmp(c, "n/a")) continue;   /* "-" (no causes, no thresholds) is text */
    if (*c == '<' || *c == '>' || *c == '~') c++;
    else if (!strncmp(c, "\u2264", strlen("\u2264"))) c += strlen("\u2264");
    while (*c == ' ') c++;
    if (*c == '-') c++;
    if (!(*c >= '0' && *c <= '9')) return true;
  }
  return false;
}

/* A growable string for assembling sentences. */
struct sb { char *s; size_t len, cap; };
static void sb_add(struct sb *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if (b->s && b->len + (size_t)k < b->cap) { b->len += (size_t)k; return; }
    size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)k;
    char *s = realloc(b->s, cap);
    if (!s) abort();
    b->s = s;
    b->cap = cap;
  }
}

/* ---------------------------------------------------------------- blocks */

static struct rep_block *add_block(struct rep_doc *doc, enum rep_block_kind kind, char *text) {
  struct rep_block *b = realloc(doc->b, (doc->n + 1) * sizeof *b);
  if (!b) abort();
  doc->b = b;
  b = &doc->b[doc->n++];
  memset(b, 0, sizeof *b);
  b->kind = kind;
  b->text = text ? text : strdup("");
  return b;
}

static void addf(struct rep_doc *doc, enum rep_block_kind kind, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  add_block(doc, kind, strdup(buf));
}

static void add_sb(struct rep_doc *doc, enum rep_block_kind kind, struct sb *b) {
  add_block(doc, kind, b->s ? b->s : strdup(""));
  memset(b, 0, sizeof *b);
}

static struct rep_block *table_new(struct rep_doc *doc, const char *caption, const char *id,
                                   size_t ncols, const char *const *header) {
  struct rep_block *b = add_block(doc, B_TABLE, strdup(caption));
  b->id = id ? strdup(id) : NULL;
  b->ncols = ncols;
  b->nrows = 1;
  b->cells = calloc(ncols, sizeof *b->cells);
  if (!b->cells) abort();
  for (size_t i = 0; i < ncols; i++) b->cells[i] = strdup(header[i]);
  return b;
}

/* Appends a row of ncols strings (copied). */
static void table_row(struct rep_block *b, char **cells) {
  char **c = realloc(b->cells, (b->nrows + 1) * b->ncols * sizeof *c);
  if (!c) abort();
  b->cells = c;
  for (size_t i = 0; i < b->ncols; i++) c[b->nrows * b->ncols + i] = strdup(cells[i] ? cells[i] : "");
  b->nrows++;
}

void rep_doc_free(struct rep_doc *doc) {
  if (!doc) return;
  for (size_t i = 0; i < doc->n; i++) {
    struct rep_block *b = &doc->b[i];
    free(b->text);
    free(b->id);
    for (size_t k = 0; k < b->nrows * b->ncols; k++) free(b->cells[k]);
    free(b->cells);
  }
  free(doc->b);
  memset(doc, 0, sizeof *doc);
}

/* ---------------------------------------------------------------- helpers over the data */

static const char *noise_phrase(int beyond) {
  return beyond == 1 ? "larger than run-to-run noise"
       : beyond == 0 ? "within run-to-run noise"
       : "one run each, so run-to-run noise is unknown";
}

static bool cell_has(const struct rep_cell *c, int fig) { return c && c->agg[fig].n > 0; }

/* The test whose data answers per-endpoint questions: load when it has the endpoint, else the
 * first test that does. */
static const char *test_for(const struct rep_data *d, const char *ep) {
  const char *best = NULL;
  for (size_t t = 0; t < d->ntests; t++)
    for (size_t s = 0; s < d->nservices; s++) {
      const struct rep_cell *c = rep_find(d, d->tests[t], d->services[s], ep);
      if (cell_has(c, F_RPS)) {
        if (!strcmp(d->tests[t], "load")) return d->tests[t];
        if (!best) best = d->tests[t];
      }
    }
  return best;
}

static bool cell_failed(const struct rep_cell *c) {
  for (size_t r = 0; r < c->nruns; r++)
    if (c->runs[r].status && strcmp(c->runs[r].status, "ok") &&
        strcmp(c->runs[r].status, "thresholds_crossed"))
      return true;
  return false;
}

/* Failure causes summed over repeats. The harness's cut-off requests ("interrupted") are
 * named as such when with_cut, and left out otherwise (a list of the service's failures). */
static char *causes_text(const struct rep_cell *c, bool with_cut, char *buf, size_t n) {
  struct rep_count sum[32];
  size_t k = 0;
  for (size_t r = 0; r < c->nruns; r++)
    for (size_t i = 0; i < c->runs[r].ncauses; i++) {
      if (!with_cut && !strcmp(c->runs[r].causes[i].name, "interrupted")) continue;
      size_t j = 0;
      while (j < k && strcmp(sum[j].name, c->runs[r].causes[i].name)) j++;
      if (j == k && k < 32) { sum[k].name = c->runs[r].causes[i].name; sum[k].n = 0; k++; }
      if (j < 32) sum[j].n += c->runs[r].causes[i].n;
    }
  buf[0] = '\0';
  for (size_t j = 0; j < k; j++) {
    size_t l = strlen(buf);
    bool cut = !strcmp(sum[j].name, "interrupted");
    snprintf(buf + l, n - l, "%s%s %.0f%s", j ? ", " : "", cut ? "in flight at the stop" : sum[j].name, sum[j].n,
             cut ? " (cut off by the harness)" : "");
  }
  if (!k) snprintf(buf, n, "-");
  return buf;
}

static double fig_max(const struct rep_cell *c, int f) { return c->agg[f].n ? c->agg[f].max : NAN; }
static bool svc_failed(const struct rep_cell *c) { return fig_max(c, F_SVC_FAILED) > 0; }

/* "N requests failed (causes)". With repeats the count is the worst run's and the causes are
 * summed over all runs, so the sentence says which is which. */
static char *failed_text(const struct rep_cell *c, char *buf, size_t n) {
  char a[32], causes[256];
  rep_fmt(fig_max(c, F_SVC_FAILED), a, sizeof a);
  causes_text(c, false, causes, sizeof causes);
  if (c->nruns > 1)
    snprintf(buf, n, "%s requests failed in the worst of %zu runs (all runs together: %s)", a, c->nruns, causes);
  else
    snprintf(buf, n, "%s requests failed (%s)", a, causes);
  return buf;
}
static double cut_off(const struct rep_cell *c) {
  double v = 0;
  for (size_t r = 0; r < c->nruns; r++) if (c->runs[r].fig[F_INTERRUPTED] > 0) v += c->runs[r].fig[F_INTERRUPTED];
  return v;
}

/* The thresholds c crossed; a crossed http_req_failed threshold is left out when every failed
 * request was one the harness cut off at the end (*harness_only is then set). */
static size_t crossed_by_service(const struct rep_cell *c, char *list, size_t n, bool *harness_only) {
  size_t k = 0;
  bool only_cut = !svc_failed(c) && cut_off(c) > 0;
  *harness_only = false;
  list[0] = '\0';
  for (size_t r = 0; r < c->nruns; r++)
    for (size_t i = 0; i < c->runs[r].nths; i++) {
      const struct rep_threshold *t = &c->runs[r].ths[i];
      if (!t->crossed) continue;
      if (only_cut && !strcmp(t->metric, "http_req_failed")) { *harness_only = true; continue; }
      if (!strstr(list, t->expr)) {
        size_t l = strlen(list);
        snprintf(list + l, n - l, "%s%s %s", l ? ", " : "", t->metric, t->expr);
      }
      k++;
    }
  return k;
}

/* The service broke in this scenario: a threshold crossed by its own doing, a failed request
 * that was not cut off by the harness, or a run that did not end ok. */
static bool cell_broke(const struct rep_cell *c) {
  char crossed[512];
  bool h;
  return crossed_by_service(c, crossed, sizeof crossed, &h) || cell_failed(c) || svc_failed(c);
}

/* The study's http_req_failed threshold (rate<0.01) draws the line: a contender that failed 1 %
 * or more of its requests by its own doing (the harness's cut-offs left out) in any run did not
 * serve the endpoint, however many requests/s its failures came at (a refused connection is fast)
 * and whatever their latency; it is neither "kept up" nor "best". */
#define FAIL_LIMIT 0.01
static double svc_fail_share(const struct rep_cell *c) {
  double worst = 0;
  for (size_t r = 0; r < c->nruns; r++) {
    double n = c->runs[r].fig[F_REQS], f = c->runs[r].fig[F_SVC_FAILED];
    if (n > 0 && f > 0) worst = fmax(worst, f / n);
  }
  return worst;
}
static bool cell_unserved(const struct rep_cell *c) { return svc_fail_share(c) >= FAIL_LIMIT; }

/* "96.1% of requests failed (timeout 173)"; with repeats the share is the worst run's and the
 * causes are summed over all runs. */
static void unserved_text(struct sb *s, const struct rep_cell *c) {
  char a[32], causes[256];
  causes_text(c, false, causes, sizeof causes);
  sb_add(s, "%s%% of requests failed (", rep_fmt(svc_fail_share(c) * 100, a, sizeof a));
  if (c->nruns > 1) sb_add(s, "worst of %zu runs; causes over all runs: ", c->nruns);
  sb_add(s, "%s)", causes);
}

/* "71.1 req/s, 24% of the ~272 req/s ...; requests/s stopped rising ...": the saturation evidence. */
static void sat_evidence(struct sb *s, const struct rep_cell *c, const struct rep_sat *x) {
  char a[32], b[32], e[32], f[32];
  sb_add(s, "%s req/s", rep_fmt(x->rps, a, sizeof a));
  if (!isnan(x->share))
    sb_add(s, ", %s%% of the ~%s req/s the closed model offers (VUs / (think %s ms + unloaded latency %s ms))",
           rep_fmt(x->share * 100, a, sizeof a), rep_fmt(x->offered_rps, b, sizeof b),
           rep_fmt(x->think_ms, e, sizeof e), rep_fmt(x->base_ms, f, sizeof f));
  if (x->flat)
    sb_add(s, "; requests/s stopped rising at second %s (~%s req/s) while VUs rose %s -> %s",
           rep_fmt(x->plateau_t, a, sizeof a), rep_fmt(x->plateau_rps, b, sizeof b),
           rep_fmt(x->plateau_vus_from, e, sizeof e), rep_fmt(x->plateau_vus_to, f, sizeof f));
  if (!isnan(x->throttled) && x->throttled >= 0.1)
    sb_add(s, "; %s%% of CFS periods throttled", rep_fmt(x->throttled * 100, a, sizeof a));
  if (x->ev_latency)
    sb_add(s, "; per-second p90 grew %s -> %s ms from a quarter of the peak VUs to the peak",
           rep_fmt(x->p90_lo, a, sizeof a), rep_fmt(x->p90_hi, b, sizeof b));
  if (cell_has(c, F_P99)) sb_add(s, "; p99 %s ms", rep_fmt(c->agg[F_P99].med, a, sizeof a));
  if (x->peer && !isnan(x->peer_rps) && x->rps < 0.85 * x->peer_rps)
    sb_add(s, "; %s served %s req/s under the same profile", x->peer, rep_fmt(x->peer_rps, a, sizeof a));
}

static int cmp_p99(const void *a, const void *b) {
  const struct rep_cell *x = *(const struct rep_cell *const *)a, *y = *(const struct rep_cell *const *)b;
  double p = cell_has(x, F_P99) ? x->agg[F_P99].med : INFINITY, q = cell_has(y, F_P99) ? y->agg[F_P99].med : INFINITY;
  return p < q ? -1 : p > q;
}

/* ---------------------------------------------------------------- the seven answers */

/* Q1-Q4. Under a closed model with think time, requests/s are capped by the load: when every
 * contender kept up, throughput does not separate them and only latency can, and one run gives
 * no noise estimate, so "best" needs a margin over 2x or a difference beyond measured noise. */
static void answer_endpoint(const struct rep_data *d, struct rep_doc *doc, const char *ep) {
  char a[64], b2[64], c3[64], d4[64], r1[64], r2[64];
  struct sb s = {0};
  const char *test = test_for(d, ep);
  if (!test) {
    sb_add(&s, "No data: this results tree has no scenario for %s, so the question is not answered.", ep);
    add_sb(doc, B_P, &s);
    return;
  }
  const struct rep_cell *cells[64];
  size_t n = 0;
  for (size_t i = 0; i < d->nservices && n < 64; i++) {
    const struct rep_cell *c = rep_find(d, test, d->services[i], ep);
    if (cell_has(c, F_RPS)) cells[n++] = c;
  }
  if (n == 1) {
    const struct rep_cell *c = cells[0];
    sb_add(&s, "Only %s was measured on %s (%s test): %s req/s, p99 %s ms, %s CPU-seconds per 1,000 "
           "requests; there is no other contender to compare it with.", c->service, ep, test,
           rep_fmt(c->agg[F_RPS].med, a, sizeof a), rep_fmt(c->agg[F_P99].med, b2, sizeof b2),
           rep_fmt(c->agg[F_CPU_PER_1K].med, c3, sizeof c3));
    add_sb(doc, B_P, &s);
    return;
  }
  size_t nunserved = 0;
  for (size_t i = 0; i < n; i++) nunserved += cell_unserved(cells[i]);
  if (nunserved == n) {
    sb_add(&s, "No contender served %s (%s test): each failed 1%% or more of its requests (the study's "
           "http_req_failed threshold is rate<0.01), so neither requests/s nor latency ranks them:", ep, test);
    for (size_t i = 0; i < n; i++) {
      sb_add(&s, "%s %s: ", i ? ";" : "", cells[i]->service);
      unserved_text(&s, cells[i]);
    }
    sb_add(&s, ".");
    for (size_t i = 0; i < n; i++)
      if (cut_off(cells[i]) > 0)
        sb_add(&s, " %s: %s requests were still in flight when the test stopped (cut off by the harness).",
               cells[i]->service, rep_fmt(cut_off(cells[i]), a, sizeof a));
    add_sb(doc, B_P, &s);
    return;
  }
  /* the leader and every share are taken over those that served the endpoint */
  struct rep_sat sat[64];
  double maxrps = 0;
  const struct rep_cell *leader = NULL;
  for (size_t i = 0; i < n; i++) {
    rep_saturation(d, cells[i], &sat[i]);
    if (cell_unserved(cells[i])) continue;
    if (!leader || cells[i]->agg[F_RPS].med > maxrps) leader = cells[i];
    maxrps = fmax(maxrps, cells[i]->agg[F_RPS].med);
  }
  /* who kept up with the load: not saturated, finished, and at the ceiling or near the leader */
  const struct rep_cell *top[64];
  size_t ntop = 0, nbehind = 0, ncapped = 0;
  double lo = INFINITY, hi = 0, slo = INFINITY, shi = 0, offered = 0, think = NAN;
  for (size_t i = 0; i < n; i++) {
    double r = cells[i]->agg[F_RPS].med;
    if (!sat[i].saturated && !cell_failed(cells[i]) && !cell_unserved(cells[i]) &&
        (sat[i].capped || r >= 0.95 * maxrps)) {
      top[ntop++] = cells[i];
      lo = fmin(lo, r); hi = fmax(hi, r);
      if (sat[i].capped) {
        ncapped++;
        slo = fmin(slo, sat[i].share); shi = fmax(shi, sat[i].share);
        offered = fmax(offered, sat[i].offered_rps);
        think = sat[i].think_ms;
      }
    } else {
      nbehind++;
    }
  }
  if (ntop == 0)   /* everyone saturated: compare those at the top */
    for (size_t i = 0; i < n; i++)
      if (!cell_unserved(cells[i]) && cells[i]->agg[F_RPS].med >= 0.95 * maxrps) top[ntop++] = cells[i];
  if (nbehind == 0) {
    rep_fmt(lo, a, sizeof a);
    rep_fmt(hi, b2, sizeof b2);
    sb_add(&s, "Requests/s do not separate the contenders on %s at this load (%s test): all served %s%s%s req/s",
           ep, test, a, strcmp(a, b2) ? "-" : "", strcmp(a, b2) ? b2 : "");
    if (ncapped == ntop) {
      rep_fmt(slo * 100, c3, sizeof c3);
      rep_fmt(shi * 100, d4, sizeof d4);
      sb_add(&s, ", %s%s%s%% of the ~%s req/s the profile's closed model offers (VUs / (think %s ms + unloaded "
             "latency)), so the load, not the services, set the throughput.", c3, strcmp(c3, d4) ? "-" : "",
             strcmp(c3, d4) ? d4 : "", rep_fmt(offered, r1, sizeof r1), rep_fmt(think, r2, sizeof r2));
    }
    else
      sb_add(&s, ", within 5%% of each other.");
  } else {
    sb_add(&s, "On %s (%s test) ", ep, test);
    bool all_sat = true;
    for (size_t i = 0; i < n; i++) all_sat &= sat[i].saturated;
    for (size_t i = 0; i < ntop; i++)
      sb_add(&s, "%s%s", i ? (i + 1 == ntop ? " and " : ", ") : "", top[i]->service);
    sb_add(&s, " %s (", all_sat ? "served the most, though saturated too" : "kept up with the load");
    for (size_t i = 0; i < ntop; i++)
      sb_add(&s, "%s%s req/s", i ? ", " : "", rep_fmt(top[i]->agg[F_RPS].med, a, sizeof a));
    if (ncapped && ncapped == ntop)
      sb_add(&s, "; the closed model offers ~%s", rep_fmt(offered, a, sizeof a));
    sb_add(&s, "); behind:");
    for (size_t i = 0, k = 0; i < n; i++) {
      bool in_top = false;
      for (size_t j = 0; j < ntop; j++) in_top |= top[j] == cells[i];
      if (in_top) continue;
      if (cell_unserved(cells[i])) {
        sb_add(&s, "%s %s did not serve it: ", k++ ? ";" : "", cells[i]->service);
        unserved_text(&s, cells[i]);
        continue;
      }
      int lbn = rep_beyond_noise(&cells[i]->agg[F_RPS], &leader->agg[F_RPS]);
      sb_add(&s, "%s %s %s req/s (%s the leader's%s%s)%s", k++ ? ";" : "", cells[i]->service,
             rep_fmt(cells[i]->agg[F_RPS].med, a, sizeof a),
             fmt_ratio(maxrps > 0 ? cells[i]->agg[F_RPS].med / maxrps : NAN, b2, sizeof b2),
             lbn >= 0 ? ", " : "", lbn >= 0 ? noise_phrase(lbn) : "",
             sat[i].saturated ? ", saturated (question 5 gives the evidence)"
             : cell_failed(cells[i]) ? ", did not finish cleanly" : "");
    }
    sb_add(&s, ".");
  }
  /* latency among those that kept up */
  if (ntop >= 2) {
    const struct rep_cell *byp[64];
    memcpy(byp, top, ntop * sizeof *byp);
    qsort(byp, ntop, sizeof *byp, cmp_p99);
    const struct rep_cell *L = byp[0], *R = byp[1];
    double ratio = rep_ratio(&R->agg[F_P99], &L->agg[F_P99]);
    double r90 = rep_ratio(&R->agg[F_P90], &L->agg[F_P90]);
    int bn = rep_beyond_noise(&L->agg[F_P99], &R->agg[F_P99]);
    /* one run's p99 rests on its slowest 1 %: over 2x, and the p90s agree (1.5x), or nothing */
    bool clear = bn == 1 || (bn == -1 && ratio >= 2 && r90 >= 1.5);
    sb_add(&s, " p99 latency:");
    for (size_t i = 0; i < ntop; i++)
      sb_add(&s, "%s %s %s ms", i ? "," : "", byp[i]->service, rep_fmt(byp[i]->agg[F_P99].med, a, sizeof a));
    if (clear && bn == 1)
      sb_add(&s, "; %s is best on %s: %s lower p99 than %s, larger than run-to-run noise over %d runs.",
             L->service, ep, fmt_ratio(ratio, a, sizeof a), R->service, L->agg[F_P99].n);
    else if (clear)
      sb_add(&s, "; %s is best on %s by latency: %s lower p99 and %s lower p90 than %s (one run each, so no "
             "noise estimate, but the margin is over 2x).", L->service, ep, fmt_ratio(ratio, a, sizeof a),
             fmt_ratio(r90, b2, sizeof b2), R->service);
    else if (bn == 0)
      sb_add(&s, "; %s's p99 is lowest, but its difference to %s (%s) is within run-to-run noise, so no stack "
             "is clearly best on %s at this load.", L->service, R->service, fmt_ratio(ratio, a, sizeof a), ep);
    else if (ratio >= 2)
      sb_add(&s, "; %s's p99 is lowest (%s lower than %s's), but one run each gives no noise estimate and their "
             "p90s differ by only %s, so no stack is clearly best on %s at this load.", L->service,
             fmt_ratio(ratio, a, sizeof a), R->service, fmt_ratio(r90, b2, sizeof b2), ep);
    else
      sb_add(&s, "; %s's p99 is lowest, but one run each gives no noise estimate and its margin over %s is "
             "under 2x (%s), so no stack is clearly best on %s at this load.", L->service, R->service,
             fmt_ratio(ratio, a, sizeof a), ep);
  } else if (ntop == 1 && nbehind) {
    sb_add(&s, " %s is best on %s: the only contender that kept up (p99 %s ms).", top[0]->service, ep,
           rep_fmt(top[0]->agg[F_P99].med, a, sizeof a));
  }
  const struct rep_cell *base = NULL;
  for (size_t i = 0; i < n; i++) if (!strcmp(cells[i]->service, d->baseline)) base = cells[i];
  if (base && cell_unserved(base)) base = NULL;   /* ratios to failures say nothing */
  if (base && n - nunserved > 1) {
    sb_add(&s, " Against %s:", base->service);
    for (size_t i = 0, k = 0; i < n; i++) {
      if (cells[i] == base || cell_unserved(cells[i])) continue;
      sb_add(&s, "%s %s %s the requests/s and %s the p99", k++ ? ";" : "", cells[i]->service,
             fmt_ratio(rep_ratio(&cells[i]->agg[F_RPS], &base->agg[F_RPS]), r1, sizeof r1),
             fmt_ratio(rep_ratio(&cells[i]->agg[F_P99], &base->agg[F_P99]), r2, sizeof r2));
      int bn = rep_beyond_noise(&cells[i]->agg[F_RPS], &base->agg[F_RPS]);
      int pn = rep_beyond_noise(&cells[i]->agg[F_P99], &base->agg[F_P99]);
      if (bn >= 0 && pn >= 0) sb_add(&s, " (requests/s %s, p99 %s)", noise_phrase(bn), noise_phrase(pn));
      else if (bn >= 0) sb_add(&s, " (requests/s %s)", noise_phrase(bn));
      else if (pn >= 0) sb_add(&s, " (p99 %s)", noise_phrase(pn));
    }
    sb_add(&s, ".");
  }
  const struct rep_cell *eff = NULL;
  for (size_t i = 0; i < n; i++)
    if (!cell_unserved(cells[i]) && cell_has(cells[i], F_CPU_PER_1K) &&
        (!eff || cells[i]->agg[F_CPU_PER_1K].med < eff->agg[F_CPU_PER_1K].med))
      eff = cells[i];
  if (eff) {
    struct sb others = {0};
    for (size_t i = 0; i < n; i++) {
      if (cells[i] == eff || cell_unserved(cells[i])) continue;
      sb_add(&others, "%s%s %s", others.s ? ", " : "", cells[i]->service,
             rep_fmt(cells[i]->agg[F_CPU_PER_1K].med, a, sizeof a));
      int cn = cell_has(cells[i], F_CPU_PER_1K) ? rep_beyond_noise(&cells[i]->agg[F_CPU_PER_1K], &eff->agg[F_CPU_PER_1K]) : -1;
      if (cn >= 0) sb_add(&others, ", %s", noise_phrase(cn));
    }
    if (others.s)
      sb_add(&s, " Per 1,000 requests %s used the least CPU, %s CPU-seconds (%s)", eff->service,
             rep_fmt(eff->agg[F_CPU_PER_1K].med, a, sizeof a), others.s);
    else
      sb_add(&s, " Per 1,000 requests %s used %s CPU-seconds", eff->service, rep_fmt(eff->agg[F_CPU_PER_1K].med, a, sizeof a));
    free(others.s);
  } else {
    sb_add(&s, " CPU use was not recorded for %s, so efficiency per request cannot be compared", ep);
  }
  char crossed[512];
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    bool h;
    size_t k = crossed_by_service(cells[i], crossed, sizeof crossed, &h);
    if (k || cell_failed(cells[i]) || svc_failed(cells[i])) {
      sb_add(&s, "%s %s: ", any ? ";" : "; but", cells[i]->service);
      if (svc_failed(cells[i]))
        { char ft[512]; sb_add(&s, "%s", failed_text(cells[i], ft, sizeof ft)); }
      else
        sb_add(&s, "no failed requests");
      sb_add(&s, "%s%s%s", k ? ", crossed " : "", crossed, cell_failed(cells[i]) ? ", and did not finish cleanly" : "");
      any = true;
    }
  }
  sb_add(&s, ".");
  for (size_t i = 0; i < n; i++)
    if (cut_off(cells[i]) > 0)
      sb_add(&s, " %s: %s requests were still in flight when the test stopped (cut off by the harness, "
             "not failures of the service).", cells[i]->service, rep_fmt(cut_off(cells[i]), a, sizeof a));
  add_sb(doc, B_P, &s);
}

/* "a", "a and b", "a, b and c" from the names v[0..n). */
static void sb_list(struct sb *s, const char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) sb_add(s, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", v[i]);
}

static bool extra_has(const struct rep_extra *x, size_t nx, const char *svc, const char *ep) {
  for (size_t i = 0; i < nx; i++)
    if (!strcmp(x[i].service, svc) && !strcmp(x[i].endpoint, ep)) return true;
  return false;
}

/* Names the contender x endpoint pairs of the scenarios that have no document in x (capacity/
 * or sweep/), compactly: contenders with none at all ("fastapi on every endpoint"), then
 * endpoints none of the others has ("c and golang on /cpu, /io and /json"), then what is left
 * per contender ("golang on /io"); items joined with "; ". Returns how many pairs are missing. */
static size_t missing_extras(struct sb *s, const struct rep_data *d, const struct rep_extra *x, size_t nx) {
  size_t ns = d->nservices < 64 ? d->nservices : 64, ne = d->nendpoints < 64 ? d->nendpoints : 64;
  const char *none[64], *rest[64], *eps[64];
  size_t nnone = 0, nrest = 0, neps = 0, nmiss = 0, items = 0;
  for (size_t i = 0; i < ns; i++) {
    size_t have = 0;
    for (size_t e = 0; e < ne; e++) have += extra_has(x, nx, d->services[i], d->endpoints[e]);
    nmiss += ne - have;
    if (have) rest[nrest++] = d->services[i];
    else none[nnone++] = d->services[i];
  }
  if (!nmiss) return 0;
  if (nnone) { sb_list(s, none, nnone); sb_add(s, " on every endpoint"); items++; }
  bool gone[64] = {false};   /* endpoints none of rest has, named once for all of them */
  for (size_t e = 0; nrest && e < ne; e++) {
    bool any = false;
    for (size_t i = 0; i < nrest && !any; i++) any = extra_has(x, nx, rest[i], d->endpoints[e]);
    if (!any) { gone[e] = true; eps[neps++] = d->endpoints[e]; }
  }
  if (neps) { sb_add(s, "%s", items++ ? "; " : ""); sb_list(s, rest, nrest); sb_add(s, " on "); sb_list(s, eps, neps); }
  for (size_t i = 0; i < nrest; i++) {
    size_t k = 0;
    for (size_t e = 0; e < ne; e++)
      if (!gone[e] && !extra_has(x, nx, rest[i], d->endpoints[e])) eps[k++] = d->endpoints[e];
    if (k) { sb_add(s, "%s%s on ", items++ ? "; " : "", rest[i]); sb_list(s, eps, k); }
  }
  return nmiss;
}

/* First second of a run's series with failures caused by the service (requests the harness
 * cut off come last in time, so they are the last `interrupted` failures), or the second of the
 * highest p99. */
static void series_moment(const struct rep_run *r, double *t, double *vus, double *p99, bool *failed) {
  *t = *vus = *p99 = NAN;
  *failed = false;
  if (r->fig[F_SVC_FAILED] > 0 || isnan(r->fig[F_SVC_FAILED]))
    for (size_t i = 0; i < r->series.n; i++)
      if (r->series.failed[i] > 0) { *t = r->series.t[i]; *vus = r->series.vus[i]; *p99 = r->series.p99[i]; *failed = true; return; }
  for (size_t i = 0; i < r->series.n; i++)
    if (!isnan(r->series.p99[i]) && (isnan(*p99) || r->series.p99[i] > *p99)) {
      *p99 = r->series.p99[i]; *t = r->series.t[i]; *vus = r->series.vus[i];
    }
}

static const char *cap_unit_str(yajl_val doc, const char *k) { return rep_str(rep_get(doc, k, NULL)); }

/* Peak VUs of a test's profile (the highest client vus.max of its scenarios, else the highest
 * VU count in their per-second series). */
static double test_peak_vus(const struct rep_data *d, const char *test) {
  double m = NAN;
  for (size_t i = 0; i < d->ncells; i++) {
    const struct rep_cell *c = &d->cells[i];
    if (strcmp(c->test, test)) continue;
    if (c->agg[F_VUS_PEAK].n && (isnan(m) || c->agg[F_VUS_PEAK].max > m)) m = c->agg[F_VUS_PEAK].max;
    for (size_t r = 0; !c->agg[F_VUS_PEAK].n && r < c->nruns; r++)
      for (size_t k = 0; k < c->runs[r].series.n; k++)
        if (!isnan(c->runs[r].series.vus[k]) && (isnan(m) || c->runs[r].series.vus[k] > m)) m = c->runs[r].series.vus[k];
  }
  return m;
}

static void answer_breaking(const struct rep_data *d, struct rep_doc *doc) {
  char a[64], b2[64], c3[64];
  struct sb s = {0};
  if (d->ncapacity) {
    sb_add(&s, "Highest arrival rate meeting the SLO (capacity/):");
    bool anyep = false;
    for (size_t e = 0; e < d->nendpoints; e++) {
      bool first = true;
      for (size_t i = 0; i < d->ncapacity; i++) {
        const struct rep_extra *x = &d->capacity[i];
        if (strcmp(x->endpoint, d->endpoints[e])) continue;
        if (first) sb_add(&s, "%s %s", anyep ? ";" : "", x->endpoint);
        const char *lim = cap_unit_str(x->doc, "limited_by");
        sb_add(&s, "%s %s %s req/s%s", first ? "" : ",", x->service,
               rep_fmt(rep_num(rep_get(x->doc, "capacity_rps", NULL)), a, sizeof a),
               lim && !strcmp(lim, "generator") ? " (generator-bound: a lower bound)" : "");
        first = false;
        anyep = true;
      }
    }
    sb_add(&s, ".");
    struct sb miss = {0};
    if (missing_extras(&miss, d, d->capacity, d->ncapacity))
      sb_add(&s, " Not searched (no capacity/ document): %s.", miss.s);
    free(miss.s);
  } else {
    sb_add(&s, "No capacity/ data in this run, so the highest sustainable rate per contender was not "
           "measured (`pocbench capacity` measures it).");
  }
  /* what the profiles show: saturation from the data, then failures and crossed thresholds */
  size_t nsat = 0, nbad = 0, ncut = 0;
  const struct rep_cell *worst = NULL;
  struct sb satb = {0}, bad = {0}, cut = {0};
  double min_share = NAN, max_thr = NAN;
  for (size_t i = 0; i < d->ncells; i++) {
    const struct rep_cell *c = &d->cells[i];
    struct rep_sat x;
    if (rep_saturation(d, c, &x) == 0) {
      if (x.saturated) {
        if (nsat < 6) {
          sb_add(&satb, "%s%s on %s (%s test): ", nsat ? "; " : "", c->service, c->endpoint, c->test);
          sat_evidence(&satb, c, &x);
        }
        nsat++;
      } else {
        if (!isnan(x.share) && (isnan(min_share) || x.share < min_share)) min_share = x.share;
        if (!isnan(x.throttled) && (isnan(max_thr) || x.throttled > max_thr)) max_thr = x.throttled;
      }
    }
    char crossed[512];
    bool harness_only;
    size_t k = crossed_by_service(c, crossed, sizeof crossed, &harness_only);
    if (k || cell_failed(c) || svc_failed(c)) {
      double t, vus, p99;
      bool failed;
      series_moment(&c->runs[0], &t, &vus, &p99, &failed);
      if (nbad < 6) {
        sb_add(&bad, "%s%s on %s (%s test): ", nbad ? "; " : "", c->service, c->endpoint, c->test);
        if (cell_failed(c)) sb_add(&bad, "%s%s%s, ", c->runs[0].status, c->runs[0].failure ? " " : "",
                                   c->runs[0].failure ? c->runs[0].failure : "");
        if (k) sb_add(&bad, "crossed %s, ", crossed);
        if (svc_failed(c)) { char ft[512]; sb_add(&bad, "%s", failed_text(c, ft, sizeof ft)); }
        else sb_add(&bad, "0 requests failed");
        if (failed) sb_add(&bad, ", first failures at %s s with %s VUs", rep_fmt(t, a, sizeof a), rep_fmt(vus, b2, sizeof b2));
      }
      nbad++;
    }
    if (cut_off(c) > 0) {
      sb_add(&cut, "%s%s %s (%s test) %s%s", ncut ? ", " : "", c->service, c->endpoint, c->test,
             rep_fmt(cut_off(c), a, sizeof a), harness_only ? ", which alone crossed the http_req_failed threshold" : "");
      ncut++;
    }
    if (!strcmp(c->test, "stress") && cell_has(c, F_P99) && (!worst || c->agg[F_P99].med > worst->agg[F_P99].med))
      worst = c;
  }
  if (nsat)
    sb_add(&s, " Saturation in the profiles' data (%zu scenario%s could not keep up with the load offered): %s%s.",
           nsat, nsat == 1 ? "" : "s", satb.s, nsat > 6 ? "; ..." : "");
  if (nbad)
    sb_add(&s, " %zu scenario%s broke (a threshold crossed, requests failed by the service, or a run that did not "
           "end ok): %s%s.", nbad, nbad == 1 ? "" : "s", bad.s, nbad > 6 ? "; ..." : "");
  if (ncut)
    sb_add(&s, " Requests still in flight when the test stopped (cut off by the harness at its graceful stop, not "
           "failures of the service): %s.", cut.s);
  if (!nsat && !nbad && d->ncells) {
    sb_add(&s, " No scenario crossed a threshold, had a request failed by the service or showed saturation");
    if (!isnan(min_share))
      sb_add(&s, " (every scenario served at least %s%% of what the closed model offered", rep_fmt(min_share * 100, a, sizeof a));
    if (!isnan(min_share) && !isnan(max_thr))
      sb_add(&s, "; at most %s%% of CFS periods throttled)", rep_fmt(max_thr * 100, b2, sizeof b2));
    else if (!isnan(min_share))
      sb_add(&s, ")");
    double pk = test_peak_vus(d, "load");
    if (isnan(pk) && d->ntests) pk = test_peak_vus(d, d->tests[0]);
    if (isnan(pk)) sb_add(&s, ", so at these profiles' load no contender reached a breaking point");
    else sb_add(&s, ", so at these profiles' load (up to %s VUs) no contender reached a breaking point", rep_fmt(pk, a, sizeof a));
    if (worst) {
      double t, vus, p99;
      bool failed;
      series_moment(&worst->runs[0], &t, &vus, &p99, &failed);
      sb_add(&s, "; the stress test's highest p99 was %s's on %s, %s ms (its worst second: %s ms at %s VUs)",
             worst->service, worst->endpoint, rep_fmt(worst->agg[F_P99].med, a, sizeof a),
             rep_fmt(p99, b2, sizeof b2), rep_fmt(vus, c3, sizeof c3));
    }
    sb_add(&s, ".");
  } else if (nsat && d->nservices) {
    struct sb ok = {0};
    size_t nok = 0;
    for (size_t i = 0; i < d->nservices; i++) {
      bool clean = true, any = false;
      for (size_t k = 0; k < d->ncells; k++) {
        const struct rep_cell *c = &d->cells[k];
        if (strcmp(c->service, d->services[i])) continue;
        struct rep_sat x;
        any |= rep_saturation(d, c, &x) == 0;
        clean &= !x.saturated && !cell_broke(c);
      }
      if (any && clean) { sb_add(&ok, "%s%s", nok ? ", " : "", d->services[i]); nok++; }
    }
    if (nok) sb_add(&s, " Kept up in every scenario, with no failures: %s.", ok.s);
    free(ok.s);
  }
  bool has_stress = false;
  for (size_t t = 0; t < d->ntests; t++) has_stress |= !strcmp(d->tests[t], "stress");
  double ps = test_peak_vus(d, "stress"), pl = test_peak_vus(d, "load");
  if (has_stress && isnan(ps)) {
    sb_add(&s, " The stress test is no breaking-point test (the study designed it as a moderate ramp); the capacity "
           "search and the concurrency sweep are (sections \"Breaking points (capacity)\" and \"Concurrency sweep\"%s).",
           d->ncapacity || d->nsweep ? "" : ", both absent from this run");
  } else if (has_stress) {
    sb_add(&s, " The study's stress profile peaks at %s VUs", rep_fmt(ps, a, sizeof a));
    if (!isnan(pl)) sb_add(&s, "%s the load profile's %s", ps < pl ? ", lighter than" : " (load:", rep_fmt(pl, b2, sizeof b2));
    sb_add(&s, "%s, as the original study designed it, so it is no breaking-point test; the capacity search and "
           "the concurrency sweep are (sections \"Breaking points (capacity)\" and \"Concurrency sweep\"%s).",
           !isnan(pl) && !(ps < pl) ? ")" : "",
           d->ncapacity || d->nsweep ? "" : ", both absent from this run");
  }
  free(satb.s);
  free(bad.s);
  free(cut.s);
  add_sb(doc, B_P, &s);
}

static const struct rep_extra *sweep_for(const struct rep_data *d, const char *svc, const char *ep) {
  for (size_t i = 0; i < d->nsweep; i++)
    if (!strcmp(d->sweep[i].service, svc) && !strcmp(d->sweep[i].endpoint, ep)) return &d->sweep[i];
  return NULL;
}

static void answer_scaling(const struct rep_data *d, struct rep_doc *doc) {
  char a[64], b2[64], c3[64], d4[64], e5[64], f6[64], g7[64];
  struct sb s = {0};
  if (d->nsweep) {
    /* per contender: the endpoint whose throughput grew least from the lowest to the highest
     * concurrency (where it stops scaling first) */
    sb_add(&s, "Concurrency sweep (sweep/), lowest to highest connections:");
    bool any = false;
    for (size_t i = 0; i < d->nservices; i++) {
      for (size_t e = 0; e < d->nendpoints; e++) {
        const struct rep_extra *x = sweep_for(d, d->services[i], d->endpoints[e]);
        yajl_val pts = x ? rep_get(x->doc, "points", NULL) : NULL;
        if (!YAJL_IS_ARRAY(pts) || pts->u.array.len < 2) continue;
        yajl_val p0 = pts->u.array.values[0], p1 = pts->u.array.values[pts->u.array.len - 1];
        double r0 = rep_num(rep_get(p0, "rps", NULL)), r1 = rep_num(rep_get(p1, "rps", NULL));
        sb_add(&s, "%s %s %s: %s -> %s req/s (%s) at %s -> %s connections, p99 %s -> %s ms",
               any ? ";" : "", d->services[i], d->endpoints[e], rep_fmt(r0, a, sizeof a),
               rep_fmt(r1, b2, sizeof b2), fmt_ratio(r0 > 0 ? r1 / r0 : NAN, c3, sizeof c3),
               rep_fmt(rep_num(rep_get(p0, "connections", NULL)), d4, sizeof d4),
               rep_fmt(rep_num(rep_get(p1, "connections", NULL)), e5, sizeof e5),
               rep_fmt(rep_num(rep_get(p0, "p99_ms", NULL)), f6, sizeof f6),
               rep_fmt(rep_num(rep_get(p1, "p99_ms", NULL)), g7, sizeof g7));
        any = true;
      }
    }
    sb_add(&s, ".");
    struct sb miss = {0};
    if (missing_extras(&miss, d, d->sweep, d->nsweep)) sb_add(&s, " Not swept (no sweep/ document): %s.", miss.s);
    free(miss.s);
  }
  /* from the profiles' own VU ramp: p90 at low VUs against p90 at peak VUs */
  const char *test = NULL;
  for (size_t t = 0; t < d->ntests && !test; t++) if (!strcmp(d->tests[t], "load")) test = d->tests[t];
  if (!test && d->ntests) test = d->tests[0];
  struct sb r = {0}, flat = {0};
  size_t nr = 0, nflat = 0;
  for (size_t i = 0; test && i < d->nservices; i++) {
    double best_g = NAN, lo = NAN, hi = NAN;
    const char *best_ep = NULL;
    for (size_t e = 0; e < d->nendpoints; e++) {
      const struct rep_cell *c = rep_find(d, test, d->services[i], d->endpoints[e]);
      if (!c || !c->nruns || !c->runs[0].series.n) continue;
      struct rep_sat x;
      if (rep_saturation(d, c, &x) < 0) continue;
      double l = x.p90_lo, h = x.p90_hi;
      if (x.flat && x.saturated) {
        sb_add(&flat, "%s%s on %s (~%s req/s from second %s while VUs rose %s -> %s)", nflat ? "; " : "",
               d->services[i], d->endpoints[e], rep_fmt(x.plateau_rps, a, sizeof a), rep_fmt(x.plateau_t, b2, sizeof b2),
               rep_fmt(x.plateau_vus_from, c3, sizeof c3), rep_fmt(x.plateau_vus_to, d4, sizeof d4));
        nflat++;
      }
      if (isnan(l) || isnan(h) || l <= 0) continue;
      if (isnan(best_g) || h / l > best_g) { best_g = h / l; best_ep = d->endpoints[e]; lo = l; hi = h; }
    }
    if (!best_ep) continue;
    /* the largest ratio may still be a fall: say which way it went */
    if (best_g > 1.1)
      sb_add(&r, "%s%s grew most on %s, %s -> %s ms (%s)", nr ? "; " : "", d->services[i], best_ep,
             rep_fmt(lo, a, sizeof a), rep_fmt(hi, b2, sizeof b2), fmt_ratio(best_g, c3, sizeof c3));
    else
      sb_add(&r, "%s%s did not grow on any endpoint (%s on %s: %s -> %s ms, %s)",
             nr ? "; " : "", d->services[i], best_g < 0.9 ? "it fell everywhere, least" : "it stayed within 10%, the most",
             best_ep,
             rep_fmt(lo, a, sizeof a), rep_fmt(hi, b2, sizeof b2), fmt_ratio(best_g, c3, sizeof c3));
    nr++;
  }
  if (nr) {
    sb_add(&s, "%sWithin the %s test, per-second p90 latency from the ramp-up's seconds at up to a quarter of the "
           "peak VUs to the seconds at the peak: %s.", s.len ? " " : "", test, r.s);
    if (nflat)
      sb_add(&s, " Throughput stopped scaling with the VUs for: %s.", flat.s);
  } else {
    size_t nseries = 0;
    for (size_t i = 0; i < d->ncells; i++) nseries += d->cells[i].nruns && d->cells[i].runs[0].series.n;
    if (nseries)
      sb_add(&s, "%sThe per-second series are too short to hold both seconds at a quarter of the peak VUs "
             "and seconds at the peak (%zu series), so scaling with concurrency cannot be shown from them.",
             s.len ? " " : "", nseries);
    else if (!d->nsweep)
      sb_add(&s, "No per-second series (.csv) and no sweep/ data, so scaling with concurrency cannot be shown.");
    else
      sb_add(&s, " No per-second series (.csv), so the profiles' own VU ramp cannot show scaling.");
  }
  if (!d->nsweep)
    sb_add(&s, " No sweep/ data in this run, so throughput beyond the profiles' concurrency was not measured.");
  free(r.s);
  free(flat.s);
  add_sb(doc, B_P, &s);
}

static void answer_resources(const struct rep_data *d, struct rep_doc *doc) {
  char a[64], b2[64], c3[64], d4[64];
  struct sb s = {0};
  const char *test = NULL;
  for (size_t t = 0; t < d->ntests && !test; t++) if (!strcmp(d->tests[t], "load")) test = d->tests[t];
  if (!test && d->ntests) test = d->tests[0];
  double base_cpu = NAN;
  double cpu[64], mem[64], thr[64];
  size_t n = d->nservices < 64 ? d->nservices : 64;
  for (size_t i = 0; i < n; i++) {
    double v[64];
    size_t k = 0;
    mem[i] = thr[i] = NAN;
    for (size_t e = 0; test && e < d->nendpoints && k < 64; e++) {
      const struct rep_cell *c = rep_find(d, test, d->services[i], d->endpoints[e]);
      if (!c) continue;
      if (cell_has(c, F_CPU_PER_1K)) v[k++] = c->agg[F_CPU_PER_1K].med;
      if (cell_has(c, F_MEM_PEAK) && (isnan(mem[i]) || c->agg[F_MEM_PEAK].max > mem[i])) mem[i] = c->agg[F_MEM_PEAK].max;
      if (cell_has(c, F_THROTTLED) && (isnan(thr[i]) || c->agg[F_THROTTLED].max > thr[i])) thr[i] = c->agg[F_THROTTLED].max;
    }
    cpu[i] = rep_aggregate(v, k).med;
    if (!strcmp(d->services[i], d->baseline)) base_cpu = cpu[i];
  }
  size_t have = 0;
  for (size_t i = 0; i < n; i++) have += !isnan(cpu[i]) || !isnan(mem[i]);
  if (!test || !have) {
    sb_add(&s, "No resource figures (resources.cpu_seconds, memory_peak_bytes) in this results tree, so the "
           "trade-offs cannot be stated.");
    add_sb(doc, B_P, &s);
    return;
  }
  sb_add(&s, "Over the %s test's endpoints (median CPU-seconds per 1,000 requests; highest peak memory):", test);
  for (size_t i = 0; i < n; i++) {
    sb_add(&s, "%s %s %s CPU-s, %s MiB", i ? ";" : "", d->services[i], rep_fmt(cpu[i], a, sizeof a),
           rep_fmt(mem[i] / 1048576.0, b2, sizeof b2));
    if (!isnan(base_cpu) && strcmp(d->services[i], d->baseline) && base_cpu > 0)
      sb_add(&s, " (%s %s's CPU per request)", fmt_ratio(cpu[i] / base_cpu, c3, sizeof c3), d->baseline);
  }
  sb_add(&s, ".");
  size_t nthr = 0;
  for (size_t i = 0; i < n; i++) nthr += !isnan(thr[i]);
  if (nthr) {
    sb_add(&s, " The largest share of CFS periods throttled was");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
      if (isnan(thr[i])) continue;
      sb_add(&s, "%s %s %s%%", first ? "" : ",", d->services[i], rep_fmt(thr[i] * 100, d4, sizeof d4));
      first = false;
    }
    sb_add(&s, ".");
  } else {
    sb_add(&s, " Throttling was not recorded (no CPU limit enforced, or no cgroup samples).");
  }
  add_sb(doc, B_P, &s);
}

/* ---------------------------------------------------------------- tables */

static char *thresholds_text(const struct rep_cell *c, char *buf, size_t n) {
  buf[0] = '\0';
  if (!c->nruns || !c->runs[0].nths) { snprintf(buf, n, "-"); return buf; }
  for (size_t i = 0; i < c->runs[0].nths; i++) {
    size_t crossed = 0;
    for (size_t r = 0; r < c->nruns; r++)
      for (size_t j = 0; j < c->runs[r].nths; j++)
        if (!strcmp(c->runs[r].ths[j].expr, c->runs[0].ths[i].expr) && c->runs[r].ths[j].crossed) crossed++;
    size_t l = strlen(buf);
    if (c->nruns > 1 && crossed)
      snprintf(buf + l, n - l, "%s%s crossed (%zu of %zu runs)", l ? "; " : "", c->runs[0].ths[i].expr, crossed, c->nruns);
    else
      snprintf(buf + l, n - l, "%s%s %s", l ? "; " : "", c->runs[0].ths[i].expr, crossed ? "crossed" : "passed");
  }
  return buf;
}

static char *status_text(const struct rep_cell *c, char *buf, size_t n) {
  buf[0] = '\0';
  for (size_t r = 0; r < c->nruns; r++) {
    const char *st = c->runs[r].status ? c->runs[r].status : "?";
    if (strstr(buf, st)) continue;
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%s%s", l ? ", " : "", st);
  }
  return buf;
}

/* The bucket server quantile k (p50, p90, p99) falls in, over every run (the union of the
 * runs' buckets): interpolating inside a 0-5 ms bucket would print 2.50 ms for any service. */
static char *server_bucket(const struct rep_cell *c, int k, char *buf, size_t n) {
  double lo = NAN, hi = NAN;
  for (size_t r = 0; r < c->nruns; r++) {
    const struct rep_run *x = &c->runs[r];
    if (isnan(x->sq_lo[k])) continue;
    if (isnan(lo) || x->sq_lo[k] < lo) lo = x->sq_lo[k];
    if (isnan(hi) || x->sq_hi[k] > hi) hi = x->sq_hi[k];
  }
  return rep_fmt_bucket(lo, hi, buf, n);
}

static char *ratio_cell(const struct rep_cell *c, const struct rep_cell *base, int fig, char *buf, size_t n) {
  if (!base || !cell_has(c, fig) || !cell_has(base, fig)) return rep_fmt(NAN, buf, n);
  char r[32];
  fmt_ratio(rep_ratio(&c->agg[fig], &base->agg[fig]), r, sizeof r);
  if (c == base) { snprintf(buf, n, "%s", r); return buf; }
  int bn = rep_beyond_noise(&c->agg[fig], &base->agg[fig]);
  snprintf(buf, n, "%s%s", r, bn == 1 ? " (beyond noise)" : bn == 0 ? " (within noise)" : "");
  return buf;
}

/* Client p50 this many times the upper bound of the server p50's bucket: the gap is no
 * rounding of a coarse bucket but time the server histogram does not see. */
#define QUEUE_GAP 4.0

/* The note under a throughput table when a contender's client p50 lies far above its server
 * p50 bucket: what the server histogram leaves out, and what a gap that large means. */
static void queue_gap_note(const struct rep_data *d, struct rep_doc *doc, const char *test, const char *ep) {
  struct sb s = {0};
  char a[32], b[32], r[32];
  size_t k = 0;
  for (size_t i = 0; i < d->nservices; i++) {
    const struct rep_cell *c = rep_find(d, test, d->services[i], ep);
    double lo = NAN, hi = NAN;
    for (size_t j = 0; c && j < c->nruns; j++) {
      if (isnan(c->runs[j].sq_hi[0])) continue;
      if (isnan(hi) || c->runs[j].sq_hi[0] > hi) hi = c->runs[j].sq_hi[0];
      if (isnan(lo) || c->runs[j].sq_lo[0] < lo) lo = c->runs[j].sq_lo[0];
    }
    if (!cell_has(c, F_P50) || isnan(hi) || isinf(hi) || hi <= 0 || c->agg[F_P50].med <= QUEUE_GAP * hi) continue;
    struct rep_sat x;
    bool sat = rep_saturation(d, c, &x) == 0 && x.saturated;
    sb_add(&s, "%s%s's client p50 (%s ms) is %s the upper bound of its server p50 bucket (%s ms; question 5 %s)",
           k++ ? "; " : "", c->service, rep_fmt(c->agg[F_P50].med, a, sizeof a),
           fmt_ratio(c->agg[F_P50].med / hi, r, sizeof r), rep_fmt_bucket(lo, hi, b, sizeof b),
           sat ? "finds it saturated from its throughput too" : "does not find it saturated from its throughput");
  }
  if (!k) return;
  sb_add(&s, ". The server histogram times only the request inside the framework's handler and middleware: "
         "time spent waiting in the listen backlog or the event loop, and on the wire, counts only on the "
         "client side. A gap this large means requests queued before the handler ran: the service was "
         "saturated.");
  add_sb(doc, B_P, &s);
}

static void tables_for(const struct rep_data *d, struct rep_doc *doc, const char *test, const char *ep) {
  static const char *const h1[] = {"contender", "status", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms",
                                   "server p50 ms (bucket)", "server p90 ms (bucket)", "server p99 ms (bucket)"};
  char id[256], cap[512], bl[160], v[10][512];
  char *row[10];
  for (int k = 0; k < 10; k++) row[k] = v[k];
  const char *epname = ep[0] == '/' ? ep + 1 : ep;
  snprintf(id, sizeof id, "%s-%s-perf", test, epname);
  snprintf(cap, sizeof cap, "%s %s: throughput and latency (client-side, and server-side from the "
           "/metrics histogram)", test, ep);
  struct rep_block *t = table_new(doc, cap, id, 10, h1);
  for (size_t i = 0; i < d->nservices; i++) {
    const struct rep_cell *c = rep_find(d, test, d->services[i], ep);
    if (!c) continue;
    snprintf(v[0], sizeof v[0], "%s", c->service);
    status_text(c, v[1], sizeof v[1]);
    rep_fmt_agg(&c->agg[F_RPS], 1, v[2], sizeof v[2]);
    static const int f1[] = {F_P50, F_P90, F_P95, F_P99};
    for (int k = 0; k < 4; k++) rep_fmt_agg(&c->agg[f1[k]], 1, v[3 + k], sizeof v[3 + k]);
    for (int k = 0; k < 3; k++) server_bucket(c, k, v[7 + k], sizeof v[7 + k]);
    table_row(t, row);
  }
  queue_gap_note(d, doc, test, ep);
  snprintf(bl, sizeof bl, "req/s vs %s", d->baseline);
  char bl2[160], bl3[160];
  snprintf(bl2, sizeof bl2, "p99 vs %s", d->baseline);
  snprintf(bl3, sizeof bl3, "CPU/1k vs %s", d->baseline);
  const char *h2[] = {"contender", "failed %", "failure causes", "thresholds", "CPU-s per 1k req",
                      "peak memory MiB", "throttled %", bl, bl2, bl3};
  snprintf(id, sizeof id, "%s-%s-cost", test, epname);
  snprintf(cap, sizeof cap, "%s %s: failures, thresholds, resources and ratios to %s", test, ep, d->baseline);
  t = table_new(doc, cap, id, 10, h2);
  const struct rep_cell *base = rep_find(d, test, d->baseline, ep);
  for (size_t i = 0; i < d->nservices; i++) {
    const struct rep_cell *c = rep_find(d, test, d->services[i], ep);
    if (!c) continue;
    snprintf(v[0], sizeof v[0], "%s", c->service);
    rep_fmt_agg(&c->agg[F_FAIL_RATE], 100, v[1], sizeof v[1]);
    causes_text(c, true, v[2], sizeof v[2]);
    thresholds_text(c, v[3], sizeof v[3]);
    rep_fmt_agg(&c->agg[F_CPU_PER_1K], 1, v[4], sizeof v[4]);
    rep_fmt_agg(&c->agg[F_MEM_PEAK], 1.0 / 1048576.0, v[5], sizeof v[5]);
    rep_fmt_agg(&c->agg[F_THROTTLED], 100, v[6], sizeof v[6]);
    ratio_cell(c, base, F_RPS, v[7], sizeof v[7]);
    ratio_cell(c, base, F_P99, v[8], sizeof v[8]);
    ratio_cell(c, base, F_CPU_PER_1K, v[9], sizeof v[9]);
    table_row(t, row);
  }
}

/* ---------------------------------------------------------------- capacity, sweep, environment */

static void capacity_section(const struct rep_data *d, struct rep_doc *doc) {
  addf(doc, B_H2, "Breaking points (capacity)");
  if (!d->ncapacity) {
    addf(doc, B_P, "No capacity/ documents in this results tree: the highest arrival rate each contender "
         "sustains within the SLO was not measured in this run.");
    return;
  }
  static const char *const h[] = {"contender", "endpoint", "capacity req/s", "SLO", "limited by", "knee req/s", "steps"};
  struct rep_block *t = table_new(doc, "Highest arrival rate (open model) meeting the SLO", "capacity", 7, h);
  for (size_t e = 0; e < d->nendpoints; e++)
    for (size_t i = 0; i < d->ncapacity; i++) {
      const struct rep_extra *x = &d->capacity[i];
      if (strcmp(x->endpoint, d->endpoints[e])) continue;
      char v[7][160], a[32], b[32];
      snprintf(v[0], sizeof v[0], "%s", x->service);
      snprintf(v[1], sizeof v[1], "%s", x->endpoint);
      rep_fmt(rep_num(rep_get(x->doc, "capacity_rps", NULL)), v[2], sizeof v[2]);
      snprintf(v[3], sizeof v[3], "p99 < %s ms, failures < %s%%",
               rep_fmt(rep_num(rep_get(x->doc, "slo", "p99_ms", NULL)), a, sizeof a),
               rep_fmt(rep_num(rep_get(x->doc, "slo", "failure_rate", NULL)) * 100, b, sizeof b));
      const char *lim = rep_str(rep_get(x->doc, "limited_by", NULL));
      snprintf(v[4], sizeof v[4], "%s", lim ? lim : "n/a");
      rep_fmt(rep_num(rep_get(x->doc, "knee_rps", NULL)), v[5], sizeof v[5]);
      yajl_val steps = rep_get(x->doc, "steps", NULL);
      snprintf(v[6], sizeof v[6], "%zu", YAJL_IS_ARRAY(steps) ? steps->u.array.len : (size_t)0);
      char *row[7];
      for (int k = 0; k < 7; k++) row[k] = v[k];
      table_row(t, row);
    }
}

static void sweep_section(const struct rep_data *d, struct rep_doc *doc) {
  addf(doc, B_H2, "Concurrency sweep");
  if (!d->nsweep) {
    addf(doc, B_P, "No sweep/ documents in this results tree: throughput and latency against the number of "
         "connections (closed model, no think time) were not measured in this run.");
    return;
  }
  static const char *const h[] = {"contender", "endpoint", "connections", "req/s", "p50 ms", "p99 ms", "failed %", "CPU cores", "throttled %"};
  struct rep_block *t = table_new(doc, "Closed model without think time, by connection count", "sweep", 9, h);
  for (size_t e = 0; e < d->nendpoints; e++)
    for (size_t i = 0; i < d->nsweep; i++) {
      const struct rep_extra *x = &d->sweep[i];
      yajl_val pts = rep_get(x->doc, "points", NULL);
      if (strcmp(x->endpoint, d->endpoints[e]) || !YAJL_IS_ARRAY(pts)) continue;
      for (size_t p = 0; p < pts->u.array.len; p++) {
        yajl_val pt = pts->u.array.values[p];
        char v[9][64];
        snprintf(v[0], sizeof v[0], "%s", x->service);
        snprintf(v[1], sizeof v[1], "%s", x->endpoint);
        rep_fmt(rep_num(rep_get(pt, "connections", NULL)), v[2], sizeof v[2]);
        rep_fmt(rep_num(rep_get(pt, "rps", NULL)), v[3], sizeof v[3]);
        rep_fmt(rep_num(rep_get(pt, "p50_ms", NULL)), v[4], sizeof v[4]);
        rep_fmt(rep_num(rep_get(pt, "p99_ms", NULL)), v[5], sizeof v[5]);
        rep_fmt(rep_num(rep_get(pt, "failure_rate", NULL)) * 100, v[6], sizeof v[6]);
        rep_fmt(rep_num(rep_get(pt, "cpu_cores", NULL)), v[7], sizeof v[7]);
        rep_fmt(rep_num(rep_get(pt, "throttled_share", NULL)) * 100, v[8], sizeof v[8]);
        char *row[9];
        for (int k = 0; k < 9; k++) row[k] = v[k];
        table_row(t, row);
      }
    }
}

/* run.json's sizes are in bytes, in keys ending "_bytes" (machine.memory_bytes). */
static bool is_bytes_key(const char *key) {
  size_t l = strlen(key);
  return l >= 6 && !strcmp(key + l - 6, "_bytes");
}

/* Bytes as GiB from 1 GiB up, else MiB, else bytes: "23.5 GiB", "256 MiB". */
static void fmt_bytes(double v, char *buf, size_t n) {
  char a[32];
  if (fabs(v) >= 1073741824.0) snprintf(buf, n, "%s GiB", rep_fmt(v / 1073741824.0, a, sizeof a));
  else if (fabs(v) >= 1048576.0) snprintf(buf, n, "%s MiB", rep_fmt(v / 1048576.0, a, sizeof a));
  else snprintf(buf, n, "%s bytes", rep_fmt(v, a, sizeof a));
}

/* Flattens a JSON value into "a.b.c" = scalar rows; arrays of scalars joined with " ";
 * null as "not set" (run.json writes null for an option left at its default, a variant
 * without a start of its own, a check without detail), sizes in bytes as GiB/MiB. */
static void flatten(struct rep_block *t, const char *prefix, yajl_val v, int depth) {
  char val[1024] = "";
  if (YAJL_IS_OBJECT(v) && depth < 6) {
    for (size_t i = 0; i < v->u.object.len; i++) {
      /* a key repeated in the same object (run.json may carry one twice): the last one wins */
      bool later = false;
      for (size_t j = i + 1; j < v->u.object.len && !later; j++) later = !strcmp(v->u.object.keys[i], v->u.object.keys[j]);
      if (later) continue;
      char key[512];
      snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", v->u.object.keys[i]);
      flatten(t, key, v->u.object.values[i], depth + 1);
    }
    return;
  }
  if (YAJL_IS_ARRAY(v)) {
    for (size_t i = 0; i < v->u.array.len; i++) {
      yajl_val x = v->u.array.values[i];
      size_t l = strlen(val);
      if (YAJL_IS_STRING(x)) snprintf(val + l, sizeof val - l, "%s%s", i ? " " : "", YAJL_GET_STRING(x));
      else if (YAJL_IS_NUMBER(x)) snprintf(val + l, sizeof val - l, "%s%s", i ? " " : "", YAJL_GET_NUMBER(x));
      else snprintf(val + l, sizeof val - l, "%s(...)", i ? " " : "");
    }
  } else if (YAJL_IS_STRING(v)) snprintf(val, sizeof val, "%s", YAJL_GET_STRING(v));
  else if (YAJL_IS_NUMBER(v) && is_bytes_key(prefix)) fmt_bytes(YAJL_GET_DOUBLE(v), val, sizeof val);
  else if (YAJL_IS_NUMBER(v)) snprintf(val, sizeof val, "%s", YAJL_GET_NUMBER(v));
  else if (YAJL_IS_TRUE(v)) snprintf(val, sizeof val, "true");
  else if (YAJL_IS_FALSE(v)) snprintf(val, sizeof val, "false");
  else if (YAJL_IS_NULL(v)) snprintf(val, sizeof val, "not set");
  else snprintf(val, sizeof val, "(...)");
  char *row[2] = {(char *)prefix, val};
  table_row(t, row);
}

static void environment_section(const struct rep_data *d, struct rep_doc *doc) {
  addf(doc, B_H2, "Environment");
  if (!d->run) {
    addf(doc, B_P, "No run.json in %s, so the machine, kernel, limits and versions are unknown.", d->dir);
    return;
  }
  static const char *const h[] = {"item", "value"};
  struct rep_block *t = table_new(doc, "From run.json (the plan and per-scenario statuses are left out)", "environment", 2, h);
  yajl_val r = d->run;
  for (size_t i = 0; YAJL_IS_OBJECT(r) && i < r->u.object.len; i++) {
    const char *k = r->u.object.keys[i];
    if (!strcmp(k, "plan") || !strcmp(k, "scenarios")) continue;
    flatten(t, k, r->u.object.values[i], 0);
  }
}

/* One line on the resolution of the server-side figures: the contract's bucket bounds. */
static void bucket_note(const struct rep_data *d, struct rep_doc *doc) {
  const struct rep_run *r = NULL;
  for (size_t i = 0; i < d->ncells && !r; i++)
    for (size_t k = 0; k < d->cells[i].nruns && !r; k++)
      if (d->cells[i].runs[k].nbuckets) r = &d->cells[i].runs[k];
  if (!r) return;
  struct sb s = {0};
  char a[32];
  sb_add(&s, "Server-side percentiles are shown as the /metrics histogram bucket they fall in, because the "
         "histogram cannot resolve more: its bucket bounds are");
  for (size_t b = 0; b < r->nbuckets; b++)
    if (!isinf(r->les[b])) sb_add(&s, "%s %s", b ? "," : "", rep_fmt(r->les[b] * 1000, a, sizeof a));
  sb_add(&s, " ms, so \u201c\u2264 5\u201d means somewhere in 0-5 ms; histogram_quantile's linear interpolation inside "
         "a bucket is no measurement (its values are kept in report.html's data).");
  add_sb(doc, B_P, &s);
}

/* ---------------------------------------------------------------- the whole document */

int rep_doc_build(const struct rep_data *d, struct rep_doc *doc) {
  memset(doc, 0, sizeof *doc);
  addf(doc, B_H1, "poc-compare report");
  struct sb s = {0};
  const char *started = rep_str(rep_get(d->run, "started", NULL));
  const char *status = rep_str(rep_get(d->run, "status", NULL));
  size_t nruns = 0;
  for (size_t i = 0; i < d->ncells; i++) nruns += d->cells[i].nruns;
  sb_add(&s, "Results in %s: run started %s, status %s; %zu scenario%s (%zu test type%s x %zu contender%s x "
         "%zu endpoint%s), %zu measured run%s%s.", d->dir, started ? started : "(unknown)",
         status ? status : "(unknown)", d->ncells, d->ncells == 1 ? "" : "s", d->ntests, d->ntests == 1 ? "" : "s",
         d->nservices, d->nservices == 1 ? "" : "s", d->nendpoints, d->nendpoints == 1 ? "" : "s", nruns,
         nruns == 1 ? "" : "s", d->max_repeat > 1 ? "; figures with repeats are shown as median (min-max)" : "");
  if (d->has_baseline) sb_add(&s, " Ratios are taken against %s.", d->baseline);
  else sb_add(&s, " The baseline %s is not in this run, so no ratios to it can be given.", d->baseline);
  add_sb(doc, B_P, &s);
  for (size_t i = 0; i < d->nwarnings; i++) addf(doc, B_LI, "Warning: %s", d->warnings[i]);

  addf(doc, B_H2, "The study's questions");
  static const char *const eq[][2] = {
    {"/health", "1. Which stack handles baseline HTTP traffic (/health) most efficiently?"},
    {"/cpu", "2. How does each stack perform under CPU-bound work (/cpu)?"},
    {"/io", "3. Which stack handles concurrent I/O (/io) better?"},
    {"/json", "4. How do the stacks compare on JSON serialization (/json)?"},
  };
  for (int q = 0; q < 4; q++) {
    addf(doc, B_H3, "%s", eq[q][1]);
    answer_endpoint(d, doc, eq[q][0]);
  }
  addf(doc, B_H3, "5. Where are the breaking points?");
  answer_breaking(d, doc);
  addf(doc, B_H3, "6. How does performance scale with concurrency?");
  answer_scaling(d, doc);
  addf(doc, B_H3, "7. What are the resource-efficiency trade-offs?");
  answer_resources(d, doc);

  addf(doc, B_H2, "Charts");
  add_block(doc, B_CHARTS, strdup("charts"));

  addf(doc, B_H2, "Results by test type and endpoint");
  addf(doc, B_P, "Client-side latency is http_req_duration as the load generator measured it; server-side "
       "latency is from the service's /metrics histogram (bucket deltas between the scrapes before and after "
       "the profile). CPU-seconds and peak memory come from the service's cgroup; throttled %% is the share "
       "of CFS periods in which it was throttled. n/a means the figure is not in the results.");
  bucket_note(d, doc);
  for (size_t t = 0; t < d->ntests; t++) {
    addf(doc, B_H3, "%s test", d->tests[t]);
    for (size_t e = 0; e < d->nendpoints; e++) {
      bool any = false;
      for (size_t i = 0; i < d->nservices; i++) any |= rep_find(d, d->tests[t], d->services[i], d->endpoints[e]) != NULL;
      if (any) tables_for(d, doc, d->tests[t], d->endpoints[e]);
    }
  }
  capacity_section(d, doc);
  sweep_section(d, doc);
  environment_section(d, doc);
  return 0;
}
