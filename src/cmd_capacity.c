/* cmd_capacity.c: `pocbench capacity`, the breaking points' command line. Parses and validates,
 * then hands over to capacity_main (src/capacity.c), which echoes the effective settings.
 * One command, two measurements: the capacity search (default), the concurrency sweep with
 * --sweep, both with --both (what `pocbench run` does after the study). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capacity.h"
#include "cmd.h"
#include "units.h"

static void usage(FILE *f) {
  fprintf(f,
    "usage: pocbench capacity [options]\n"
    "\n"
    "Breaking points of each contender x endpoint under the study's limits (fresh service in its\n"
    "own cgroup, health wait, short warm-up). The capacity search finds the highest arrival rate\n"
    "(open model) whose p99, corrected for coordinated omission, stays under the SLO with failures\n"
    "under --max-failures: rates step up by --factor until one fails, then bisect between the last\n"
    "pass and the first fail. The sweep measures the closed model without think time at each\n"
    "--sweep-vus connection count. Writes <out>/capacity/<service>-<endpoint>.json and\n"
    "<out>/sweep/<service>-<endpoint>.json (docs/results-format.md, docs/capacity.md).\n"
    "\n"
    "  --sweep             run the concurrency sweep instead of the capacity search\n"
    "  --both              run the capacity search, then the sweep (as `pocbench run` does)\n"
    "  --services LIST     name or name@variant, comma-separated (default: every contender)\n"
    "  --endpoints LIST    default /health,/cpu,/io,/json\n"
    "  --url URL           measure an already-running service (no cgroup, no limits); the\n"
    "                      files are named <name>-<path>.json\n"
    "  --name NAME         the service name for --url (default url)\n"
    "  --slo D             p99 latency objective (default 100ms)\n"
    "  --max-failures P    failure share objective, as 1%% or 0.01 (default 1%%)\n"
    "  --step D            length of each step or sweep point (default 10s)\n"
    "  --warmup D          warm-up before measuring, not counted (default 5s; 0 for none)\n"
    "  --start-rate R      first rate tried, req/s (default 50)\n"
    "  --max-rate R        highest rate tried, req/s (default 50000)\n"
    "  --factor F          step-up factor (default 2)\n"
    "  --bisect N          bisection steps after the bracket is found (default 4)\n"
    "  --sweep-vus LIST    connection counts of the sweep (default 1,4,16,64,256)\n"
    "  --cpu Q             CPU limit as a CFS quota, Kubernetes style (default 500m)\n"
    "  --memory B          memory limit (default 256Mi)\n"
    "  --no-limits         no cgroups for the service (documents say enforced: false)\n"
    "  --generator-cpu Q   confine the load generator itself to a CPU quota (tests; a small client)\n"
    "  --threads N         load generator threads (default: online CPUs, at most 4)\n"
    "  --out DIR           results directory (default results/<UTC timestamp>)\n"
    "  --apps-dir DIR      where contenders live (default <repo>/apps)\n"
    "  --health-timeout D  how long a service may take to become healthy (default 60s)\n"
    "\n"
    "A step where the load generator rather than the service was the limit (its CPU near a core\n"
    "per thread, or arrivals started late while the service was not saturated) ends the search:\n"
    "the document then says limited_by \"generator\" and gives the rate below it as a lower bound.\n"
    "exit: 0 every document written, 1 a contender could not be measured, 104 invalid options,\n"
    "105 interrupted (finished documents are kept)\n");
}

enum {
  O_SWEEP = 256, O_BOTH, O_SERVICES, O_ENDPOINTS, O_URL, O_NAME, O_SLO, O_MAXFAIL, O_STEP, O_WARMUP,
  O_START, O_MAX, O_FACTOR, O_BISECT, O_SWEEP_VUS, O_CPU, O_MEMORY, O_NO_LIMITS, O_GEN_CPU,
  O_THREADS, O_OUT, O_APPS, O_HEALTH, O_HELP
};

static const struct option longopts[] = {
  {"sweep", no_argument, NULL, O_SWEEP},
  {"both", no_argument, NULL, O_BOTH},
  {"services", required_argument, NULL, O_SERVICES},
  {"endpoints", required_argument, NULL, O_ENDPOINTS},
  {"url", required_argument, NULL, O_URL},
  {"name", required_argument, NULL, O_NAME},
  {"slo", required_argument, NULL, O_SLO},
  {"max-failures", required_argument, NULL, O_MAXFAIL},
  {"step", required_argument, NULL, O_STEP},
  {"warmup", required_argument, NULL, O_WARMUP},
  {"start-rate", required_argument, NULL, O_START},
  {"max-rate", required_argument, NULL, O_MAX},
  {"factor", required_argument, NULL, O_FACTOR},
  {"bisect", required_argument, NULL, O_BISECT},
  {"sweep-vus", required_argument, NULL, O_SWEEP_VUS},
  {"cpu", required_argument, NULL, O_CPU},
  {"memory", required_argument, NULL, O_MEMORY},
  {"no-limits", no_argument, NULL, O_NO_LIMITS},
  {"generator-cpu", required_argument, NULL, O_GEN_CPU},
  {"threads", required_argument, NULL, O_THREADS},
  {"out", required_argument, NULL, O_OUT},
  {"apps-dir", required_argument, NULL, O_APPS},
  {"health-timeout", required_argument, NULL, O_HEALTH},
  {"help", no_argument, NULL, O_HELP},
  {NULL, 0, NULL, 0},
};

static int bad(char *err, size_t errlen, const char *flag, const char *a, const char *want) {
  snprintf(err, errlen, "%s: '%s' is not %s", flag, a, want);
  return -EINVAL;
}

static bool number(const char *a, double lo, double hi, double *out) {
  char *end;
  double v = strtod(a, &end);
  if (end == a || *end || !(v >= lo) || !(v <= hi)) return false;
  *out = v;
  return true;
}

/* Parses argv into o. 0, 1 for --help, or -EINVAL with a message in err. */
static int parse(int argc, char **argv, struct cap_opts *o, char *err, size_t errlen) {
  optind = 1;
  opterr = 0;
  int c;
  double v;
  while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    const char *a = optarg;
    switch (c) {
    case O_SWEEP: o->do_capacity = false; o->do_sweep = true; break;
    case O_BOTH: o->do_capacity = o->do_sweep = true; break;
    case O_SERVICES: o->services = (char *)a; break;
    case O_ENDPOINTS: o->endpoints = (char *)a; break;
    case O_URL: o->url = (char *)a; break;
    case O_NAME:
      if (!*a || strlen(a) > 60 || strpbrk(a, "/ \t")) return bad(err, errlen, "--name", a, "a short name without / or spaces");
      o->name = (char *)a;
      break;
    case O_SLO: {
      int64_t ns;
      if (units_parse_duration(a, &ns) < 0 || ns < 1000000) return bad(err, errlen, "--slo", a, "a duration like 100ms (at least 1ms)");
      o->slo_p99_ms = ns / 1e6;
      break;
    }
    case O_MAXFAIL: {
      char tmp[64];
      snprintf(tmp, sizeof tmp, "%s", a);
      size_t l = strlen(tmp);
      bool pct = l && tmp[l - 1] == '%';
      if (pct) tmp[l - 1] = '\0';
      if (!number(tmp, 0, pct ? 100 : 1, &v)) return bad(err, errlen, "--max-failures", a, "a share like 1% or 0.01");
      o->max_failure_rate = pct ? v / 100 : v;
      break;
    }
    case O_STEP:
      if (units_parse_duration(a, &o->step_ns) < 0 || o->step_ns < 1000000000LL)
        return bad(err, errlen, "--step", a, "a duration like 10s (at least 1s)");
      break;
    case O_WARMUP:
      if (!strcmp(a, "0")) { o->warmup_ns = 0; break; }
      if (units_parse_duration(a, &o->warmup_ns) < 0) return bad(err, errlen, "--warmup", a, "a duration like 5s, or 0");
      break;
    case O_START:
      if (!number(a, 0.01, 1e7, &o->start_rps)) return bad(err, errlen, "--start-rate", a, "a rate in req/s from 0.01 to 1e7");
      break;
    case O_MAX:
      if (!number(a, 0.01, 1e7, &o->max_rps)) return bad(err, errlen, "--max-rate", a, "a rate in req/s from 0.01 to 1e7");
      break;
    case O_FACTOR:
      if (!number(a, 1.1, 10, &o->factor)) return bad(err, errlen, "--factor", a, "a number from 1.1 to 10");
      break;
    case O_BISECT:
      if (!number(a, 0, 20, &v) || v != (int)v) return bad(err, errlen, "--bisect", a, "a whole number from 0 to 20");
      o->bisect_steps = (int)v;
      break;
    case O_SWEEP_VUS: {
      const char *p = a;
      int count = 0;
      while (*p) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 1 || n > 10000 || (*end && *end != ',')) return bad(err, errlen, "--sweep-vus", a, "a list like 1,4,16,64,256 (1 to 10000 each)");
        count++;
        p = *end ? end + 1 : end;
      }
      if (!count || count > 32) return bad(err, errlen, "--sweep-vus", a, "a list of 1 to 32 counts");
      o->sweep_vus = (char *)a;
      break;
    }
    case O_CPU:
      if (units_parse_cpu(a, &o->cpu_millicores) < 0 || o->cpu_millicores < 10)
        return bad(err, errlen, "--cpu", a, "a CPU quantity like 500m or 1 (at least 10m)");
      break;
    case O_MEMORY:
      if (units_parse_bytes(a, &o->memory_bytes) < 0 || o->memory_bytes < (4u << 20))
        return bad(err, errlen, "--memory", a, "a size like 256Mi or 1Gi (at least 4Mi)");
      break;
    case O_NO_LIMITS: o->no_limits = true; break;
    case O_GEN_CPU:
      if (units_parse_cpu(a, &o->generator_cpu_millicores) < 0 || o->generator_cpu_millicores < 10)
        return bad(err, errlen, "--generator-cpu", a, "a CPU quantity like 50m (at least 10m)");
      break;
    case O_THREADS:
      if (!number(a, 1, 256, &v) || v != (int)v) return bad(err, errlen, "--threads", a, "a whole number from 1 to 256");
      o->threads = (int)v;
      break;
    case O_OUT: o->out = (char *)a; break;
    case O_APPS: o->apps_dir = (char *)a; break;
    case O_HEALTH:
      if (units_parse_duration(a, &o->health_timeout_ns) < 0 || o->health_timeout_ns <= 0)
        return bad(err, errlen, "--health-timeout", a, "a duration like 60s");
      break;
    case O_HELP: case 'h': return 1;
    case ':':
      snprintf(err, errlen, "%s needs a value", argv[optind - 1]);
      return -EINVAL;
    default:
      snprintf(err, errlen, "unknown option '%s' (see pocbench capacity --help)", argv[optind - 1]);
      return -EINVAL;
    }
  }
  if (optind < argc) {
    snprintf(err, errlen, "unexpected argument '%s' (see pocbench capacity --help)", argv[optind]);
    return -EINVAL;
  }
  if (o->max_rps < o->start_rps) {
    snprintf(err, errlen, "--max-rate %g is below --start-rate %g", o->max_rps, o->start_rps);
    return -EINVAL;
  }
  if (o->url && o->services) {
    snprintf(err, errlen, "--url measures one running service; --services does not apply");
    return -EINVAL;
  }
  return 0;
}

int cmd_capacity(int argc, char **argv) {
  struct cap_opts o;
  capacity_opts_defaults(&o);
  char err[1024] = "";
  int rc = parse(argc, argv, &o, err, sizeof err);
  if (rc == 1) { usage(stdout); return EXIT_OK; }
  if (rc < 0) { fprintf(stderr, "pocbench capacity: %s\n", err); return EXIT_CONFIG; }
  char apps[PATH_MAX + 16], out[2 * PATH_MAX + 2];
  if (!o.apps_dir) { snprintf(apps, sizeof apps, "%s/apps", pocbench_root()); o.apps_dir = apps; }
  if (o.out && o.out[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) && (size_t)snprintf(out, sizeof out, "%s/%s", cwd, o.out) < sizeof out)
      o.out = out;
  }
  return capacity_main(&o);
}
