/* summary.c: the header printed before a run and the k6-style end-of-test summary.
 *
 * The metric block follows k6 v0.47's layout rules (LOADGEN-SEMANTICS 3.2/3.3) so that anyone
 * who reads k6 output reads ours the same way: ASCII-ordered metric lines, dot leaders to a
 * common colon, per-column padding measured in display cells (µ ✓ ✗ are one cell), truncated
 * (never rounded) time values. Lines are built as plain text cells first and padded second,
 * so ANSI colour codes never disturb the widths. Below it comes a block k6 does not have:
 * failures by cause, status classes, latency from the intended start beside the measured one
 * (open model), requests in flight at the end, the generator's own CPU, and warnings when the
 * generator itself may be the bottleneck. The logo is our own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "load.h"
#include "loadout.h"
#include "units.h"

#define MAXCOLS 24
#define CELL 64

/* ---------------------------------------------------------------- number formatting */

/* v/10^prec truncated, trailing zeros dropped */
static int fmt_trunc(char *buf, size_t n, unsigned long long whole, unsigned long long frac, int prec) {
  if (frac == 0) return snprintf(buf, n, "%llu", whole);
  char f[24];
  snprintf(f, sizeof f, "%0*llu", prec, frac);
  size_t l = strlen(f);
  while (l && f[l - 1] == '0') f[--l] = '\0';
  return snprintf(buf, n, "%llu.%s", whole, f);
}

char *loadout_fmt_time(double ms, char *buf, size_t n) {
  if (!(ms > 0)) {   /* 0, negative (never for latencies) and NaN */
    snprintf(buf, n, "0s");
    return buf;
  }
  /* via integer nanoseconds truncated, as Go's time.Duration(float) does; the relative 1e-13
   * only absorbs binary noise just below a whole nanosecond (0.123 ms -> 122.99999 ns) */
  double dns = ms * 1e6;
  unsigned long long d = dns >= 1.8e19 ? 18000000000000000000ULL : (unsigned long long)(dns + dns * 1e-13);
  char tmp[64];
  if (d == 0) snprintf(buf, n, "0s");
  else if (d < 1000ULL) snprintf(buf, n, "%lluns", d);
  else if (d < 1000000ULL) {
    fmt_trunc(tmp, sizeof tmp, d / 1000, (d % 1000) / 10, 2);
    snprintf(buf, n, "%s\xc2\xb5s", tmp);
  } else if (d < 1000000000ULL) {
    fmt_trunc(tmp, sizeof tmp, d / 1000000, (d % 1000000) / 10000, 2);
    snprintf(buf, n, "%sms", tmp);
  } else {
    unsigned long long h = d / 3600000000000ULL, m = (d / 60000000000ULL) % 60, s = d % 60000000000ULL;
    char sec[32], hm[40] = "";
    if (d > 60000000000ULL) snprintf(sec, sizeof sec, "%llu", s / 1000000000ULL);
    else fmt_trunc(sec, sizeof sec, s / 1000000000ULL, (s % 1000000000ULL) / 10000000ULL, 2);
    if (h) snprintf(hm, sizeof hm, "%lluh%llum", h, m);
    else if (d >= 60000000000ULL) snprintf(hm, sizeof hm, "%llum", m);
    snprintf(buf, n, "%s%ss", hm, sec);
  }
  return buf;
}

char *loadout_fmt_rate(double ratio, char *buf, size_t n) {
  double v = floor(ratio * 10000 + 1e-7) / 100;  /* truncate; the epsilon absorbs binary noise */
  snprintf(buf, n, "%.2f%%", v);
  return buf;
}

char *loadout_fmt_number(double v, char *buf, size_t n) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%.6f", v);
  char *dot = strchr(tmp, '.');
  if (dot) {
    char *e = tmp + strlen(tmp);
    while (e > dot + 1 && e[-1] == '0') *--e = '\0';
    if (e == dot + 1) *dot = '\0';
  }
  if (!strcmp(tmp, "-0")) snprintf(tmp, sizeof tmp, "0");
  snprintf(buf, n, "%s", tmp);
  return buf;
}

