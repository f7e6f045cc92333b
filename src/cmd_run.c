/* cmd_run.c: `pocbench run`, the study's command line. Parses and validates the options,
 * echoes nothing itself (the runner prints the effective plan) and hands over to runner_run.
 * --resume DIR re-reads the original command line from DIR/run.json, so a resumed run has
 * exactly the plan and limits of the run it continues; only --resume itself is new. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capacity.h"
#include "cmd.h"
#include "runner.h"
#include "runner_json.h"
#include "units.h"

static void usage(FILE *f) {
  fprintf(f,
    "usage: pocbench run [options]\n"
    "\n"
    "Runs the study: every test profile x contender x endpoint, each scenario against a fresh\n"
    "service in its own cgroup (Kubernetes-equivalent CPU quota and memory limit), and writes\n"
    "results/<UTC timestamp>/ (docs/results-format.md) and its report.\n"
    "\n"
    "  --scale F           multiply every profile duration by F, 0 < F <= 100 (default 1;\n"
    "                      make quick: 0.1)\n"
    "  --warmup D          warm-up at low load before each profile, not counted\n"
    "                      (default 10s x scale, at least 1s; 0 for none)\n"
    "  --services LIST     contenders to measure: name or name@variant, comma-separated\n"
    "                      (default: every apps/*/service.conf, default variant)\n"
    "  --endpoints LIST    some of the contract's /health,/cpu,/io,/json (the default: all;\n"
    "                      the leading / may be left out)\n"
    "  --tests LIST        profiles/<test>.json to run (default load,stress)\n"
    "  --repeat N          run each scenario N times, interleaved across contenders\n"
    "  --out DIR           results directory (default results/<UTC timestamp>)\n"
    "  --resume DIR        continue an interrupted run: same plan, completed scenarios kept\n"
    "  --cpu Q             CPU limit as a CFS quota, Kubernetes style (default 500m)\n"
    "  --memory B          memory limit (default 256Mi)\n"
    "  --no-limits         no cgroups: measure without limits (results say enforced: false)\n"
    "  --pin               pin the service and the harness to disjoint CPUs (default: shared\n"
    "                      CPUs, the quota alone limits the service, as on Kubernetes)\n"
    "  --apps-dir DIR      where contenders live (default <repo>/apps)\n"
    "  --profiles-dir DIR  where profiles live (default <repo>/profiles)\n"
    "  --health-timeout D  how long a service may take to become healthy (default 60s)\n"
    "  --no-verify         skip the `pocbench verify` gate (test fixtures only)\n"
    "  --no-report         do not run `pocbench report` at the end\n"
    "  --dry-run           print the plan and its planned length, run nothing\n"
    "  --no-capacity       skip the breaking points measured after the study (pocbench capacity\n"
    "                      --both: capacity search and concurrency sweep; docs/capacity.md)\n"
    "  --capacity-step D   length of each capacity step and sweep point (default 10s x scale, at\n"
    "                      least 2s); given, the capacity phase also runs below --scale 0.5\n"
    "  --prometheus        also run a local Prometheus (Debian package prometheus) on a free\n"
    "                      127.0.0.1 port for the study's scenarios, one job per contender\n"
    "                      scraped every 5s; each contender keeps one fixed loopback port for\n"
    "                      the whole run. Its URL is printed and recorded in run.json; config and\n"
    "                      data stay under <results>/prometheus/ (Grafana: grafana-dashboard.json)\n"
    "\n"
    "Ctrl-C or SIGTERM ends the current scenario, stops its service, removes the cgroups,\n"
    "keeps every completed scenario and exits 105.\n"
    "exit: 0 every scenario has a result (crash and OOM kill are results), 1 a scenario could\n"
    "not be measured or a contender failed verify, 104 invalid options, 105 interrupted\n");
}

enum {
  O_SCALE = 256, O_WARMUP, O_SERVICES, O_ENDPOINTS, O_TESTS, O_REPEAT, O_OUT, O_RESUME, O_CPU,
  O_MEMORY, O_NO_LIMITS, O_PIN, O_APPS, O_PROFILES, O_HEALTH, O_NO_VERIFY, O_NO_REPORT, O_DRY_RUN, O_HELP,
  O_NO_CAPACITY, O_PROMETHEUS, O_CAPACITY_STEP
};

