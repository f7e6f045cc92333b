/* capacity.c: `pocbench capacity` driven end to end: which contenders and endpoints, the cgroup
 * parent, the search for each contender x endpoint (capacity_search.c decides, capacity_measure.c
 * measures), the capacity/ documents and the sweep (sweep.c); the study's tail for `pocbench
 * run` is capacity_run.c.
 *
 * Order: endpoint outermost, contenders inside (as the study orders them), so drift of a shared
 * machine lands on every contender of an endpoint alike. Each contender x endpoint gets a fresh
 * service in a fresh cgroup for the search, and another for the sweep, so a search that drove
 * the service into swap or a long GC tail does not colour the sweep.
 * A document is written as soon as its search ends (atomically), so an interrupted run keeps
 * everything finished; with skip_existing (run --resume) finished documents are not redone. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "capacity_int.h"
#include "cmd.h"
#include "fsutil.h"
#include "runner_json.h"
#include "units.h"

volatile sig_atomic_t cap_stop;

static void on_signal(int sig) {
  (void)sig;
  cap_stop = 1;
}

void capacity_opts_defaults(struct cap_opts *o) {
  memset(o, 0, sizeof *o);
  o->do_capacity = true;
  o->slo_p99_ms = 100;
  o->max_failure_rate = 0.01;
  o->step_ns = 10 * 1000000000LL;
  o->warmup_ns = 5 * 1000000000LL;
  o->start_rps = 50;
  o->max_rps = 50000;
  o->factor = 2;
  o->bisect_steps = 4;
  o->cpu_millicores = 500;
  o->memory_bytes = 256ull << 20;
  o->health_timeout_ns = 60 * 1000000000LL;
}

char *capacity_default_out(char *buf, size_t cap) {
  char ts[32];
  snprintf(buf, cap, "%s/results/%s", pocbench_root(), clock_utc_rfc3339(ts, sizeof ts, 1));
  return buf;
}

/* ------------------------------------------------------------------ documents */

static void kdbl_or_null(yajl_gen g, const char *k, double v) {
  if (isnan(v)) js_knull(g, k); else js_kdbl(g, k, v);
}

void cap_doc_head(struct cap_ctx *c, struct cap_target *t, yajl_gen g, const char *kind) {
  js_kint(g, "schema", 1);
  js_kstr(g, "kind", kind);
  js_kstr(g, "service", t->conf ? t->conf->name : t->service);
  js_kstr(g, "variant", t->variant[0] ? t->variant : "default");
  js_kstr(g, "endpoint", t->endpoint);
  js_kstr(g, "url", t->url);
  js_kstr(g, "mode", t->conf ? "managed" : "url");
  js_key(g, "limits");
  yajl_gen_map_open(g);
  if (c->limits) {
    js_kint(g, "cpu_millicores", c->o->cpu_millicores);
    js_kint(g, "memory_bytes", (long long)c->o->memory_bytes);
  } else {
    js_knull(g, "cpu_millicores");
    js_knull(g, "memory_bytes");
  }
  js_kbool(g, "enforced", c->limits);
  yajl_gen_map_close(g);
  js_key(g, "generator");
  yajl_gen_map_open(g);
  js_kint(g, "threads", c->threads);
  if (c->gen_cg_made) js_kint(g, "cpu_millicores", c->o->generator_cpu_millicores);
  else js_knull(g, "cpu_millicores");
  js_kstr(g, "placement", "shared CPUs; the service's quota alone limits it");
  yajl_gen_map_close(g);
  js_kdbl(g, "step_seconds", c->step_s);
  js_kdbl(g, "warmup_seconds", c->warmup_s);
}