char *loadout_fmt_data(double bytes, char *buf, size_t n) {
  static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (!(bytes >= 10)) {
    /* below 10 the raw number is printed (k6 quirk: 3.3333 B/s shows every digit) */
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", bytes > 0 ? bytes : 0);
    snprintf(buf, n, "%s B", tmp);
    return buf;
  }
  int e = 0;
  double x = bytes;
  while (x >= 1000 && e < 6) { x /= 1000; e++; }
  x = floor(x * 10 + 0.5) / 10;
  if (x < 10) snprintf(buf, n, "%.1f %s", x, units[e]);
  else snprintf(buf, n, "%.0f %s", x, units[e]);
  return buf;
}

/* ---------------------------------------------------------------- layout */

static size_t cells(const char *s) {  /* display width: UTF-8 code points */
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

struct pal { const char *val, *faint, *ok, *bad, *warn, *off; };

static void pad(FILE *f, size_t have, size_t want) {
  for (; have < want; have++) fputc(' ', f);
}

struct line {
  char name[96];          /* display name */
  bool sub;
  int mark;               /* 0 none, 1 all passed, 2 some failed */
  enum mtype type;
  enum mcontains contains;
  size_t ncols;
  char col[MAXCOLS][CELL];
};

static int mark_for(const struct load_opts *o, const char *canon) {
  int m = 0;
  for (size_t i = 0; i < o->nthresholds; i++) {
    if (strcmp(o->thresholds[i].metric, canon)) continue;
    if (o->no_thresholds) continue;
    if (o->thresholds[i].failed) m = 2;
    else if (!m) m = 1;
  }
  return m;
}

static bool has_threshold(const struct load_opts *o, const char *canon) {
  for (size_t i = 0; i < o->nthresholds; i++)
    if (!strcmp(o->thresholds[i].metric, canon)) return true;
  return false;
}

static const char *const default_stats[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};

static void stats_list(const struct load_opts *o, const char *const **list, size_t *n) {
  if (o->ntrend_stats) { *list = (const char *const *)o->trend_stats; *n = o->ntrend_stats; }
  else { *list = default_stats; *n = 6; }
  if (*n > MAXCOLS) *n = MAXCOLS;
}

static void fill_trend(struct line *l, const struct hist *h, const char *const *stats, size_t nstats) {
  l->ncols = nstats;
  for (size_t j = 0; j < nstats; j++) {
    double v = 0;
    char val[48];
    loadout_trend_stat(h, stats[j], &v);
    if (!strcmp(stats[j], "count")) snprintf(val, sizeof val, "%llu", (unsigned long long)v);
    else loadout_fmt_time(v, val, sizeof val);
    snprintf(l->col[j], CELL, "%s", val);
  }
}

static void fill_line(struct line *l, const struct metric_values *v, const char *const *stats, size_t nstats) {
  char a[48], b[48];
  switch (l->type) {
  case M_TREND:
    fill_trend(l, v->h, stats, nstats);
    break;
  case M_COUNTER:
    l->ncols = 2;
    if (l->contains == MC_DATA) {
      loadout_fmt_data(v->count, l->col[0], CELL);
      snprintf(l->col[1], CELL, "%s/s", loadout_fmt_data(v->rate, a, sizeof a));
    } else {
      loadout_fmt_number(v->count, l->col[0], CELL);
      snprintf(l->col[1], CELL, "%s/s", loadout_fmt_number(v->rate, a, sizeof a));
    }
    break;
  case M_GAUGE:
    l->ncols = 3;
    loadout_fmt_number(v->value, l->col[0], CELL);
    snprintf(l->col[1], CELL, "min=%s", loadout_fmt_number(v->min, a, sizeof a));
    snprintf(l->col[2], CELL, "max=%s", loadout_fmt_number(v->max, b, sizeof b));
    break;
  case M_RATE:
    l->ncols = 3;
    loadout_fmt_rate(v->value, l->col[0], CELL);
    snprintf(l->col[1], CELL, "\xe2\x9c\x93 %llu", (unsigned long long)v->passes);
    snprintf(l->col[2], CELL, "\xe2\x9c\x97 %llu", (unsigned long long)v->fails);
    break;
  }
}

/* Prints lines with k6's padding rules; trend column j is "stats[j]=value" padded to the widest
 * value of column j; non-trend columns are padded per column (a counter's /s is not padded). */
static void print_lines(FILE *f, const struct line *ls, size_t n, const char *const *stats, const struct pal *c,
                        size_t minw) {
  size_t wname = minw, tw[MAXCOLS] = {0}, nw[3] = {0};
  for (size_t i = 0; i < n; i++) {
    size_t w = cells(ls[i].name) + (ls[i].sub ? 2 : 0);
    if (w > wname) wname = w;
    for (size_t j = 0; j < ls[i].ncols; j++) {
      size_t cw = cells(ls[i].col[j]);
      if (ls[i].type == M_TREND) { if (cw > tw[j]) tw[j] = cw; }
      else if (j < 3 && cw > nw[j]) nw[j] = cw;
    }
  }
  for (size_t i = 0; i < n; i++) {
    const struct line *l = &ls[i];
    fputs(l->sub ? "     " : "   ", f);
    if (l->mark == 1) fprintf(f, "%s\xe2\x9c\x93%s ", c->ok, c->off);
    else if (l->mark == 2) fprintf(f, "%s\xe2\x9c\x97%s ", c->bad, c->off);
    else fputs("  ", f);
    fputs(l->name, f);
    size_t dots = wname - cells(l->name) - (l->sub ? 2 : 0) + 3;
    fputs(c->faint, f);
    for (size_t d = 0; d < dots; d++) fputc('.', f);
    fprintf(f, "%s: ", c->off);
    for (size_t j = 0; j < l->ncols; j++) {
      if (j) fputc(' ', f);
      if (l->type == M_TREND) {
        fprintf(f, "%s=%s%s%s", stats[j], c->val, l->col[j], c->off);
        pad(f, cells(l->col[j]), tw[j]);
      } else {
        fprintf(f, "%s%s%s", c->val, l->col[j], c->off);
        if (!(l->type == M_COUNTER && j == 1)) pad(f, cells(l->col[j]), nw[j]);
      }
    }
    fputc('\n', f);
  }
}

/* usable cores of the generator: the threads the engine ran (the auto rule follows the
 * planned rate, so it may be fewer than the CPUs), at most the online CPUs */
static int effective_threads(const struct load_opts *o, const struct load_stats *s) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1) cpus = 1;
  long t = s->threads > 0 ? s->threads : o->threads > 0 ? o->threads : (cpus < 4 ? cpus : 4);
  return (int)(t < cpus ? t : cpus);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void summary_print(FILE *f, const struct load_opts *o, const struct load_stats *s) {
  bool color = !o->no_color && isatty(fileno(f));
  struct pal c = color ? (struct pal){"\x1b[36m", "\x1b[2m", "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[0m"}
                       : (struct pal){"", "", "", "", "", ""};
  const char *const *stats;
  size_t nstats;
  stats_list(o, &stats, &nstats);

  size_t cap = loadout_nmetrics + 2 + o->nthresholds, n = 0;
  struct line *ls = calloc(cap, sizeof *ls);
  if (!ls) return;
  for (size_t i = 0; i < loadout_nmetrics; i++) {
    const struct metric_def *d = &loadout_metrics[i];
    struct metric_key k = {.def = d};
    struct metric_values v;
    loadout_values(&k, s, &v);
    if (v.observed || has_threshold(o, d->name)) {
      struct line *l = &ls[n++];
      snprintf(l->name, sizeof l->name, "%s", d->name);
      l->type = d->type;
      l->contains = d->contains;
      l->mark = mark_for(o, d->name);
      fill_line(l, &v, stats, nstats);
    }
    /* sub-metrics, ordered by their {...} text: expected_response < scenario */
    if (d->trend == T_HTTP_REQ_DURATION) {
      k.expected_sub = true;
      loadout_values(&k, s, &v);
      const char *canon = "http_req_duration{expected_response:true}";
      if ((v.observed || has_threshold(o, canon)) && n < cap) {
        struct line *l = &ls[n++];
        snprintf(l->name, sizeof l->name, "{ expected_response:true }");
        l->sub = true;
        l->type = d->type;
        l->contains = d->contains;
        l->mark = mark_for(o, canon);
        fill_line(l, &v, stats, nstats);
      }
      k.expected_sub = false;
    }
    char want[128];
    snprintf(want, sizeof want, "%s{scenario:", d->name);
    for (size_t t = 0; t < o->nthresholds && n < cap; t++) {
      const char *m = o->thresholds[t].metric;
      if (strncmp(m, want, strlen(want))) continue;
      bool dup = false;
      for (size_t u = 0; u < t && !dup; u++) dup = !strcmp(o->thresholds[u].metric, m);
      if (dup) continue;
      struct line *l = &ls[n++];
      snprintf(l->name, sizeof l->name, "{ %.*s }", (int)(strlen(m) - strlen(d->name) - 2), m + strlen(d->name) + 1);
      l->sub = true;
      l->type = d->type;
      l->contains = d->contains;
      l->mark = mark_for(o, m);
      loadout_values(&k, s, &v);
      fill_line(l, &v, stats, nstats);
    }
  }
  fputc('\n', f);
  print_lines(f, ls, n, stats, &c, 0);
  free(ls);

  /* ---- beyond k6 */
  fprintf(f, "\n   pocbench (beyond k6)\n");
  struct line ex[3];
  size_t ne = 0;
  bool open_model = o->executor == EXEC_CONSTANT_ARRIVAL_RATE || o->executor == EXEC_RAMPING_ARRIVAL_RATE;
  const struct hist *hc = s->trend[T_HTTP_REQ_DURATION_CORRECTED], *hd = s->trend[T_HTTP_REQ_DURATION];
  /* closed model: the corrected histogram equals the measured one and adds nothing; a merged
   * summary (no executor known) shows it when it differs */
  bool differs = hc && hd && hist_count(hc) > 0 &&
                 (hist_count(hc) != hist_count(hd) || hist_mean(hc) != hist_mean(hd) || hist_max(hc) != hist_max(hd));
  if (open_model || (o->nmerge_files && differs)) {
    memset(ex, 0, sizeof ex);
    snprintf(ex[0].name, sizeof ex[0].name, "http_req_duration (measured)");
    snprintf(ex[1].name, sizeof ex[1].name, "from intended start (corrected)");
    ex[0].type = ex[1].type = M_TREND;
    fill_trend(&ex[0], s->trend[T_HTTP_REQ_DURATION], stats, nstats);
    fill_trend(&ex[1], hc, stats, nstats);
    ne = 2;
  }
  static const char *cause[FAIL_COUNT] = {
    [FAIL_REFUSED] = "refused", [FAIL_CONNECT] = "connect", [FAIL_RESET] = "reset",
    [FAIL_TIMEOUT] = "timeout", [FAIL_EOF] = "eof", [FAIL_MALFORMED] = "malformed",
    [FAIL_STATUS_4XX] = "4xx", [FAIL_STATUS_5XX] = "5xx", [FAIL_STATUS_OTHER] = "other_status",
    [FAIL_INTERRUPTED] = "interrupted",
  };
  char buf[512];
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < FAIL_COUNT; i++)
    if (s->fails[i] && off < sizeof buf)
      off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s=%llu", off ? " " : "", cause[i], (unsigned long long)s->fails[i]);
  const char *labels[] = {"failures by cause", "status classes", "in flight at end", "generator"};
  size_t wl = 0;
  for (size_t i = 0; i < 4; i++) if (strlen(labels[i]) > wl) wl = strlen(labels[i]);
  if (ne && cells(ex[1].name) > wl) wl = cells(ex[1].name);
  if (ne) print_lines(f, ex, ne, stats, &c, wl);