static const struct option longopts[] = {
  {"scale", required_argument, NULL, O_SCALE},
  {"warmup", required_argument, NULL, O_WARMUP},
  {"services", required_argument, NULL, O_SERVICES},
  {"endpoints", required_argument, NULL, O_ENDPOINTS},
  {"tests", required_argument, NULL, O_TESTS},
  {"repeat", required_argument, NULL, O_REPEAT},
  {"out", required_argument, NULL, O_OUT},
  {"resume", required_argument, NULL, O_RESUME},
  {"cpu", required_argument, NULL, O_CPU},
  {"memory", required_argument, NULL, O_MEMORY},
  {"no-limits", no_argument, NULL, O_NO_LIMITS},
  {"pin", no_argument, NULL, O_PIN},
  {"apps-dir", required_argument, NULL, O_APPS},
  {"profiles-dir", required_argument, NULL, O_PROFILES},
  {"health-timeout", required_argument, NULL, O_HEALTH},
  {"no-verify", no_argument, NULL, O_NO_VERIFY},
  {"no-report", no_argument, NULL, O_NO_REPORT},
  {"dry-run", no_argument, NULL, O_DRY_RUN},
  {"no-capacity", no_argument, NULL, O_NO_CAPACITY},
  {"capacity-step", required_argument, NULL, O_CAPACITY_STEP},
  {"prometheus", no_argument, NULL, O_PROMETHEUS},
  {"help", no_argument, NULL, O_HELP},
  {NULL, 0, NULL, 0},
};

/* Parses argv into o. 0, 1 for --help, or -EINVAL with a message in err. resume_dir gets
 * --resume's argument (or NULL). */
static int parse(int argc, char **argv, struct run_opts *o, char **resume_dir, char *err, size_t errlen) {
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    const char *a = optarg;
    switch (c) {
    case O_SCALE: {
      char *end;
      o->scale = strtod(a, &end);
      if (*end || !(o->scale > 0) || o->scale > 100) {
        snprintf(err, errlen, "--scale: '%s' is not a number in (0, 100]", a);
        return -EINVAL;
      }
      break;
    }
    case O_WARMUP:
      if (units_parse_duration(a, &o->warmup_ns) < 0 && strcmp(a, "0")) {
        snprintf(err, errlen, "--warmup: '%s' is not a duration like 10s or 500ms", a);
        return -EINVAL;
      }
      if (!strcmp(a, "0")) o->warmup_ns = 0;
      break;
    case O_SERVICES: o->services = (char *)a; break;
    case O_ENDPOINTS: {
      /* the contract's endpoints only, canonical ("json" -> "/json") for the plan and run.json */
      static char canon[256];
      if (runner_endpoints_normalize(a, canon, sizeof canon, err, errlen) < 0) return -EINVAL;
      o->endpoints = canon;
      break;
    }
    case O_TESTS: o->tests = (char *)a; break;
    case O_REPEAT: {
      char *end;
      long n = strtol(a, &end, 10);
      if (*end || n < 1 || n > 100) {
        snprintf(err, errlen, "--repeat: '%s' is not a whole number from 1 to 100", a);
        return -EINVAL;
      }
      o->repeat = (int)n;
      break;
    }
    case O_OUT: o->out = (char *)a; break;
    case O_RESUME: *resume_dir = (char *)a; break;
    case O_CPU:
      if (units_parse_cpu(a, &o->cpu_millicores) < 0 || o->cpu_millicores < 10) {
        snprintf(err, errlen, "--cpu: '%s' is not a CPU quantity like 500m or 1 (at least 10m)", a);
        return -EINVAL;
      }
      break;
    case O_MEMORY:
      if (units_parse_bytes(a, &o->memory_bytes) < 0 || o->memory_bytes < (4u << 20)) {
        snprintf(err, errlen, "--memory: '%s' is not a size like 256Mi or 1Gi (at least 4Mi)", a);
        return -EINVAL;
      }
      break;
    case O_NO_LIMITS: o->no_limits = true; break;
    case O_PIN: o->pin = true; break;
    case O_APPS: o->apps_dir = (char *)a; break;
    case O_PROFILES: o->profiles_dir = (char *)a; break;
    case O_HEALTH:
      if (units_parse_duration(a, &o->health_timeout_ns) < 0 || o->health_timeout_ns <= 0) {
        snprintf(err, errlen, "--health-timeout: '%s' is not a duration like 60s", a);
        return -EINVAL;
      }
      break;
    case O_NO_VERIFY: o->no_verify = true; break;
    case O_NO_REPORT: o->no_report = true; break;
    case O_DRY_RUN: o->dry_run = true; break;
    case O_NO_CAPACITY: o->no_capacity = true; break;
    case O_CAPACITY_STEP:
      if (units_parse_duration(a, &o->capacity_step_ns) < 0 || o->capacity_step_ns < 1000000000LL) {
        snprintf(err, errlen, "--capacity-step: '%s' is not a duration like 2s (at least 1s)", a);
        return -EINVAL;
      }
      break;
    case O_PROMETHEUS: o->prometheus = true; break;
    case O_HELP: case 'h': return 1;
    case ':':
      snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
      return -EINVAL;
    default:
      snprintf(err, errlen, "unknown option '%s' (see pocbench run --help)", argv[optind - 1]);
      return -EINVAL;
    }
  }
  if (optind < argc) {
    snprintf(err, errlen, "unexpected argument '%s' (see pocbench run --help)", argv[optind]);
    return -EINVAL;
  }
  if (o->no_capacity && o->capacity_step_ns > 0) {
    snprintf(err, errlen, "--capacity-step asks for the capacity phase that --no-capacity skips");
    return -EINVAL;
  }
  return 0;
}

