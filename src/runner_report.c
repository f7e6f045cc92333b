/* runner_report.c: the fallback REPORT.md, written when `pocbench report` is not available or
 * fails: one table, one row per scenario, read back from the scenario documents (the same
 * files the real report reads), so it never disagrees with the tree. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsutil.h"
#include "runner_int.h"
#include "runner_json.h"

static void cell(FILE *f, double v, const char *fmt) {
  if (isnan(v)) fprintf(f, " - |");
  else { fputc(' ', f); fprintf(f, fmt, v); fprintf(f, " |"); }
}

int runner_write_basic_report(struct runner *r, int report_exit) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return -errno;
  fprintf(f, "# poc-compare results: %s\n\n", r->run_id);
  fprintf(f, "**This is not the report.** `pocbench report` failed (exit %d), so the runner wrote "
          "this basic summary table instead: no answers to the study's questions, no charts, no "
          "report.html. Once the cause is fixed, `pocbench report %s` writes the report.\n\n",
          report_exit, r->out);
  fprintf(f, "Limits: %s. Scale %g, warm-up %.1f s. Every figure below comes from the scenario "
          "documents in this directory (see docs/results-format.md).\n\n",
          r->limits ? "CPU quota and memory limit enforced by cgroups" : "none (--no-limits)",
          r->o->scale, r->warmup_ns / 1e9);
  if (r->limits)
    fprintf(f, "CPU %lldm (CFS quota), memory %llu MiB.\n\n", (long long)r->o->cpu_millicores,
            (unsigned long long)(r->o->memory_bytes >> 20));
  fprintf(f, "| test | service | endpoint | status | requests | req/s | failed %% | p95 ms | p99 ms "
          "| server p95 ms | CPU s per 1k req | throttled %% | memory peak MiB |\n");
  fprintf(f, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < r->nsc; i++) {
    const struct scenario *s = &r->sc[i];
    char p[PATH_MAX + 300], err[256];
    snprintf(p, sizeof p, "%s/%s.json", s->dir, s->base);
    yajl_val v = access(p, F_OK) == 0 ? js_read_file(p, err, sizeof err) : NULL;
    fprintf(f, "| %s | %s | %s | %s |", s->test, s->service, s->endpoint,
            s->status[0] ? s->status : "not run");
    cell(f, v ? js_get_dbl(v, "client.metrics.http_reqs.count", NAN) : NAN, "%.0f");
    cell(f, v ? js_get_dbl(v, "client.metrics.http_reqs.rate", NAN) : NAN, "%.1f");
    double fr = v ? js_get_dbl(v, "client.metrics.http_req_failed.value", NAN) : NAN;
    if (isnan(fr) && v) fr = js_get_dbl(v, "client.metrics.http_req_failed.rate", NAN);
    cell(f, fr * 100, "%.2f");
    cell(f, v ? js_get_dbl(v, "client.metrics.http_req_duration.p(95)", NAN) : NAN, "%.2f");
    cell(f, v ? js_get_dbl(v, "client.metrics.http_req_duration.p(99)", NAN) : NAN, "%.2f");
    cell(f, v ? js_get_dbl(v, "server.quantiles_seconds.p95", NAN) * 1000 : NAN, "%.2f");
    cell(f, v ? js_get_dbl(v, "resources.cpu_seconds_per_1k_requests", NAN) : NAN, "%.3f");
    cell(f, v ? js_get_dbl(v, "resources.throttled_share", NAN) * 100 : NAN, "%.1f");
    cell(f, v ? js_get_dbl(v, "resources.memory_peak_bytes", NAN) / 1048576.0 : NAN, "%.1f");
    fputc('\n', f);
    if (v) yajl_tree_free(v);
  }
  fprintf(f, "\nThis is the runner's basic summary; `pocbench report %s` writes the full report.\n",
          r->out);
  fclose(f);
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/REPORT.md", r->out);
  int rc = fs_write_atomic(path, text, len);
  free(text);
  return rc;
}
