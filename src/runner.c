/* runner.c: plans the study and drives it: contenders from apps/<name>/service.conf, the verify gate, the
 * scenario order, run.json, interruption, the results/latest link and the report.
 *
 * Order: with --repeat N the matrix is walked N times, and inside one pass contenders are the
 * innermost loop (test > endpoint > contender), so slow drift of the machine (thermal, other
 * tenants) lands on every contender alike instead of on whichever ran last.
 * run.json is rewritten (atomically) after every scenario, so an interrupted or killed run
 * still says what was planned and what finished; a scenario is complete when its .json
 * document exists, which is all --resume looks at. */
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capacity.h"
#include "clock.h"
#include "cmd.h"
#include "fsutil.h"
#include "runner_int.h"
#include "runner_json.h"
#include "sysinfo.h"
#include "units.h"

volatile sig_atomic_t runner_stop;

static void on_signal(int sig) {
  (void)sig;
  runner_stop = 1;
}

/* sched_setaffinity(2) by CPU list ("0", "1-3"); empty or NULL = every CPU. */
int runner_set_cpus(const char *list) {
  unsigned long mask[16];
  memset(mask, 0, sizeof mask);
  long n = sysconf(_SC_NPROCESSORS_CONF);
  if (!list || !*list) {
    for (long i = 0; i < n && i < 1024; i++) mask[i / 64] |= 1UL << (i % 64);
  } else {
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", list);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      int a = atoi(t), b = a;
      char *dash = strchr(t, '-');
      if (dash) b = atoi(dash + 1);
      for (int i = a; i <= b && i < 1024; i++) mask[i / 64] |= 1UL << (i % 64);
    }
  }
  return syscall(SYS_sched_setaffinity, 0, sizeof mask, mask) < 0 ? -errno : 0;
}

/* A duration for people: 0.1 s steps below a minute ("13.4s"), whole seconds above ("5m40s",
 * "1h2m3s"), in Go's notation (units_format_go_duration) once rounded; "?" when unknown. */
char *runner_fmt_dur(double s, char *b, size_t cap) {
  if (!(s >= 0) || !isfinite(s) || s > 1e9) { snprintf(b, cap, "?"); return b; }
  double r = s < 59.95 ? round(s * 10) / 10 : round(s);
  return units_format_go_duration((int64_t)llround(r * 1e9), b, cap);
}

/* ------------------------------------------------------------------ plan */

int runner_endpoints_normalize(const char *list, char *out, size_t cap, char *err, size_t errlen) {
  static const char *const valid[] = {"/health", "/cpu", "/io", "/json"};
  bool seen[4] = {false, false, false, false};
  char tmp[1024];
  size_t off = 0;
  if (cap) out[0] = '\0';
  if (!list || strlen(list) >= sizeof tmp) {
    snprintf(err, errlen, "--endpoints: expected a comma-separated list of %s", RUNNER_ENDPOINTS);
    return -EINVAL;
  }
  snprintf(tmp, sizeof tmp, "%s", list);
  int n = 0;
  /* strsep, not strtok: "/health,,/cpu" has an empty item, which is an error */
  for (char *rest = tmp, *t; (t = strsep(&rest, ",")) != NULL;) {
    while (*t == ' ') t++;
    size_t l = strlen(t);
    while (l && t[l - 1] == ' ') t[--l] = '\0';
    const char *name = t[0] == '/' ? t + 1 : t;
    int k = -1;
    for (int i = 0; i < 4; i++) if (!strcmp(name, valid[i] + 1)) k = i;
    if (k < 0) {
      if (!*t) snprintf(err, errlen, "--endpoints: '%s' has an empty item; valid: %s", list, RUNNER_ENDPOINTS);
      else snprintf(err, errlen, "--endpoints: '%s' is not an endpoint of the contract; valid: %s "
                    "(comma-separated, the leading / optional)", t, RUNNER_ENDPOINTS);
      return -EINVAL;
    }
    if (seen[k]) {
      snprintf(err, errlen, "--endpoints: %s is listed twice (valid: %s, each once)", valid[k], RUNNER_ENDPOINTS);
      return -EINVAL;
    }
    seen[k] = true;
    int w = snprintf(out + off, cap - off, "%s%s", n ? "," : "", valid[k]);
    if (w < 0 || (size_t)w >= cap - off) {
      snprintf(err, errlen, "--endpoints: list too long");
      return -EINVAL;
    }
    off += (size_t)w;
    n++;
  }
  return 0;
}

/* Planned seconds of one profile: the sum of its stage durations (or its duration), scaled. */
static double profile_seconds(const char *path, double scale) {
  char err[256];
  yajl_val v = js_read_file(path, err, sizeof err);
  if (!v) return 60 * scale;
  double total = 0;
  /* the profile's own stages, or those of its scenarios (k6 options shape) */
  yajl_val stages = js_get(v, "stages");
  yajl_val scen = js_get(v, "scenarios");
  yajl_val lists[16];
  size_t nl = 0;
  if (stages && YAJL_IS_ARRAY(stages)) lists[nl++] = stages;
  if (scen && YAJL_IS_OBJECT(scen))
    for (size_t i = 0; i < scen->u.object.len && nl < 16; i++) {
      yajl_val s = js_get(scen->u.object.values[i], "stages");
      if (s && YAJL_IS_ARRAY(s)) lists[nl++] = s;
      const char *d = js_get_str(scen->u.object.values[i], "duration");
      int64_t ns;
      if (d && units_parse_duration(d, &ns) == 0) total += ns / 1e9;
    }
  for (size_t l = 0; l < nl; l++)
    for (size_t i = 0; i < lists[l]->u.array.len; i++) {
      const char *d = js_get_str(lists[l]->u.array.values[i], "duration");
      int64_t ns;
      if (d && units_parse_duration(d, &ns) == 0) total += ns / 1e9;
    }
  const char *d = js_get_str(v, "duration");
  int64_t ns;
  if (!nl && d && units_parse_duration(d, &ns) == 0) total += ns / 1e9;
  yajl_tree_free(v);
  return total * scale;
}