static void defaults(struct run_opts *o) {
  memset(o, 0, sizeof *o);
  o->scale = 1;
  o->warmup_ns = -1;
  o->repeat = 1;
  o->cpu_millicores = 500;
  o->memory_bytes = 256ull << 20;
  o->health_timeout_ns = 60LL * 1000000000;
}

int cmd_run(int argc, char **argv) {
  struct run_opts o;
  defaults(&o);
  char err[1024] = "";
  char *resume = NULL;
  int rc = parse(argc, argv, &o, &resume, err, sizeof err);
  if (rc == 1) { usage(stdout); return EXIT_OK; }
  if (rc < 0) { fprintf(stderr, "pocbench run: %s\n", err); return EXIT_CONFIG; }

  yajl_val saved = NULL;
  char **rargv = NULL;
  char resume_abs[PATH_MAX];
  if (resume) {
    if (argc != 3) {
      fprintf(stderr, "pocbench run: --resume takes no other option: the run continues with the "
              "options it was started with (recorded in %s/run.json)\n", resume);
      return EXIT_CONFIG;
    }
    if (!realpath(resume, resume_abs)) {
      fprintf(stderr, "pocbench run: --resume %s: %s\n", resume, strerror(errno));
      return EXIT_CONFIG;
    }
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/run.json", resume_abs);
    saved = js_read_file(p, err, sizeof err);
    yajl_val av = saved ? js_get(saved, "argv") : NULL;
    if (!av || !YAJL_IS_ARRAY(av) || av->u.array.len < 1) {
      fprintf(stderr, "pocbench run: --resume: %s\n", saved ? "run.json has no argv" : err);
      if (saved) yajl_tree_free(saved);
      return EXIT_CONFIG;
    }
    size_t n = av->u.array.len;
    rargv = calloc(n + 1, sizeof *rargv);
    for (size_t i = 0; i < n; i++) {
      const char *s = YAJL_GET_STRING(av->u.array.values[i]);
      rargv[i] = (char *)(s ? s : "");
    }
    defaults(&o);
    char *ignored = NULL;
    if (parse((int)n, rargv, &o, &ignored, err, sizeof err) != 0) {
      fprintf(stderr, "pocbench run: --resume: the recorded command line is invalid: %s\n", err);
      free(rargv);
      yajl_tree_free(saved);
      return EXIT_CONFIG;
    }
    o.out = resume_abs;
    o.resume = true;
    o.argc = (int)n;
    o.argv = rargv;
  } else {
    o.argc = argc;
    o.argv = argv;
  }

  char apps[PATH_MAX + 16], profiles[PATH_MAX + 16], out[2 * PATH_MAX + 2];
  const char *root = pocbench_root();
  if (!o.apps_dir) { snprintf(apps, sizeof apps, "%s/apps", root); o.apps_dir = apps; }
  if (!o.profiles_dir) { snprintf(profiles, sizeof profiles, "%s/profiles", root); o.profiles_dir = profiles; }
  if (o.out && o.out[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) {
      if ((size_t)snprintf(out, sizeof out, "%s/%s", cwd, o.out) < sizeof out) o.out = out;
    }
  }
  /* capacity after the study needs the directory the runner writes: name it here the same way */
  char capout[PATH_MAX];
  if (!o.out && !o.no_capacity && !o.dry_run) o.out = capacity_default_out(capout, sizeof capout);
  rc = runner_run(&o);
  if (!o.no_capacity && !o.dry_run && (rc == EXIT_OK || rc == EXIT_FAIL)) {
    int crc = capacity_after_run(&o);
    if (crc == EXIT_INTERRUPTED || (rc == EXIT_OK && crc != EXIT_OK)) rc = crc;
  }
  free(rargv);
  if (saved) yajl_tree_free(saved);
  return rc;
}
