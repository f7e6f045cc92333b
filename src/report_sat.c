/* report_sat.c: is a scenario saturated? Decided from the measurements, not from thresholds.
 *
 * The study's profiles are closed models: each VU sends a request, waits for the answer, thinks
 * (the profile's sleep), and sends the next. A service that keeps up serves about
 * VUs / (think + unloaded latency) requests per second; one that cannot queues the VUs inside
 * itself, so its latency grows with the VUs while its requests/s stop rising. Thresholds like
 * p(90) < 2 s say nothing about that (a 1 s p99 passes them), so the report looks at:
 *   A. achieved / offered: requests/s served against what the closed model offers (per second of
 *      the series, VUs / (think + unloaded latency), summed; unloaded latency = the lowest
 *      per-second p50 of any contender on the endpoint) - the primary evidence. The offer is
 *      one figure per test and endpoint, the median of the contenders' (each series samples
 *      the same VU ramp, a second apart at random), so every share printed is this
 *      contender's requests/s over the one offer printed for the scenario;
 *   B. the share of CFS periods throttled (the CPU limit was binding);
 *   C. a requests/s plateau during the ramp-up while the VUs kept rising;
 *   D. per-second p90 at the peak VUs against p90 at a quarter of them;
 *   E. requests/s against the best other contender on the same test and endpoint.
 * Saturated when A is below 0.6, or when A is below 0.85 (or unknown) and two of B-E agree.
 * A single criterion is rejected: a throttled service can still keep up, and a slow endpoint
 * (/io) has a low ceiling without being saturated, which A accounts for through its latency. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define SHARE_SATURATED 0.6    /* below: saturated on this evidence alone */
#define SHARE_KEPT_UP   0.85   /* at or above: kept up, whatever else says */
#define THROTTLED_HIGH  0.5
#define P90_GROWTH      4.0
#define PEER_BEHIND     0.6

static double median_of(double *v, size_t k) { return rep_aggregate(v, k).med; }

/* Median of col over seconds [0, upto) whose VUs lie in [lo, hi] (NaN values skipped). */
static double col_between(const struct rep_series *s, const double *col, size_t upto, double lo, double hi) {
  double *v = malloc((s->n + 1) * sizeof *v);
  if (!v) abort();
  size_t k = 0;
  for (size_t i = 0; i < s->n && i < upto; i++)
    if (s->vus[i] >= lo && s->vus[i] <= hi && !isnan(col[i])) v[k++] = col[i];
  double m = median_of(v, k);
  free(v);
  return m;
}

/* C: the first ramp-up second whose requests reached 85 % of the ramp's highest, and whether
 * the VUs at least doubled after it. */
static void plateau(const struct rep_series *s, struct rep_sat *o) {
  size_t peak = 0;
  for (size_t i = 0; i < s->n; i++) if (!isnan(s->vus[i]) && (isnan(s->vus[peak]) || s->vus[i] > s->vus[peak])) peak = i;
  if (s->n < 4 || isnan(s->vus[peak])) return;
  double maxr = NAN;
  for (size_t i = 0; i <= peak; i++) if (!isnan(s->reqs[i]) && (isnan(maxr) || s->reqs[i] > maxr)) maxr = s->reqs[i];
  if (isnan(maxr) || maxr <= 0) return;
  size_t from = peak;
  for (size_t i = 0; i <= peak; i++) if (!isnan(s->reqs[i]) && s->reqs[i] >= 0.85 * maxr) { from = i; break; }
  double *v = malloc((peak - from + 1) * sizeof *v);
  if (!v) abort();
  size_t k = 0;
  for (size_t i = from; i <= peak; i++) if (!isnan(s->reqs[i])) v[k++] = s->reqs[i];
  o->plateau_t = s->t[from];
  o->plateau_rps = median_of(v, k);
  o->plateau_vus_from = s->vus[from];
  o->plateau_vus_to = s->vus[peak];
  free(v);
  o->flat = peak >= from + 2 && s->vus[from] > 0 && s->vus[peak] >= 2 * s->vus[from];
}

/* One contender's closed-model offer in requests/s (the units of http_reqs.rate, count / run
 * duration): its requests/s scaled by offered / served over its first run's series, each
 * second offering VUs / (think + base_ms). NAN without a series, think time or requests. */
