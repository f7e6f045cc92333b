/* thresholds.c: k6 threshold expressions (parse, evaluate) and the built-in metric table.
 *
 * An expression is "<aggregation> <op> <number>", split at the first occurrence of the first
 * operator found when trying <=, <, >=, >, ===, ==, != in that order (k6's rule, so "a<=b" is
 * "<=" and never "<"). The right side has no units: ms for time trends, a ratio for rates, per
 * second for a counter's rate. Which aggregations a metric accepts follows its type, and an
 * unknown metric or a selector we keep no data for is an error at parse time, before any load
 * is sent (a threshold that silently never matches would be worse than k6's behaviour).
 * Evaluation is over whole-run aggregates; an empty rate metric passes (k6 #4283 semantics).
 * The metric table lives here because thresholds, summary and export all read it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "load.h"
#include "loadout.h"

const struct metric_def loadout_metrics[] = {
  {"data_received", M_COUNTER, MC_DATA, -1},
  {"data_sent", M_COUNTER, MC_DATA, -1},
  {"dropped_iterations", M_COUNTER, MC_DEFAULT, -1},
  {"http_req_blocked", M_TREND, MC_TIME, T_HTTP_REQ_BLOCKED},
  {"http_req_connecting", M_TREND, MC_TIME, T_HTTP_REQ_CONNECTING},
  {"http_req_duration", M_TREND, MC_TIME, T_HTTP_REQ_DURATION},
  {"http_req_failed", M_RATE, MC_DEFAULT, -1},
  {"http_req_receiving", M_TREND, MC_TIME, T_HTTP_REQ_RECEIVING},
  {"http_req_sending", M_TREND, MC_TIME, T_HTTP_REQ_SENDING},
  {"http_req_tls_handshaking", M_TREND, MC_TIME, T_HTTP_REQ_TLS_HANDSHAKING},
  {"http_req_waiting", M_TREND, MC_TIME, T_HTTP_REQ_WAITING},
  {"http_reqs", M_COUNTER, MC_DEFAULT, -1},
  {"iteration_duration", M_TREND, MC_TIME, T_ITERATION_DURATION},
  {"iterations", M_COUNTER, MC_DEFAULT, -1},
  {"vus", M_GAUGE, MC_DEFAULT, -1},
  {"vus_max", M_GAUGE, MC_DEFAULT, -1},
};
const size_t loadout_nmetrics = sizeof loadout_metrics / sizeof loadout_metrics[0];

const struct metric_def *loadout_metric(const char *name, size_t len) {
  for (size_t i = 0; i < loadout_nmetrics; i++)
    if (strlen(loadout_metrics[i].name) == len && memcmp(loadout_metrics[i].name, name, len) == 0)
      return &loadout_metrics[i];
  return NULL;
}

static void trim(const char **b, const char **e, const char *chars) {
  while (*b < *e && strchr(chars, **b)) (*b)++;
  while (*e > *b && strchr(chars, (*e)[-1])) (*e)--;
}

int loadout_parse_metric(const char *text, struct metric_key *k, char **canon, char *err, size_t errlen) {
  memset(k, 0, sizeof *k);
  *canon = NULL;
  const char *b = text, *e = text + strlen(text);
  trim(&b, &e, " \t");
  const char *brace = memchr(b, '{', (size_t)(e - b));
  const char *ne = brace ? brace : e;
  const char *nb = b;
  trim(&nb, &ne, " \t");
  k->def = loadout_metric(nb, (size_t)(ne - nb));
  if (!k->def) {
    snprintf(err, errlen, "threshold on unknown metric '%.*s' (pocbench load produces: "
             "http_req_duration, http_req_failed, http_reqs, http_req_blocked, http_req_connecting, "
             "http_req_tls_handshaking, http_req_sending, http_req_waiting, http_req_receiving, "
             "iteration_duration, iterations, dropped_iterations, data_sent, data_received, vus, vus_max)",
             (int)(ne - nb), nb);
    return -EINVAL;
  }
  if (!brace) {
    *canon = strndup(nb, (size_t)(ne - nb));
    return *canon ? 0 : -ENOMEM;
  }
  if (e[-1] != '}' || e - 1 <= brace) {
    snprintf(err, errlen, "metric '%s': selector must end with '}'", text);
    return -EINVAL;
  }
  const char *sb = brace + 1, *se = e - 1;
  if (memchr(sb, '{', (size_t)(se - sb)) || memchr(sb, '}', (size_t)(se - sb))) {
    snprintf(err, errlen, "metric '%s': nested braces in selector", text);
    return -EINVAL;
  }
  if (memchr(sb, ',', (size_t)(se - sb))) {
    snprintf(err, errlen, "metric '%s': pocbench load keeps sub-metric data for one tag only "
             "({expected_response:true} on http_req_duration, or {scenario:<name>})", text);
    return -EINVAL;
  }
  const char *colon = memchr(sb, ':', (size_t)(se - sb));
  const char *kb = sb, *ke = colon ? colon : se, *vb = colon ? colon + 1 : se, *ve = se;
  trim(&kb, &ke, " \t\"'");
  trim(&vb, &ve, " \t\"'");
  size_t kl = (size_t)(ke - kb), vl = (size_t)(ve - vb);
  if (kl == 17 && memcmp(kb, "expected_response", 17) == 0 && vl == 4 && memcmp(vb, "true", 4) == 0 &&
      k->def->trend == T_HTTP_REQ_DURATION) {
    k->expected_sub = true;
  } else if (kl == 8 && memcmp(kb, "scenario", 8) == 0 && vl > 0 && vl < sizeof k->scenario) {
    memcpy(k->scenario, vb, vl);
  } else {
    snprintf(err, errlen, "metric '%s': selector not supported (pocbench load keeps sub-metric data "
             "only for http_req_duration{expected_response:true} and {scenario:<name>})", text);
    return -EINVAL;
  }
  size_t n = (size_t)(ne - nb) + kl + vl + 4;
  *canon = malloc(n);
  if (!*canon) return -ENOMEM;
  snprintf(*canon, n, "%.*s{%.*s:%.*s}", (int)(ne - nb), nb, (int)kl, kb, (int)vl, vb);
  return 0;
}

bool loadout_parse_pstat(const char *s, size_t len, double *p) {
  if (len < 4 || s[0] != 'p' || s[1] != '(' || s[len - 1] != ')') return false;
  char num[32];
  size_t nl = len - 3;
  if (nl == 0 || nl >= sizeof num) return false;
  memcpy(num, s + 2, nl);
  num[nl] = '\0';
  for (size_t i = 0; i < nl; i++)
    if (!isdigit((unsigned char)num[i]) && num[i] != '.') return false;
  char *end;
  double v = strtod(num, &end);
  if (*end || !(v >= 0 && v <= 100)) return false;
  *p = v;
  return true;
}

int threshold_parse(const char *metric, const char *expr, struct threshold *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  struct metric_key k;
  char *canon;
  int rc = loadout_parse_metric(metric, &k, &canon, err, errlen);
  if (rc) return rc;
  static const struct { const char *s; enum th_op op; } ops[] = {
    {"<=", TH_LE}, {"<", TH_LT}, {">=", TH_GE}, {">", TH_GT}, {"===", TH_EQ}, {"==", TH_EQ}, {"!=", TH_NE},
  };
  const char *at = NULL;
  size_t oplen = 0;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !at; i++) {
    at = strstr(expr, ops[i].s);
    if (at) { out->op = ops[i].op; oplen = strlen(ops[i].s); }
  }
  if (!at) {
    snprintf(err, errlen, "threshold '%s' on %s: no comparison operator (<, <=, >, >=, ==, ===, !=)", expr, canon);
    goto bad;
  }
  const char *lb = expr, *le = at, *rb = at + oplen, *re = expr + strlen(expr);
  trim(&lb, &le, " \t\r\n");
  trim(&rb, &re, " \t\r\n");
  size_t ll = (size_t)(le - lb);
  if (rb == re) {
    snprintf(err, errlen, "threshold '%s' on %s: missing number after the operator", expr, canon);
    goto bad;
  }
  {
    char num[64];
    if ((size_t)(re - rb) >= sizeof num) goto badnum;
    memcpy(num, rb, (size_t)(re - rb));
    num[re - rb] = '\0';
    for (char *c = num; *c; c++)  /* decimal float only: no hex, inf or nan */
      if (!isdigit((unsigned char)*c) && !strchr("+-.eE", *c)) goto badnum;
    char *end;
    out->rhs = strtod(num, &end);
    if (*end || end == num || !isfinite(out->rhs)) goto badnum;
  }
  {
    static const struct { const char *s; enum th_agg a; unsigned types; } aggs[] = {
      {"avg", TH_AVG, 1u << M_TREND}, {"min", TH_MIN, 1u << M_TREND}, {"max", TH_MAX, 1u << M_TREND},
      {"med", TH_MED, 1u << M_TREND}, {"count", TH_COUNT, 1u << M_COUNTER},
      {"rate", TH_RATE, (1u << M_COUNTER) | (1u << M_RATE)}, {"value", TH_VALUE, 1u << M_GAUGE},
    };
    static const char *allowed[] = {
      [M_COUNTER] = "count, rate", [M_GAUGE] = "value", [M_RATE] = "rate",
      [M_TREND] = "avg, min, max, med, p(N) with 0 <= N <= 100",
    };
    static const char *tname[] = {[M_COUNTER] = "counter", [M_GAUGE] = "gauge", [M_RATE] = "rate", [M_TREND] = "trend"};
    bool ok = false;
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++) {
      if (strlen(aggs[i].s) == ll && memcmp(aggs[i].s, lb, ll) == 0) {
        out->agg = aggs[i].a;
        ok = (aggs[i].types >> k.def->type) & 1u;
        break;
      }
    }
    if (!ok && k.def->type == M_TREND && loadout_parse_pstat(lb, ll, &out->p)) {
      out->agg = TH_P;
      ok = true;
    }
    if (!ok) {
      snprintf(err, errlen, "threshold '%s' on %s: '%.*s' is not an aggregation of a %s metric (allowed: %s)",
               expr, canon, (int)ll, lb, tname[k.def->type], allowed[k.def->type]);
      goto bad;
    }
  }
  out->metric = canon;
  out->source = strdup(expr);
  if (!out->source) { free(canon); out->metric = NULL; return -ENOMEM; }
  return 0;
