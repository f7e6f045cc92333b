/* capacity_measure.c: one step, measured: `pocbench load` as a child process against the target,
 * the service's cgroup read every second meanwhile, and the generator's summary export read
 * back into a struct cap_step.
 *
 * The generator is a separate process, as in the study, so its CPU is its own (wait4's rusage
 * gives the figure the generator-saturation verdict needs, independent of what the export says)
 * and so --generator-cpu can put it, and only it, under a quota. Its output goes to a file, not
 * a pipe: nothing here shows its live line, and a file cannot fill up and block it.
 * Open-model VUs: pre-allocated for twice the in-flight count the SLO allows at that rate
 * (Little's law: rate x latency) and at most four times it; beyond that the service is already
 * far outside the SLO, so further arrivals are dropped (and counted) rather than opening
 * thousands of connections to a service that is drowning. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "capacity_int.h"
#include "fsutil.h"
#include "hist.h"
#include "runner_json.h"
#include "sampler.h"
#include "units.h"

#define NS 1000000000LL
#define TREND_STATS "avg,min,med,max,p(50),p(90),p(99)"

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

int cap_gen_run(struct cap_ctx *c, char *const args[], const char *log_path,
                const struct cgroup *svc_cg, struct sampler *smp, double max_s,
                double *cpu_s, double *wall_s) {
  *cpu_s = *wall_s = 0;
  size_t n = 0;
  while (args[n]) n++;
  char **argv = calloc(n + 2, sizeof *argv);
  if (!argv) return -ENOMEM;
  argv[0] = "pocbench";
  for (size_t i = 0; i < n; i++) argv[i + 1] = args[i];
  const char *procs[5] = {NULL};
  if (c->gen_cg_made) cg_procs_files(&c->gen_cg, procs);
  int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (logfd < 0) { free(argv); return -errno; }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) { int e = errno; close(logfd); free(argv); return -e; }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    for (size_t i = 0; procs[i]; i++) {
      int cfd = open(procs[i], O_WRONLY | O_CLOEXEC);
      char num[32];
      int len = snprintf(num, sizeof num, "%d\n", (int)getpid());
      if (cfd < 0 || write(cfd, num, (size_t)len) != len) {
        dprintf(logfd, "cannot join the generator's cgroup (%s): %s\n", procs[i], strerror(errno));
        _exit(126);
      }
      close(cfd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    execv(c->pocbench, argv);
    dprintf(2, "cannot run %s: %s\n", c->pocbench, strerror(errno));
    _exit(127);
  }
  close(logfd);
  free(argv);
  double start = clock_now_s(), next_sample = start, stop_sent = 0;
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  for (;;) {
    pid_t w = wait4(pid, &status, WNOHANG, &ru);
    if (w == pid) break;
    double now = clock_now_s();
    if (svc_cg && smp && now >= next_sample) {
      struct cg_stats cs;
      if (cg_read(svc_cg, &cs) == 0) sampler_add(smp, now - start, &cs);
      next_sample += 1.0;
      if (next_sample < now) next_sample = now + 1.0;
    }
    if ((cap_stop || now - start > max_s) && !stop_sent) {
      kill(-pid, SIGINT);
      stop_sent = now;
    }
    if (stop_sent && now - stop_sent > 10) kill(-pid, SIGKILL);
    usleep(20000);
  }
  *wall_s = clock_now_s() - start;
  *cpu_s = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
  if (svc_cg && smp) {
    struct cg_stats cs;
    if (cg_read(svc_cg, &cs) == 0) sampler_add(smp, *wall_s, &cs);
  }
  if (cap_stop) return -EINTR;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* ------------------------------------------------------------------ the export */

/* The first value under v (depth-first, at most 3 levels) whose key contains want and which is
 * of the given yajl type; the export's "pocbench" object is the load engine's to shape, so its
 * figures are found by name rather than by a fixed path. */
