/* schedule.c: executor schedules as pure functions of the options and a time.
 *
 * ramping-vus follows k6's integer step formulas (semantics doc 1.3): within a stage from F to T
 * VUs over D starting at S, a ramp-up starts VU k at S + D - floor(D*(T-k)/(T-F)) and a ramp-down
 * lowers the level to v at S + floor(D*(F-v)/(F-T)). The level at t is found by binary search
 * over those step times rather than by a closed form of the line, so the steps the engine acts
 * on are exactly the ones the formulas name (a closed form differs by one ns where the division
 * is inexact). Products use 128-bit integers: D (ns) times a VU count overflows int64 at hours.
 * Every engine thread calls these independently; nothing here is stateful except the arrival
 * cursor, which each thread owns. */
#include <math.h>
#include "schedule.h"

struct vstage { int64_t s, d, f, t; };

static int64_t start_level(const struct load_opts *o) {
  return o->executor == EXEC_CONSTANT_VUS ? o->vus : o->start_vus;
}
static size_t nstages(const struct load_opts *o) {
  return o->executor == EXEC_CONSTANT_VUS ? 1 : o->nstages;
}
static void stage_at(const struct load_opts *o, size_t i, int64_t s, int64_t f, struct vstage *v) {
  v->s = s;
  v->f = f;
  if (o->executor == EXEC_CONSTANT_VUS) {
    v->d = o->duration_ns;
    v->t = o->vus;
  } else {
    v->d = o->stages[i].duration_ns;
    v->t = (int64_t)llround(o->stages[i].target);
  }
}

/* Time of the i-th step (1-based) of a stage with D > 0 and T != F. */
static int64_t step_time(const struct vstage *v, int64_t i) {
  __int128 d = v->d;
  if (v->t > v->f) {
    int64_t k = v->f + i;
    return v->s + v->d - (int64_t)(d * (v->t - k) / (v->t - v->f));
  }
  return v->s + (int64_t)(d * i / (v->f - v->t));
}

/* Number of steps of the stage whose time is <= t (step times grow with their index). */
static int64_t steps_upto(const struct vstage *v, int64_t t) {
  int64_t n = v->t > v->f ? v->t - v->f : v->f - v->t;
  int64_t lo = 0, hi = n;   /* invariant: steps 1..lo are <= t, steps hi+1..n are > t */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (step_time(v, mid) <= t) lo = mid; else hi = mid - 1;
  }
  return lo;
}

int64_t sched_vus_at(const struct load_opts *o, int64_t t) {
  int64_t level = start_level(o), s = 0;
  for (size_t i = 0; i < nstages(o); i++) {
    struct vstage v;
    stage_at(o, i, s, level, &v);
    if (t < v.s) break;
    if (v.d == 0) { level = v.t; continue; }
    if (t >= v.s + v.d) { level = v.t; s += v.d; continue; }
    if (v.t == v.f) return level;
    int64_t k = steps_upto(&v, t);
    return v.t > v.f ? v.f + k : v.f - k;
  }
  return level;
}

int64_t sched_vus_next(const struct load_opts *o, int64_t t) {
  int64_t level = start_level(o), s = 0;
  for (size_t i = 0; i < nstages(o); i++) {
    struct vstage v;
    stage_at(o, i, s, level, &v);
    if (v.d == 0) {
      if (v.s > t && v.t != v.f) return v.s;
    } else if (v.t != v.f && v.s + v.d > t) {
      int64_t n = v.t > v.f ? v.t - v.f : v.f - v.t;
      int64_t k = steps_upto(&v, t);
      if (k < n) return step_time(&v, k + 1);
    }
    level = v.t;
    s += v.d;
  }
  return INT64_MAX;
}

int64_t sched_vus_peak(const struct load_opts *o) {
  int64_t peak = start_level(o);
  for (size_t i = 0; i < nstages(o); i++) {
    int64_t t = o->executor == EXEC_CONSTANT_VUS ? o->vus : (int64_t)llround(o->stages[i].target);
    if (t > peak) peak = t;
  }
  return peak;
}