badnum:
  snprintf(err, errlen, "threshold '%s' on %s: right side is not a plain number", expr, canon);
bad:
  free(canon);
  return -EINVAL;
}

double loadout_run_seconds(const struct load_stats *s) {
  return s->run_duration_ns > 0 ? (double)s->run_duration_ns / 1e9 : 0;
}

void loadout_values(const struct metric_key *k, const struct load_stats *s, struct metric_values *v) {
  memset(v, 0, sizeof *v);
  const struct metric_def *d = k->def;
  double secs = loadout_run_seconds(s);
  if (d->type == M_TREND) {
    int t = k->expected_sub ? T_HTTP_REQ_DURATION_EXPECTED : d->trend;
    v->h = s->trend[t];
    v->observed = v->h && hist_count(v->h) > 0;
    return;
  }
  if (d->type == M_COUNTER) {
    uint64_t c = 0;
    bool seen = false;
    if (!strcmp(d->name, "http_reqs")) { c = s->http_reqs; seen = c > 0; }
    else if (!strcmp(d->name, "iterations")) { c = s->iterations; seen = c > 0; }
    else if (!strcmp(d->name, "dropped_iterations")) { c = s->dropped_iterations; seen = c > 0; }
    else if (!strcmp(d->name, "data_sent")) { c = s->data_sent; seen = c > 0 || s->http_reqs > 0; }
    else if (!strcmp(d->name, "data_received")) { c = s->data_received; seen = c > 0 || s->http_reqs > 0; }
    v->count = (double)c;
    v->rate = secs > 0 ? (double)c / secs : 0;
    v->observed = seen;
    return;
  }
  if (d->type == M_GAUGE) {
    if (!strcmp(d->name, "vus")) {
      v->value = (double)s->vus;
      v->min = (double)s->vus_min;
      v->max = (double)s->vus_max;
    } else {
      v->value = v->min = v->max = (double)s->vus_max_value;
    }
    v->observed = s->run_duration_ns > 0 || s->http_reqs > 0 || s->vus_max_value > 0;
    return;
  }
  /* M_RATE: http_req_failed, one sample per round trip, 1 = failed */
  v->passes = s->http_req_failed;
  v->fails = s->http_reqs >= s->http_req_failed ? s->http_reqs - s->http_req_failed : 0;
  v->value = s->http_reqs ? (double)s->http_req_failed / (double)s->http_reqs : 0;
  v->observed = s->http_reqs > 0;
}

