/* sampler.c: per-second resource figures of the service's cgroup, aligned with the load
 * generator's per-second rows.
 * The runner samples about once a second on its own clock; the generator writes a row per
 * second of its test. Rather than force both onto one clock, cumulative counters (CPU ns,
 * throttled periods) are interpolated linearly at each row's window edges, which keeps the
 * per-row figures exact on average whatever the jitter of either side. Memory is a gauge: the
 * sample nearest the row's end is used. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsutil.h"
#include "sampler.h"

int sampler_add(struct sampler *s, double t_s, const struct cg_stats *st) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct sample *v = realloc(s->v, cap * sizeof *v);
    if (!v) return -ENOMEM;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n].t_s = t_s;
  s->v[s->n].st = *st;
  s->n++;
  if ((double)st->mem_current > s->mem_max) s->mem_max = (double)st->mem_current;
  return 0;
}

void sampler_free(struct sampler *s) {
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* Index i with v[i].t_s <= t < v[i+1].t_s, or -1 outside. */
static long bracket(const struct sampler *s, double t) {
  if (s->n < 2 || t < s->v[0].t_s || t > s->v[s->n - 1].t_s) return -1;
  if (t == s->v[s->n - 1].t_s) return (long)s->n - 2;
  size_t lo = 0, hi = s->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (s->v[mid].t_s <= t) lo = mid; else hi = mid;
  }
  return (long)lo;
}

static void at(const struct sampler *s, double t, double *cpu_ns, double *thr) {
  long i = bracket(s, t);
  const struct sample *a = &s->v[i], *b = &s->v[i + 1];
  double f = b->t_s > a->t_s ? (t - a->t_s) / (b->t_s - a->t_s) : 0;
  *cpu_ns = a->st.cpu_usage_ns + f * ((double)b->st.cpu_usage_ns - (double)a->st.cpu_usage_ns);
  *thr = a->st.nr_throttled + f * ((double)b->st.nr_throttled - (double)a->st.nr_throttled);
}

bool sampler_window(const struct sampler *s, double t_s, double *cpu_cores, double *throttled,
                    double *mem_bytes) {
  if (!s || s->n < 2) return false;
  double first = s->v[0].t_s, last = s->v[s->n - 1].t_s;
  /* the generator's first and last rows may reach up to a second past the samples (its clock
   * starts a moment after ours, its last window is partial): narrow the window to what the
   * samples cover rather than leave the row empty */
  double hi = t_s > last && t_s - last < 1.0 ? last : t_s;
  double lo = t_s - 1 < first && first - (t_s - 1) < 1.0 ? first : t_s - 1;
  if (hi - lo < 0.2 || bracket(s, lo) < 0 || bracket(s, hi) < 0) return false;
  double c0, c1, h0, h1;
  at(s, lo, &c0, &h0);
  at(s, hi, &c1, &h1);
  *cpu_cores = (c1 - c0) / 1e9 / (hi - lo);
  *throttled = h1 - h0;
  long i = bracket(s, hi);
  const struct sample *near = &s->v[i];
  if (i + 1 < (long)s->n && fabs(s->v[i + 1].t_s - hi) < fabs(near->t_s - hi)) near = &s->v[i + 1];
  *mem_bytes = (double)near->st.mem_current;
  return true;
}

int sampler_merge_csv(const struct sampler *s, const char *csv_in, const char *out,
                      char *err, size_t errlen) {
  char *text = NULL;
  size_t len = 0;
  int rc = fs_read_all(csv_in, &text, &len);
  if (rc < 0) {
    snprintf(err, errlen, "%s: %s", csv_in, strerror(-rc));
    return rc;
  }
  size_t cap = len * 2 + 4096, used = 0;
  char *buf = malloc(cap);
  if (!buf) { free(text); return -ENOMEM; }
  bool header = true;
  for (char *line = text; *line; ) {
    char *nl = strchr(line, '\n');
    size_t ll = nl ? (size_t)(nl - line) : strlen(line);
    if (ll && line[ll - 1] == '\r') ll--;
    if (ll) {
      if (used + ll + 128 > cap) {
        cap = (used + ll + 128) * 2;
        char *nb = realloc(buf, cap);
        if (!nb) { free(buf); free(text); return -ENOMEM; }
        buf = nb;
      }
      memcpy(buf + used, line, ll);
      used += ll;
      if (header) {
        const char *extra = ",cpu_cores,throttled_periods,memory_bytes";
        memcpy(buf + used, extra, strlen(extra));
        used += strlen(extra);
        header = false;
      } else {
        double cpu, thr, mem;
        if (sampler_window(s, strtod(line, NULL), &cpu, &thr, &mem))
          used += (size_t)snprintf(buf + used, cap - used, ",%.4f,%.0f,%.0f", cpu, thr, mem);
        else
          used += (size_t)snprintf(buf + used, cap - used, ",,,");
      }
      buf[used++] = '\n';
    }
    if (!nl) break;
    line = nl + 1;
  }
  free(text);
  rc = fs_write_atomic(out, buf, used);
  free(buf);
  if (rc < 0) snprintf(err, errlen, "%s: %s", out, strerror(-rc));
  return rc;
}
