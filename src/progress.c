/* progress.c: text of the live progress block (semantics doc 6).
 *
 * The engine's main thread calls this every 100 ms on a terminal (redrawn in place) and every
 * few seconds otherwise (appended), from counters the worker threads publish; rendering is pure
 * so it can be tested and never blocks a worker. The elapsed time uses k6's fixed-width form
 * chosen by the longest possible run, so the line does not jitter as digits appear. */
#include <stdio.h>
#include "progress.h"
#include "schedule.h"
#include "units.h"

char *progress_elapsed(char *buf, size_t n, int64_t ns, int64_t max_ns) {
  if (ns < 0) ns = 0;
  int64_t tenths = (ns + 50000000) / 100000000;
  int64_t ds = tenths % 10, s = (tenths / 10) % 60, m = (tenths / 600) % 60, h = (tenths / 36000) % 24;
  int64_t d = tenths / 864000;
  const int64_t S = 1000000000;
  if (max_ns < 10 * S) snprintf(buf, n, "%lld.%llds", (long long)(tenths / 10), (long long)ds);
  else if (max_ns < 60 * S) snprintf(buf, n, "%02lld.%llds", (long long)(tenths / 10), (long long)ds);
  else if (max_ns < 600 * S) snprintf(buf, n, "%lldm%02lld.%llds", (long long)(tenths / 600), (long long)s, (long long)ds);
  else if (max_ns < 3600 * S) snprintf(buf, n, "%02lldm%02lld.%llds", (long long)(tenths / 600), (long long)s, (long long)ds);
  else if (max_ns < 36000 * S) snprintf(buf, n, "%lldh%02lldm%02lld.%llds", (long long)(tenths / 36000), (long long)m, (long long)s, (long long)ds);
  else if (max_ns < 86400 * S) snprintf(buf, n, "%02lldh%02lldm%02lld.%llds", (long long)(tenths / 36000), (long long)m, (long long)s, (long long)ds);
  else snprintf(buf, n, "%lldd%02lldh%02lldm%02lld.%llds", (long long)d, (long long)h, (long long)m, (long long)s, (long long)ds);
  return buf;
}

static int digits(int64_t v) {
  int d = 1;
  while (v >= 10) { v /= 10; d++; }
  return d;
}

char *progress_render(char *buf, size_t n, const struct load_opts *o, const struct progress_snap *p, bool tty) {
  int64_t end = sched_end_ns(o), max = end + o->graceful_stop_ns;
  char el[32], tot[32], bar[64];
  progress_elapsed(el, sizeof el, p->elapsed_ns, max);
  int w = digits(p->max_vus > 0 ? p->max_vus : 1);
  double frac = end > 0 ? (double)p->elapsed_ns / (double)end : 1;
  if (frac > 1) frac = 1;   /* a finished run keeps its progress: aborted half way is 50% and a cross */
  if (tty) {
    int cells = 38, filled = (int)(cells * frac), i = 0;
    bar[i++] = '[';
    for (int k = 0; k < cells; k++)
      bar[i++] = k < filled - 1 || filled == cells ? '=' : k == filled - 1 ? '>' : '-';
    bar[i++] = ']';
    bar[i] = 0;
  } else {
    snprintf(bar, sizeof bar, "[ %3.0f%% ]", frac * 100);   /* rounded: 45 s of 2 min is 38% (doc 6) */
  }
  const char *name = o->scenario ? o->scenario : "default";
  char status = p->done ? (frac < 1 ? 'x' : '+') : p->elapsed_ns > end ? 'v' : ' ';
  const char *mark = status == '+' ? "\xe2\x9c\x93" : status == 'x' ? "\xe2\x9c\x97" : status == 'v' ? "\xe2\x86\x93" : " ";
  int len = snprintf(buf, n, "running (%s), %0*lld/%0*lld VUs, %llu complete and %llu interrupted iterations\n%s %s %s ",
                     el, w, (long long)p->active, w, (long long)p->init, (unsigned long long)p->complete,
                     (unsigned long long)p->interrupted, name, mark, bar);
  if (len < 0 || (size_t)len >= n) return buf;
  char *r = buf + len;
  size_t rn = n - (size_t)len;
  bool past = p->elapsed_ns >= end;
  switch (o->executor) {
  case EXEC_RAMPING_VUS:
    if (past) units_format_go_duration(end, tot, sizeof tot);
    else progress_elapsed(tot, sizeof tot, end, max);
    snprintf(r, rn, "%0*lld/%0*lld VUs  %s/%s", w, (long long)p->active, w, (long long)p->max_vus,
             past ? tot : el, tot);
    if (past) snprintf(r, rn, "%0*lld/%0*lld VUs  %s", w, (long long)p->active, w, (long long)p->max_vus, tot);
    break;
  case EXEC_CONSTANT_VUS:
    units_format_go_duration(end, tot, sizeof tot);
    if (past) snprintf(r, rn, "%lld VUs  %s", (long long)o->vus, tot);
    else snprintf(r, rn, "%lld VUs  %s/%s", (long long)o->vus, el, tot);
    break;
  default: {
    units_format_go_duration(end, tot, sizeof tot);
    double rate = o->executor == EXEC_CONSTANT_ARRIVAL_RATE ? o->rate : o->start_rate;
    if (o->executor == EXEC_RAMPING_ARRIVAL_RATE && o->nstages) {
      /* the current target rate: linear within the stage */
      int64_t s = 0, t = p->elapsed_ns;
      double r0 = o->start_rate;
      for (size_t i = 0; i < o->nstages; i++) {
        int64_t d = o->stages[i].duration_ns;
        if (t < s + d) { rate = r0 + (o->stages[i].target - r0) * (double)(t - s) / (double)d; break; }
        r0 = rate = o->stages[i].target;
        s += d;
      }
    }
    double per_s = o->time_unit_ns > 0 ? rate * 1e9 / (double)o->time_unit_ns : rate;
    if (past) snprintf(r, rn, "%0*lld/%0*lld VUs  %s  %06.2f iters/s", w, (long long)p->active, w, (long long)p->init, tot, per_s);
    else snprintf(r, rn, "%0*lld/%0*lld VUs  %s/%s  %06.2f iters/s", w, (long long)p->active, w, (long long)p->init, el, tot, per_s);
  }
  }
  return buf;
}