#define EXTRA(label, ...) do { fprintf(f, "     %s%s", (label), c.faint); \
    for (size_t d_ = strlen(label); d_ < wl + 3; d_++) fputc('.', f); \
    fprintf(f, "%s: %s", c.off, c.val); fprintf(f, __VA_ARGS__); fprintf(f, "%s\n", c.off); } while (0)
  EXTRA(labels[0], "%s", off ? buf : "none");
  off = 0;
  buf[0] = '\0';
  static const char *cls[6] = {"transport", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int i = 1; i <= 6; i++) {
    int j = i % 6;  /* 1xx..5xx first, transport errors last */
    if (s->status_class[j] && off < sizeof buf)
      off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s=%llu", off ? " " : "", cls[j], (unsigned long long)s->status_class[j]);
  }
  EXTRA(labels[1], "%s", off ? buf : "none");
  EXTRA(labels[2], "%llu (counted in http_reqs, not dropped)", (unsigned long long)s->fails[FAIL_INTERRUPTED]);
  {
    char cpu[48];
    loadout_fmt_number(round(s->gen_cpu_seconds * 100) / 100, cpu, sizeof cpu);
    EXTRA(labels[3], "cpu %ss, peak %.0f%% of one core", cpu, s->gen_cpu_share_peak * 100);
  }