static double own_offer(const struct rep_cell *x, double base_ms) {
  if (!x->nruns || !x->agg[F_RPS].n || !x->agg[F_THINK_MS].n || isnan(base_ms)) return NAN;
  double think = x->agg[F_THINK_MS].med, offered = 0, served = 0;
  const struct rep_series *s = &x->runs[0].series;
  if (think + base_ms <= 0) return NAN;
  for (size_t i = 0; i < s->n; i++) {
    if (isnan(s->vus[i]) || isnan(s->reqs[i])) continue;
    offered += s->vus[i] / ((think + base_ms) / 1000.0);
    served += s->reqs[i];
  }
  return offered > 0 && served > 0 ? x->agg[F_RPS].med * offered / served : NAN;
}

int rep_saturation(const struct rep_data *d, const struct rep_cell *c, struct rep_sat *o) {
  memset(o, 0, sizeof *o);
  o->think_ms = o->base_ms = o->offered_rps = o->share = o->throttled = NAN;
  o->plateau_t = o->plateau_rps = o->plateau_vus_from = o->plateau_vus_to = NAN;
  o->p90_lo = o->p90_hi = o->peer_rps = NAN;
  if (!c || !c->nruns || !(c->agg[F_RPS].n > 0)) return -1;
  o->rps = c->agg[F_RPS].med;
  o->throttled = c->agg[F_THROTTLED].n ? c->agg[F_THROTTLED].med : NAN;
  o->think_ms = c->agg[F_THINK_MS].n ? c->agg[F_THINK_MS].med : NAN;
  const struct rep_series *s = &c->runs[0].series;
  if (s->n) {
    /* A: the closed model's offer, second by second. The unloaded latency is the lowest
     * per-second p50 of any contender on this test and endpoint: a service saturated from its
     * first second never shows its own, and the offer should not depend on who answers it. */
    for (size_t k = 0; k < d->ncells; k++) {
      const struct rep_cell *x = &d->cells[k];
      if (strcmp(x->test, c->test) || strcmp(x->endpoint, c->endpoint) || !x->nruns) continue;
      const struct rep_series *xs = &x->runs[0].series;
      for (size_t i = 0; i < xs->n; i++)
        if (!isnan(xs->p50[i]) && xs->reqs[i] > 0 && (isnan(o->base_ms) || xs->p50[i] < o->base_ms)) o->base_ms = xs->p50[i];
    }
    double v[64];
    size_t k = 0;
    for (size_t i = 0; i < d->ncells && k < 64; i++) {
      const struct rep_cell *x = &d->cells[i];
      if (strcmp(x->test, c->test) || strcmp(x->endpoint, c->endpoint)) continue;
      double off = own_offer(x, o->base_ms);
      if (!isnan(off)) v[k++] = off;
    }
    o->offered_rps = median_of(v, k);
    if (!isnan(o->offered_rps) && o->offered_rps > 0) o->share = o->rps / o->offered_rps;
    plateau(s, o);
    /* D: low-VU seconds of the ramp-up only: on the ramp-down a saturated service is still
     * draining its queue, and those seconds would say nothing about low concurrency */
    double pk = NAN;
    size_t ipk = 0;
    for (size_t i = 0; i < s->n; i++) if (!isnan(s->vus[i]) && (isnan(pk) || s->vus[i] > pk)) { pk = s->vus[i]; ipk = i; }
    if (!isnan(pk) && pk > 0) {
      o->p90_lo = col_between(s, s->p90, ipk, 1, fmax(1, pk / 4));
      o->p90_hi = col_between(s, s->p90, s->n, 0.9 * pk, pk);
    }
  }
  for (size_t i = 0; i < d->ncells; i++) {
    const struct rep_cell *x = &d->cells[i];
    if (x == c || strcmp(x->test, c->test) || strcmp(x->endpoint, c->endpoint) || !x->agg[F_RPS].n) continue;
    if (isnan(o->peer_rps) || x->agg[F_RPS].med > o->peer_rps) { o->peer_rps = x->agg[F_RPS].med; o->peer = x->service; }
  }
  o->ev_throttled = !isnan(o->throttled) && o->throttled >= THROTTLED_HIGH;
  o->ev_latency = !isnan(o->p90_lo) && !isnan(o->p90_hi) && o->p90_lo > 0 && o->p90_hi >= P90_GROWTH * o->p90_lo;
  o->ev_peer = !isnan(o->peer_rps) && o->rps < PEER_BEHIND * o->peer_rps;
  int n = o->ev_throttled + o->flat + o->ev_latency + o->ev_peer;
  if (!isnan(o->share) && o->share < SHARE_SATURATED) o->saturated = true;
  else if ((isnan(o->share) || o->share < SHARE_KEPT_UP) && n >= 2) o->saturated = true;
  o->capped = !isnan(o->share) && o->share >= SHARE_KEPT_UP;
  return 0;
}