int loadout_trend_stat(const struct hist *h, const char *stat, double *out) {
  double p;
  size_t n = strlen(stat);
  bool empty = !h || hist_count(h) == 0;
  if (!strcmp(stat, "avg")) *out = empty ? 0 : hist_mean(h) / 1e6;
  else if (!strcmp(stat, "min")) *out = empty ? 0 : (double)hist_min(h) / 1e6;
  else if (!strcmp(stat, "max")) *out = empty ? 0 : (double)hist_max(h) / 1e6;
  else if (!strcmp(stat, "med")) *out = empty ? 0 : hist_percentile(h, 50) / 1e6;
  else if (!strcmp(stat, "count")) *out = empty ? 0 : (double)hist_count(h);
  else if (loadout_parse_pstat(stat, n, &p)) *out = empty ? 0 : hist_percentile(h, p) / 1e6;
  else return -EINVAL;
  return 0;
}

static bool compare(double lhs, enum th_op op, double rhs) {
  switch (op) {
  case TH_LT: return lhs < rhs;
  case TH_LE: return lhs <= rhs;
  case TH_GT: return lhs > rhs;
  case TH_GE: return lhs >= rhs;
  case TH_EQ: return lhs == rhs;
  case TH_NE: return lhs != rhs;
  }
  return false;
}

