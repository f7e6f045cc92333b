/* capacity_search.h: the pure part of `pocbench capacity`: what one measured step says (pass,
 * fail, or "the generator was the limit"), the step-up-then-bisect search over arrival rates,
 * and the knee of the measured curve. No I/O, no globals: everything here is unit-tested with
 * made-up steps (tests/c/test_capacity.c). Owner: capacity work.
 * Units: rates in requests per second, latencies in ms, shares as fractions (0.25 = 25 %).
 * NaN means "not measured" wherever a double may be unknown. */
#ifndef CAPACITY_SEARCH_H
#define CAPACITY_SEARCH_H
#include <stdbool.h>
#include <stddef.h>

/* The service-level objective a step must meet. */
struct cap_slo {
  double p99_ms;             /* coordinated-omission-corrected p99 must stay below (default 100) */
  double max_failure_rate;   /* failures (incl. dropped iterations) must stay below (default 0.01) */
};

/* One measured step: a constant arrival rate (capacity) or a connection count (sweep). */
struct cap_step {
  int index;                 /* 1-based, in the order run */
  char phase[8];             /* "up", "down", "bisect", "sweep" */
  double offered_rps;        /* arrival rate asked for; 0 for a closed-model step */
  int vus;                   /* closed model: connections; open model: max VUs allowed */
  double seconds;            /* the step's nominal length (rates are per this) */
  char status[16];           /* "ok", "crashed", "oom_killed", "error" (the measurement itself) */
  char note[512];            /* why status is not ok, or what was missing */

  /* client side, from the generator's summary export */
  double requests;           /* round trips, failed ones included */
  double failed;             /* non-2xx/3xx and transport errors */
  double dropped;            /* arrival-rate iterations never started (no free VU) */
  double achieved_rps;       /* successful responses per second of the step */
  double failure_rate;       /* (failed + dropped) / (requests + dropped) */
  double p50_ms, p90_ms, p99_ms, max_ms;       /* corrected (from intended start) */
  double p50_unc_ms, p90_unc_ms, p99_unc_ms;   /* uncorrected (from actual send) */
  bool corrected;            /* false: the export had no corrected trend; p*_ms = uncorrected */

  /* the generator itself */
  int gen_threads;
  double gen_cpu_avail;      /* cores it could use: its threads, or its own quota when smaller */
  double gen_cpu_share;      /* its CPU (wait4 user+sys) / wall time / gen_cpu_avail: 1 = all of it */
  double gen_cpu_peak;       /* highest 1-s CPU the generator reported itself / gen_cpu_avail, NaN */
  double rate_missed;        /* 1 - started on time / intended (export), NaN when absent */
  double late_fraction;      /* rate_missed minus the dropped share: started > 10 ms late */
  double gen_throttled_share;/* the generator's own cgroup (--generator-cpu), NaN otherwise */

  /* the service, from its cgroup over the step (NaN without limits) */
  double cpu_cores;          /* mean CPU cores used */
  double cpu_cores_peak;     /* highest 1-s value (cgroup sampler) */
  double quota_cores;        /* the CPU limit in cores, NaN when unlimited */
  double throttled_share;    /* nr_throttled / nr_periods delta */
  double nr_periods, nr_throttled, throttled_seconds;
  double memory_peak_bytes;

  /* verdicts, set by cap_judge */
  bool pass;
  bool gen_limited;
  bool service_saturated;
  char reason[256];
  bool knee, capacity;       /* set by cap_mark */
};

/* Sets every field to "not measured" (NaN, zeros, status "ok"). */
void cap_step_init(struct cap_step *s);

/* Judges a measured step against slo: pass (and why not, in reason); whether the service was
 * saturated (CPU at >= 85 % of its quota, more than 1 % of arrivals dropped because every allowed
 * VU was waiting on it, or its p99 over the SLO even timed from the actual send); and, for a step
 * that failed, whether the generator rather than the service was the limit: its mean CPU at
 * >= 90 % of what it could use (a core per thread, or its own quota), or more than 1 % of arrivals started late while the service was
 * not saturated. A passing step is never generator-limited (lateness only made it look worse).
 * A closed-model step (offered_rps == 0) is judged on failures only, and generator-limited when
 * its CPU was at the limit. */
void cap_judge(struct cap_step *s, const struct cap_slo *slo);

enum cap_limit {
  CAP_LIMIT_NONE,            /* search still running */
  CAP_LIMIT_SLO,             /* normal end: bracketed between a pass and a fail */
  CAP_LIMIT_GENERATOR,       /* a step was generator-limited: capacity is a lower bound */
  CAP_LIMIT_MAX_RATE,        /* passed at --max-rate: capacity is at least that */
  CAP_LIMIT_MIN_RATE,        /* failed even at the lowest rate tried */
  CAP_LIMIT_ERROR,           /* the service could not be measured */
};
const char *cap_limit_name(enum cap_limit l);   /* "slo", "generator", "max_rate", ... */

/* Step up geometrically from start until a step fails (or max_rps passes), down by the same
 * factor if the very first step fails, then bisect between the last pass and the first fail for
 * at most bisect_steps steps or until the bracket is within 2 % of the pass. */
struct cap_search {
  double start_rps, max_rps, factor, min_rps;
  int bisect_left;
  double lo;                 /* highest passing rate (0: none yet) */
  double hi;                 /* lowest failing rate (0: none yet) */
  double next;               /* the rate to measure next (valid while !done) */
  enum { CS_UP, CS_DOWN, CS_BISECT } phase;
  bool done;
  enum cap_limit limit;
  int steps;
};

void cap_search_init(struct cap_search *c, double start_rps, double max_rps, double factor,
                     int bisect_steps);
/* The phase name of the next step ("up", "down", "bisect"). */
const char *cap_search_phase(const struct cap_search *c);
/* Feeds the verdict for rate c->next and moves on (sets done/limit when finished). */
void cap_search_feed(struct cap_search *c, bool pass, bool gen_limited);
/* The capacity found: the highest passing rate (0 when none passed). */
double cap_search_capacity(const struct cap_search *c);

/* Marks the knee and the capacity among steps (any order): capacity is the passing step at
 * capacity_rps; the knee is the highest passing rate whose corrected p99 stayed within
 * max(2 x the lowest p99 of any step, that + SLO/10) while delivering >= 95 % of the offered
 * rate: beyond it latency bends upward. Returns the knee's rate, or 0 when no step qualifies. */
double cap_mark(struct cap_step *steps, size_t n, double capacity_rps, const struct cap_slo *slo);

#endif