#undef EXTRA
  /* warnings: the generator may be the bottleneck */
  int th = effective_threads(o, s);
  if (s->gen_cpu_share_peak >= 0.9 * th)
    fprintf(f, "   %sWARN%s the generator's CPU peaked at %.0f%% of a core (%d thread%s): it may have been "
            "the bottleneck, so latency and throughput may understate the service\n",
            c.warn, c.off, s->gen_cpu_share_peak * 100, th, th == 1 ? "" : "s");
  if (s->rate_missed_fraction > 0.01)
    fprintf(f, "   %sWARN%s the arrival rate was missed by %.1f%% (%llu dropped iterations): raise --max-vus "
            "or the generator could not keep up\n",
            c.warn, c.off, s->rate_missed_fraction * 100, (unsigned long long)s->dropped_iterations);
  if (s->aborted)
    fprintf(f, "   %sWARN%s the run was aborted early (abortOnFail threshold or signal)\n", c.warn, c.off);
  if (s->iterations == 0 && s->http_reqs == 0 && !o->nmerge_files)
    fprintf(f, "   %sWARN%s no iteration completed\n", c.warn, c.off);
  fputc('\n', f);
  fflush(f);

  /* crossed thresholds: one line on stderr, metric names sorted and unique */
  const char **names = calloc(o->nthresholds + 1, sizeof *names);
  size_t nn = 0;
  for (size_t i = 0; names && i < o->nthresholds; i++) {
    if (!o->thresholds[i].failed || o->no_thresholds) continue;
    bool dup = false;
    for (size_t j = 0; j < nn && !dup; j++) dup = !strcmp(names[j], o->thresholds[i].metric);
    if (!dup) names[nn++] = o->thresholds[i].metric;
  }
  if (nn) {
    qsort(names, nn, sizeof *names, cmp_str);
    fputs("thresholds on metrics '", stderr);
    for (size_t i = 0; i < nn; i++) fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
    fputs("' have been crossed\n", stderr);
  }
  free(names);
}