static int make_plan(struct runner *r, char *err, size_t errlen) {
  const struct run_opts *o = r->o;
  const char *tests = o->tests ? o->tests : "load,stress";
  const char *eps = o->endpoints ? o->endpoints : RUNNER_ENDPOINTS;
  /* the selected services: every contender's default, or exactly the named ones */
  struct sel { struct svc_conf *c; char variant[64]; char name[128]; } sel[64];
  size_t ns = 0;
  if (!o->services) {
    for (size_t i = 0; i < r->nconfs && ns < 64; i++) {
      sel[ns].c = &r->confs[i];
      sel[ns].variant[0] = '\0';
      snprintf(sel[ns].name, sizeof sel[ns].name, "%s", r->confs[i].name);
      ns++;
    }
  } else {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", o->services);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t && ns < 64; t = strtok_r(NULL, ",", &save)) {
      char *at = strchr(t, '@');
      if (at) *at = '\0';
      struct svc_conf *c = NULL;
      for (size_t i = 0; i < r->nconfs; i++) if (!strcmp(r->confs[i].name, t)) c = &r->confs[i];
      if (!c) {
        size_t off = (size_t)snprintf(err, errlen, "--services: no contender '%s' in %s (have:", t, o->apps_dir);
        for (size_t i = 0; i < r->nconfs && off < errlen; i++)
          off += (size_t)snprintf(err + off, errlen - off, " %s", r->confs[i].name);
        if (off < errlen) snprintf(err + off, errlen - off, ")");
        return -EINVAL;
      }
      if (at) {
        bool found = false;
        for (size_t i = 0; i < c->nvariants; i++) if (!strcmp(c->variants[i].name, at + 1)) found = true;
        if (!found) {
          snprintf(err, errlen, "--services: contender '%s' has no variant '%s'", t, at + 1);
          return -EINVAL;
        }
      }
      sel[ns].c = c;
      snprintf(sel[ns].variant, sizeof sel[ns].variant, "%s", at ? at + 1 : "");
      snprintf(sel[ns].name, sizeof sel[ns].name, "%s%s%s", t, at ? "@" : "", at ? at + 1 : "");
      ns++;
    }
  }
  if (!ns) {
    snprintf(err, errlen, "no contender to measure: %s has no */service.conf", o->apps_dir);
    return -EINVAL;
  }
  char tl[256], el[512];
  snprintf(tl, sizeof tl, "%s", tests);
  snprintf(el, sizeof el, "%s", eps);
  char *tv[16], *ev[16];
  size_t nt = 0, ne = 0;
  for (char *save = NULL, *t = strtok_r(tl, ",", &save); t && nt < 16; t = strtok_r(NULL, ",", &save)) {
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s.json", o->profiles_dir, t);
    if (access(p, R_OK) < 0) {
      snprintf(err, errlen, "--tests: no profile %s (a test is a profiles/<test>.json file)", p);
      return -EINVAL;
    }
    tv[nt++] = t;
  }
  /* cmd_run passes a canonical list already; checked again here for any other caller */
  char canon[512];
  if (runner_endpoints_normalize(eps, canon, sizeof canon, err, errlen) < 0) return -EINVAL;
  snprintf(el, sizeof el, "%s", canon);
  for (char *save = NULL, *t = strtok_r(el, ",", &save); t && ne < 16; t = strtok_r(NULL, ",", &save))
    ev[ne++] = t;
  if (!nt || !ne) {
    snprintf(err, errlen, "empty --tests or --endpoints");
    return -EINVAL;
  }
  int rep = o->repeat > 0 ? o->repeat : 1;
  r->nsc = (size_t)rep * nt * ne * ns;
  r->sc = calloc(r->nsc, sizeof *r->sc);
  if (!r->sc) return -ENOMEM;
  double warm = r->warmup_ns / 1e9;
  size_t k = 0;
  for (int rp = 1; rp <= rep; rp++)
    for (size_t t = 0; t < nt; t++) {
      char pp[PATH_MAX + 64];
      snprintf(pp, sizeof pp, "%s/%s.json", o->profiles_dir, tv[t]);
      double prof = profile_seconds(pp, o->scale);
      for (size_t e = 0; e < ne; e++)
        for (size_t s = 0; s < ns; s++) {
          struct scenario *c = &r->sc[k++];
          snprintf(c->test, sizeof c->test, "%s", tv[t]);
          c->conf = sel[s].c;
          snprintf(c->variant, sizeof c->variant, "%s", sel[s].variant);
          snprintf(c->service, sizeof c->service, "%s", sel[s].name);
          snprintf(c->endpoint, sizeof c->endpoint, "%s", ev[e]);
          const char *epn = ev[e] + 1;
          snprintf(c->epname, sizeof c->epname, "%s", *epn ? epn : "root");
          for (char *q = c->epname; *q; q++) if (*q == '/') *q = '_';
          c->repeat = rp;
          if (rep > 1) snprintf(c->base, sizeof c->base, "%s-%s.r%d", c->service, c->epname, rp);
          else snprintf(c->base, sizeof c->base, "%s-%s", c->service, c->epname);
          snprintf(c->dir, sizeof c->dir, "%s/test-%s-results", r->out, c->test);
          c->planned_s = prof + warm + 2;   /* + start, health, stop (measured 1-3 s) */
        }
    }
  return 0;
}

/* ------------------------------------------------------------------ verify gate */