bool sched_is_arrival(const struct load_opts *o) {
  return o->executor == EXEC_CONSTANT_ARRIVAL_RATE || o->executor == EXEC_RAMPING_ARRIVAL_RATE;
}

int64_t sched_end_ns(const struct load_opts *o) {
  if (o->executor == EXEC_CONSTANT_VUS || o->executor == EXEC_CONSTANT_ARRIVAL_RATE)
    return o->duration_ns;
  int64_t s = 0;
  for (size_t i = 0; i < o->nstages; i++)   /* saturating: --scale can make each INT64_MAX */
    s = o->stages[i].duration_ns > INT64_MAX - s ? INT64_MAX : s + o->stages[i].duration_ns;
  return s;
}

/* ------------------------------------------------------------------ arrival rate */

void arrival_init(struct arrival_cursor *c, const struct load_opts *o) {
  c->o = o;
  c->stage = 0;
  c->stage_start = 0;
  c->cum = 0;
  c->r0 = (long double)o->start_rate / (long double)o->time_unit_ns;
}

int64_t arrival_due(struct arrival_cursor *c, uint64_t n) {
  const struct load_opts *o = c->o;
  if (n == 0) return -1;
  if (o->executor == EXEC_CONSTANT_ARRIVAL_RATE) {
    if (o->rate <= 0) return -1;
    long double due = (long double)(n - 1) * (long double)o->time_unit_ns / (long double)o->rate;
    if (due >= (long double)o->duration_ns) return -1;
    return (int64_t)due;
  }
  long double want = (long double)n;
  while (c->stage < o->nstages) {
    long double d = (long double)o->stages[c->stage].duration_ns;
    long double r1 = (long double)o->stages[c->stage].target / (long double)o->time_unit_ns;
    long double area = d > 0 ? (c->r0 + r1) * d / 2 : 0;
    if (d > 0 && c->cum + area >= want) {
      /* Solve cum + r0 x + (r1-r0) x^2 / (2d) = want for x in [0, d]; the form 2c/(b+sqrt(..))
       * stays accurate when the quadratic term vanishes and when r0 is zero. */
      long double a = (r1 - c->r0) / (2 * d), b = c->r0, rest = want - c->cum;
      long double disc = b * b + 4 * a * rest;
      if (disc < 0) disc = 0;
      long double den = b + sqrtl(disc);
      long double x = den > 0 ? 2 * rest / den : d;
      if (x > d) x = d;
      int64_t t = c->stage_start + (int64_t)x;
      return t >= sched_end_ns(o) ? -1 : t;
    }
    c->cum += area;
    c->stage_start += o->stages[c->stage].duration_ns;
    c->r0 = r1;
    c->stage++;
  }
  return -1;
}

uint64_t arrival_total(const struct load_opts *o) {
  long double total;
  if (o->executor == EXEC_CONSTANT_ARRIVAL_RATE) {
    if (o->rate <= 0 || o->time_unit_ns <= 0) return 0;
    total = (long double)o->duration_ns * (long double)o->rate / (long double)o->time_unit_ns;
    uint64_t n = (uint64_t)ceill(total);
    struct arrival_cursor c;
    arrival_init(&c, o);
    while (n > 0 && arrival_due(&c, n) < 0) n--;      /* boundary rounding */
    while (arrival_due(&c, n + 1) >= 0) n++;
    return n;
  }
  long double r0 = (long double)o->start_rate, area = 0;
  for (size_t i = 0; i < o->nstages; i++) {
    long double r1 = o->stages[i].target;
    area += (r0 + r1) * (long double)o->stages[i].duration_ns / 2;
    r0 = r1;
  }
  if (o->time_unit_ns <= 0) return 0;
  total = area / (long double)o->time_unit_ns;
  uint64_t n = total > 0 ? (uint64_t)ceill(total) : 0;
  return n > 0 ? n - 1 : 0;
}
