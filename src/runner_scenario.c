/* runner_scenario.c: one scenario, start to files.
 *
 *   cgroup leaf + limits -> service started inside it (svc_start writes its pid into the
 *   cgroup.procs files before exec) -> health -> warm-up (pocbench load, low load, not counted)
 *   -> scrape "before" -> pocbench load with the profile, while this process samples the
 *   cgroup every second and scrapes /metrics every 5 s -> scrape "after" -> stop the service,
 *   kill whatever is left in the group by membership, rmdir -> write .txt .csv .prom .json.
 *
 * The generator is a child process (not a thread) so that its CPU is measured on its own
 * (wait4's rusage), it can be placed on other CPUs than the service, and a crash of either
 * never takes the runner down. It gets its own process group so a terminal's Ctrl-C reaches
 * only the runner, which then decides the order of shutdown. A crash or OOM kill of the service
 * is a result: the generator is stopped early and the scenario is written with that status. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "fsutil.h"
#include "prom.h"
#include "runner_int.h"
#include "runner_json.h"
#include "sampler.h"
#include "scrape.h"
#include "units.h"

#define SERVICE_HOST "127.0.0.1"
#define SCRAPE_EVERY_S 5.0
#define SCRAPE_TIMEOUT_NS 2000000000LL

/* A growing byte buffer. */
struct buf {
  char *p;
  size_t n, cap;
};