static yajl_val find_key(yajl_val v, const char *want, yajl_type type, int depth) {
  if (!v || !YAJL_IS_OBJECT(v) || depth > 3) return NULL;
  for (size_t i = 0; i < v->u.object.len; i++) {
    yajl_val x = v->u.object.values[i];
    if (strstr(v->u.object.keys[i], want) && x && x->type == type) return x;
  }
  for (size_t i = 0; i < v->u.object.len; i++) {
    yajl_val r = find_key(v->u.object.values[i], want, type, depth + 1);
    if (r) return r;
  }
  return NULL;
}

static double num(yajl_val v, double def) {
  return v && YAJL_IS_NUMBER(v) ? YAJL_GET_DOUBLE(v) : def;
}

/* The corrected trend: a serialized histogram (with "buckets") or k6-style stats ("p(99)"),
 * under a key naming it corrected, in the pocbench object or among the metrics. */
static bool read_corrected(yajl_val client, struct cap_step *s) {
  yajl_val roots[] = {js_get(client, "pocbench"), js_get(client, "metrics")};
  for (size_t r = 0; r < 2; r++) {
    yajl_val root = roots[r];
    if (!root || !YAJL_IS_OBJECT(root)) continue;
    for (int pass = 0; pass < 2; pass++) {
      yajl_val v = root;
      /* breadth-limited walk over objects whose key says "corrected" */
      yajl_val stack[64];
      size_t ns = 0;
      stack[ns++] = v;
      while (ns) {
        yajl_val o = stack[--ns];
        for (size_t i = 0; YAJL_IS_OBJECT(o) && i < o->u.object.len; i++) {
          yajl_val x = o->u.object.values[i];
          if (!x || !YAJL_IS_OBJECT(x)) continue;
          if (strstr(o->u.object.keys[i], "corrected")) {
            if (pass == 0 && js_get(x, "buckets")) {
              struct hist *h = hist_new();
              if (h && hist_read_json(h, x) == 0 && hist_count(h) > 0) {
                s->p50_ms = hist_percentile(h, 50) / 1e6;
                s->p90_ms = hist_percentile(h, 90) / 1e6;
                s->p99_ms = hist_percentile(h, 99) / 1e6;
                s->max_ms = (double)hist_max(h) / 1e6;
                hist_free(h);
                return true;
              }
              hist_free(h);
            }
            if (pass == 1 && js_get(x, "p(99)")) {
              s->p50_ms = num(js_get(x, "p(50)"), num(js_get(x, "med"), NAN));
              s->p90_ms = num(js_get(x, "p(90)"), NAN);
              s->p99_ms = num(js_get(x, "p(99)"), NAN);
              s->max_ms = num(js_get(x, "max"), NAN);
              return true;
            }
          }
          if (ns < 64) stack[ns++] = x;
        }
      }
    }
  }
  return false;
}

