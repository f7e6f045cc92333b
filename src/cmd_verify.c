/* cmd_verify.c: `pocbench verify`, the conformance gate (DESIGN.md section 2).
 *
 * Either checks a service already listening at a URL, or starts a contender from its
 * apps/<name>/service.conf on a free loopback port, waits for health, checks it, and stops it.
 * In the second form the service must never outlive us: SIGINT/SIGTERM/SIGHUP only set a flag
 * (no SA_RESTART, so blocking calls return EINTR at once) and the normal path then stops the
 * service; if pocbench itself is killed, svc.c's parent-death signal takes the service down.
 * Stopping is itself a check: the contract says SIGTERM drains and exits 0.
 * The checks live in verify.c; this file is options, lifecycle and the summary. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd.h"
#include "svc.h"
#include "units.h"
#include "verify.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) { interrupted = sig; }

static void usage(FILE *f) {
  fprintf(f,
    "usage: pocbench verify [options] URL\n"
    "       pocbench verify --service NAME [--variant V] [options]\n"
    "\n"
    "Checks a service against the endpoint contract (docs/endpoints.md): status, Content-Type,\n"
    "exact bodies, framing, Date, 404 on unknown paths, 1,000 requests on one keep-alive\n"
    "connection, 50 concurrent /io answered within 250 ms, and /metrics (families, TYPE, labels,\n"
    "the 14 buckets + +Inf, in-progress gauge, process_* metrics, exact counter deltas).\n"
    "Prints one line per check, PASS <check> or FAIL <check>: <observed>.\n"
    "\n"
    "  URL                    http://host:port[/prefix] of a running service\n"
    "  -s, --service NAME     start apps/NAME/service.conf on a free 127.0.0.1 port, check it, stop it\n"
    "                         (also checks that SIGTERM makes it exit 0)\n"
    "      --variant V        with --service: the descriptor's [variant V]\n"
    "      --start-timeout D  with --service: how long to wait for health (default 60s)\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 every check passed, 1 a check failed, 104 bad usage, 105 interrupted\n");
}

static void describe(int st, char *buf, size_t len) {
  if (WIFEXITED(st)) snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, len, "ended by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
  else snprintf(buf, len, "wait status %d", st);
}

static int finish(const struct verify_result *r, const char *what) {
  printf("verify %s: %d passed, %d failed%s\n", what, r->passed, r->failed, r->interrupted ? " (interrupted)" : "");
  fflush(stdout);
  if (r->interrupted || interrupted) return EXIT_INTERRUPTED;
  return r->failed ? EXIT_FAIL : EXIT_OK;
}

static int verify_service(const char *name, const char *variant, int64_t start_timeout) {
  char path[PATH_MAX], err[4096];
  snprintf(path, sizeof path, "%s/apps/%s/service.conf", pocbench_root(), name);
  struct svc_conf conf;
  struct stat st;
  if (strchr(name, '/') || stat(path, &st) != 0) {
    char apps[PATH_MAX];
    snprintf(apps, sizeof apps, "%s/apps", pocbench_root());
    struct svc_conf *all;
    size_t n;
    fprintf(stderr, "pocbench verify: no contender '%s' (%s not found)", name, path);
    if (svc_conf_discover(apps, &all, &n, err, sizeof err) == 0) {
      fprintf(stderr, "; known:");
      for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", all[i].name);
      svc_conf_free_all(all, n);
    }
    fprintf(stderr, "\n");
    return EXIT_CONFIG;
  }
  if (svc_conf_load(path, &conf, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench verify: %s\n", err);
    return EXIT_CONFIG;
  }
  if (variant) {
    bool found = false;
    for (size_t i = 0; i < conf.nvariants; i++) found |= !strcmp(conf.variants[i].name, variant);
    if (!found) {
      fprintf(stderr, "pocbench verify: %s has no variant '%s'\n", path, variant);
      svc_conf_free(&conf);
      return EXIT_CONFIG;
    }
  }
  char label[256];
  snprintf(label, sizeof label, "%s%s%s", conf.name, variant ? "/" : "", variant ? variant : "");
  struct verify_result res = {0};
  int port = svc_free_port("127.0.0.1");
  if (port < 0) {
    fprintf(stderr, "pocbench verify: no free port on 127.0.0.1: %s\n", strerror(-port));
    svc_conf_free(&conf);
    return EXIT_FAIL;
  }
  struct svc_proc p;
  if (svc_start(&conf, variant, "127.0.0.1", port, NULL, NULL, &p, err, sizeof err) < 0) {
    printf("FAIL start %s: %s\n", label, err);
    res.failed++;
    svc_conf_free(&conf);
    return finish(&res, label);
  }
  fprintf(stderr, "verify: started %s on 127.0.0.1:%d (pid %d, log %s)\n", label, port, (int)p.pid, p.stderr_path);
  int rc = svc_wait_healthy(&p, conf.health, start_timeout, err, sizeof err);
  if (rc == 0) {
    printf("PASS start %s: GET %s answered 200\n", label, conf.health);
    res.passed++;
    fflush(stdout);
    struct verify_target t = {.host = "127.0.0.1", .port = port, .base = "", .stop = &interrupted};
    struct verify_result r2;
    verify_run(&t, stdout, &r2);
    res.passed += r2.passed;
    res.failed += r2.failed;
    res.interrupted = r2.interrupted;
  } else if (rc != -EINTR) {
    printf("FAIL start %s: %s\n", label, err);
    res.failed++;
  }
  bool was_alive = svc_alive(&p, NULL);
  int ws = svc_stop(&p, 10000000000LL);
  if (!interrupted && rc == 0) {
    char what[128];
    describe(ws, what, sizeof what);
    if (!was_alive) {
      printf("FAIL SIGTERM: %s exits 0: it had already %s before the stop\n", label, what);
      res.failed++;
    } else if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
      printf("PASS SIGTERM: %s exits 0\n", label);
      res.passed++;
    } else {
      printf("FAIL SIGTERM: %s exits 0: %s%s\n", label, what,
             WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL ? " (still running after a 10 s grace)" : "");
      res.failed++;
    }
  }
  if (res.failed) {
    char tail[2048];
    svc_log_tail(&p, tail, sizeof tail);
    fprintf(stderr, "verify: %s log kept at %s; last output:\n%s\n", label, p.stderr_path, tail);
  } else {
    unlink(p.stderr_path);
  }
  if (interrupted) res.interrupted = 1;
  svc_conf_free(&conf);
  return finish(&res, label);
}

int cmd_verify(int argc, char **argv) {
  static const struct option opts[] = {
    {"service", required_argument, NULL, 's'},
    {"variant", required_argument, NULL, 'V'},
    {"start-timeout", required_argument, NULL, 'T'},
    {"help", no_argument, NULL, 'h'},
    {0, 0, 0, 0},
  };
  const char *service = NULL, *variant = NULL;
  int64_t start_timeout = 60000000000LL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
    switch (c) {
    case 's': service = optarg; break;
    case 'V': variant = optarg; break;
    case 'T':
      if (units_parse_duration(optarg, &start_timeout) < 0 || start_timeout <= 0) {
        fprintf(stderr, "pocbench verify: --start-timeout '%s': expected a duration such as 30s\n", optarg);
        return EXIT_CONFIG;
      }
      break;
    case 'h': usage(stdout); return EXIT_OK;
    default:
      fprintf(stderr, "pocbench verify: %s '%s'\n\n", optopt ? "missing value or unknown option" : "unknown option",
              argv[optind - 1]);
      usage(stderr);
      return EXIT_CONFIG;
    }
  }
  const char *url = optind < argc ? argv[optind] : NULL;
  if (optind + 1 < argc) {
    fprintf(stderr, "pocbench verify: one URL at most (got '%s' too)\n", argv[optind + 1]);
    return EXIT_CONFIG;
  }
  if (!!url == !!service) {
    fprintf(stderr, "pocbench verify: give either a URL or --service NAME\n\n");
    usage(stderr);
    return EXIT_CONFIG;
  }
  if (variant && !service) {
    fprintf(stderr, "pocbench verify: --variant needs --service\n");
    return EXIT_CONFIG;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (service) return verify_service(service, variant, start_timeout);

  char host[256], base[512], err[512];
  int port;
  if (verify_parse_url(url, host, sizeof host, &port, base, sizeof base, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench verify: %s\n", err);
    return EXIT_CONFIG;
  }
  struct verify_target t = {.host = host, .port = port, .base = base, .stop = &interrupted};
  struct verify_result res;
  verify_run(&t, stdout, &res);
  return finish(&res, url);
}