void cap_doc_step(yajl_gen g, const struct cap_step *s, bool sweep) {
  yajl_gen_map_open(g);
  js_kint(g, "index", s->index);
  if (sweep) js_kint(g, "connections", s->vus);
  else {
    js_kstr(g, "phase", s->phase);
    js_kdbl(g, "offered_rps", s->offered_rps);
    js_kdbl(g, "achieved_rps", s->achieved_rps);
    js_kint(g, "max_vus", s->vus);
  }
  if (sweep) kdbl_or_null(g, "rps", s->achieved_rps);
  js_kstr(g, "status", s->status);
  kdbl_or_null(g, "requests", s->requests);
  kdbl_or_null(g, "failed", s->failed);
  kdbl_or_null(g, "dropped", s->dropped);
  kdbl_or_null(g, "failure_rate", s->failure_rate);
  kdbl_or_null(g, "p50_ms", s->p50_ms);
  kdbl_or_null(g, "p90_ms", s->p90_ms);
  kdbl_or_null(g, "p99_ms", s->p99_ms);
  kdbl_or_null(g, "max_ms", s->max_ms);
  if (!sweep) {
    kdbl_or_null(g, "p50_uncorrected_ms", s->p50_unc_ms);
    kdbl_or_null(g, "p90_uncorrected_ms", s->p90_unc_ms);
    kdbl_or_null(g, "p99_uncorrected_ms", s->p99_unc_ms);
    js_kbool(g, "corrected", s->corrected);
  }
  kdbl_or_null(g, "cpu_cores", s->cpu_cores);
  kdbl_or_null(g, "cpu_cores_peak", s->cpu_cores_peak);
  kdbl_or_null(g, "throttled_share", s->throttled_share);
  kdbl_or_null(g, "nr_periods", s->nr_periods);
  kdbl_or_null(g, "nr_throttled", s->nr_throttled);
  kdbl_or_null(g, "throttled_seconds", s->throttled_seconds);
  kdbl_or_null(g, "memory_peak_bytes", s->memory_peak_bytes);
  js_key(g, "generator");
  yajl_gen_map_open(g);
  kdbl_or_null(g, "cpu_available_cores", s->gen_cpu_avail);
  kdbl_or_null(g, "cpu_share", s->gen_cpu_share);
  kdbl_or_null(g, "cpu_share_peak", s->gen_cpu_peak);
  kdbl_or_null(g, "rate_missed_fraction", s->rate_missed);
  kdbl_or_null(g, "late_fraction", s->late_fraction);
  kdbl_or_null(g, "own_quota_throttled_share", s->gen_throttled_share);
  yajl_gen_map_close(g);
  js_kbool(g, "pass", s->pass);
  js_kbool(g, "generator_limited", s->gen_limited);
  js_kbool(g, "service_saturated", s->service_saturated);
  js_kstr(g, "reason", s->reason);
  if (!sweep) {
    js_kbool(g, "knee", s->knee);
    js_kbool(g, "capacity", s->capacity);
  }
  js_kstr(g, "note", s->note[0] ? s->note : NULL);
  yajl_gen_map_close(g);
}

static void doc_path(struct cap_ctx *c, struct cap_target *t, const char *sub, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s/%s-%s.json", c->out, sub, t->service, t->epname);
}

/* ------------------------------------------------------------------ the search */

static void print_step(struct cap_target *t, const struct cap_step *s, const char *what) {
  printf("  %s %s %s %d: %s -> %.0f req/s, p99 %.1f ms (uncorrected %.1f), failures %.2f%%, "
         "CPU %.2f cores, throttled %.0f%%: %s\n",
         t->service, t->endpoint, s->offered_rps > 0 ? s->phase : "sweep", s->index, what,
         s->achieved_rps, s->p99_ms, s->p99_unc_ms, 100 * (isnan(s->failure_rate) ? 0 : s->failure_rate),
         s->cpu_cores, 100 * (isnan(s->throttled_share) ? 0 : s->throttled_share),
         s->gen_limited ? "GENERATOR-LIMITED" : s->pass ? "pass" : "fail");
  if (s->reason[0]) printf("    %s\n", s->reason);
  fflush(stdout);
}

