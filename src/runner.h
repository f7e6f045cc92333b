/* runner.h: the study (DESIGN.md sections 5 and 6): every planned scenario (test x contender x
 * endpoint x repeat) run against a fresh service in its own cgroup, with the load generator,
 * the /metrics scraper and the cgroup sampler around it, written into one results tree.
 * Owner: runner work (src/runner.c, src/runner_scenario.c, src/runner_report.c).
 * With --prometheus also a local Prometheus for the run's duration (src/runner_prom.c).
 * Single-threaded; installs SIGINT/SIGTERM handlers for the duration of runner_run. */
#ifndef RUNNER_H
#define RUNNER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run_opts {
  double scale;              /* multiplies every profile duration (default 1) */
  int64_t warmup_ns;         /* -1: default 10 s x scale, at least 1 s; 0: no warm-up */
  int repeat;                /* each scenario this many times, interleaved (default 1) */
  char *services;            /* comma list of name or name@variant; NULL: every contender */
  char *endpoints;           /* comma list; default "/health,/cpu,/io,/json" */
  char *tests;               /* comma list of profiles/<test>.json; default "load,stress" */
  char *out;                 /* results directory; NULL: <root>/results/<UTC timestamp> */
  bool resume;               /* out exists: skip the scenarios whose document is there */
  int64_t cpu_millicores;    /* default 500 */
  uint64_t memory_bytes;     /* default 256Mi */
  bool no_limits;            /* no cgroups at all (results say enforced: false) */
  bool pin;                  /* pin service and harness to disjoint CPUs */
  bool no_verify;            /* skip pocbench verify (test fixtures only) */
  bool no_report;            /* do not run pocbench report at the end */
  char *apps_dir;            /* default <root>/apps */
  char *profiles_dir;        /* default <root>/profiles */
  int64_t health_timeout_ns; /* default 60 s */
  bool dry_run;              /* print the plan and its planned length, run nothing */
  int argc;                  /* the command line, recorded in run.json and used by --resume */
  char **argv;
  bool no_capacity;          /* cmd_run: skip capacity_after_run (src/capacity.h) after the study */
  int64_t capacity_step_ns;  /* > 0 (--capacity-step): the capacity phase runs at any --scale,
                                with steps this long; 0: 10 s x scale, skipped below scale 0.5 */
  bool prometheus;           /* a local Prometheus (src/promserver.h) scrapes every contender on
                                one fixed port per contender for the whole run */
};

/* The endpoints of the contract (DESIGN.md section 3), the only ones a run measures. */
#define RUNNER_ENDPOINTS "/health,/cpu,/io,/json"

/* Checks an --endpoints list against RUNNER_ENDPOINTS and writes it back canonical into out
 * ("health" -> "/health"; spaces around items dropped). 0, or -EINVAL with a message naming the
 * bad item and the valid ones in err (unknown, empty, or listed twice). */
int runner_endpoints_normalize(const char *list, char *out, size_t cap, char *err, size_t errlen);

/* Runs the study. Prints progress and errors; returns the process exit status:
 * 0 every scenario has a result (a crash or OOM kill is a result), 1 a scenario could not be
 * measured (error, contender failed verify), 104 bad options or plan, 105 interrupted. */
int runner_run(const struct run_opts *o);

#endif