/* ---------------------------------------------------------------- failures on stderr */

char *load_fail_text(int cause, int status, int64_t timeout_ns, char *buf, size_t n) {
  char d[64];
  switch (cause) {
  case FAIL_REFUSED: snprintf(buf, n, "connection refused"); break;
  case FAIL_CONNECT: snprintf(buf, n, "connect failed, not refused: unreachable, no free local port or similar"); break;
  case FAIL_RESET: snprintf(buf, n, "connection reset"); break;
  case FAIL_TIMEOUT:
    if (timeout_ns > 0) snprintf(buf, n, "no complete response within the %s timeout", units_format_go_duration(timeout_ns, d, sizeof d));
    else snprintf(buf, n, "timeout");
    break;
  case FAIL_EOF: snprintf(buf, n, "connection closed before the response was complete"); break;
  case FAIL_MALFORMED: snprintf(buf, n, "malformed HTTP response"); break;
  case FAIL_STATUS_4XX:
  case FAIL_STATUS_5XX:
    if (status > 0) snprintf(buf, n, "HTTP status %d", status);
    else snprintf(buf, n, "HTTP status %dxx", cause == FAIL_STATUS_4XX ? 4 : 5);
    break;
  case FAIL_STATUS_OTHER:
    if (status > 0) snprintf(buf, n, "unexpected HTTP status %d", status);
    else snprintf(buf, n, "unexpected HTTP status (1xx or 600+)");
    break;
  case FAIL_INTERRUPTED: snprintf(buf, n, "interrupted at the hard stop"); break;
  default: snprintf(buf, n, "unknown cause %d", cause); break;
  }
  return buf;
}

