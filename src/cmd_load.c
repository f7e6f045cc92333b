/* cmd_load.c: `pocbench load`, the glue between the options, the engine and the outputs.
 *
 * options_parse_args -> options_finalize -> options_resolve_url -> header -> engine_run
 * (SIGINT/SIGTERM set a flag the engine polls; a second signal exits 105 at once) ->
 * thresholds_eval -> summary -> failure line on stderr -> export.
 * Every bad option, URL or unknown host is rejected before any output (exit 104). Failed
 * requests do not change the exit code (as k6: 0 unless a threshold is crossed), but they are
 * never silent: the engine logs the first of each cause, and a line on stderr sums them up.
 * Exit codes as k6: 0, 99 thresholds crossed, 104 bad options, 105 interrupted by a signal,
 * 1 any other error. `--merge A.json B.json ...` reads --summary-export files and prints their
 * combined summary. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "load.h"

static volatile int stop_flag;
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig) {
  (void)sig;
  if (signals_seen++) _exit(EXIT_INTERRUPTED);   /* second signal: no summary, at once */
  stop_flag = 1;
}

static int merge(struct load_opts *o) {
  struct load_stats s;
  char err[512];
  memset(&s, 0, sizeof s);
  for (size_t i = 0; i < o->nmerge_files; i++) {
    if (export_read_merge(o->merge_files[i], &s, err, sizeof err)) {
      fprintf(stderr, "pocbench load --merge: %s\n", err);
      load_stats_free(&s);
      return EXIT_FAIL;
    }
  }
  size_t failed = o->no_thresholds ? 0 : thresholds_eval(o, &s);
  summary_print(stdout, o, &s);
  int rc = EXIT_OK;
  if (o->summary_export && export_write(o->summary_export, o, &s)) {
    fprintf(stderr, "pocbench load: cannot write %s\n", o->summary_export);
    rc = EXIT_FAIL;
  }
  load_stats_free(&s);
  return rc ? rc : failed ? EXIT_THRESHOLDS : EXIT_OK;
}

int cmd_load(int argc, char **argv) {
  struct load_opts o;
  char err[512] = "";
  int rc = options_parse_args(argc, argv, &o, err, sizeof err);
  if (rc == 1) { options_free(&o); return EXIT_OK; }     /* --help */
  if (rc == 0) rc = options_finalize(&o, err, sizeof err);
  if (rc == 0 && !o.nmerge_files) rc = options_resolve_url(&o, err, sizeof err);
  if (rc) {
    fprintf(stderr, "pocbench load: %s\n", err[0] ? err : strerror(-rc));
    options_free(&o);
    return rc == -ENOMEM ? EXIT_FAIL : EXIT_CONFIG;
  }
  if (o.nmerge_files) {
    rc = merge(&o);
    options_free(&o);
    return rc;
  }

  summary_print_header(stdout, &o);
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct load_stats s;
  rc = engine_run(&o, &stop_flag, &s);
  if (rc) {
    if (rc == -EINVAL) { options_free(&o); return EXIT_CONFIG; }   /* bad URL: said by the engine */
    fprintf(stderr, "pocbench load: the run failed: %s\n", strerror(-rc));
    options_free(&o);
    return EXIT_FAIL;
  }
  size_t failed = o.no_thresholds ? 0 : thresholds_eval(&o, &s);
  summary_print(stdout, &o, &s);
  fflush(stdout);
  summary_print_failures(stderr, &o, &s);
  int code = EXIT_OK;
  if (o.summary_export && export_write(o.summary_export, &o, &s)) {
    fprintf(stderr, "pocbench load: cannot write the summary export %s\n", o.summary_export);
    code = EXIT_FAIL;
  }
  if (s.iterations == 0) fprintf(stderr, "WARN: no iteration completed\n");
  if (code == EXIT_OK) {
    if (stop_flag) code = EXIT_INTERRUPTED;
    else if (failed) code = EXIT_THRESHOLDS;
  }
  load_stats_free(&s);
  options_free(&o);
  return code;
}