static void read_export(yajl_val client, struct cap_step *s) {
  s->requests = js_get_dbl(client, "metrics.http_reqs.count", NAN);
  yajl_val failed = js_get(client, "metrics.http_req_failed");
  s->failed = failed ? num(js_get(failed, "passes"), num(js_get(failed, "value"), 0) * s->requests) : 0;
  s->dropped = js_get_dbl(client, "metrics.dropped_iterations.count", 0);
  yajl_val d = js_get(client, "metrics.http_req_duration");
  s->p50_unc_ms = num(js_get(d, "p(50)"), num(js_get(d, "med"), NAN));
  s->p90_unc_ms = num(js_get(d, "p(90)"), NAN);
  s->p99_unc_ms = num(js_get(d, "p(99)"), NAN);
  double unc_max = num(js_get(d, "max"), NAN);
  s->corrected = s->offered_rps > 0 && read_corrected(client, s);
  if (!s->corrected) {
    /* closed model: corrected equals uncorrected by definition (load.h) */
    s->p50_ms = s->p50_unc_ms;
    s->p90_ms = s->p90_unc_ms;
    s->p99_ms = s->p99_unc_ms;
    s->max_ms = unc_max;
  }
  yajl_val pb = js_get(client, "pocbench");
  s->rate_missed = num(find_key(pb, "rate_missed", yajl_t_number, 0), NAN);
  double peak = num(find_key(pb, "cpu_share_peak", yajl_t_number, 0), NAN);
  if (!isnan(peak) && s->gen_cpu_avail > 0) s->gen_cpu_peak = peak / s->gen_cpu_avail;
  double intended = (isnan(s->requests) ? 0 : s->requests) + s->dropped;
  if (s->offered_rps > 0 && !isnan(s->rate_missed))
    s->late_fraction = fmax(0, s->rate_missed - (intended > 0 ? s->dropped / intended : 0));
  if (!isnan(s->requests)) {
    s->failure_rate = intended > 0 ? (s->failed + s->dropped) / intended : 0;
    /* per second of the whole run: answers that came in during the graceful stop belong to it */
    double run_s = js_get_dbl(client, "pocbench.run_duration_ms", 0) / 1000;
    s->achieved_rps = (s->requests - s->failed) / fmax(s->seconds, run_s);
  }
}

/* ------------------------------------------------------------------ one step */

