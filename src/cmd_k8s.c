/* cmd_k8s.c: `pocbench k8s render|run`, the study on a Kubernetes cluster.
 *
 * Only option parsing and the dispatch live here: the manifests are k8s_render.c's, the
 * kubectl-driven run and the collection of Job output k8s_run.c's. Both read the contenders
 * from apps/<name>/service.conf (svc_conf_discover), so a contender added under apps/ is on the
 * cluster after one `pocbench k8s render`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "k8s_render.h"
#include "k8s_run.h"
#include "svc.h"

static void usage(FILE *f) {
  fprintf(f,
    "usage: pocbench k8s render [options]\n"
    "       pocbench k8s run [options]\n\n"
    "render  writes the study's manifests: namespace poc-compare, per contender a Deployment\n"
    "        (500m/256Mi, probes on /health), Service :80 and HPA; Prometheus and Grafana;\n"
    "        the profiles ConfigMap and one load Job per test x contender x endpoint.\n"
    "run     renders into results/<UTC>/k8s, applies with kubectl (current context), waits for\n"
    "        the Deployments, runs the Jobs one at a time and collects their results into\n"
    "        results/<UTC>/ (the same tree as `pocbench run`; `pocbench report` renders it).\n\n"
    "options:\n"
    "  --out DIR              render: where to write (default k8s)\n"
    "  --results DIR          run: results root (default results)\n"
    "  --parallelism N        load pods per Job; each runs its exact share of VUs/rate (default 1)\n"
    "  --image NAME=IMAGE     contender image (repeatable; default poc-<name>:latest)\n"
    "  --loadgen-image IMAGE  image with pocbench (default poc-pocbench:latest)\n"
    "  --tests LIST           test types = profiles/<test>.json (default load,stress)\n"
    "  --services LIST        run: only these contenders, comma-separated (as in pocbench run;\n"
    "                         --service NAME, repeatable, is the same)\n"
    "  --apps-dir DIR         contenders (default <root>/apps; as in pocbench run; --apps DIR\n"
    "                         is the same)\n"
    "  --job-timeout SECONDS  run: per Job (default 1800)\n"
    "  --kubectl PATH         run: kubectl binary (default kubectl on PATH, or $KUBECTL)\n");
}

#define MAX_LIST 64

/* Splits a copy of s (argv stays as typed: run.json records it) kept in arena. */
static int split_list(const char *s, const char **out, size_t *n, char *arena, size_t cap, size_t *used) {
  size_t l = strlen(s) + 1;
  if (*used + l > cap) return -1;
  char *copy = memcpy(arena + *used, s, l);
  *used += l;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (*n >= MAX_LIST) return -1;
    out[(*n)++] = tok;
  }
  return 0;
}

