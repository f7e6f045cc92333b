/* runner_int.h: state shared by the runner's own files (runner.c plans and drives the study,
 * runner_scenario.c runs one scenario, runner_report.c writes the fallback REPORT.md,
 * runner_prom.c the local Prometheus of --prometheus).
 * Private to the runner: nothing outside src/runner*.c includes it. */
#ifndef RUNNER_INT_H
#define RUNNER_INT_H
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include "cgroup.h"
#include "promserver.h"
#include "runner.h"
#include "svc.h"

struct scenario {
  char test[32];             /* "load" */
  struct svc_conf *conf;
  char variant[64];          /* "" for the default */
  char service[128];         /* name, or name@variant */
  char endpoint[64];         /* "/health" */
  char epname[64];           /* "health" */
  int repeat;                /* 1..N */
  char base[256];            /* "<service>-<epname>[.r<k>]" */
  char dir[PATH_MAX];        /* <out>/test-<test>-results */
  char status[32];           /* "" planned; ok, thresholds_crossed, crashed, oom_killed, ... */
  char failure[2048];
  double planned_s;          /* for the ETA */
  bool skip;                 /* contender failed verify */
};

struct runner {
  const struct run_opts *o;
  char root[PATH_MAX], out[PATH_MAX], tmp[PATH_MAX], pocbench[PATH_MAX];
  char run_id[64];
  char started[40];          /* RFC 3339 */
  struct svc_conf *confs;
  size_t nconfs;
  struct scenario *sc;
  size_t nsc;
  bool limits;               /* cgroups in use */
  struct cg_sys cg;
  char cg_run_rel[160];      /* "poc-compare/<run id>" */
  int64_t warmup_ns;
  int ncpus;
  char service_cpus[64], harness_cpus[64];   /* "" when not pinned */
  double t_start;            /* monotonic seconds at study start */
  double done_planned_s, done_actual_s;      /* for the ETA */
  struct verify_result { char service[128]; int exit_code; char detail[1024]; } *verify;
  size_t nverify;
  /* --prometheus (runner_prom.c): one scrape job per planned service, each on a fixed port */
  struct prom_job { char service[128]; char job[128]; int port; } *jobs;
  size_t njobs;
  struct promserver prom;    /* pid 0 when not running */
  char prom_bin[PATH_MAX];
  /* --cpu at or above the online CPUs: a quota that never throttles (warned once, in run.json) */
  bool cpu_not_limiting;
  /* run.json "versions": per contender (index as confs), the version.* keys and the versions_cmd
   * lines merged, each key once (versions_cmd wins); collected on the first write. variants
   * (index as conf->variants): each planned variant's own versions_cmd lines, run with its env */
  struct verlist { struct kv *kv; size_t n; bool done; struct verlist *variants; size_t nvariants; } *vers;
  /* run.json "report": what `pocbench report` came to (status "" until it ran) */
  struct { char status[16]; int exit_code; char detail[256]; } report;
  /* run.json "sessions": one per invocation of the run (the first, then each --resume) */
  struct session { char started[40], ended[40], status[16]; } *sessions;
  size_t nsessions;
};

/* Set by the SIGINT/SIGTERM handler; every wait loop checks it. */
extern volatile sig_atomic_t runner_stop;

/* Runs s (k of n) and writes its files. 0 when the scenario has a result (status set),
 * 1 when interrupted (nothing written), -1 when it could not be measured (status "error"). */
int scenario_run(struct runner *r, struct scenario *s, size_t k, size_t n);

/* A duration as people read it: "13.4s" below a minute (0.1 s steps), "5m40s" above (whole
 * seconds), "?" when negative or not finite. Returns b. */
char *runner_fmt_dur(double s, char *b, size_t cap);

/* Sets the calling thread's CPU affinity to the list "0-1,3" ("" = all CPUs). 0 / -errno. */
int runner_set_cpus(const char *list);

/* --prometheus, in the order runner_run calls them. Each is a no-op without --prometheus.
 * plan: one job per distinct planned service (job name from promserver_job_name), and the
 *   binary looked up, so a missing prometheus or two services with one job name fail before
 *   anything is created. 0, -ENOENT or -EINVAL with a message in err.
 * start: a fixed loopback port per job, then promserver_start under <out>/prometheus/;
 *   prints the URL. 0 or -errno with a message in err; on failure nothing is left running.
 * port: the fixed port of a service, 0 when it has none (then the scenario picks a free one);
 *   *busy when another process holds it now (a server could not bind it).
 * stop: stops the server (idempotent) and says where its data stays.
 * json: the run.json "prometheus" key (docs/results-format.md). */
int runner_prom_plan(struct runner *r, char *err, size_t errlen);
int runner_prom_start(struct runner *r, char *err, size_t errlen);
int runner_prom_port(const struct runner *r, const char *service, bool *busy);
void runner_prom_stop(struct runner *r);
void runner_prom_json(const struct runner *r, yajl_gen g);

/* Writes <out>/REPORT.md with one summary table from the scenario documents, headed by a
 * notice that it stands in for the report (`pocbench report` exited report_exit). 0 / -errno. */
int runner_write_basic_report(struct runner *r, int report_exit);

#endif
