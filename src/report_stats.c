/* report_stats.c: repeats and comparisons for the report.
 *
 * With --repeat N each figure is summarised by its median and its spread (min-max) over the
 * runs. A difference between two contenders counts as larger than run-to-run noise only when
 * their [min, max] ranges do not overlap: with the handful of repeats a benchmark affords
 * (3-5), a non-overlap test is honest and needs no distributional assumption, where a t-test
 * on n=3 would claim precision it does not have. One run gives no noise estimate, and the
 * report says so rather than guessing. */
#include <math.h>
#include <stdlib.h>
#include "report.h"

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

struct rep_agg rep_aggregate(const double *v, size_t n) {
  struct rep_agg a = {NAN, NAN, NAN, 0};
  double *tmp = malloc((n ? n : 1) * sizeof *tmp);
  if (!tmp) return a;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) if (!isnan(v[i])) tmp[k++] = v[i];
  if (k) {
    qsort(tmp, k, sizeof *tmp, cmp_dbl);
    a.med = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
    a.min = tmp[0];
    a.max = tmp[k - 1];
    a.n = (int)k;
  }
  free(tmp);
  return a;
}

void rep_aggregate_cells(struct rep_data *d) {
  for (size_t i = 0; i < d->ncells; i++) {
    struct rep_cell *c = &d->cells[i];
    double *v = malloc((c->nruns ? c->nruns : 1) * sizeof *v);
    if (!v) abort();
    for (int f = 0; f < F_NFIGS; f++) {
      for (size_t r = 0; r < c->nruns; r++) v[r] = c->runs[r].fig[f];
      c->agg[f] = rep_aggregate(v, c->nruns);
    }
    free(v);
  }
}

int rep_beyond_noise(const struct rep_agg *a, const struct rep_agg *b) {
  if (a->n < 2 || b->n < 2) return -1;
  return a->max < b->min || b->max < a->min;
}

double rep_ratio(const struct rep_agg *a, const struct rep_agg *b) {
  if (a->n == 0 || b->n == 0 || b->med == 0) return NAN;
  return a->med / b->med;
}