static void buf_add(struct buf *b, const char *d, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *p = realloc(b->p, cap);
    if (!p) return;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Appends d[0..n) with every occurrence of from replaced by to. */
static void buf_add_replacing(struct buf *b, const char *d, size_t n, const char *from, const char *to) {
  size_t fl = strlen(from), tl = strlen(to), i = 0, run = 0;
  while (fl && i + fl <= n) {
    if (!memcmp(d + i, from, fl)) {
      buf_add(b, d + run, i - run);
      buf_add(b, to, tl);
      i += fl;
      run = i;
    } else {
      i++;
    }
  }
  buf_add(b, d + run, n - run);
}

static void buf_free(struct buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* ------------------------------------------------------------------ generator child */

struct child {
  pid_t pid;
  int fd[2];                /* stdout, stderr read ends (-1 when closed) */
  struct buf out, err;
  char live[256];           /* last progress line seen */
  int status;
  double cpu_s;             /* user+sys from wait4 */
  bool reaped;
};

static int child_spawn(struct runner *r, char *const argv[], struct child *c) {
  memset(c, 0, sizeof *c);
  c->fd[0] = c->fd[1] = -1;
  int po[2], pe[2];
  if (pipe2(po, O_CLOEXEC) < 0) return -errno;
  if (pipe2(pe, O_CLOEXEC) < 0) { close(po[0]); close(po[1]); return -errno; }
  if (r->harness_cpus[0]) runner_set_cpus(r->harness_cpus);
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    dup2(po[1], 1);
    dup2(pe[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execv(r->pocbench, argv);
    fprintf(stderr, "cannot run %s: %s\n", r->pocbench, strerror(errno));
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  c->pid = pid;
  c->fd[0] = po[0];
  c->fd[1] = pe[0];
  fcntl(c->fd[0], F_SETFL, O_NONBLOCK);
  fcntl(c->fd[1], F_SETFL, O_NONBLOCK);
  return 0;
}

/* The last complete-or-partial line of d, as a terminal would show it (after the last \r). */
static void take_live(char *live, size_t cap, const char *d, size_t n) {
  size_t end = n;
  while (end && (d[end - 1] == '\n' || d[end - 1] == '\r')) end--;
  if (!end) return;
  size_t start = end;
  while (start && d[start - 1] != '\n' && d[start - 1] != '\r') start--;
  size_t len = end - start < cap - 1 ? end - start : cap - 1;
  memcpy(live, d + start, len);
  live[len] = '\0';
}

/* Reads what is available; returns true while any pipe is still open. */
static bool child_pump(struct child *c, int timeout_ms) {
  struct pollfd p[2];
  int np = 0;
  for (int i = 0; i < 2; i++)
    if (c->fd[i] >= 0) p[np++] = (struct pollfd){.fd = c->fd[i], .events = POLLIN};
  if (!np) {
    if (timeout_ms > 0) usleep((useconds_t)timeout_ms * 1000);
    return false;
  }
  if (poll(p, (nfds_t)np, timeout_ms) <= 0) return true;
  for (int i = 0; i < 2; i++) {
    if (c->fd[i] < 0) continue;
    char d[8192];
    for (;;) {
      ssize_t n = read(c->fd[i], d, sizeof d);
      if (n > 0) {
        struct buf *b = i == 0 ? &c->out : &c->err;
        if (b->n < (8u << 20)) buf_add(b, d, (size_t)n);
        take_live(c->live, sizeof c->live, d, (size_t)n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) { close(c->fd[i]); c->fd[i] = -1; }
      break;
    }
  }
  return c->fd[0] >= 0 || c->fd[1] >= 0;
}

static bool child_reap(struct child *c, bool block) {
  if (c->reaped) return true;
  struct rusage ru;
  pid_t w = wait4(c->pid, &c->status, block ? 0 : WNOHANG, &ru);
  if (w == c->pid) {
    c->reaped = true;
    c->cpu_s = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
  }
  return c->reaped;
}

static int child_exit_code(const struct child *c) {
  if (WIFEXITED(c->status)) return WEXITSTATUS(c->status);
  if (WIFSIGNALED(c->status)) return 128 + WTERMSIG(c->status);
  return -1;
}

static void child_close(struct child *c) {
  for (int i = 0; i < 2; i++) if (c->fd[i] >= 0) close(c->fd[i]);
  if (c->pid > 0 && !c->reaped) {
    kill(-c->pid, SIGKILL);
    child_reap(c, true);
  }
  buf_free(&c->out);
  buf_free(&c->err);
}

/* ------------------------------------------------------------------ progress */

static void progress(struct runner *r, const struct scenario *s, size_t k, size_t n,
                     const char *phase, const char *live, double scen_elapsed) {
  if (!isatty(1)) return;
  double el = clock_now_s() - r->t_start;
  /* remaining planned time, corrected by how far off the plan the study has been so far */
  double rem = 0;
  for (size_t i = k - 1; i < r->nsc; i++) if (!r->sc[i].status[0] && !r->sc[i].skip) rem += r->sc[i].planned_s;
  rem -= scen_elapsed < s->planned_s ? scen_elapsed : s->planned_s;
  double f = r->done_planned_s > 0 ? r->done_actual_s / r->done_planned_s : 1.0;
  char e1[32], e2[32];
  runner_fmt_dur(el, e1, sizeof e1);
  runner_fmt_dur(rem * f, e2, sizeof e2);
  printf("\r\033[2Kscenario %zu of %zu: %s %s %s [%s]  elapsed %s  ETA %s\n\033[2K  %.150s\033[1A\r",
         k, n, s->test, s->service, s->endpoint, phase, e1, e2, live ? live : "");
  fflush(stdout);
}

/* ------------------------------------------------------------------ scenario */

struct run_state {
  struct svc_proc proc;
  bool started, died;
  int died_status;
  struct cgroup cg;
  bool cg_made;
  struct sampler smp;
  struct cg_stats st_begin, st_end;
  bool have_begin, have_end;
  struct buf prom;
  char *scrape_before, *scrape_after;
  size_t before_len, after_len;
  int nscrapes;
  double t0;                /* monotonic seconds at profile start */
  double runner_cpu0, runner_cpu;
  double profile_s;
  int load_exit;
  double gen_cpu_s;
  struct buf load_out, load_err;
  bool interrupted;
  char err[2048];
};

static void scrape_once(struct runner *r, struct run_state *st, double t_s, bool keep_before,
                        bool keep_after) {
  (void)r;
  char *body = NULL;
  size_t len = 0;
  int status = 0;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  long long unix_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
  int rc = scrape_get(st->proc.host, st->proc.port, "/metrics", SCRAPE_TIMEOUT_NS, &body, &len, &status);
  char line[256];
  if (rc < 0 || status != 200) {
    buf_printf(&st->prom, "%s", scrape_record_line(line, sizeof line, t_s, unix_ms,
                                                   rc < 0 ? strerror(-rc) : "non-200 status"));
    free(body);
    return;
  }
  st->nscrapes++;
  buf_printf(&st->prom, "%s", scrape_record_line(line, sizeof line, t_s, unix_ms, NULL));
  buf_add(&st->prom, body, len);
  if (len && body[len - 1] != '\n') buf_add(&st->prom, "\n", 1);
  if (keep_before) { free(st->scrape_before); st->scrape_before = body; st->before_len = len; body = NULL; }
  if (keep_after) { free(st->scrape_after); st->scrape_after = body; st->after_len = len; body = NULL; }
  free(body);
}

static bool service_check(struct run_state *st) {
  if (!st->started || st->died) return !st->died;
  int status = 0;
  if (!svc_alive(&st->proc, &status)) {
    st->died = true;
    st->died_status = status;
  }
  return !st->died;
}

/* The generator's last per-second row (its CSV is flushed row by row into a temp file named
 * "<csv>.tmp.<pid>" until it ends), as the live line under the runner's progress. */
static void csv_live(const char *csv_tmp, pid_t pid, char *live, size_t cap) {
  char p[PATH_MAX + 340];
  snprintf(p, sizeof p, "%s.tmp.%d", csv_tmp, (int)pid);
  FILE *f = fopen(p, "re");
  if (!f) return;
  char tail[1024];
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0, SEEK_SET);
  size_t n = fread(tail, 1, sizeof tail - 1, f);
  fclose(f);
  tail[n] = '\0';
  while (n && tail[n - 1] == '\n') tail[--n] = '\0';
  char *line = strrchr(tail, '\n');
  line = line ? line + 1 : tail;
  double t, vus, reqs, failed, it, dr, ds, rv, p50, p90, p95;
  if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &t, &vus, &reqs, &failed, &it,
             &dr, &ds, &rv, &p50, &p90, &p95) == 11)
    snprintf(live, cap, "t=%.0fs  %.0f VUs  %.0f req/s  %.0f failed  p50 %.2f ms  p95 %.2f ms",
             t, vus, reqs, failed, p50, p95);
}

/* Runs the generator with argv to completion (or until stopped), sampling/scraping when
 * measuring. Returns the generator's exit code (or -errno if it could not start). */
static int run_generator(struct runner *r, struct scenario *s, struct run_state *st,
                         char *const argv[], const char *csv_tmp, size_t k, size_t n) {
  bool measuring = csv_tmp != NULL;
  struct child c;
  int rc = child_spawn(r, argv, &c);
  if (rc < 0) {
    snprintf(st->err, sizeof st->err, "cannot start %s load: %s", r->pocbench, strerror(-rc));
    return rc;
  }
  double start = clock_now_s(), next_sample = start, next_scrape = start + SCRAPE_EVERY_S;
  double next_progress = start, stop_sent = 0;
  if (measuring) { st->t0 = start; st->runner_cpu0 = self_cpu_s(); }
  bool open = true;
  while (open || !c.reaped) {
    double now = clock_now_s();
    double wake = next_progress;
    if (measuring) {
      if (next_sample < wake) wake = next_sample;
      if (next_scrape < wake) wake = next_scrape;
    }
    int to = (int)((wake - now) * 1000);
    if (to < 0) to = 0;
    if (to > 200) to = 200;
    open = child_pump(&c, to);
    if (!open) child_reap(&c, false);
    now = clock_now_s();
    if (measuring && now >= next_sample) {
      struct cg_stats cs;
      if (st->cg_made && cg_read(&st->cg, &cs) == 0)
        sampler_add(&st->smp, st->smp.n ? now - start : 0, &cs);
      next_sample += 1.0;
      if (next_sample < now) next_sample = now + 1.0;
      csv_live(csv_tmp, c.pid, c.live, sizeof c.live);
    }
    if (measuring && now >= next_scrape) {
      if (!st->died) scrape_once(r, st, now - start, false, false);
      next_scrape += SCRAPE_EVERY_S;
    }
    bool alive = service_check(st);
    if ((runner_stop || !alive) && !stop_sent && !c.reaped) {
      /* end the test gracefully: the generator still writes its summary */
      kill(-c.pid, SIGINT);
      stop_sent = now;
    }
    if (stop_sent && now - stop_sent > 15 && !c.reaped) kill(-c.pid, SIGKILL);
    if (now >= next_progress) {
      progress(r, s, k, n, measuring ? "profile" : "warm-up", c.live, now - r->t_start - r->done_actual_s);
      next_progress = now + 0.5;
    }
  }
  if (measuring) {
    struct cg_stats cs;
    if (st->cg_made && cg_read(&st->cg, &cs) == 0) sampler_add(&st->smp, clock_now_s() - start, &cs);
    st->profile_s = clock_now_s() - start;
    st->runner_cpu = self_cpu_s() - st->runner_cpu0;
    st->gen_cpu_s = c.cpu_s;
    buf_add(&st->load_out, c.out.p ? c.out.p : "", c.out.n);
    buf_add(&st->load_err, c.err.p ? c.err.p : "", c.err.n);
  } else if (child_exit_code(&c) != 0 && !runner_stop && !st->died) {
    char tail[600] = "";
    if (c.err.n) snprintf(tail, sizeof tail, "%s", c.err.p + (c.err.n > 500 ? c.err.n - 500 : 0));
    snprintf(st->err, sizeof st->err, "warm-up load exited %d: %s", child_exit_code(&c), tail);
  }
  int code = child_exit_code(&c);
  child_close(&c);
  return code;
}

static const char *profile_path(struct runner *r, const char *test, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s.json", r->o->profiles_dir, test);
  return buf;
}

/* ------------------------------------------------------------------ writing */

static void write_server(yajl_gen g, struct run_state *st, const char *route) {
  js_key(g, "server");
  scrape_server_json(g, st->scrape_before, st->before_len, st->scrape_after, st->after_len, route,
                     st->nscrapes);
}

static int write_files(struct runner *r, struct scenario *s, struct run_state *st,
                       const char *url, const char *started, const char *ended,
                       const char *export_tmp, const char *csv_tmp) {
  char path[PATH_MAX + 300], err[512];
  int rc = 0, e;
  /* .txt: the generator's own summary, as it printed it */
  snprintf(path, sizeof path, "%s/%s.txt", s->dir, s->base);
  struct buf txt = {0};
  if (s->failure[0]) buf_printf(&txt, "pocbench run: %s %s %s: %s\n%s\n\n", s->test, s->service,
                                s->endpoint, s->status, s->failure);
  if (st->load_out.n) {
    /* the generator names the CSV it wrote, a temp file gone by now: name the final one, as
     * run.json does (relative to the results directory) */
    char final_csv[400];
    snprintf(final_csv, sizeof final_csv, "test-%s-results/%s.csv", s->test, s->base);
    buf_add_replacing(&txt, st->load_out.p, st->load_out.n, csv_tmp, final_csv);
  }
  if ((e = fs_write_atomic(path, txt.p ? txt.p : "", txt.n)) < 0) rc = e;
  buf_free(&txt);

  /* .prom: every scrape */
  snprintf(path, sizeof path, "%s/%s.prom", s->dir, s->base);
  if ((e = fs_write_atomic(path, st->prom.p ? st->prom.p : "", st->prom.n)) < 0) rc = e;

  /* .csv: the generator's series + the cgroup columns */
  snprintf(path, sizeof path, "%s/%s.csv", s->dir, s->base);
  if (access(csv_tmp, F_OK) == 0) {
    if ((e = sampler_merge_csv(r->limits ? &st->smp : NULL, csv_tmp, path, err, sizeof err)) < 0) {
      fprintf(stderr, "pocbench run: %s\n", err);
      rc = e;
    }
  } else {
    const char *hdr = "t_s,vus,reqs,failed,iterations,dropped,data_sent,data_received,p50_ms,"
                      "p90_ms,p95_ms,p99_ms,max_ms,p99_corrected_ms,cpu_cores,throttled_periods,"
                      "memory_bytes\n";
    if ((e = fs_write_atomic(path, hdr, strlen(hdr))) < 0) rc = e;
  }

  /* .json: the scenario document */
  yajl_val client = access(export_tmp, F_OK) == 0 ? js_read_file(export_tmp, err, sizeof err) : NULL;
  yajl_gen g = js_new();
  yajl_gen_map_open(g);
  js_kint(g, "schema", 1);
  js_key(g, "scenario");
  yajl_gen_map_open(g);
  js_kstr(g, "test", s->test);
  js_kstr(g, "service", s->conf->name);
  js_kstr(g, "variant", s->variant[0] ? s->variant : "default");
  js_kstr(g, "endpoint", s->endpoint);
  js_kint(g, "repeat", s->repeat);
  js_kstr(g, "url", url);
  js_kstr(g, "status", s->status);
  js_kstr(g, "failure", s->failure[0] ? s->failure : NULL);
  js_kstr(g, "started", started);
  js_kstr(g, "ended", ended);
  if (st->load_exit >= 0) js_kint(g, "load_exit_code", st->load_exit); else js_knull(g, "load_exit_code");
  yajl_gen_map_close(g);
  js_key(g, "client");
  js_tree(g, client);
  write_server(g, st, s->endpoint);

  js_key(g, "resources");
  yajl_gen_map_open(g);
  double reqs = client ? js_get_dbl(client, "metrics.http_reqs.count", NAN) : NAN;
  if (r->limits && st->have_begin && st->have_end) {
    const struct cg_stats *a = &st->st_begin, *b = &st->st_end;
    double cpu = (double)(b->cpu_usage_ns - a->cpu_usage_ns) / 1e9;
    double periods = (double)(b->nr_periods - a->nr_periods);
    double thr = (double)(b->nr_throttled - a->nr_throttled);
    js_kdbl(g, "cpu_seconds", cpu);
    js_kdbl(g, "cpu_seconds_per_1k_requests", reqs > 0 ? cpu / reqs * 1000 : NAN);
    js_kdbl(g, "nr_periods", periods);
    js_kdbl(g, "nr_throttled", thr);
    js_kdbl(g, "throttled_seconds", (double)(b->throttled_ns - a->throttled_ns) / 1e9);
    js_kdbl(g, "throttled_share", periods > 0 ? thr / periods : 0);
    double peak = b->has_peak ? (double)b->mem_peak : st->smp.mem_max;
    if (st->smp.mem_max > peak) peak = st->smp.mem_max;
    js_kdbl(g, "memory_peak_bytes", peak);
    js_kdbl(g, "memory_end_bytes", (double)b->mem_current);
    js_kdbl(g, "oom_kills", (double)b->oom_kills);
  } else {
    const char *keys[] = {"cpu_seconds", "cpu_seconds_per_1k_requests", "nr_periods",
                          "nr_throttled", "throttled_seconds", "throttled_share",
                          "memory_peak_bytes", "memory_end_bytes", "oom_kills"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) js_knull(g, keys[i]);
  }
  js_kint(g, "samples", (long long)st->smp.n);
  yajl_gen_map_close(g);

  js_key(g, "limits");
  yajl_gen_map_open(g);
  if (r->o->no_limits) { js_knull(g, "cpu_millicores"); js_knull(g, "memory_bytes"); }
  else { js_kint(g, "cpu_millicores", r->o->cpu_millicores); js_kint(g, "memory_bytes", (long long)r->o->memory_bytes); }
  js_kbool(g, "enforced", r->limits);
  js_kstr(g, "cgroup", r->limits ? st->cg.rel : NULL);
  yajl_gen_map_close(g);

  /* beyond the contract's minimum: what the harness itself cost during the profile */
  js_key(g, "harness");
  yajl_gen_map_open(g);
  js_kdbl(g, "profile_seconds", st->profile_s);
  js_kdbl(g, "runner_cpu_seconds", st->runner_cpu);
  js_kdbl(g, "generator_cpu_seconds", st->gen_cpu_s);
  js_kdbl(g, "share_of_one_core", st->profile_s > 0 ? (st->runner_cpu + st->gen_cpu_s) / st->profile_s : NAN);
  js_kstr(g, "service_cpus", r->service_cpus[0] ? r->service_cpus : "any");
  js_kstr(g, "harness_cpus", r->harness_cpus[0] ? r->harness_cpus : "any");
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  if (client) yajl_tree_free(client);
  snprintf(path, sizeof path, "%s/%s.json", s->dir, s->base);
  /* the document goes last: its presence is what marks the scenario complete for --resume */
  if ((e = js_write_file(g, path)) < 0) rc = e;
  return rc;
}

static void set_failure(struct scenario *s, const char *status, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static void set_failure(struct scenario *s, const char *status, const char *fmt, ...) {
  snprintf(s->status, sizeof s->status, "%s", status);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->failure, sizeof s->failure, fmt, ap);
  va_end(ap);
}

static void describe_exit(int status, char *b, size_t cap) {
  if (WIFSIGNALED(status)) snprintf(b, cap, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  else if (WIFEXITED(status)) snprintf(b, cap, "exited with status %d", WEXITSTATUS(status));
  else snprintf(b, cap, "ended (wait status %d)", status);
}

int scenario_run(struct runner *r, struct scenario *s, size_t k, size_t n) {
  struct run_state st;
  memset(&st, 0, sizeof st);
  st.load_exit = -1;
  s->status[0] = '\0';
  s->failure[0] = '\0';
  char started[40], ended[40], url[256] = "", err[2048] = "";
  clock_utc_rfc3339(started, sizeof started, 0);
  char export_tmp[PATH_MAX + 300], csv_tmp[PATH_MAX + 300], log_path[PATH_MAX + 300];
  snprintf(export_tmp, sizeof export_tmp, "%s/%s-%s.export.json", r->tmp, s->test, s->base);
  snprintf(csv_tmp, sizeof csv_tmp, "%s/%s-%s.series.csv", r->tmp, s->test, s->base);
  snprintf(log_path, sizeof log_path, "%s/%s-%s.service.log", r->tmp, s->test, s->base);
  unlink(export_tmp);
  unlink(csv_tmp);
  int ret = 0;

  if (fs_mkdirs(s->dir) < 0) {
    set_failure(s, "error", "cannot create %s: %s", s->dir, strerror(errno));
    return -1;
  }
  const char *procs[5] = {NULL};
  if (r->limits) {
    char rel[400];
    snprintf(rel, sizeof rel, "%s/%s-%s", r->cg_run_rel, s->test, s->base);
    if (cg_create(&r->cg, rel, &st.cg, err, sizeof err) < 0 ||
        cg_set_limits(&st.cg, r->o->cpu_millicores, r->o->memory_bytes, err, sizeof err) < 0) {
      set_failure(s, "error", "%s", err);
      if (st.cg.rel[0]) { cg_remove(&st.cg); }
      return -1;
    }
    st.cg_made = true;
    cg_procs_files(&st.cg, procs);
  }

  /* --prometheus: the contender's port for the whole run, so the static scrape config finds it */
  bool busy = false;
  int port = runner_prom_port(r, s->service, &busy);
  if (busy) {
    set_failure(s, "error", "%s:%d, the port --prometheus fixed for %s, is in use by another "
                "process", SERVICE_HOST, port, s->service);
    ret = -1;
    goto teardown;
  }
  if (port == 0) port = svc_free_port(SERVICE_HOST);
  if (port <= 0) {
    set_failure(s, "error", "no free port on %s: %s", SERVICE_HOST, strerror(-port));
    ret = -1;
    goto teardown;
  }
  if (r->service_cpus[0]) runner_set_cpus(r->service_cpus);
  int rc = svc_start(s->conf, s->variant[0] ? s->variant : NULL, SERVICE_HOST, port,
                     r->limits ? procs : NULL, log_path, &st.proc, err, sizeof err);
  if (r->harness_cpus[0]) runner_set_cpus(r->harness_cpus);
  else if (r->service_cpus[0]) runner_set_cpus("");
  if (rc < 0) {
    set_failure(s, "error", "cannot start %s: %s", s->service, err);
    ret = -1;
    goto teardown;
  }
  st.started = true;
  snprintf(url, sizeof url, "http://%s:%d%s", SERVICE_HOST, port, s->endpoint);
  progress(r, s, k, n, "starting", "", 0);
  rc = svc_wait_healthy(&st.proc, s->conf->health ? s->conf->health : "/health",
                        r->o->health_timeout_ns, err, sizeof err);
  if (rc < 0) {
    if (runner_stop) { st.interrupted = true; goto teardown; }
    char tail[1200] = "";
    if (rc == -ETIMEDOUT) svc_log_tail(&st.proc, tail, sizeof tail);
    /* err says how long was waited and the last answer (or, for an exit, the log tail) */
    set_failure(s, "unhealthy", "%s did not become healthy on %s: %s%s%s", s->service,
                s->conf->health ? s->conf->health : "/health", err,
                tail[0] ? "\nservice log tail:\n" : "", tail);
    goto finish;
  }

  char scale[32], wdur[32], profile[PATH_MAX];
  snprintf(scale, sizeof scale, "%g", r->o->scale);
  if (r->warmup_ns > 0) {
    units_format_go_duration(r->warmup_ns, wdur, sizeof wdur);
    char *wargv[] = {"pocbench", "load", "--vus", "2", "--sleep", "100ms", "--duration", wdur, "--no-thresholds",
                     "--quiet", url, NULL};
    run_generator(r, s, &st, wargv, NULL, k, n);
    if (runner_stop) { st.interrupted = true; goto teardown; }
    if (st.err[0] && !st.died) {
      set_failure(s, "error", "%s", st.err);
      ret = -1;
      goto finish;
    }
  }
  if (!service_check(&st)) goto finish;

  /* the scrape and sample that open the measured window */
  if (st.cg_made && cg_read(&st.cg, &st.st_begin) == 0) st.have_begin = true;
  scrape_once(r, &st, 0, true, false);
  char outcsv[PATH_MAX + 320];
  snprintf(outcsv, sizeof outcsv, "csv=%s", csv_tmp);
  /* p(99) beside k6's defaults: the report's tables need it */
  char *largv[] = {"pocbench", "load", "--config", (char *)profile_path(r, s->test, profile, sizeof profile),
                   "--scale", scale, "--summary-trend-stats", "avg,min,med,max,p(90),p(95),p(99)",
                   "--summary-export", export_tmp, "--out", outcsv, url, NULL};
  st.load_exit = run_generator(r, s, &st, largv, csv_tmp, k, n);
  if (runner_stop) { st.interrupted = true; goto teardown; }
  if (st.cg_made && cg_read(&st.cg, &st.st_end) == 0) st.have_end = true;
  if (service_check(&st)) scrape_once(r, &st, clock_now_s() - st.t0, false, true);

finish:
  if (st.cg_made && !st.have_end && cg_read(&st.cg, &st.st_end) == 0) st.have_end = true;
  if (st.cg_made && !st.have_begin) { st.st_begin = st.st_end; st.st_begin.cpu_usage_ns = 0; st.st_begin.nr_periods = 0; st.st_begin.nr_throttled = 0; st.st_begin.throttled_ns = 0; st.have_begin = st.have_end; }
  service_check(&st);
  if (!s->status[0]) {
    char how[128], tail[1200] = "";
    if (st.have_end && st.st_end.oom_kills > 0) {
      if (st.died) describe_exit(st.died_status, how, sizeof how);
      svc_log_tail(&st.proc, tail, sizeof tail);
      set_failure(s, "oom_killed", "the OOM killer killed %llu process(es) in the service's cgroup "
                  "(memory limit %llu bytes)%s%s", (unsigned long long)st.st_end.oom_kills,
                  (unsigned long long)r->o->memory_bytes, st.died ? "; the service " : "",
                  st.died ? how : "");
    } else if (st.died) {
      describe_exit(st.died_status, how, sizeof how);
      svc_log_tail(&st.proc, tail, sizeof tail);
      set_failure(s, "crashed", "the service %s during the scenario\nservice log tail:\n%s", how, tail);
    } else if (st.load_exit == 0) {
      snprintf(s->status, sizeof s->status, "ok");
    } else if (st.load_exit == 99) {
      snprintf(s->status, sizeof s->status, "thresholds_crossed");
    } else {
      const char *e = st.load_err.p ? st.load_err.p : "";
      size_t el = strlen(e);
      set_failure(s, "error", "pocbench load exited %d: %s", st.load_exit, e + (el > 800 ? el - 800 : 0));
      ret = -1;
    }
  }

teardown:
  if (st.started) svc_stop(&st.proc, 10LL * 1000000000);
  if (st.cg_made) {
    if (cg_kill_all(&st.cg, 5LL * 1000000000) < 0)
      fprintf(stderr, "pocbench run: processes left in cgroup %s after SIGKILL\n", st.cg.mem);
    if (cg_remove(&st.cg) < 0) fprintf(stderr, "pocbench run: cannot remove cgroup %s\n", st.cg.mem);
  }
  if (st.interrupted || runner_stop) {
    ret = 1;
  } else {
    clock_utc_rfc3339(ended, sizeof ended, 0);
    if (write_files(r, s, &st, url, started, ended, export_tmp, csv_tmp) < 0) {
      set_failure(s, "error", "cannot write the scenario's files in %s", s->dir);
      ret = -1;
    }
  }
  unlink(export_tmp);
  unlink(csv_tmp);
  unlink(log_path);   /* its tail, when it matters, is in the scenario's failure text */
  sampler_free(&st.smp);
  buf_free(&st.prom);
  buf_free(&st.load_out);
  buf_free(&st.load_err);
  free(st.scrape_before);
  free(st.scrape_after);
  return ret;
}
