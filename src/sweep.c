/* sweep.c: the concurrency sweep, in the TechEmpower manner: the closed model without think
 * time at each connection count of --sweep-vus (1, 4, 16, 64, 256 by default), each held for one
 * step, against one fresh service under the study's limits. It answers "how do throughput and
 * latency scale with concurrency" where the capacity search answers "how much load meets the
 * SLO": in a closed model the generator waits for each answer, so there is no SLO to fail, only
 * throughput and the latency it costs. Points are drained like capacity steps, and a point where
 * the generator, not the service, was the limit is marked generator_limited (the service's
 * figures there are a lower bound). Rejected: one long ramping-vus run read per second; ramps
 * never reach steady state at the high counts, and the per-second series would mix levels. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "capacity_int.h"
#include "runner_json.h"

int sweep_run(struct cap_ctx *c, struct cap_target *t) {
  char started[40], ended[40], list[512];
  clock_utc_rfc3339(started, sizeof started, 0);
  double t0 = clock_now_s();
  snprintf(list, sizeof list, "%s", c->o->sweep_vus ? c->o->sweep_vus : "1,4,16,64,256");
  struct cap_step pts[32];
  size_t n = 0;
  int ret = 0;
  printf("sweep %s %s: closed model, no think time, %gs per point at %s connections\n",
         t->service, t->endpoint, c->step_s, list);
  fflush(stdout);
  for (char *save = NULL, *v = strtok_r(list, ",", &save); v && n < 32 && !cap_stop;
       v = strtok_r(NULL, ",", &save)) {
    if (t->conf && !t->started) {
      char err[1024];
      printf("  %s %s: restarting the service\n", t->service, t->endpoint);
      if (cap_target_start(c, t, err, sizeof err) < 0) {
        fprintf(stderr, "pocbench capacity: sweep %s %s: %s\n", t->service, t->endpoint, err);
        ret = -1;
        break;
      }
      cap_target_warmup(c, t);
    }
    struct cap_step *s = &pts[n];
    cap_step_init(s);
    s->index = (int)n + 1;
    snprintf(s->phase, sizeof s->phase, "sweep");
    s->vus = atoi(v);
    if (s->vus <= 0) continue;
    int rc = cap_measure(c, t, s);
    if (rc == 1) break;
    n++;
    cap_judge(s, &c->slo);
    s->pass = s->pass && !s->gen_limited;
    printf("  %s %s %d connections: %.0f req/s, p50 %.2f ms, p99 %.2f ms, failures %.2f%%, CPU %.2f "
           "cores, throttled %.0f%%%s%s\n", t->service, t->endpoint, s->vus, s->achieved_rps, s->p50_ms,
           s->p99_ms, 100 * (isnan(s->failure_rate) ? 0 : s->failure_rate), s->cpu_cores,
           100 * (isnan(s->throttled_share) ? 0 : s->throttled_share),
           s->gen_limited ? "\n    " : "", s->gen_limited ? s->reason : "");
    fflush(stdout);
    if (rc < 0) { ret = -1; break; }
    if (strcmp(s->status, "ok")) cap_target_stop(t);
    else cap_target_drain(c, t);
  }
  if (cap_stop) return 1;
  clock_utc_rfc3339(ended, sizeof ended, 0);
  size_t peak = n;
  for (size_t i = 0; i < n; i++)
    if (!isnan(pts[i].achieved_rps) && (peak == n || pts[i].achieved_rps > pts[peak].achieved_rps)) peak = i;

  yajl_gen g = js_new();
  yajl_gen_map_open(g);
  cap_doc_head(c, t, g, "sweep");
  js_kstr(g, "started", started);
  js_kstr(g, "ended", ended);
  js_kdbl(g, "elapsed_seconds", clock_now_s() - t0);
  js_kstr(g, "model", "closed: each connection sends its next request when the answer arrives, no think time");
  js_key(g, "peak");
  yajl_gen_map_open(g);
  if (peak < n) {
    js_kint(g, "connections", pts[peak].vus);
    js_kdbl(g, "rps", pts[peak].achieved_rps);
    js_kbool(g, "generator_limited", pts[peak].gen_limited);
  }
  yajl_gen_map_close(g);
  bool any_gen = false;
  for (size_t i = 0; i < n; i++) any_gen = any_gen || pts[i].gen_limited;
  js_kbool(g, "generator_limited", any_gen);
  js_key(g, "points");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) cap_doc_step(g, &pts[i], true);
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  char path[PATH_MAX + 300];
  snprintf(path, sizeof path, "%s/sweep/%s-%s.json", c->out, t->service, t->epname);
  int rc = js_write_file(g, path);
  if (rc < 0) {
    fprintf(stderr, "pocbench capacity: cannot write %s\n", path);
    return -1;
  }
  printf("sweep %s %s: peak %.0f req/s at %d connections (%.0fs) -> %s\n", t->service, t->endpoint,
         peak < n ? pts[peak].achieved_rps : NAN, peak < n ? pts[peak].vus : 0, clock_now_s() - t0, path);
  fflush(stdout);
  return ret;
}
