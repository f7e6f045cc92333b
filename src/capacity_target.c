/* capacity_target.c: the service a capacity search or sweep measures.
 *
 * A contender is started exactly as the study starts it (svc_start into a fresh leaf cgroup
 * with the same CPU quota and memory limit, health wait, warm-up), and it stays up for the whole
 * search of one endpoint: restarting it between steps would make every step pay the start-up
 * (FastAPI's import time, Go's first GC) and measure a cold service. Instead each step is
 * followed by a drain: the health path is polled until it answers within the SLO, so the queue
 * an overloaded step left behind is gone before the next step starts. A service that dies or is
 * OOM-killed mid-step is restarted (fresh cgroup) and that step recorded as failed with the cause.
 * In --url mode there is no process and no cgroup: the URL itself is polled for the drain. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "capacity_int.h"
#include "scrape.h"
#include "units.h"

#define HOST "127.0.0.1"

static const char *health_path(const struct cap_target *t) {
  if (!t->conf) return t->endpoint;
  return t->conf->health ? t->conf->health : "/health";
}

int cap_target_start(struct cap_ctx *c, struct cap_target *t, char *err, size_t errlen) {
  if (!t->conf) {
    /* --url: it must answer at all; its status is the caller's business */
    char *body = NULL;
    size_t len = 0;
    int status = 0;
    int rc = scrape_get(t->host, t->port, t->endpoint, 5000000000LL, &body, &len, &status);
    free(body);
    if (rc < 0) snprintf(err, errlen, "%s does not answer: %s", t->url, strerror(-rc));
    return rc;
  }
  const char *procs[5] = {NULL};
  c->seq++;
  if (c->limits) {
    char rel[400];
    snprintf(rel, sizeof rel, "%s/%s-%s-%d", c->cg_rel, t->service, t->epname, c->seq);
    for (char *p = rel + strlen(c->cg_rel) + 1; *p; p++) if (*p == '@') *p = '_';
    if (cg_create(&c->cg, rel, &t->cg, err, errlen) < 0) return -EPERM;
    t->cg_made = true;
    if (cg_set_limits(&t->cg, c->o->cpu_millicores, c->o->memory_bytes, err, errlen) < 0) {
      cap_target_stop(t);
      return -EPERM;
    }
    cg_procs_files(&t->cg, procs);
    t->oom_seen = 0;
  }
  int port = svc_free_port(HOST);
  if (port <= 0) {
    snprintf(err, errlen, "no free port on %s: %s", HOST, strerror(-port));
    cap_target_stop(t);
    return port < 0 ? port : -EADDRNOTAVAIL;
  }
  snprintf(t->log_path, sizeof t->log_path, "%s/%s-%s.service.log", c->tmp, t->service, t->epname);
  int rc = svc_start(t->conf, t->variant[0] ? t->variant : NULL, HOST, port,
                     c->limits ? procs : NULL, t->log_path, &t->proc, err, errlen);
  if (rc < 0) { cap_target_stop(t); return rc; }
  t->started = true;
  snprintf(t->host, sizeof t->host, "%s", HOST);
  t->port = port;
  snprintf(t->url, sizeof t->url, "http://%s:%d%s", HOST, port, t->endpoint);
  rc = svc_wait_healthy(&t->proc, health_path(t), c->o->health_timeout_ns, err, errlen);
  if (rc < 0) {
    if (rc == -ETIMEDOUT) {
      size_t l = strlen(err);
      if (l + 40 < errlen) {
        snprintf(err + l, errlen - l, "\nservice log tail:\n");
        l = strlen(err);
        svc_log_tail(&t->proc, err + l, errlen - l);
      }
    }
    cap_target_stop(t);
    return rc;
  }
  return 0;
}

const char *cap_target_check(struct cap_target *t, char *note, size_t notelen) {
  if (!t->conf) return "ok";
  const char *st = "ok";
  int status = 0;
  bool dead = t->started && !svc_alive(&t->proc, &status);
  struct cg_stats cs;
  bool oom = false;
  if (t->cg_made && cg_read(&t->cg, &cs) == 0 && cs.oom_kills > t->oom_seen) {
    oom = true;
    t->oom_seen = cs.oom_kills;
  }
  if (oom) st = "oom_killed";
  else if (dead) st = "crashed";
  if (strcmp(st, "ok")) {
    char tail[600] = "";
    svc_log_tail(&t->proc, tail, sizeof tail);
    if (dead && WIFSIGNALED(status))
      snprintf(note, notelen, "the service was killed by signal %d; log tail:\n%s", WTERMSIG(status), tail);
    else if (dead)
      snprintf(note, notelen, "the service exited with status %d; log tail:\n%s",
               WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail);
    else
      snprintf(note, notelen, "the OOM killer killed a process in the service's cgroup; log tail:\n%s", tail);
  }
  return st;
}

void cap_target_stop(struct cap_target *t) {
  if (t->started) {
    svc_stop(&t->proc, 10LL * 1000000000);
    t->started = false;
  }
  if (t->cg_made) {
    if (cg_kill_all(&t->cg, 5LL * 1000000000) < 0)
      fprintf(stderr, "pocbench capacity: processes left in cgroup %s after SIGKILL\n", t->cg.mem);
    if (cg_remove(&t->cg) < 0) fprintf(stderr, "pocbench capacity: cannot remove cgroup %s\n", t->cg.mem);
    t->cg_made = false;
  }
  if (t->log_path[0]) unlink(t->log_path);
}

void cap_target_warmup(struct cap_ctx *c, struct cap_target *t) {
  if (c->warmup_s <= 0) return;
  char dur[32], log[PATH_MAX + 64];
  units_format_go_duration((int64_t)(c->warmup_s * 1e9), dur, sizeof dur);
  snprintf(log, sizeof log, "%s/warmup.log", c->tmp);
  char *args[] = {"load", "--vus", "2", "--sleep", "100ms", "--duration", dur, "--no-thresholds",
                  "--quiet", t->url, NULL};
  double cpu, wall;
  cap_gen_run(c, args, log, NULL, NULL, c->warmup_s + 30, &cpu, &wall);
  unlink(log);
}

double cap_target_drain(struct cap_ctx *c, struct cap_target *t) {
  double t0 = clock_now_s();
  usleep(500000);
  const char *path = health_path(t);
  int64_t slo_ns = (int64_t)(c->slo.p99_ms * 1e6);
  while (!cap_stop && clock_now_s() - t0 < 30) {
    char *body = NULL;
    size_t len = 0;
    int status = 0;
    double a = clock_now_s();
    int rc = scrape_get(t->host, t->port, path, 2000000000LL, &body, &len, &status);
    free(body);
    if (rc == 0 && (clock_now_s() - a) * 1e9 <= (double)slo_ns) break;
    if (t->conf && t->started && !svc_alive(&t->proc, NULL)) break;
    usleep(200000);
  }
  return clock_now_s() - t0;
}
