/* capacity.h: `pocbench capacity`, the breaking points of each contender x endpoint under the
 * study's limits: the highest arrival rate that meets an SLO (capacity/<service>-<endpoint>.json)
 * and a TechEmpower-style concurrency sweep (sweep/<service>-<endpoint>.json); docs/capacity.md
 * explains both, docs/results-format.md gives the documents' shape.
 * Owner: capacity work (src/capacity*.c, src/sweep*.c, src/cmd_capacity.c).
 * Single-threaded; installs SIGINT/SIGTERM handlers while it runs. */
#ifndef CAPACITY_H
#define CAPACITY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cap_opts {
  bool do_capacity, do_sweep;     /* which measurements (default: capacity only) */
  char *services;                 /* comma list of name or name@variant; NULL: every contender */
  char *endpoints;                /* comma list; default "/health,/cpu,/io,/json" */
  char *url;                      /* measure this already-running service instead (no cgroup) */
  char *name;                     /* the service name used for --url files (default "url") */
  double slo_p99_ms;              /* default 100 */
  double max_failure_rate;        /* default 0.01 */
  int64_t step_ns;                /* each step's length (default 10 s) */
  int64_t warmup_ns;              /* before the first step (default 5 s; 0: none) */
  double start_rps, max_rps;      /* default 50 and 50,000 */
  double factor;                  /* step-up factor (default 2) */
  int bisect_steps;               /* default 4 */
  char *sweep_vus;                /* comma list, default "1,4,16,64,256" */
  int64_t cpu_millicores;         /* default 500 */
  uint64_t memory_bytes;          /* default 256Mi */
  bool no_limits;
  int64_t generator_cpu_millicores; /* > 0: confine the load generator to this CPU quota */
  int threads;                    /* generator threads; 0: online CPUs, at most 4 */
  char *out;                      /* results directory (capacity/ and sweep/ go inside) */
  char *apps_dir;                 /* default <root>/apps */
  int64_t health_timeout_ns;      /* default 60 s */
  bool skip_existing;             /* keep documents already in out (pocbench run --resume) */
};

/* Fills the defaults above. */
void capacity_opts_defaults(struct cap_opts *o);

/* Runs the measurements o asks for, printing one line per step. Returns the exit status:
 * 0 every document written (a generator-limited or failing search is a result), 1 a contender
 * could not be measured, 104 bad options, 105 interrupted. */
int capacity_main(const struct cap_opts *o);

/* Below this --scale a run is a quick look (make quick is 0.1, the runner's end-to-end tests
 * 0.02-0.05): a search at 2-s steps over every contender x endpoint would take longer than the
 * study itself, so capacity_after_run skips the phase unless --capacity-step asks for it. */
#define CAPACITY_MIN_SCALE 0.5

/* The study's tail (src/capacity_run.c): capacity and sweep for the contenders and endpoints of
 * ro, under its limits, into ro->out (which must be set), then `pocbench report` again unless
 * ro->no_report. Steps and warm-up are scaled by ro->scale (at least 2 s and 1 s), or the steps
 * are ro->capacity_step_ns when set; below --scale 0.5 (make quick, quick test runs) and without
 * capacity_step_ns it skips them and says so. Records the phase in ro->out/run.json under
 * "capacity". Returns an exit status as above. */
struct run_opts;
int capacity_after_run(const struct run_opts *ro);

/* The default results directory for a run started now: <root>/results/<UTC timestamp>, the
 * name the runner would choose, into buf. */
char *capacity_default_out(char *buf, size_t cap);

#endif