int cap_measure(struct cap_ctx *c, struct cap_target *t, struct cap_step *s) {
  char dur[32], export[PATH_MAX + 64], log[PATH_MAX + 64], threads[16], timeout[32];
  char rate[32], pre[32], maxv[32], vus[32];
  s->seconds = c->step_s;
  s->gen_threads = c->threads;
  s->gen_cpu_avail = c->threads;
  if (c->gen_cg_made && c->o->generator_cpu_millicores / 1000.0 < s->gen_cpu_avail)
    s->gen_cpu_avail = c->o->generator_cpu_millicores / 1000.0;
  s->quota_cores = c->limits && c->o->cpu_millicores > 0 ? c->o->cpu_millicores / 1000.0 : NAN;
  units_format_go_duration((int64_t)(c->step_s * 1e9), dur, sizeof dur);
  snprintf(export, sizeof export, "%s/step-%d.export.json", c->tmp, s->index);
  snprintf(log, sizeof log, "%s/step-%d.log", c->tmp, s->index);
  snprintf(threads, sizeof threads, "%d", c->threads);
  /* a request slower than 20 x the SLO (at least 2 s) has failed it either way */
  units_format_go_duration((int64_t)fmax(2e9, 20 * c->slo.p99_ms * 1e6), timeout, sizeof timeout);
  unlink(export);
  char *args[40];
  int k = 0;
  args[k++] = "load";
  if (s->offered_rps > 0) {
    double inflight = s->offered_rps * c->slo.p99_ms / 1000;
    long p = (long)ceil(2 * inflight) + 4, m = (long)ceil(4 * inflight) + 8;
    if (p > 2000) p = 2000;
    if (m > 4000) m = 4000;
    if (m < p) m = p;
    s->vus = (int)m;
    snprintf(rate, sizeof rate, "%.6g", s->offered_rps);
    snprintf(pre, sizeof pre, "%ld", p);
    snprintf(maxv, sizeof maxv, "%ld", m);
    args[k++] = "--executor"; args[k++] = "constant-arrival-rate";
    args[k++] = "--rate"; args[k++] = rate;
    args[k++] = "--pre-allocated-vus"; args[k++] = pre;
    args[k++] = "--max-vus"; args[k++] = maxv;
  } else {
    snprintf(vus, sizeof vus, "%d", s->vus);
    args[k++] = "--vus"; args[k++] = vus;
  }
  args[k++] = "--duration"; args[k++] = dur;
  args[k++] = "--graceful-stop"; args[k++] = timeout;
  args[k++] = "--timeout"; args[k++] = timeout;
  args[k++] = "--threads"; args[k++] = threads;
  args[k++] = "--no-thresholds";
  args[k++] = "--quiet";
  args[k++] = "--summary-trend-stats"; args[k++] = TREND_STATS;
  args[k++] = "--summary-export"; args[k++] = export;
  args[k++] = t->url;
  args[k] = NULL;

  struct sampler smp;
  memset(&smp, 0, sizeof smp);
  struct cg_stats gb, ge, sb, se;
  bool have_gen = c->gen_cg_made && cg_read(&c->gen_cg, &gb) == 0;
  bool have_svc = t->cg_made && cg_read(&t->cg, &sb) == 0;
  double cpu_s = 0, wall_s = 0;
  int code = cap_gen_run(c, args, log, t->cg_made ? &t->cg : NULL, &smp, c->step_s * 2 + 60,
                         &cpu_s, &wall_s);
  int ret = 0;
  if (code == -EINTR) { ret = 1; goto out; }
  if (have_gen && cg_read(&c->gen_cg, &ge) == 0 && ge.nr_periods > gb.nr_periods)
    s->gen_throttled_share = (double)(ge.nr_throttled - gb.nr_throttled) / (double)(ge.nr_periods - gb.nr_periods);
  if (have_svc && cg_read(&t->cg, &se) == 0 && wall_s > 0) {
    s->cpu_cores = (double)(se.cpu_usage_ns - sb.cpu_usage_ns) / 1e9 / wall_s;
    s->nr_periods = (double)(se.nr_periods - sb.nr_periods);
    s->nr_throttled = (double)(se.nr_throttled - sb.nr_throttled);
    s->throttled_seconds = (double)(se.throttled_ns - sb.throttled_ns) / 1e9;
    s->throttled_share = s->nr_periods > 0 ? s->nr_throttled / s->nr_periods : 0;
    s->memory_peak_bytes = se.has_peak ? (double)se.mem_peak : smp.mem_max;
    if (smp.mem_max > s->memory_peak_bytes) s->memory_peak_bytes = smp.mem_max;
    double peak = NAN;
    for (double ts = 1; smp.n && ts <= smp.v[smp.n - 1].t_s + 1e-9; ts += 1) {
      double cores, thr, mem;
      if (sampler_window(&smp, ts, &cores, &thr, &mem) && (isnan(peak) || cores > peak)) peak = cores;
    }
    s->cpu_cores_peak = peak;
  }
  /* what the generator could use: a core per thread, or its own quota when that is smaller */
  if (s->gen_cpu_avail > 0 && wall_s > 0) s->gen_cpu_share = cpu_s / wall_s / s->gen_cpu_avail;
  char note[512] = "";
  const char *st = cap_target_check(t, note, sizeof note);
  if (strcmp(st, "ok")) {
    snprintf(s->status, sizeof s->status, "%s", st);
    snprintf(s->note, sizeof s->note, "%s", note);
  }
  char err[512] = "";
  yajl_val client = access(export, F_OK) == 0 ? js_read_file(export, err, sizeof err) : NULL;
  if (!client) {
    if (!strcmp(s->status, "ok")) {
      char *text = NULL;
      size_t len = 0;
      if (fs_read_all(log, &text, &len) < 0) text = NULL;
      snprintf(s->status, sizeof s->status, "error");
      snprintf(s->note, sizeof s->note, "pocbench load exited %d without a summary export%s%s", code,
               text ? ": " : "", text ? text + (len > 400 ? len - 400 : 0) : "");
      free(text);
      ret = -1;
    }
    goto out;
  }
  read_export(client, s);
  if (!s->corrected && s->offered_rps > 0)
    snprintf(s->note, sizeof s->note, "the summary export has no corrected latency trend: p99 is the "
             "uncorrected one");
  yajl_tree_free(client);
out:
  sampler_free(&smp);
  unlink(export);
  if (ret == 0) unlink(log);
  return ret;
}
