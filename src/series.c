/* series.c: the per-second time series of a run, as CSV and/or NDJSON.
 *
 * One row per second of the test with the columns of docs/results-format.md (the runner appends
 * its cgroup columns to the CSV later). Rows are written and flushed as they arrive, so memory
 * stays bounded and a run can be followed with tail -f on the temp file; the final name appears
 * only at series_close (fsync + rename), so a reader never sees a torn series. Latencies are
 * written in ms with microsecond resolution (3 decimals, trailing zeros dropped). A second in
 * which no request completed has no latency: its latency fields are empty (CSV) / null (NDJSON),
 * never 0, which a chart would draw as a perfect second; so is a value the engine reports as
 * NaN (a second whose only requests were cut at the hard stop). Counts stay 0. NDJSON lines
 * carry the same keys as the CSV header, so both are one schema in two encodings. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsutil.h"
#include "load.h"

#define CSV_HEADER "t_s,vus,reqs,failed,iterations,dropped,data_sent,data_received," \
                   "p50_ms,p90_ms,p95_ms,p99_ms,max_ms,p99_corrected_ms"

struct out {
  FILE *f;
  char *path, *tmp;
};

struct series {
  struct out csv, json;
};

static int out_open(struct out *o, const char *path) {
  if (!path) return 0;
  size_t n = strlen(path) + 32;
  o->path = strdup(path);
  o->tmp = malloc(n);
  if (!o->path || !o->tmp) return -ENOMEM;
  snprintf(o->tmp, n, "%s.tmp.%d", path, (int)getpid());
  o->f = fopen(o->tmp, "w");
  if (!o->f) return -errno;
  return 0;
}

/* 0 = ok; closes, then renames into place unless discard */
static int out_close(struct out *o, bool discard) {
  int rc = 0;
  if (o->f) {
    if (fflush(o->f) || ferror(o->f)) rc = -EIO;
    if (fclose(o->f) && !rc) rc = -errno;
    o->f = NULL;
    if (!rc && !discard) rc = fs_commit_tmp(o->tmp, o->path);
    if (rc || discard) unlink(o->tmp);
  }
  free(o->path);
  free(o->tmp);
  o->path = o->tmp = NULL;
  return rc;
}

int series_open(struct series **out, const struct load_opts *o) {
  *out = NULL;
  struct series *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  int rc = out_open(&s->csv, o->out_csv);
  if (!rc) rc = out_open(&s->json, o->out_json);
  if (!rc && s->csv.f && (fputs(CSV_HEADER "\n", s->csv.f) < 0 || fflush(s->csv.f))) rc = -EIO;
  if (rc) {
    out_close(&s->csv, true);
    out_close(&s->json, true);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* v in ms as text; none (no samples) gives "" in the CSV and "null" in NDJSON */
static char *ms(double v, bool none, char *buf, size_t n) {
  if (none || isnan(v)) {
    buf[0] = '\0';
    return buf;
  }
  if (!isfinite(v) || v < 0) v = 0;
  snprintf(buf, n, "%.3f", v);
  char *e = buf + strlen(buf);
  while (e[-1] == '0') *--e = '\0';
  if (e[-1] == '.') e[-1] = '\0';
  return buf;
}

int series_write(struct series *s, const struct series_point *p) {
  if (!s) return 0;
  bool none = p->reqs == 0;
  char v[6][40];
  ms(p->p50_ms, none, v[0], sizeof v[0]);
  ms(p->p90_ms, none, v[1], sizeof v[1]);
  ms(p->p95_ms, none, v[2], sizeof v[2]);
  ms(p->p99_ms, none, v[3], sizeof v[3]);
  ms(p->max_ms, none, v[4], sizeof v[4]);
  ms(p->p99_corrected_ms, none, v[5], sizeof v[5]);
  const char *a = v[0], *b = v[1], *c = v[2], *d = v[3], *e = v[4], *f = v[5];
  int rc = 0;
  if (s->csv.f) {
    fprintf(s->csv.f, "%lld,%lld,%llu,%llu,%llu,%llu,%llu,%llu,%s,%s,%s,%s,%s,%s\n",
            (long long)p->t_s, (long long)p->vus, (unsigned long long)p->reqs, (unsigned long long)p->failed,
            (unsigned long long)p->iterations, (unsigned long long)p->dropped,
            (unsigned long long)p->data_sent, (unsigned long long)p->data_received, a, b, c, d, e, f);
    if (fflush(s->csv.f) || ferror(s->csv.f)) rc = -EIO;
  }
  if (s->json.f) {
    for (int i = 0; i < 6; i++) if (!v[i][0]) snprintf(v[i], sizeof v[i], "null");
    fprintf(s->json.f,
            "{\"t_s\":%lld,\"vus\":%lld,\"reqs\":%llu,\"failed\":%llu,\"iterations\":%llu,\"dropped\":%llu,"
            "\"data_sent\":%llu,\"data_received\":%llu,\"p50_ms\":%s,\"p90_ms\":%s,\"p95_ms\":%s,"
            "\"p99_ms\":%s,\"max_ms\":%s,\"p99_corrected_ms\":%s}\n",
            (long long)p->t_s, (long long)p->vus, (unsigned long long)p->reqs, (unsigned long long)p->failed,
            (unsigned long long)p->iterations, (unsigned long long)p->dropped,
            (unsigned long long)p->data_sent, (unsigned long long)p->data_received, a, b, c, d, e, f);
    if (fflush(s->json.f) || ferror(s->json.f)) rc = -EIO;
  }
  return rc;
}

int series_close(struct series *s) {
  if (!s) return 0;
  int rc = out_close(&s->csv, false);
  int rc2 = out_close(&s->json, false);
  free(s);
  return rc ? rc : rc2;
}