/* (Re)starts the service if it is not running. 0 or -errno with err. */
static int ensure_started(struct cap_ctx *c, struct cap_target *t, char *err, size_t errlen) {
  if (!t->conf || t->started) return 0;
  if (t->restarts++ > 0) printf("  %s %s: restarting the service\n", t->service, t->endpoint);
  int rc = cap_target_start(c, t, err, errlen);
  if (rc == 0) cap_target_warmup(c, t);
  return rc;
}

/* The search for one target. Writes the document. 0, 1 interrupted, -1 not measurable. */
static int capacity_one(struct cap_ctx *c, struct cap_target *t) {
  char started[40], ended[40], err[2048] = "";
  clock_utc_rfc3339(started, sizeof started, 0);
  double t0 = clock_now_s();
  struct cap_search cs;
  cap_search_init(&cs, c->o->start_rps, c->o->max_rps, c->o->factor, c->o->bisect_steps);
  struct cap_step steps[64];
  size_t n = 0;
  int ret = 0;
  char failure[2048] = "";
  printf("capacity %s %s: SLO p99 < %.0f ms, failures < %.2f%%, %gs steps from %g req/s\n",
         t->service, t->endpoint, c->slo.p99_ms, 100 * c->slo.max_failure_rate, c->step_s, cs.start_rps);
  fflush(stdout);
  t->restarts = 0;
  while (!cs.done && n < sizeof steps / sizeof steps[0] && !cap_stop) {
    if (ensure_started(c, t, err, sizeof err) < 0) {
      snprintf(failure, sizeof failure, "cannot start %s: %s", t->service, err);
      cs.done = true;
      cs.limit = CAP_LIMIT_ERROR;
      ret = -1;
      break;
    }
    struct cap_step *s = &steps[n];
    cap_step_init(s);
    s->index = (int)n + 1;
    snprintf(s->phase, sizeof s->phase, "%s", cap_search_phase(&cs));
    s->offered_rps = cs.next;
    int rc = cap_measure(c, t, s);
    if (rc == 1) break;
    n++;
    cap_judge(s, &c->slo);
    char what[64];
    snprintf(what, sizeof what, "%g req/s offered", s->offered_rps);
    print_step(t, s, what);
    if (rc < 0) {
      snprintf(failure, sizeof failure, "%s", s->note);
      cs.done = true;
      cs.limit = CAP_LIMIT_ERROR;
      ret = -1;
      break;
    }
    cap_search_feed(&cs, s->pass, s->gen_limited);
    if (strcmp(s->status, "ok")) cap_target_stop(t);   /* crashed or OOM-killed: fresh one next */
    else if (!cs.done) cap_target_drain(c, t);
  }
  if (cap_stop) return 1;
  if (!cs.done && !failure[0]) cs.limit = CAP_LIMIT_ERROR, snprintf(failure, sizeof failure, "step budget exhausted");

  double cap = cap_search_capacity(&cs);
  double knee = cap_mark(steps, n, cap, &c->slo);
  double first_fail = cs.hi;
  clock_utc_rfc3339(ended, sizeof ended, 0);

  char verdict[512];
  const char *lim = cap_limit_name(cs.limit);
  switch (cs.limit) {
  case CAP_LIMIT_SLO:
    snprintf(verdict, sizeof verdict, "%.0f req/s: the highest rate meeting the SLO (%.0f req/s failed it)", cap, first_fail);
    break;
  case CAP_LIMIT_GENERATOR:
    if (cap > 0)
      snprintf(verdict, sizeof verdict, "at least %.0f req/s: the load generator, not the service, was the limit "
               "above that, so this is a lower bound, not a capacity", cap);
    else
      snprintf(verdict, sizeof verdict, "not measured: the load generator, not the service, was the limit "
               "already at %g req/s, the first rate tried", cs.next);
    break;
  case CAP_LIMIT_MAX_RATE:
    snprintf(verdict, sizeof verdict, "at least %.0f req/s: it met the SLO at --max-rate", cap);
    break;
  case CAP_LIMIT_MIN_RATE:
    snprintf(verdict, sizeof verdict, "below %.2f req/s: it failed the SLO even at the lowest rate tried", first_fail);
    break;
  default:
    snprintf(verdict, sizeof verdict, "not measured: %.300s", failure);
    break;
  }
  printf("capacity %s %s: %s (%.0fs)\n", t->service, t->endpoint, verdict, clock_now_s() - t0);
  fflush(stdout);

  yajl_gen g = js_new();
  yajl_gen_map_open(g);
  cap_doc_head(c, t, g, "capacity");
  js_kstr(g, "started", started);
  js_kstr(g, "ended", ended);
  js_kdbl(g, "elapsed_seconds", clock_now_s() - t0);
  js_key(g, "slo");
  yajl_gen_map_open(g);
  js_kdbl(g, "p99_ms", c->slo.p99_ms);
  js_kdbl(g, "failure_rate", c->slo.max_failure_rate);
  js_kstr(g, "latency", "p99 corrected for coordinated omission (from each request's intended start)");
  yajl_gen_map_close(g);
  js_key(g, "search");
  yajl_gen_map_open(g);
  js_kdbl(g, "start_rps", cs.start_rps);
  js_kdbl(g, "max_rps", cs.max_rps);
  js_kdbl(g, "factor", cs.factor);
  js_kint(g, "bisect_steps", c->o->bisect_steps);
  yajl_gen_map_close(g);
  if (cs.limit == CAP_LIMIT_ERROR || (cap <= 0 && cs.limit != CAP_LIMIT_MIN_RATE)) js_knull(g, "capacity_rps");
  else js_kdbl(g, "capacity_rps", cap);
  js_kbool(g, "capacity_is_lower_bound", cs.limit == CAP_LIMIT_GENERATOR || cs.limit == CAP_LIMIT_MAX_RATE);
  js_kstr(g, "limited_by", lim);
  if (first_fail > 0) js_kdbl(g, "first_fail_rps", first_fail); else js_knull(g, "first_fail_rps");
  if (knee > 0) js_kdbl(g, "knee_rps", knee); else js_knull(g, "knee_rps");
  js_kstr(g, "verdict", verdict);
  js_kstr(g, "failure", failure[0] ? failure : NULL);
  js_kint(g, "restarts", t->restarts > 0 ? t->restarts - 1 : 0);
  js_key(g, "steps");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) cap_doc_step(g, &steps[i], false);
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  char path[PATH_MAX + 300];
  doc_path(c, t, "capacity", path, sizeof path);
  int rc = js_write_file(g, path);
  if (rc < 0) {
    fprintf(stderr, "pocbench capacity: cannot write %s: %s\n", path, strerror(-rc));
    return -1;
  }
  printf("  -> %s\n", path);
  return ret;
}

