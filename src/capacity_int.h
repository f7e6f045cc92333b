/* capacity_int.h: state shared by the capacity files (capacity.c drives the search and writes
 * capacity/ documents, sweep.c the concurrency sweep, capacity_target.c the service under test,
 * capacity_measure.c one generator run). Private: only src/capacity*.c and src/sweep*.c
 * include it. Single-threaded. */
#ifndef CAPACITY_INT_H
#define CAPACITY_INT_H
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include "capacity.h"
#include "capacity_search.h"
#include "cgroup.h"
#include "svc.h"

/* Set by the SIGINT/SIGTERM handler; every wait loop checks it. */
extern volatile sig_atomic_t cap_stop;

struct cap_ctx {
  const struct cap_opts *o;
  char pocbench[PATH_MAX];      /* this binary, run as the generator */
  char out[PATH_MAX];
  char tmp[PATH_MAX + 8];       /* <out>/.tmp-capacity: exports and logs while measuring */
  bool limits;                  /* the service runs in a cgroup with the limits */
  struct cg_sys cg;
  bool cg_ok;                   /* cg detected (limits or a confined generator) */
  char cg_rel[160];             /* "poc-compare/capacity-<pid>" */
  struct cgroup gen_cg;         /* --generator-cpu */
  bool gen_cg_made;
  int threads;                  /* generator threads */
  struct cap_slo slo;
  double step_s, warmup_s;
  int seq;                      /* makes cgroup and file names unique */
};

/* The service under test: a contender started fresh in its own cgroup, or a URL. */
struct cap_target {
  const struct svc_conf *conf;  /* NULL in --url mode */
  char variant[64];             /* "" for the default */
  char service[128];            /* name or name@variant ("url" or --name in --url mode) */
  char endpoint[256];           /* path measured, "/health" */
  char epname[64];              /* "health" */
  char host[64];
  int port;
  char url[512];
  struct cgroup cg;
  bool cg_made;
  struct svc_proc proc;
  bool started;
  int restarts;
  uint64_t oom_seen;            /* OOM kills already accounted */
  char log_path[PATH_MAX + 64];
};

/* Starts t's service (fresh cgroup with the limits, health wait); in --url mode only checks
 * that the URL answers. 0, or -errno with a message in err. */
int cap_target_start(struct cap_ctx *c, struct cap_target *t, char *err, size_t errlen);
/* "ok", or "crashed"/"oom_killed" (with the service log's tail in note) if it died or the OOM
 * killer struck since the last call. */
const char *cap_target_check(struct cap_target *t, char *note, size_t notelen);
/* Stops the service and removes its cgroup. Safe to call twice. */
void cap_target_stop(struct cap_target *t);
/* Warm-up before the first step (2 VUs with 100 ms think time, like the study's). */
void cap_target_warmup(struct cap_ctx *c, struct cap_target *t);
/* After a step: waits until a GET of the health path (the URL in --url mode) answers within the
 * SLO, so one step's queue does not spill into the next. Returns the seconds waited. */
double cap_target_drain(struct cap_ctx *c, struct cap_target *t);

/* One generator run against t: open model at s->offered_rps when it is > 0, else closed model
 * with s->vus connections and no think time; each for c->step_s. Fills the measured fields of
 * s (client, generator, service cgroup). 0, 1 when interrupted, or -1 with s->status "error"
 * and s->note when the generator could not run. */
int cap_measure(struct cap_ctx *c, struct cap_target *t, struct cap_step *s);

struct sampler;
/* Runs `<pocbench> load args...` (args[0] is "load", NULL-terminated) as a child in its own
 * process group (inside the generator's cgroup when --generator-cpu confines it), its output
 * into log_path. While it runs, svc_cg (NULL: none) is read every second into smp (NULL: none).
 * cap_stop ends it gracefully (SIGINT, then SIGKILL after 10 s); so does a hard deadline of
 * max_s. Fills *cpu_s (its user+sys CPU, from wait4) and *wall_s. Returns its exit code, -EINTR
 * when interrupted, or -errno when it could not start. */
int cap_gen_run(struct cap_ctx *c, char *const args[], const char *log_path,
                const struct cgroup *svc_cg, struct sampler *smp, double max_s,
                double *cpu_s, double *wall_s);

/* The common head of a capacity/ or sweep/ document: schema, kind, service, endpoint, url, mode,
 * limits and generator placement. The caller has opened the top-level map. */
void cap_doc_head(struct cap_ctx *c, struct cap_target *t, yajl_gen g, const char *kind);
/* A step as a JSON object (capacity steps and sweep points share it). */
void cap_doc_step(yajl_gen g, const struct cap_step *s, bool sweep);

/* The sweep for t (started): every --sweep-vus count for c->step_s, written to
 * <out>/sweep/<service>-<endpoint>.json. 0, 1 when interrupted, -1 on error. */
int sweep_run(struct cap_ctx *c, struct cap_target *t);


#endif
