/* capacity_search.c: verdicts, the rate search and the knee (see capacity_search.h).
 *
 * The search steps up by a fixed factor (2 by default) because capacities of the contenders
 * span three orders of magnitude (FastAPI /cpu at tens of requests per second, C /health at
 * thousands): a linear ramp would either take an hour or skip the interesting region. Once a
 * pass and a fail bracket the capacity, bisection halves the bracket per step, so 4 steps
 * after a factor-2 bracket leave at most 6.25 % of the passing rate. Rejected: a continuous
 * ramp (ramping-arrival-rate) read off at the moment p99 crosses the SLO; latency lags the
 * rate (queues take time to build), so a ramp overestimates capacity unless it is very slow,
 * and it gives no steady-state point to record.
 *
 * "Generator-limited" exists so that a search never reports the generator's ceiling as the
 * service's capacity: such a step ends the search, and the capacity found below it is reported
 * as a lower bound. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "capacity_search.h"

#define GEN_CPU_LIMIT 0.90       /* share of the CPU the generator can use */
#define LATE_LIMIT 0.01          /* arrivals started > 10 ms late */
#define DROP_LIMIT 0.01          /* arrivals dropped for want of a free VU */
#define QUOTA_SATURATED 0.85     /* service CPU / quota */
#define SUSTAINED 0.90           /* achieved / offered below this fails the step */

void cap_step_init(struct cap_step *s) {
  memset(s, 0, sizeof *s);
  double *nan_fields[] = {
    &s->requests, &s->failed, &s->dropped, &s->achieved_rps, &s->failure_rate, &s->p50_ms,
    &s->p90_ms, &s->p99_ms, &s->max_ms, &s->p50_unc_ms, &s->p90_unc_ms, &s->p99_unc_ms,
    &s->gen_cpu_avail, &s->gen_cpu_share, &s->gen_cpu_peak, &s->rate_missed, &s->late_fraction,
    &s->gen_throttled_share, &s->cpu_cores, &s->cpu_cores_peak, &s->quota_cores,
    &s->throttled_share, &s->nr_periods, &s->nr_throttled, &s->throttled_seconds,
    &s->memory_peak_bytes,
  };
  for (size_t i = 0; i < sizeof nan_fields / sizeof nan_fields[0]; i++) *nan_fields[i] = NAN;
  snprintf(s->status, sizeof s->status, "ok");
}

static bool gt(double v, double limit) { return !isnan(v) && v > limit; }

void cap_judge(struct cap_step *s, const struct cap_slo *slo) {
  s->pass = false;
  s->gen_limited = false;
  s->service_saturated = false;
  s->reason[0] = '\0';
  bool open = s->offered_rps > 0;

  double intended = (isnan(s->requests) ? 0 : s->requests) + (isnan(s->dropped) ? 0 : s->dropped);
  double drop_share = intended > 0 && !isnan(s->dropped) ? s->dropped / intended : 0;
  if (!isnan(s->quota_cores) && s->quota_cores > 0 && gt(s->cpu_cores, QUOTA_SATURATED * s->quota_cores))
    s->service_saturated = true;
  /* every allowed VU stuck waiting, or slow even timed from the actual send: the service's queue */
  if (open && (drop_share > DROP_LIMIT || gt(s->p99_unc_ms, slo->p99_ms))) s->service_saturated = true;

  char why[256] = "";
  if (strcmp(s->status, "ok"))
    snprintf(why, sizeof why, "service %s", s->status);
  else if (isnan(s->requests) || intended <= 0)
    snprintf(why, sizeof why, "no request completed");
  else if (gt(s->failure_rate, slo->max_failure_rate))
    snprintf(why, sizeof why, "failures %.2f%% >= %.2f%%", 100 * s->failure_rate, 100 * slo->max_failure_rate);
  else if (open && (isnan(s->p99_ms) || s->p99_ms > slo->p99_ms))
    snprintf(why, sizeof why, "p99 %.1f ms > SLO %.0f ms", s->p99_ms, slo->p99_ms);
  else if (open && !isnan(s->achieved_rps) && s->achieved_rps < SUSTAINED * s->offered_rps)
    snprintf(why, sizeof why, "achieved %.0f of %.0f req/s", s->achieved_rps, s->offered_rps);
  s->pass = !why[0];
  snprintf(s->reason, sizeof s->reason, "%s", s->pass ? "meets the SLO" : why);

  /* The generator is to blame only for what went wrong: a passing step stays a pass even if some
   * arrivals were late (the corrected latency already charged the lateness to the service). A
   * crash or OOM kill is the service's own. */
  if (strcmp(s->status, "ok")) return;
  if (gt(s->gen_cpu_share, GEN_CPU_LIMIT) && (!s->pass || !open)) {
    s->gen_limited = true;
    snprintf(s->reason, sizeof s->reason, "generator-limited (%s): it used %.0f%% of the %.2f cores it "
             "could use (%d thread%s%s)", why[0] ? why : "closed model", 100 * s->gen_cpu_share,
             s->gen_cpu_avail, s->gen_threads, s->gen_threads == 1 ? "" : "s",
             s->gen_cpu_avail < s->gen_threads ? ", its own CPU quota" : "");
  } else if (open && !s->pass && gt(s->late_fraction, LATE_LIMIT) && !s->service_saturated) {
    s->gen_limited = true;
    snprintf(s->reason, sizeof s->reason, "generator-limited (%s): %.1f%% of arrivals started late while "
             "the service was not saturated%s", why, 100 * s->late_fraction,
             gt(s->gen_throttled_share, 0.1) ? "; the generator's own CPU quota throttled it" : "");
  }
}

