/* sampler.h: the 1-second cgroup samples of a scenario and how they join the load generator's
 * per-second series (the CSV's last three columns, docs/results-format.md).
 * Owner: runner work (src/sampler.c). Not thread-safe; one per scenario. */
#ifndef SAMPLER_H
#define SAMPLER_H
#include <stdbool.h>
#include <stddef.h>
#include "cgroup.h"

struct sample {
  double t_s;               /* seconds since the profile started (the generator was started) */
  struct cg_stats st;
};

struct sampler {
  struct sample *v;
  size_t n, cap;
  double mem_max;           /* highest memory_current seen (peak when the kernel keeps none) */
};

/* Appends a sample (t_s must not decrease). 0 / -ENOMEM. */
int sampler_add(struct sampler *s, double t_s, const struct cg_stats *st);
void sampler_free(struct sampler *s);

/* Figures for the 1-s window (t_s - 1, t_s]: CPU cores used, periods throttled, and memory
 * at t_s, with cumulative counters interpolated linearly between samples. A window reaching
 * less than a second beyond the first or last sample is narrowed to the samples. false when
 * the samples do not cover it. */
bool sampler_window(const struct sampler *s, double t_s, double *cpu_cores, double *throttled,
                    double *mem_bytes);

/* Reads the generator's CSV (header + rows, first column t_s), appends cpu_cores,
 * throttled_periods, memory_bytes (empty cells where no sample covers a row) and writes the
 * result to out atomically. s may be NULL (no limits: all three empty). 0, or -errno with a
 * message in err. */
int sampler_merge_csv(const struct sampler *s, const char *csv_in, const char *out,
                      char *err, size_t errlen);

#endif