int cmd_k8s(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_CONFIG : EXIT_OK;
  }
  const char *sub = argv[1];
  bool run = !strcmp(sub, "run");
  if (!run && strcmp(sub, "render")) {
    fprintf(stderr, "pocbench k8s: unknown subcommand '%s' (render or run)\n", sub);
    return EXIT_CONFIG;
  }
  enum { O_OUT = 256, O_RESULTS, O_PAR, O_IMAGE, O_LIMAGE, O_TESTS, O_SERVICE, O_APPS, O_JT, O_KUBECTL };
  static const struct option longopts[] = {
    {"out", required_argument, NULL, O_OUT}, {"results", required_argument, NULL, O_RESULTS},
    {"parallelism", required_argument, NULL, O_PAR}, {"image", required_argument, NULL, O_IMAGE},
    {"loadgen-image", required_argument, NULL, O_LIMAGE}, {"tests", required_argument, NULL, O_TESTS},
    {"service", required_argument, NULL, O_SERVICE}, {"apps", required_argument, NULL, O_APPS},
    /* the names pocbench run uses; --service and --apps stay as aliases */
    {"services", required_argument, NULL, O_SERVICE}, {"apps-dir", required_argument, NULL, O_APPS},
    {"job-timeout", required_argument, NULL, O_JT}, {"kubectl", required_argument, NULL, O_KUBECTL},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
  };
  const char *out = "k8s", *results = "results", *limage = "poc-pocbench:latest", *apps = NULL;
  const char *kubectl = NULL;
  const char *images[MAX_LIST], *tests[MAX_LIST], *only[MAX_LIST];
  size_t nimages = 0, ntests = 0, nonly = 0;
  char arena[8192];
  size_t aused = 0;
  long par = 1, jt = 1800;
  char *end;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
    switch (c) {
    case O_OUT: out = optarg; break;
    case O_RESULTS: results = optarg; break;
    case O_PAR:
      par = strtol(optarg, &end, 10);
      if (*end || par < 1 || par > 1000) {
        fprintf(stderr, "pocbench k8s: --parallelism '%s': expected a whole number 1..1000\n", optarg);
        return EXIT_CONFIG;
      }
      break;
    case O_IMAGE:
      if (nimages >= MAX_LIST) { fprintf(stderr, "pocbench k8s: too many --image\n"); return EXIT_CONFIG; }
      images[nimages++] = optarg;
      break;
    case O_LIMAGE: limage = optarg; break;
    case O_TESTS:
      if (split_list(optarg, tests, &ntests, arena, sizeof arena, &aused) < 0) { fprintf(stderr, "pocbench k8s: too many --tests\n"); return EXIT_CONFIG; }
      break;
    case O_SERVICE:   /* --service NAME or --services LIST: both add to the list */
      if (split_list(optarg, only, &nonly, arena, sizeof arena, &aused) < 0) { fprintf(stderr, "pocbench k8s: too many --services\n"); return EXIT_CONFIG; }
      break;
    case O_APPS: apps = optarg; break;
    case O_JT:
      jt = strtol(optarg, &end, 10);
      if (*end || jt < 1) {
        fprintf(stderr, "pocbench k8s: --job-timeout '%s': expected seconds\n", optarg);
        return EXIT_CONFIG;
      }
      break;
    case O_KUBECTL: kubectl = optarg; break;
    case 'h': usage(stdout); return EXIT_OK;
    default:
      fprintf(stderr, "pocbench k8s %s: unknown or incomplete option '%s'\n", sub, argv[optind]);
      return EXIT_CONFIG;
    }
  }
  if (optind + 1 < argc) {
    fprintf(stderr, "pocbench k8s %s: unexpected argument '%s'\n", sub, argv[optind + 1]);
    return EXIT_CONFIG;
  }
  const char *root = pocbench_root();
  char appsbuf[4096], err[2048];
  if (!apps) {
    snprintf(appsbuf, sizeof appsbuf, "%s/apps", root);
    apps = appsbuf;
  }
  struct svc_conf *svcs = NULL;
  size_t n = 0;
  if (svc_conf_discover(apps, &svcs, &n, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench k8s: %s\n", err);
    return EXIT_CONFIG;
  }
  if (n == 0) {
    fprintf(stderr, "pocbench k8s: no contenders in %s (apps/<name>/service.conf)\n", apps);
    return EXIT_CONFIG;
  }
  for (size_t i = 0; i < nonly; i++) {
    bool known = false;
    for (size_t k = 0; k < n; k++) known |= !strcmp(svcs[k].name, only[i]);
    if (!known) {
      fprintf(stderr, "pocbench k8s: --services: '%s' is not a contender in %s (have:", only[i], apps);
      for (size_t k = 0; k < n; k++) fprintf(stderr, " %s", svcs[k].name);
      fprintf(stderr, ")\n");
      svc_conf_free_all(svcs, n);
      return EXIT_CONFIG;
    }
  }
  int rc;
  if (!run) {
    struct k8s_render_opts ro = {.out_dir = out, .root = root, .parallelism = (int)par,
                                 .loadgen_image = limage, .images = images, .nimages = nimages,
                                 .tests = tests, .ntests = ntests};
    rc = k8s_render(&ro, svcs, n, err, sizeof err);
    if (rc < 0) fprintf(stderr, "pocbench k8s render: %s\n", err);
    else printf("k8s: wrote manifests for %zu contender(s) to %s/\n", n, out);
    svc_conf_free_all(svcs, n);
    return rc == -EINVAL || rc == -ENOENT ? EXIT_CONFIG : rc < 0 ? EXIT_FAIL : EXIT_OK;
  }
  struct k8s_run_opts o = {.kubectl = kubectl, .root = root, .results_root = results,
                           .tests = tests, .ntests = ntests, .only = only, .nonly = nonly,
                           .parallelism = (int)par, .loadgen_image = limage, .images = images,
                           .nimages = nimages, .ready_timeout_s = 300, .job_timeout_s = jt,
                           .argc = argc, .argv = argv};
  rc = k8s_run(&o, svcs, n, err, sizeof err);
  svc_conf_free_all(svcs, n);
  if (rc < 0) {
    fprintf(stderr, "pocbench k8s run: %s\n", err);
    return rc == -EINVAL || rc == -ENOENT ? EXIT_CONFIG : EXIT_FAIL;
  }
  return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