static void verify_contenders(struct runner *r) {
  r->verify = calloc(r->nsc, sizeof *r->verify);
  for (size_t i = 0; i < r->nsc; i++) {
    struct scenario *s = &r->sc[i];
    if (s->status[0]) continue;
    size_t j = 0;
    while (j < r->nverify && strcmp(r->verify[j].service, s->service)) j++;
    if (j == r->nverify) {
      if (runner_stop) return;
      struct verify_result *v = &r->verify[r->nverify++];
      snprintf(v->service, sizeof v->service, "%s", s->service);
      printf("verify: %s ... ", s->service);
      fflush(stdout);
      char cmd[PATH_MAX * 4 + 256];
      char *at = strchr(v->service, '@');
      /* verify finds contenders as <root>/apps/NAME: point it at --apps-dir's parent */
      char env[2 * PATH_MAX + 64] = "";
      const char *ab = strrchr(r->o->apps_dir, '/');
      if (ab && !strcmp(ab, "/apps"))
        snprintf(env, sizeof env, "POCBENCH_ROOT='%.*s' ", (int)(ab - r->o->apps_dir), r->o->apps_dir);
      /* the service log verify keeps after a failure goes into the run's work directory, which
       * goes at the end of the run (the failed checks are in run.json) */
      size_t el = strlen(env);
      snprintf(env + el, sizeof env - el, "TMPDIR='%s' ", r->tmp);
      snprintf(cmd, sizeof cmd, "%s'%s' verify --service '%.*s'%s%s 2>&1", env, r->pocbench,
               at ? (int)(at - v->service) : (int)strlen(v->service), v->service,
               at ? " --variant " : "", at ? at + 1 : "");
      FILE *p = popen(cmd, "r");
      char out[16384] = "";
      size_t n = 0;
      if (p) {
        n = fread(out, 1, sizeof out - 1, p);
        out[n] = '\0';
        while (fgetc(p) != EOF) {}
        int st = pclose(p);
        v->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
      } else {
        v->exit_code = 127;
      }
      if (v->exit_code) {
        /* the lines that name the failed checks */
        size_t off = 0;
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
          if ((strstr(l, "FAIL") || strstr(l, "not ok") || strstr(l, "error")) && off < sizeof v->detail - 2)
            off += (size_t)snprintf(v->detail + off, sizeof v->detail - off, "%s%s", off ? "; " : "", l);
        if (!off) snprintf(v->detail, sizeof v->detail, "pocbench verify exited %d", v->exit_code);
        printf("FAILED\n  %.600s%s\n  not measuring %s\n", v->detail, strlen(v->detail) > 600 ? " ..." : "", v->service);
      } else {
        printf("ok\n");
      }
    }
    if (r->verify[j].exit_code) {
      s->skip = true;
      snprintf(s->status, sizeof s->status, "not_verified");
      snprintf(s->failure, sizeof s->failure, "pocbench verify failed: %s", r->verify[j].detail);
    }
  }
}

/* ------------------------------------------------------------------ run.json */

/* Keys of versions.<contender> that the runner itself writes; a version key of the same name
 * is recorded as "version.<key>" so that no object has a key twice. */
static bool reserved_version_key(const char *k) {
  static const char *const res[] = {"language", "description", "start", "env", "variants"};
  for (size_t i = 0; i < sizeof res / sizeof res[0]; i++) if (!strcmp(k, res[i])) return true;
  return false;
}

static const char *kv_find(const struct verlist *l, const char *key) {
  for (size_t i = 0; i < l->n; i++) if (!strcmp(l->kv[i].key, key)) return l->kv[i].value;
  return NULL;
}

/* Sets key to value: replaces an existing key's value (in place, order kept), else appends. */
static void kv_set(struct verlist *l, const char *key, const char *value) {
  char k[256];
  snprintf(k, sizeof k, "%s%s", reserved_version_key(key) ? "version." : "", key);
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->kv[i].key, k)) {
      char *v = strdup(value);
      if (!v) return;
      free(l->kv[i].value);
      l->kv[i].value = v;
      return;
    }
  struct kv *p = realloc(l->kv, (l->n + 1) * sizeof *p);
  if (!p) return;
  l->kv = p;
  p[l->n].key = strdup(k);
  p[l->n].value = strdup(value);
  if (p[l->n].key && p[l->n].value) l->n++;
  else { free(p[l->n].key); free(p[l->n].value); }
}

/* versions_cmd's key=value lines into l: a measured key overrides one of the first ndeclared
 * (declared) keys, and when the two differ the declared value stays beside it as
 * "<key>.declared" (docs/results-format.md). */
static void parse_version_lines(char *text, struct verlist *l, size_t ndeclared) {
  for (char *save = NULL, *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    char *eq = strchr(line, '=');
    if (!eq || eq == line) continue;
    *eq = '\0';
    const char *val = eq + 1;
    char k[256], kd[300];
    snprintf(k, sizeof k, "%s%s", reserved_version_key(line) ? "version." : "", line);
    /* the declared value of this key, when one was declared and differs */
    const char *old = NULL;
    for (size_t i = 0; i < ndeclared && i < l->n; i++)
      if (!strcmp(l->kv[i].key, k)) old = l->kv[i].value;
    if (old && strcmp(old, val)) {
      snprintf(kd, sizeof kd, "%s.declared", line);
      if (!kv_find(l, kd)) kv_set(l, kd, old);
    }
    kv_set(l, line, val);
  }
}

/* Runs versions_cmd as the service of that variant (NULL = default) would run: its env and,
 * with --pin, its CPUs (GOMAXPROCS and the event loop are what the service gets, not what the
 * runner has), and parses what it prints into l. */
static void measure_versions(const struct runner *r, const struct svc_conf *c, const char *variant,
                             struct verlist *l, size_t ndeclared) {
  size_t cap = 65536;
  char *out = malloc(cap), err[512];
  if (!out) return;
  if (r->service_cpus[0]) runner_set_cpus(r->service_cpus);
  /* its output counts even when it fails: a line it printed is still what it measured */
  svc_versions_output(c, variant, 30LL * 1000000000, out, cap, err, sizeof err);
  if (r->harness_cpus[0]) runner_set_cpus(r->harness_cpus);
  else if (r->service_cpus[0]) runner_set_cpus("");
  parse_version_lines(out, l, ndeclared);
  free(out);
}

/* The declared version.* keys, then the versions_cmd lines of the default (run once per run);
 * and for every variant in the plan, its own versions_cmd lines under its environment. */
