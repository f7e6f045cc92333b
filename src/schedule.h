/* schedule.h: the pure schedules of the load executors (semantics doc 1.3-1.5), shared by the
 * engine's threads without any shared state: each thread evaluates the same functions.
 * Owner: load engine. All functions are pure and thread-safe; times are int64 ns from test start. */
#ifndef SCHEDULE_H
#define SCHEDULE_H
#include <stdint.h>
#include "load.h"

/* Closed models (constant-vus is seen as ramping-vus with startVUs = vus and one flat stage). */

/* Planned VU level at t (ignoring the end rule): the count after every step whose time <= t. */
int64_t sched_vus_at(const struct load_opts *o, int64_t t);
/* The first step time strictly after t (where the planned level may change), INT64_MAX if none. */
int64_t sched_vus_next(const struct load_opts *o, int64_t t);
/* Highest planned level over the whole run (VUs to allocate). */
int64_t sched_vus_peak(const struct load_opts *o);

/* Time after which no new iteration starts: sum(stage durations) or duration. */
int64_t sched_end_ns(const struct load_opts *o);
bool sched_is_arrival(const struct load_opts *o);

/* Open models: due time of iteration n (1-based). constant-arrival-rate: (n-1)*timeUnit/rate
 * (the first at t = 0); ramping-arrival-rate: when the integral of the rate reaches n.
 * A cursor makes walking n upwards O(1) amortized; use one cursor per thread. */
struct arrival_cursor {
  const struct load_opts *o;
  size_t stage;          /* current stage (ramping) */
  int64_t stage_start;   /* ns */
  long double cum;       /* integral of the rate at stage_start, in iterations */
  long double r0;        /* rate at stage_start, iterations per ns */
};
void arrival_init(struct arrival_cursor *c, const struct load_opts *o);
/* -1 when iteration n would be due at or after the end (it is never started). n must not
 * decrease between calls on one cursor. */
int64_t arrival_due(struct arrival_cursor *c, uint64_t n);
/* How many iterations are due in [0, end): the "intended" count for rate_missed_fraction. */
uint64_t arrival_total(const struct load_opts *o);

#endif