/* ------------------------------------------------------------------ main */

struct sel { struct svc_conf *c; char variant[64]; char name[128]; };

static int select_services(const struct cap_opts *o, struct svc_conf *confs, size_t nconfs,
                           struct sel *sel, size_t cap, size_t *n, char *err, size_t errlen) {
  *n = 0;
  if (!o->services) {
    for (size_t i = 0; i < nconfs && *n < cap; i++) {
      sel[*n].c = &confs[i];
      sel[*n].variant[0] = '\0';
      snprintf(sel[*n].name, sizeof sel[*n].name, "%s", confs[i].name);
      (*n)++;
    }
    return 0;
  }
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", o->services);
  for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t && *n < cap; t = strtok_r(NULL, ",", &save)) {
    char *at = strchr(t, '@');
    if (at) *at = '\0';
    struct svc_conf *c = NULL;
    for (size_t i = 0; i < nconfs; i++) if (!strcmp(confs[i].name, t)) c = &confs[i];
    if (!c) {
      size_t off = (size_t)snprintf(err, errlen, "--services: no contender '%s' in %s (have:", t, o->apps_dir);
      for (size_t i = 0; i < nconfs && off < errlen; i++)
        off += (size_t)snprintf(err + off, errlen - off, " %s", confs[i].name);
      if (off < errlen) snprintf(err + off, errlen - off, ")");
      return -EINVAL;
    }
    bool found = !at;
    for (size_t i = 0; at && i < c->nvariants; i++) if (!strcmp(c->variants[i].name, at + 1)) found = true;
    if (!found) {
      snprintf(err, errlen, "--services: contender '%s' has no variant '%s'", t, at + 1);
      return -EINVAL;
    }
    sel[*n].c = c;
    snprintf(sel[*n].variant, sizeof sel[*n].variant, "%s", at ? at + 1 : "");
    snprintf(sel[*n].name, sizeof sel[*n].name, "%s%s%s", t, at ? "@" : "", at ? at + 1 : "");
    (*n)++;
  }
  return 0;
}