static void collect_versions(const struct runner *r, const struct svc_conf *c, struct verlist *l) {
  if (l->done) return;
  l->done = true;
  for (size_t k = 0; k < c->nversions; k++) kv_set(l, c->versions[k].key, c->versions[k].value);
  if (c->versions_cmd) measure_versions(r, c, NULL, l, l->n);
  if (!c->versions_cmd || !c->nvariants) return;
  l->variants = calloc(c->nvariants, sizeof *l->variants);
  if (!l->variants) return;
  l->nvariants = c->nvariants;
  for (size_t v = 0; v < c->nvariants; v++) {
    bool planned = false;
    for (size_t k = 0; k < r->nsc && !planned; k++)
      planned = r->sc[k].conf == c && !strcmp(r->sc[k].variant, c->variants[v].name);
    if (!planned) continue;
    l->variants[v].done = true;
    measure_versions(r, c, c->variants[v].name, &l->variants[v], 0);
  }
}

static void verlist_free(struct verlist *l) {
  for (size_t k = 0; k < l->n; k++) { free(l->kv[k].key); free(l->kv[k].value); }
  free(l->kv);
  for (size_t v = 0; l->variants && v < l->nvariants; v++) verlist_free(&l->variants[v]);
  free(l->variants);
}

static void free_versions(struct runner *r) {
  for (size_t i = 0; r->vers && i < r->nconfs; i++) verlist_free(&r->vers[i]);
  free(r->vers);
  r->vers = NULL;
}

/* The sessions of the run so far (from DIR/run.json on --resume) plus this one, running. An
 * earlier session that run.json still calls "running" ended without a word (SIGKILL, power
 * loss): it is recorded as "aborted" with no end time. */
static void start_session(struct runner *r, yajl_val prev) {
  size_t n = 0;
  yajl_val ss = prev ? js_get(prev, "sessions") : NULL;
  size_t np = ss && YAJL_IS_ARRAY(ss) ? ss->u.array.len : prev ? 1 : 0;
  r->sessions = calloc(np + 1, sizeof *r->sessions);
  if (!r->sessions) return;
  for (size_t i = 0; i < np; i++) {
    yajl_val e = ss && YAJL_IS_ARRAY(ss) ? ss->u.array.values[i] : prev;
    const char *st = js_get_str(e, "started"), *en = js_get_str(e, "ended"), *x = js_get_str(e, "status");
    struct session *d = &r->sessions[n++];
    snprintf(d->started, sizeof d->started, "%s", st ? st : "");
    snprintf(d->ended, sizeof d->ended, "%s", en ? en : "");
    snprintf(d->status, sizeof d->status, "%s", !x || !strcmp(x, "running") ? "aborted" : x);
  }
  struct session *cur = &r->sessions[n++];
  if (prev) clock_utc_rfc3339(cur->started, sizeof cur->started, 0);
  else snprintf(cur->started, sizeof cur->started, "%s", r->started);
  snprintf(cur->status, sizeof cur->status, "running");
  r->nsessions = n;
}

