/* runner_prom.c: `pocbench run --prometheus`, a real Prometheus beside the study.
 *
 * Prometheus is given one static config for the whole run (src/promserver.c generates it),
 * while the runner starts a fresh service for every scenario. So each planned service gets ONE
 * loopback port at run start, and every scenario's service for it listens there: between two
 * scenarios the target is simply down, and the scrapes resume with the next one.
 * Those ports come from just below the kernel's ephemeral range (ip_local_port_range): a port
 * held for minutes inside that range could be taken meanwhile as the local port of some
 * outgoing connection (the load generator opens thousands), and the service's bind would then
 * fail; below it, only a process that binds that exact port can collide, which is checked before
 * each service starts. Rejected: re-pointing Prometheus at each scenario's new port (a config
 * reload per scenario), which breaks every series at each reload and races the first scrape.
 * The server lives from just before the verify gate to the end of the last scenario; every exit
 * path of runner_run stops it (runner_prom_stop is idempotent). */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "runner_int.h"
#include "runner_json.h"

#define PROM_HOST "127.0.0.1"

int runner_prom_plan(struct runner *r, char *err, size_t errlen) {
  if (!r->o->prometheus) return 0;
  int rc = promserver_find(r->prom_bin, sizeof r->prom_bin, err, errlen);
  if (rc < 0) {
    size_t l = strlen(err);
    snprintf(err + l, errlen - l, ", or drop --prometheus");
    return rc;
  }
  r->jobs = calloc(r->nsc ? r->nsc : 1, sizeof *r->jobs);
  if (!r->jobs) return -ENOMEM;
  for (size_t i = 0; i < r->nsc; i++) {
    const char *svc = r->sc[i].service;
    size_t j = 0;
    while (j < r->njobs && strcmp(r->jobs[j].service, svc)) j++;
    if (j < r->njobs) continue;
    struct prom_job *pj = &r->jobs[r->njobs];
    snprintf(pj->service, sizeof pj->service, "%s", svc);
    promserver_job_name(svc, strlen(svc), pj->job, sizeof pj->job);
    for (size_t k = 0; k < r->njobs; k++)
      if (!strcmp(r->jobs[k].job, pj->job)) {
        snprintf(err, errlen, "--prometheus: services %s and %s would share the Prometheus job "
                 "name %s; measure them in separate runs", r->jobs[k].service, svc, pj->job);
        return -EINVAL;
      }
    r->njobs++;
  }
  return 0;
}

/* 1 when 127.0.0.1:port can be bound now. reuse: as a server would bind it (SO_REUSEADDR), so
 * the TIME_WAIT connections of the previous service on that port do not count as taken. */
static int port_bindable(int port, int reuse) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, PROM_HOST, &a.sin_addr);
  int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* A port free on 127.0.0.1, below the ephemeral range when there is room, not in jobs[0..n). */
static int pick_port(const struct runner *r, size_t n, unsigned *seed) {
  int lo = 32768;
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
  if (f) {
    if (fscanf(f, "%d", &lo) != 1) lo = 32768;
    fclose(f);
  }
  int span = lo - 1024 < 10000 ? lo - 1024 : 10000;
  for (int tries = 0; span >= 100 && tries < 1000; tries++) {
    int p = lo - 1 - (int)(rand_r(seed) % (unsigned)span);
    bool used = false;
    for (size_t k = 0; k < n; k++) if (r->jobs[k].port == p) used = true;
    if (!used && port_bindable(p, 0)) return p;
  }
  /* no room below the ephemeral range: a kernel-chosen one, distinct from the others */
  for (int tries = 0; tries < 100; tries++) {
    int p = svc_free_port(PROM_HOST);
    if (p <= 0) return p;
    bool used = false;
    for (size_t k = 0; k < n; k++) if (r->jobs[k].port == p) used = true;
    if (!used) return p;
  }
  return -EADDRINUSE;
}