void summary_print_failures(FILE *f, const struct load_opts *o, const struct load_stats *s) {
  if (s->http_reqs == 0 || s->http_req_failed == 0) return;
  char list[1024], one[128];
  size_t off = 0;
  int causes = 0;
  list[0] = '\0';
  for (int i = 0; i < FAIL_COUNT; i++) {
    if (!s->fails[i] || off >= sizeof list) continue;
    load_fail_text(i, 0, o->timeout_ns, one, sizeof one);
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s (%llu)", off ? ", " : "", one,
                            (unsigned long long)s->fails[i]);
    causes++;
  }
  if (s->http_req_failed >= s->http_reqs) {
    if (causes == 1) {   /* the one cause without its count: the count is the total */
      char *paren = strrchr(list, '(');
      if (paren && paren > list) paren[-1] = '\0';
      fprintf(f, "WARN: no request succeeded: every one of the %llu requests failed with %s\n",
              (unsigned long long)s->http_reqs, list);
    } else {
      fprintf(f, "WARN: no request succeeded: every one of the %llu requests failed: %s\n",
              (unsigned long long)s->http_reqs, list);
    }
  } else {
    char pct[32];
    loadout_fmt_rate((double)s->http_req_failed / (double)s->http_reqs, pct, sizeof pct);
    fprintf(f, "WARN: %llu of %llu requests failed (%s): %s\n", (unsigned long long)s->http_req_failed,
            (unsigned long long)s->http_reqs, pct, list);
  }
  fflush(f);
}

/* ---------------------------------------------------------------- header */

static int64_t round100ms(int64_t ns) { return (ns + 50000000) / 100000000 * 100000000; }