const char *cap_limit_name(enum cap_limit l) {
  switch (l) {
  case CAP_LIMIT_SLO: return "slo";
  case CAP_LIMIT_GENERATOR: return "generator";
  case CAP_LIMIT_MAX_RATE: return "max_rate";
  case CAP_LIMIT_MIN_RATE: return "min_rate";
  case CAP_LIMIT_ERROR: return "error";
  case CAP_LIMIT_NONE: break;
  }
  return "none";
}

/* Rates are whole requests per second from 10 up: easier to read and to repeat by hand. */
static double tidy(double r) { return r >= 10 ? round(r) : round(r * 100) / 100; }

void cap_search_init(struct cap_search *c, double start_rps, double max_rps, double factor,
                     int bisect_steps) {
  memset(c, 0, sizeof *c);
  c->factor = factor > 1 ? factor : 2;
  c->max_rps = max_rps > 0 ? max_rps : 1e9;
  c->start_rps = tidy(fmin(start_rps > 0 ? start_rps : 50, c->max_rps));
  c->min_rps = fmin(1, c->start_rps);
  c->bisect_left = bisect_steps > 0 ? bisect_steps : 0;
  c->next = c->start_rps;
  c->phase = CS_UP;
  c->limit = CAP_LIMIT_NONE;
}

const char *cap_search_phase(const struct cap_search *c) {
  return c->phase == CS_UP ? "up" : c->phase == CS_DOWN ? "down" : "bisect";
}

static void finish(struct cap_search *c, enum cap_limit l) {
  c->done = true;
  c->limit = l;
}

/* Next bisection point, or the end when the bracket is narrow or the budget spent. */
static void bisect_next(struct cap_search *c) {
  if (c->bisect_left <= 0 || c->hi - c->lo <= fmax(c->lo * 0.02, 0.01)) {
    finish(c, CAP_LIMIT_SLO);
    return;
  }
  double mid = tidy((c->lo + c->hi) / 2);
  if (mid <= c->lo || mid >= c->hi) { finish(c, CAP_LIMIT_SLO); return; }
  c->bisect_left--;
  c->next = mid;
}

void cap_search_feed(struct cap_search *c, bool pass, bool gen_limited) {
  if (c->done) return;
  c->steps++;
  double r = c->next;
  if (gen_limited) { finish(c, CAP_LIMIT_GENERATOR); return; }
  switch (c->phase) {
  case CS_UP:
    if (pass) {
      c->lo = r;
      if (r >= c->max_rps) { finish(c, CAP_LIMIT_MAX_RATE); return; }
      c->next = tidy(fmin(r * c->factor, c->max_rps));
      return;
    }
    c->hi = r;
    if (c->lo > 0) { c->phase = CS_BISECT; bisect_next(c); return; }
    c->phase = CS_DOWN;
    /* fall through: the first step failed, go down */
    if (r / c->factor < c->min_rps) { finish(c, CAP_LIMIT_MIN_RATE); return; }
    c->next = tidy(r / c->factor);
    return;
  case CS_DOWN:
    if (pass) { c->lo = r; c->phase = CS_BISECT; bisect_next(c); return; }
    c->hi = r;
    if (r / c->factor < c->min_rps) { finish(c, CAP_LIMIT_MIN_RATE); return; }
    c->next = tidy(r / c->factor);
    return;
  case CS_BISECT:
    if (pass) c->lo = r; else c->hi = r;
    bisect_next(c);
    return;
  }
}

double cap_search_capacity(const struct cap_search *c) { return c->lo; }

double cap_mark(struct cap_step *steps, size_t n, double capacity_rps, const struct cap_slo *slo) {
  double base = INFINITY;
  for (size_t i = 0; i < n; i++) {
    steps[i].knee = steps[i].capacity = false;
    if (steps[i].offered_rps > 0 && !steps[i].gen_limited &&
        !strcmp(steps[i].status, "ok") && !isnan(steps[i].p99_ms) && steps[i].p99_ms < base)
      base = steps[i].p99_ms;
  }
  for (size_t i = 0; i < n; i++)
    if (capacity_rps > 0 && steps[i].pass && steps[i].offered_rps == capacity_rps) steps[i].capacity = true;
  if (!isfinite(base)) return 0;
  double limit = fmax(2 * base, base + slo->p99_ms / 10);
  /* the highest passing rate still close to the best latency seen; a noisy low step (a cold
   * connection, a neighbour's burst) must not hide the knee, so no "every step below" rule */
  double knee = 0;
  size_t knee_i = n;
  for (size_t i = 0; i < n; i++) {
    const struct cap_step *s = &steps[i];
    bool flat = s->pass && !s->gen_limited && !isnan(s->p99_ms) && s->p99_ms <= limit &&
                !isnan(s->achieved_rps) && s->achieved_rps >= 0.95 * s->offered_rps;
    if (flat && s->offered_rps > knee) { knee = s->offered_rps; knee_i = i; }
  }
  if (knee_i < n) steps[knee_i].knee = true;
  return knee;
}