/* "http://host:port/path" into t. 0 or -EINVAL. */
static int parse_url(const char *url, struct cap_target *t) {
  if (strncmp(url, "http://", 7)) return -EINVAL;
  const char *h = url + 7, *slash = strchr(h, '/'), *colon = strchr(h, ':');
  if (!colon || (slash && colon > slash)) return -EINVAL;
  snprintf(t->host, sizeof t->host, "%.*s", (int)(colon - h), h);
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (port <= 0 || port > 65535 || (*end && *end != '/')) return -EINVAL;
  t->port = (int)port;
  snprintf(t->endpoint, sizeof t->endpoint, "%s", slash ? slash : "/");
  snprintf(t->url, sizeof t->url, "%s", url);
  return 0;
}

static void set_epname(struct cap_target *t) {
  const char *p = t->endpoint + 1;
  size_t k = 0;
  for (; *p && k + 1 < sizeof t->epname; p++)
    t->epname[k++] = (*p == '/' || *p == '?' || *p == '&' || *p == '=') ? '_' : *p;
  t->epname[k] = '\0';
  if (!k) snprintf(t->epname, sizeof t->epname, "root");
}

static bool doc_exists(struct cap_ctx *c, struct cap_target *t, const char *sub) {
  char p[PATH_MAX + 300];
  doc_path(c, t, sub, p, sizeof p);
  return access(p, F_OK) == 0;
}