static void write_runjson(struct runner *r, const char *status, const char *ended) {
  const struct run_opts *o = r->o;
  yajl_gen g = js_new();
  yajl_gen_map_open(g);
  js_kint(g, "schema", 1);
  js_kstr(g, "run_id", r->run_id);
  js_kstr(g, "started", r->started);
  js_kstr(g, "ended", ended);
  js_kstr(g, "status", status);
  if (r->nsessions) {
    struct session *cur = &r->sessions[r->nsessions - 1];
    snprintf(cur->status, sizeof cur->status, "%s", status);
    snprintf(cur->ended, sizeof cur->ended, "%s", ended ? ended : "");
  }
  js_key(g, "sessions");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < r->nsessions; i++) {
    yajl_gen_map_open(g);
    js_kstr(g, "started", r->sessions[i].started[0] ? r->sessions[i].started : NULL);
    js_kstr(g, "ended", r->sessions[i].ended[0] ? r->sessions[i].ended : NULL);
    js_kstr(g, "status", r->sessions[i].status);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  js_key(g, "argv");
  yajl_gen_array_open(g);
  for (int i = 0; i < o->argc; i++) js_str(g, o->argv[i]);
  yajl_gen_array_close(g);
  js_key(g, "options");
  yajl_gen_map_open(g);
  js_kdbl(g, "scale", o->scale);
  js_kdbl(g, "warmup_s", r->warmup_ns / 1e9);
  js_kint(g, "repeat", o->repeat > 0 ? o->repeat : 1);
  js_kstr(g, "services", o->services);
  js_kstr(g, "endpoints", o->endpoints ? o->endpoints : RUNNER_ENDPOINTS);
  js_kstr(g, "tests", o->tests ? o->tests : "load,stress");
  js_kstr(g, "apps_dir", o->apps_dir);
  js_kstr(g, "profiles_dir", o->profiles_dir);
  js_kbool(g, "verified", !o->no_verify);
  js_kbool(g, "pin", o->pin);
  yajl_gen_map_close(g);
  sysinfo_write(g, r->root);

  js_key(g, "cgroup");
  yajl_gen_map_open(g);
  if (r->limits) {
    js_kint(g, "version", r->cg.version);
    js_key(g, "paths");
    yajl_gen_map_open(g);
    if (r->cg.version == CG_V2) js_kstr(g, "unified", r->cg.v2_base);
    else { js_kstr(g, "cpu", r->cg.cpu_base); js_kstr(g, "cpuacct", r->cg.cpuacct_base); js_kstr(g, "memory", r->cg.mem_base); }
    yajl_gen_map_close(g);
    js_kstr(g, "run_group", r->cg_run_rel);
  } else {
    js_knull(g, "version");
  }
  yajl_gen_map_close(g);

  js_key(g, "limits");
  yajl_gen_map_open(g);
  js_kbool(g, "enforced", r->limits);
  if (o->no_limits) { js_knull(g, "cpu_millicores"); js_knull(g, "memory_bytes"); }
  else { js_kint(g, "cpu_millicores", o->cpu_millicores); js_kint(g, "memory_bytes", (long long)o->memory_bytes); }
  js_kint(g, "cfs_period_us", 100000);
  /* false: --cpu at or above the CPUs online, so the quota never throttles (warned at start) */
  if (r->limits) js_kbool(g, "cpu_limit_effective", !r->cpu_not_limiting);
  else js_knull(g, "cpu_limit_effective");
  js_kint(g, "cpus_online", r->ncpus);
  js_kstr(g, "cpu_meaning", "CFS quota (Kubernetes limits.cpu), not a pinned core");
  yajl_gen_map_close(g);

  js_key(g, "placement");
  yajl_gen_map_open(g);
  js_kstr(g, "mode", r->service_cpus[0] ? "pinned" : "shared");
  js_kint(g, "cpus_online", r->ncpus);
  js_kstr(g, "service_cpus", r->service_cpus[0] ? r->service_cpus : "any (quota-limited only)");
  js_kstr(g, "generator_cpus", r->harness_cpus[0] ? r->harness_cpus : "any");
  js_kstr(g, "runner_cpus", r->harness_cpus[0] ? r->harness_cpus : "any");
  js_kstr(g, "generator", "separate process (pocbench load), own process group, outside the service's cgroup, unlimited");
  js_kstr(g, "scraper_sampler", "in the runner process (every 5 s / every 1 s)");
  yajl_gen_map_close(g);

  js_key(g, "versions");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < r->nconfs; i++) {
    const struct svc_conf *c = &r->confs[i];
    bool used = false;
    for (size_t k = 0; k < r->nsc; k++) if (r->sc[k].conf == c) used = true;
    if (!used) continue;
    js_key(g, c->name);
    yajl_gen_map_open(g);
    js_kstr(g, "language", c->language);
    js_kstr(g, "description", c->description);
    js_kstr(g, "start", c->start);
    if (!r->vers) r->vers = calloc(r->nconfs, sizeof *r->vers);
    if (r->vers) {
      collect_versions(r, c, &r->vers[i]);
      for (size_t k = 0; k < r->vers[i].n; k++) js_kstr(g, r->vers[i].kv[k].key, r->vers[i].kv[k].value);
    }
    /* the environment it runs with: GOMAXPROCS, worker and loop settings live here */
    js_key(g, "env");
    yajl_gen_map_open(g);
    for (size_t k = 0; k < c->nenv; k++) js_kstr(g, c->env[k].key, c->env[k].value);
    yajl_gen_map_close(g);
    js_key(g, "variants");
    yajl_gen_map_open(g);
    for (size_t v = 0; v < c->nvariants; v++) {
      js_key(g, c->variants[v].name);
      yajl_gen_map_open(g);
      js_kstr(g, "start", c->variants[v].start);
      js_key(g, "env");
      yajl_gen_map_open(g);
      for (size_t k = 0; k < c->variants[v].nenv; k++)
        js_kstr(g, c->variants[v].env[k].key, c->variants[v].env[k].value);
      yajl_gen_map_close(g);
      /* a planned variant's own versions_cmd lines, run with its env (its GOMAXPROCS, loop) */
      const struct verlist *vl = r->vers && r->vers[i].variants ? &r->vers[i].variants[v] : NULL;
      if (vl && vl->done) {
        js_key(g, "versions");
        yajl_gen_map_open(g);
        for (size_t k = 0; k < vl->n; k++) js_kstr(g, vl->kv[k].key, vl->kv[k].value);
        yajl_gen_map_close(g);
      }
      yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);

  js_key(g, "verify");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < r->nverify; i++) {
    js_key(g, r->verify[i].service);
    yajl_gen_map_open(g);
    js_kbool(g, "passed", r->verify[i].exit_code == 0);
    js_kstr(g, "detail", r->verify[i].exit_code ? r->verify[i].detail : NULL);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);

  runner_prom_json(r, g);

  /* the outcome of `pocbench report`: null until it ran (docs/results-format.md) */
  js_key(g, "report");
  if (!r->report.status[0]) {
    yajl_gen_null(g);
  } else {
    yajl_gen_map_open(g);
    js_kstr(g, "status", r->report.status);
    if (strcmp(r->report.status, "skipped")) js_kint(g, "exit_code", r->report.exit_code);
    else js_knull(g, "exit_code");
    js_kstr(g, "detail", r->report.detail[0] ? r->report.detail : NULL);
    yajl_gen_map_close(g);
  }

  js_key(g, "plan");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < r->nsc; i++) {
    char id[400];
    snprintf(id, sizeof id, "test-%s-results/%s", r->sc[i].test, r->sc[i].base);
    js_str(g, id);
  }
  yajl_gen_array_close(g);

  js_key(g, "scenarios");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < r->nsc; i++) {
    const struct scenario *s = &r->sc[i];
    yajl_gen_map_open(g);
    js_kstr(g, "test", s->test);
    js_kstr(g, "service", s->service);
    js_kstr(g, "endpoint", s->endpoint);
    js_kint(g, "repeat", s->repeat);
    js_kstr(g, "status", s->status[0] ? s->status : "planned");
    js_kstr(g, "failure", s->failure[0] ? s->failure : NULL);
    js_key(g, "files");
    yajl_gen_array_open(g);
    if (s->status[0] && !s->skip) {
      static const char *ext[] = {"json", "txt", "csv", "prom"};
      for (int e = 0; e < 4; e++) {
        char f[400];
        snprintf(f, sizeof f, "test-%s-results/%s.%s", s->test, s->base, ext[e]);
        js_str(g, f);
      }
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/run.json", r->out);
  int rc = js_write_file(g, path);
  if (rc < 0) fprintf(stderr, "pocbench run: cannot write %s: %s\n", path, strerror(-rc));
}

/* ------------------------------------------------------------------ the study */

/* A scenario whose document exists (from an earlier, interrupted run) is kept as it is. */
static void load_done(struct runner *r) {
  for (size_t i = 0; i < r->nsc; i++) {
    struct scenario *s = &r->sc[i];
    char p[PATH_MAX + 300], err[256];
    snprintf(p, sizeof p, "%s/%s.json", s->dir, s->base);
    if (access(p, F_OK) < 0) continue;
    yajl_val v = js_read_file(p, err, sizeof err);
    const char *st = v ? js_get_str(v, "scenario.status") : NULL;
    const char *fl = v ? js_get_str(v, "scenario.failure") : NULL;
    snprintf(s->status, sizeof s->status, "%s", st ? st : "error");
    if (fl) snprintf(s->failure, sizeof s->failure, "%s", fl);
    if (v) yajl_tree_free(v);
  }
}

static void update_latest(struct runner *r) {
  /* results/latest only when the run lives directly in a "results" directory */
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", r->out);
  char *sl = strrchr(parent, '/');
  if (!sl) return;
  *sl = '\0';
  const char *pb = strrchr(parent, '/');
  pb = pb ? pb + 1 : parent;
  if (strcmp(pb, "results")) return;
  char link[PATH_MAX + 32], tmp[PATH_MAX + 48];
  snprintf(link, sizeof link, "%s/latest", parent);
  snprintf(tmp, sizeof tmp, "%s/.latest.%d", parent, (int)getpid());
  unlink(tmp);
  if (symlink(sl + 1, tmp) == 0 && rename(tmp, link) < 0) unlink(tmp);
}

/* `pocbench report` on the tree, and what came of it in r->report (run.json "report"):
 * "written" (REPORT.md and report.html), "partial" (it failed after writing REPORT.md, so that
 * one is the real report and report.html is missing), "fallback" (no REPORT.md from it: the
 * runner's one-table summary stands in), "skipped" (--no-report). Earlier files go first, so
 * a report from an earlier session can never pass for this one. A failure is said on stderr
 * in capitals: the run itself still has its results. */
static void run_report(struct runner *r) {
  if (r->o->no_report) { snprintf(r->report.status, sizeof r->report.status, "skipped"); return; }
  char md[PATH_MAX + 16], html[PATH_MAX + 16], cmd[PATH_MAX * 2 + 64];
  snprintf(md, sizeof md, "%s/REPORT.md", r->out);
  snprintf(html, sizeof html, "%s/report.html", r->out);
  unlink(md);
  unlink(html);
  snprintf(cmd, sizeof cmd, "'%s' report '%s'", r->pocbench, r->out);
  printf("report: pocbench report %s\n", r->out);
  fflush(stdout);
  int st = system(cmd);
  int code = st == -1 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  r->report.exit_code = code;
  if (!code) { snprintf(r->report.status, sizeof r->report.status, "written"); return; }
  if (access(md, F_OK) == 0) {
    snprintf(r->report.status, sizeof r->report.status, "partial");
    snprintf(r->report.detail, sizeof r->report.detail, "pocbench report exited %d after writing "
             "REPORT.md; report.html was not written", code);
  } else {
    snprintf(r->report.status, sizeof r->report.status, "fallback");
    snprintf(r->report.detail, sizeof r->report.detail, "pocbench report exited %d without "
             "writing REPORT.md; REPORT.md is the runner's basic summary table, not the report", code);
    int rc = runner_write_basic_report(r, code);
    if (rc < 0) {
      snprintf(r->report.status, sizeof r->report.status, "none");
      snprintf(r->report.detail, sizeof r->report.detail, "pocbench report exited %d and the "
               "basic summary could not be written either: %s", code, strerror(-rc));
    }
  }
  fprintf(stderr, "pocbench run: WARNING: THE REPORT FAILED: %s (its messages are above; run.json: "
          "report.status \"%s\"). Write it again with: pocbench report %s\n", r->report.detail,
          r->report.status, r->out);
}

/* The capacity phase that cmd_run starts after the study (capacity_after_run, src/capacity.c):
 * a capacity search and a concurrency sweep per contender x endpoint, each on a fresh service.
 * Its length is estimated from the plan and capacity's defaults: steps of 10 s x scale (at least
 * 2 s; --capacity-step sets them, and then the phase runs at any scale) plus about 1 s each (generator start and stop), a warm-up of 5 s x scale (at least 1 s)
 * and about 2 s of start-up per service, the sweep one step per connection count, the search
 * 2 (a slow endpoint such as FastAPI /cpu) to 9 (C /health) steps up plus the bisection steps
 * (docs/capacity.md, "How long it takes"). Writes a sentence into b; false when there is no
 * capacity phase (then b says why). */
static bool capacity_estimate(const struct runner *r, char *b, size_t cap) {
  const struct run_opts *o = r->o;
  if (o->no_capacity) { snprintf(b, cap, "no capacity phase (--no-capacity)"); return false; }
  if (o->scale < CAPACITY_MIN_SCALE && o->capacity_step_ns <= 0) {
    snprintf(b, cap, "no capacity phase (below --scale %g without --capacity-step; `pocbench "
             "capacity --both` measures it)", CAPACITY_MIN_SCALE);
    return false;
  }
  struct cap_opts co;
  capacity_opts_defaults(&co);
  size_t nsvc = 0, nep = 0;
  for (size_t i = 0; i < r->nsc; i++) {
    bool seen_s = false, seen_e = false;
    for (size_t j = 0; j < i; j++) {
      if (!strcmp(r->sc[j].service, r->sc[i].service)) seen_s = true;
      if (!strcmp(r->sc[j].endpoint, r->sc[i].endpoint)) seen_e = true;
    }
    nsvc += !seen_s;
    nep += !seen_e;
  }
  int sweep = 1;
  for (const char *q = co.sweep_vus ? co.sweep_vus : "1,4,16,64,256"; *q; q++) sweep += *q == ',';
  double step = (o->capacity_step_ns > 0 ? o->capacity_step_ns / 1e9
                 : fmax(2.0, co.step_ns / 1e9 * o->scale)) + 1.0;
  double fixed = 2 * (fmax(1.0, co.warmup_ns / 1e9 * o->scale) + 2.0);
  double lo = (double)(nsvc * nep) * ((2 + co.bisect_steps + sweep) * step + fixed);
  double hi = (double)(nsvc * nep) * ((9 + co.bisect_steps + sweep) * step + fixed);
  char s3[32];
  runner_fmt_dur(step - 1.0, s3, sizeof s3);
  snprintf(b, cap, "+ capacity phase after the study, about %.0f-%.0f min (%zu contender%s x %zu "
           "endpoint%s: capacity search %d-%d steps + sweep %d steps of %s each); --no-capacity "
           "skips it", fmax(1, floor(lo / 60)), fmax(1, ceil(hi / 60)), nsvc, nsvc == 1 ? "" : "s",
           nep, nep == 1 ? "" : "s", 2 + co.bisect_steps, 9 + co.bisect_steps, sweep, s3);
  return true;
}

int runner_run(const struct run_opts *o) {
  struct runner R;
  struct runner *r = &R;
  memset(r, 0, sizeof *r);
  r->o = o;
  char err[2048] = "";
  int code = EXIT_OK;
  snprintf(r->root, sizeof r->root, "%s", pocbench_root());
  /* Children (verify, load, report) run this very binary through /proc/<pid>/exe: the whole
   * study uses one build even if build/pocbench is rebuilt meanwhile, and an exec never hits a
   * half-written file ("Text file busy"). */
  snprintf(r->pocbench, sizeof r->pocbench, "/proc/%d/exe", (int)getpid());
  if (access(r->pocbench, X_OK) < 0) snprintf(r->pocbench, sizeof r->pocbench, "%s/build/pocbench", r->root);
  setenv("POCBENCH_ROOT", r->root, 0);
  r->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (!o->no_limits && r->ncpus > 0 && o->cpu_millicores >= (int64_t)r->ncpus * 1000) {
    r->cpu_not_limiting = true;
    fprintf(stderr, "pocbench run: warning: --cpu %lldm is at or above the %d CPU%s online "
            "(%dm), so the quota can never throttle the service: it is no CPU limit "
            "(run.json: limits.cpu_limit_effective false)\n", (long long)o->cpu_millicores,
            r->ncpus, r->ncpus == 1 ? "" : "s", r->ncpus * 1000);
  }
  clock_utc_rfc3339(r->started, sizeof r->started, 0);
  r->warmup_ns = o->warmup_ns >= 0 ? o->warmup_ns
                 : (int64_t)fmax(1e9, 10e9 * o->scale);

  if (svc_conf_discover(o->apps_dir, &r->confs, &r->nconfs, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench run: %s\n", err);
    return EXIT_CONFIG;
  }
  if (o->out) snprintf(r->out, sizeof r->out, "%s", o->out);
  else {
    char ts[32];
    snprintf(r->out, sizeof r->out, "%s/results/%s", r->root, clock_utc_rfc3339(ts, sizeof ts, 1));
  }
  const char *b = strrchr(r->out, '/');
  snprintf(r->run_id, sizeof r->run_id, "%s", b ? b + 1 : r->out);
  if (make_plan(r, err, sizeof err) < 0 || runner_prom_plan(r, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench run: %s\n", err);
    code = EXIT_CONFIG;
    goto out;
  }
  if (o->dry_run) {
    double total = 0;
    for (size_t i = 0; i < r->nsc; i++) {
      printf("%3zu  test-%s-results/%s  (about %.0fs)\n", i + 1, r->sc[i].test, r->sc[i].base, r->sc[i].planned_s);
      total += r->sc[i].planned_s;
    }
    char pd[32], capl[512];
    runner_fmt_dur(total, pd, sizeof pd);
    capacity_estimate(r, capl, sizeof capl);
    printf("%zu scenarios, planned length about %s (warm-up %.1fs each, scale %g)\n%s\n", r->nsc, pd,
           r->warmup_ns / 1e9, o->scale, capl);
    if (o->prometheus) {
      printf("prometheus: %s, one fixed port per job:", r->prom_bin);
      for (size_t i = 0; i < r->njobs; i++)
        printf(" %s (service %s)%s", r->jobs[i].job, r->jobs[i].service, i + 1 < r->njobs ? "," : "\n");
    }
    code = EXIT_OK;
    goto out;
  }
  if (o->resume) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/run.json", r->out);
    yajl_val v = js_read_file(p, err, sizeof err);
    if (v) {
      const char *st = js_get_str(v, "started");
      if (st) snprintf(r->started, sizeof r->started, "%s", st);
    }
    start_session(r, v);
    if (v) yajl_tree_free(v);
    load_done(r);
  } else if (access(r->out, F_OK) == 0) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/run.json", r->out);
    if (access(p, F_OK) == 0) {
      fprintf(stderr, "pocbench run: %s already holds a run; use --resume %s to continue it, or "
              "another --out\n", r->out, r->out);
      code = EXIT_CONFIG;
      goto out;
    }
  }
  if (!r->sessions) start_session(r, NULL);
  int rc = fs_mkdirs(r->out);
  snprintf(r->tmp, sizeof r->tmp, "%s/.tmp", r->out);
  if (rc < 0 || fs_mkdirs(r->tmp) < 0) {
    fprintf(stderr, "pocbench run: cannot create %s: %s\n", r->out, strerror(rc < 0 ? -rc : errno));
    code = EXIT_FAIL;
    goto out;
  }

  if (!o->no_limits) {
    if (cg_detect(&r->cg, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench run: cannot apply limits: %s\n", err);
      code = EXIT_FAIL;
      goto out;
    }
    snprintf(r->cg_run_rel, sizeof r->cg_run_rel, "poc-compare/%s", r->run_id);
    struct cgroup probe;
    if (cg_create(&r->cg, r->cg_run_rel, &probe, err, sizeof err) < 0 ||
        cg_set_limits(&probe, 0, 0, err, sizeof err) < 0) {
      fprintf(stderr, "pocbench run: cannot apply limits: %s\n", err);
      cg_remove_tree(&r->cg, r->cg_run_rel);
      code = EXIT_FAIL;
      goto out;
    }
    r->limits = true;
  }
  if (o->pin) {
    /* the service gets as many whole CPUs as its quota needs, from the top; the harness the rest */
    int need = o->no_limits ? 1 : (int)((o->cpu_millicores + 999) / 1000);
    if (need < 1) need = 1;
    if (need >= r->ncpus) {
      fprintf(stderr, "pocbench run: --pin needs more than %d CPUs for a %lldm service and the "
              "harness; this machine has %d\n", need, (long long)o->cpu_millicores, r->ncpus);
      code = EXIT_CONFIG;
      goto out;
    }
    snprintf(r->service_cpus, sizeof r->service_cpus, need == 1 ? "%d" : "%d-%d",
             r->ncpus - need, r->ncpus - 1);
    snprintf(r->harness_cpus, sizeof r->harness_cpus, r->ncpus - need == 1 ? "%d" : "0-%d",
             r->ncpus - need - 1);
    runner_set_cpus(r->harness_cpus);
  }

  struct sigaction sa = {0}, old_int, old_term, old_pipe;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  signal(SIGPIPE, SIG_IGN);
  (void)old_pipe;
  runner_stop = 0;

  size_t todo = 0;
  for (size_t i = 0; i < r->nsc; i++) if (!r->sc[i].status[0]) todo++;
  printf("pocbench run: %zu scenario%s (%zu to run) -> %s\n", r->nsc, r->nsc == 1 ? "" : "s", todo, r->out);
  printf("  limits: %s; warm-up %.1fs; scale %g; repeat %d; placement: %s\n",
         r->limits ? "cgroup" : "none (--no-limits)", r->warmup_ns / 1e9, o->scale,
         o->repeat > 0 ? o->repeat : 1, r->service_cpus[0] ? "pinned" : "shared CPUs, quota only");
  if (r->limits)
    printf("  cgroup v%d: cpu %lldm (quota %lld us / 100000 us), memory %llu bytes, under %s\n",
           r->cg.version, (long long)o->cpu_millicores, (long long)o->cpu_millicores * 100,
           (unsigned long long)o->memory_bytes, r->cg_run_rel);
  double planned = 0;
  for (size_t i = 0; i < r->nsc; i++) if (!r->sc[i].status[0]) planned += r->sc[i].planned_s;
  char pd[32], capl[512];
  runner_fmt_dur(planned, pd, sizeof pd);
  capacity_estimate(r, capl, sizeof capl);
  printf("  planned length: about %s; %s\n", pd, capl);
  fflush(stdout);

  if ((rc = runner_prom_start(r, err, sizeof err)) < 0) {
    fprintf(stderr, "pocbench run: --prometheus: %s\n", err);
    code = rc == -ENOENT ? EXIT_CONFIG : EXIT_FAIL;
    goto end;
  }
  if (!o->no_verify) verify_contenders(r);
  update_latest(r);
  write_runjson(r, "running", NULL);
  r->t_start = clock_now_s();
  bool any_error = false;
  for (size_t i = 0; i < r->nsc && !runner_stop; i++) {
    struct scenario *s = &r->sc[i];
    if (s->status[0]) { if (s->skip) any_error = true; continue; }
    double t = clock_now_s();
    int res = scenario_run(r, s, i + 1, r->nsc);
    if (res == 1) break;
    r->done_planned_s += s->planned_s;
    r->done_actual_s += clock_now_s() - t;
    if (res < 0) any_error = true;
    if (isatty(1)) printf("\r\033[2K\n\033[2K\033[1A");
    double rem = 0;
    for (size_t j = i + 1; j < r->nsc; j++) if (!r->sc[j].status[0]) rem += r->sc[j].planned_s;
    char e0[32], e1[32], e2[32];
    runner_fmt_dur(clock_now_s() - t, e0, sizeof e0);
    runner_fmt_dur(clock_now_s() - r->t_start, e1, sizeof e1);
    runner_fmt_dur(r->done_planned_s > 0 ? rem * r->done_actual_s / r->done_planned_s : rem, e2, sizeof e2);
    /* a long failure (a traceback) says the most at its end */
    size_t fl = strlen(s->failure);
    printf("scenario %zu of %zu: %s %s %s: %s (%s; elapsed %s, ETA %s)%s%s%s\n", i + 1, r->nsc,
           s->test, s->service, s->endpoint, s->status, e0, e1, e2,
           fl ? "\n  " : "", fl > 600 ? "... " : "", s->failure + (fl > 600 ? fl - 600 : 0));
    fflush(stdout);
    write_runjson(r, "running", NULL);
  }
  if (isatty(1)) printf("\r\033[2K\n\033[2K\033[1A");
  runner_prom_stop(r);
  char ended[40];
  clock_utc_rfc3339(ended, sizeof ended, 0);
  if (runner_stop) {
    printf("pocbench run: interrupted; completed scenarios kept in %s (continue with --resume %s)\n",
           r->out, r->out);
    write_runjson(r, "interrupted", ended);
    code = EXIT_INTERRUPTED;
  } else {
    write_runjson(r, "complete", ended);
    run_report(r);
    write_runjson(r, "complete", ended);   /* with the report's outcome */
    code = any_error ? EXIT_FAIL : EXIT_OK;
  }
end:
  runner_prom_stop(r);
  fs_remove_work_dir(r->tmp);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);

out:
  runner_prom_stop(r);
  /* --pin held this process (and so what it starts next: the capacity phase, the report) to the
   * harness CPUs; the phase after the study records "shared CPUs", so give it every CPU back */
  if (r->harness_cpus[0]) runner_set_cpus(NULL);
  if (r->limits && cg_remove_tree(&r->cg, r->cg_run_rel) < 0)
    fprintf(stderr, "pocbench run: could not remove every cgroup under %s\n", r->cg_run_rel);
  if (r->limits) {
    /* the shared parent goes too when no other run uses it (rmdir fails while it has children) */
    const char *bases[4] = {r->cg.v2_base, r->cg.cpu_base, r->cg.cpuacct_base, r->cg.mem_base};
    for (int i = 0; i < 4; i++) {
      char p[PATH_MAX + 16];
      if (!bases[i][0]) continue;
      snprintf(p, sizeof p, "%s/poc-compare", bases[i]);
      rmdir(p);
    }
  }
  free_versions(r);
  free(r->sessions);
  svc_conf_free_all(r->confs, r->nconfs);
  free(r->sc);
  free(r->verify);
  free(r->jobs);
  return code;
}