int runner_prom_start(struct runner *r, char *err, size_t errlen) {
  if (!r->o->prometheus) return 0;
  unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
  char (*targets)[200] = calloc(r->njobs ? r->njobs : 1, sizeof *targets);
  const char **tp = calloc(r->njobs ? r->njobs : 1, sizeof *tp);
  int rc = targets && tp ? 0 : -ENOMEM;
  for (size_t i = 0; rc == 0 && i < r->njobs; i++) {
    int p = pick_port(r, i, &seed);
    if (p <= 0) {
      rc = p < 0 ? p : -EADDRINUSE;
      snprintf(err, errlen, "no free port on %s for %s: %s", PROM_HOST, r->jobs[i].service, strerror(-rc));
      break;
    }
    r->jobs[i].port = p;
    snprintf(targets[i], sizeof targets[i], "%s=%s:%d", r->jobs[i].service, PROM_HOST, p);
    tp[i] = targets[i];
  }
  char dir[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s/prometheus", r->out);
  if (rc == 0) rc = promserver_start(dir, tp, r->njobs, &r->prom, err, errlen);
  free(targets);
  free(tp);
  if (rc < 0) {
    for (size_t i = 0; i < r->njobs; i++) r->jobs[i].port = 0;
    r->prom.port = 0;
    return rc;
  }
  printf("  prometheus: http://%s:%d/ (every %s; config %s, data %s/data)\n", PROM_HOST,
         r->prom.port, PROMSERVER_SCRAPE_INTERVAL, r->prom.config_path, dir);
  for (size_t i = 0; i < r->njobs; i++)
    printf("    job %s <- %s:%d (service %s)\n", r->jobs[i].job, PROM_HOST, r->jobs[i].port,
           r->jobs[i].service);
  fflush(stdout);
  return 0;
}

int runner_prom_port(const struct runner *r, const char *service, bool *busy) {
  *busy = false;
  for (size_t i = 0; i < r->njobs; i++)
    if (!strcmp(r->jobs[i].service, service) && r->jobs[i].port > 0) {
      *busy = !port_bindable(r->jobs[i].port, 1);
      return r->jobs[i].port;
    }
  return 0;
}

void runner_prom_stop(struct runner *r) {
  if (r->prom.pid <= 0) return;
  int rc = promserver_stop(&r->prom);
  if (rc < 0) fprintf(stderr, "pocbench run: stopping prometheus: %s\n", strerror(-rc));
  printf("prometheus: stopped; its data stays in %s/prometheus/data (to browse it again: "
         "prometheus --config.file=%s --storage.tsdb.path=%s/prometheus/data "
         "--web.listen-address=127.0.0.1:9090)\n", r->out, r->prom.config_path, r->out);
  fflush(stdout);
}

void runner_prom_json(const struct runner *r, yajl_gen g) {
  if (!r->o->prometheus) return;
  js_key(g, "prometheus");
  yajl_gen_map_open(g);
  char url[64];
  snprintf(url, sizeof url, "http://%s:%d/", PROM_HOST, r->prom.port);
  js_kstr(g, "url", r->prom.port > 0 ? url : NULL);
  js_kstr(g, "binary", r->prom_bin);
  js_kstr(g, "config", "prometheus/prometheus.yml");
  js_kstr(g, "data", "prometheus/data");
  js_kstr(g, "log", "prometheus/prometheus.log");
  js_kstr(g, "scrape_interval", PROMSERVER_SCRAPE_INTERVAL);
  js_key(g, "jobs");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < r->njobs; i++) {
    js_key(g, r->jobs[i].job);
    yajl_gen_map_open(g);
    js_kstr(g, "service", r->jobs[i].service);
    js_kint(g, "port", r->jobs[i].port);
    char t[64];
    snprintf(t, sizeof t, "%s:%d", PROM_HOST, r->jobs[i].port);
    js_kstr(g, "target", t);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}