size_t thresholds_eval(struct load_opts *o, const struct load_stats *s) {
  size_t failed = 0;
  for (size_t i = 0; i < o->nthresholds; i++) {
    struct threshold *t = &o->thresholds[i];
    t->failed = false;
    if (o->no_thresholds) continue;
    struct metric_key k;
    char *canon, err[256];
    if (loadout_parse_metric(t->metric, &k, &canon, err, sizeof err) != 0) {
      t->failed = true;   /* cannot happen after threshold_parse; fail loudly rather than pass */
      failed++;
      continue;
    }
    free(canon);
    struct metric_values v;
    loadout_values(&k, s, &v);
    double lhs = 0;
    switch (t->agg) {
    case TH_AVG: loadout_trend_stat(v.h, "avg", &lhs); break;
    case TH_MIN: loadout_trend_stat(v.h, "min", &lhs); break;
    case TH_MAX: loadout_trend_stat(v.h, "max", &lhs); break;
    case TH_MED: loadout_trend_stat(v.h, "med", &lhs); break;
    case TH_P: lhs = (v.h && hist_count(v.h)) ? hist_percentile(v.h, t->p) / 1e6 : 0; break;
    case TH_COUNT: lhs = v.count; break;
    case TH_VALUE: lhs = v.value; break;
    case TH_RATE:
      if (k.def->type == M_RATE) {
        if (!v.observed) continue;     /* an empty rate metric passes */
        lhs = v.value;
      } else {
        lhs = v.rate;
      }
      break;
    }
    if (!compare(lhs, t->op, t->rhs)) {
      t->failed = true;
      failed++;
    }
  }
  return failed;
}