/* Runs the asked measurements for one target. 0 / 1 interrupted / -1. */
static int measure_target(struct cap_ctx *c, struct cap_target *t) {
  int worst = 0;
  char err[2048] = "";
  if (c->o->do_capacity && !(c->o->skip_existing && doc_exists(c, t, "capacity"))) {
    t->restarts = 0;
    if (!t->conf && cap_target_start(c, t, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench capacity: %s\n", err);
      return -1;
    }
    if (!t->conf) cap_target_warmup(c, t);
    int rc = capacity_one(c, t);
    cap_target_stop(t);
    if (rc == 1) return 1;
    if (rc < 0) worst = -1;
  }
  if (c->o->do_sweep && !(c->o->skip_existing && doc_exists(c, t, "sweep"))) {
    if (cap_target_start(c, t, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench capacity: sweep %s %s: cannot start: %s\n", t->service, t->endpoint, err);
      return -1;
    }
    cap_target_warmup(c, t);
    int rc = sweep_run(c, t);
    cap_target_stop(t);
    if (rc == 1) return 1;
    if (rc < 0) worst = -1;
  }
  return worst;
}

int capacity_main(const struct cap_opts *o) {
  struct cap_ctx C;
  struct cap_ctx *c = &C;
  memset(c, 0, sizeof *c);
  c->o = o;
  c->slo.p99_ms = o->slo_p99_ms;
  c->slo.max_failure_rate = o->max_failure_rate;
  c->step_s = o->step_ns / 1e9;
  c->warmup_s = o->warmup_ns / 1e9;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  c->threads = o->threads > 0 ? o->threads : (int)(ncpu < 1 ? 1 : ncpu > 4 ? 4 : ncpu);
  ssize_t nl = readlink("/proc/self/exe", c->pocbench, sizeof c->pocbench - 1);
  if (nl <= 0) snprintf(c->pocbench, sizeof c->pocbench, "%s/build/pocbench", pocbench_root());
  else c->pocbench[nl] = '\0';
  char err[2048] = "";
  int code = EXIT_OK;

  struct svc_conf *confs = NULL;
  size_t nconfs = 0, nsel = 0;
  struct sel sel[64];
  struct cap_target url_t;
  memset(&url_t, 0, sizeof url_t);
  if (o->url) {
    if (parse_url(o->url, &url_t) < 0) {
      fprintf(stderr, "pocbench capacity: --url '%s' is not http://host:port/path\n", o->url);
      return EXIT_CONFIG;
    }
    snprintf(url_t.service, sizeof url_t.service, "%s", o->name ? o->name : "url");
    set_epname(&url_t);
  } else {
    if (svc_conf_discover(o->apps_dir, &confs, &nconfs, err, sizeof err) < 0 ||
        select_services(o, confs, nconfs, sel, 64, &nsel, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench capacity: %s\n", err);
      svc_conf_free_all(confs, nconfs);
      return EXIT_CONFIG;
    }
    if (!nsel) {
      fprintf(stderr, "pocbench capacity: no contender to measure: %s has no */service.conf\n", o->apps_dir);
      svc_conf_free_all(confs, nconfs);
      return EXIT_CONFIG;
    }
  }
  char eps[1024];
  snprintf(eps, sizeof eps, "%s", o->endpoints ? o->endpoints : "/health,/cpu,/io,/json");
  char *ev[16];
  size_t ne = 0;
  for (char *save = NULL, *t = strtok_r(eps, ",", &save); t && ne < 16; t = strtok_r(NULL, ",", &save)) {
    if (t[0] != '/' || strlen(t) > 200) {
      fprintf(stderr, "pocbench capacity: --endpoints: '%s' is not a path like /health\n", t);
      svc_conf_free_all(confs, nconfs);
      return EXIT_CONFIG;
    }
    ev[ne++] = t;
  }
  if (o->url) ne = 1;

  if (o->out) snprintf(c->out, sizeof c->out, "%s", o->out);
  else capacity_default_out(c->out, sizeof c->out);
  snprintf(c->tmp, sizeof c->tmp, "%s/.tmp-capacity", c->out);
  int rc;
  if ((rc = fs_mkdirs(c->tmp)) < 0 ||
      (o->do_capacity && (rc = fs_mkdirs(strcat(strcpy(err, c->out), "/capacity"))) < 0) ||
      (o->do_sweep && (rc = fs_mkdirs(strcat(strcpy(err, c->out), "/sweep"))) < 0)) {
    fprintf(stderr, "pocbench capacity: cannot create directories under %s: %s\n", c->out, strerror(-rc));
    svc_conf_free_all(confs, nconfs);
    return EXIT_FAIL;
  }

  c->limits = !o->url && !o->no_limits;
  if (c->limits || o->generator_cpu_millicores > 0) {
    if (cg_detect(&c->cg, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench capacity: cannot apply limits: %s\n", err);
      svc_conf_free_all(confs, nconfs);
      return EXIT_FAIL;
    }
    c->cg_ok = true;
    snprintf(c->cg_rel, sizeof c->cg_rel, "poc-compare/capacity-%d", (int)getpid());
    if (o->generator_cpu_millicores > 0) {
      char rel[200];
      snprintf(rel, sizeof rel, "%s/generator", c->cg_rel);
      if (cg_create(&c->cg, rel, &c->gen_cg, err, sizeof err) < 0 ||
          cg_set_limits(&c->gen_cg, o->generator_cpu_millicores, 0, err, sizeof err) < 0) {
        fprintf(stderr, "pocbench capacity: --generator-cpu: %s\n", err);
        cg_remove_tree(&c->cg, c->cg_rel);
        svc_conf_free_all(confs, nconfs);
        return EXIT_FAIL;
      }
      c->gen_cg_made = true;
    }
  }

  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  signal(SIGPIPE, SIG_IGN);
  cap_stop = 0;

  printf("pocbench capacity: %s%s%s -> %s\n", o->do_capacity ? "capacity search" : "",
         o->do_capacity && o->do_sweep ? " + " : "", o->do_sweep ? "concurrency sweep" : "", c->out);
  if (c->limits)
    printf("  limits: cgroup v%d, cpu %lldm (CFS quota), memory %llu bytes, fresh cgroup per service\n",
           c->cg.version, (long long)o->cpu_millicores, (unsigned long long)o->memory_bytes);
  else
    printf("  limits: none (%s)\n", o->url ? "--url: the service is not ours to confine" : "--no-limits");
  printf("  generator: %d thread%s%s; steps %gs; warm-up %gs\n", c->threads, c->threads == 1 ? "" : "s",
         c->gen_cg_made ? ", confined by --generator-cpu" : "", c->step_s, c->warmup_s);
  fflush(stdout);

  double t0 = clock_now_s();
  bool any_error = false;
  if (o->url) {
    rc = measure_target(c, &url_t);
    if (rc < 0) any_error = true;
  } else {
    for (size_t e = 0; e < ne && !cap_stop; e++)
      for (size_t s = 0; s < nsel && !cap_stop; s++) {
        struct cap_target t;
        memset(&t, 0, sizeof t);
        t.conf = sel[s].c;
        snprintf(t.variant, sizeof t.variant, "%s", sel[s].variant);
        snprintf(t.service, sizeof t.service, "%s", sel[s].name);
        snprintf(t.endpoint, sizeof t.endpoint, "%s", ev[e]);
        set_epname(&t);
        rc = measure_target(c, &t);
        cap_target_stop(&t);
        if (rc < 0) any_error = true;
      }
  }
  if (cap_stop) {
    printf("pocbench capacity: interrupted; finished documents kept in %s\n", c->out);
    code = EXIT_INTERRUPTED;
  } else {
    printf("pocbench capacity: done in %.0fs -> %s\n", clock_now_s() - t0, c->out);
    code = any_error ? EXIT_FAIL : EXIT_OK;
  }
  fflush(stdout);
  fs_remove_work_dir(c->tmp);   /* an interrupted step leaves its export and logs */
  if (c->cg_ok) {
    if (c->gen_cg_made) { cg_kill_all(&c->gen_cg, 2LL * 1000000000); cg_remove(&c->gen_cg); }
    if (cg_remove_tree(&c->cg, c->cg_rel) < 0)
      fprintf(stderr, "pocbench capacity: could not remove every cgroup under %s\n", c->cg_rel);
    /* the shared parent goes too when nothing else uses it (the runner does the same) */
    struct cgroup top;
    memset(&top, 0, sizeof top);
    top.version = c->cg.version;
    const char *bases[3] = {c->cg.version == CG_V2 ? c->cg.v2_base : c->cg.cpu_base,
                            c->cg.cpuacct_base, c->cg.mem_base};
    char *dst[3] = {top.cpu, top.cpuacct, top.mem};
    for (int i = 0; i < 3; i++) if (bases[i][0]) snprintf(dst[i], PATH_MAX, "%s/poc-compare", bases[i]);
    cg_remove(&top);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  svc_conf_free_all(confs, nconfs);
  return code;
}