void summary_print_header(FILE *f, const struct load_opts *o) {
  if (o->quiet) return;
  char a[64], b[64], c[64];
  fputs("\n"
        "   .-.  pocbench load\n"
        "  ( o )---------------------------------------\n"
        "   '-'  HTTP load, k6 semantics, C under the hood\n\n", f);
  fprintf(f, "  execution: local\n");
  fprintf(f, "     target: %s %s\n", o->method ? o->method : "GET", o->url ? o->url : "-");
  fprintf(f, "     config: %s\n", o->config_path ? o->config_path : "-");
  if (!o->out_csv && !o->out_json) {
    fprintf(f, "     output: -\n");
  } else {
    fprintf(f, "     output: ");
    if (o->out_csv) fprintf(f, "csv (%s)%s", o->out_csv, o->out_json ? ", " : "");
    if (o->out_json) fprintf(f, "json (%s)", o->out_json);
    fputc('\n', f);
  }
  fprintf(f, "      think: %s after each request, timeout %s\n",
          units_format_go_duration(o->sleep_ns, a, sizeof a), units_format_go_duration(o->timeout_ns, b, sizeof b));

  int64_t plan = 0, maxvus = 0;
  size_t ns = o->nstages;
  for (size_t i = 0; i < ns; i++) plan += o->stages[i].duration_ns;
  double per_s = 1e9 / (double)(o->time_unit_ns > 0 ? o->time_unit_ns : 1000000000);
  char desc[512], extra[160];
  units_format_go_duration(o->graceful_stop_ns, c, sizeof c);
  switch (o->executor) {
  case EXEC_CONSTANT_VUS:
    plan = o->duration_ns;
    maxvus = o->vus;
    snprintf(desc, sizeof desc, "%lld looping VUs for %s", (long long)o->vus, units_format_go_duration(plan, a, sizeof a));
    if (o->graceful_stop_ns > 0) snprintf(extra, sizeof extra, " (gracefulStop: %s)", c);
    else extra[0] = '\0';
    break;
  case EXEC_RAMPING_VUS:
    maxvus = o->start_vus;
    for (size_t i = 0; i < ns; i++) if ((int64_t)o->stages[i].target > maxvus) maxvus = (int64_t)o->stages[i].target;
    snprintf(desc, sizeof desc, "Up to %lld looping VUs for %s over %zu stages", (long long)maxvus,
             units_format_go_duration(plan, a, sizeof a), ns);
    if (o->graceful_stop_ns > 0)
      snprintf(extra, sizeof extra, " (gracefulRampDown: %s, gracefulStop: %s)",
               units_format_go_duration(o->graceful_ramp_down_ns, b, sizeof b), c);
    else
      snprintf(extra, sizeof extra, " (gracefulRampDown: %s)", units_format_go_duration(o->graceful_ramp_down_ns, b, sizeof b));
    break;
  case EXEC_CONSTANT_ARRIVAL_RATE:
  case EXEC_RAMPING_ARRIVAL_RATE: {
    maxvus = o->max_vus;
    char vus[64];
    if (o->max_vus > o->pre_allocated_vus)
      snprintf(vus, sizeof vus, "%lld-%lld", (long long)o->pre_allocated_vus, (long long)o->max_vus);
    else
      snprintf(vus, sizeof vus, "%lld", (long long)o->pre_allocated_vus);
    if (o->executor == EXEC_CONSTANT_ARRIVAL_RATE) {
      plan = o->duration_ns;
      snprintf(desc, sizeof desc, "%.2f iterations/s for %s", o->rate * per_s, units_format_go_duration(plan, a, sizeof a));
    } else {
      double mr = o->start_rate;
      for (size_t i = 0; i < ns; i++) if (o->stages[i].target > mr) mr = o->stages[i].target;
      snprintf(desc, sizeof desc, "Up to %.2f iterations/s for %s over %zu stages", mr * per_s,
               units_format_go_duration(plan, a, sizeof a), ns);
    }
    if (o->graceful_stop_ns > 0) snprintf(extra, sizeof extra, " (maxVUs: %s, gracefulStop: %s)", vus, c);
    else snprintf(extra, sizeof extra, " (maxVUs: %s)", vus);
    break;
  }
  default:
    desc[0] = extra[0] = '\0';
  }
  fprintf(f, "\n  scenarios: (100.00%%) 1 scenario, %lld max VUs, %s max duration (incl. graceful stop):\n",
          (long long)maxvus, units_format_go_duration(round100ms(plan + o->graceful_stop_ns), a, sizeof a));
  fprintf(f, "           * %s: %s%s\n\n", o->scenario ? o->scenario : "default", desc, extra);
  fflush(f);
}
