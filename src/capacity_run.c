/* capacity_run.c: the study's tail, `pocbench run`'s capacity phase: the capacity search and the
 * concurrency sweep (capacity_main) for the run's contenders and endpoints, under its limits,
 * into its results tree, then `pocbench report` again so REPORT.md gains the breaking points.
 *
 * The phase is recorded in run.json under "capacity" (status, step and warm-up lengths, exit
 * code, the documents in the tree): "running" when it starts, the outcome when it ends, or
 * "skipped" with the reason. The runner has finished writing run.json by then, so this file
 * re-emits the runner's document unchanged and replaces only that key; rejected: handing the
 * phase's outcome back into the runner, which would tie the runner to capacity's internals.
 * Below CAPACITY_MIN_SCALE the phase is skipped unless --capacity-step asks for it; that step is
 * then used as given, so a test can run the whole phase in seconds. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "capacity.h"
#include "cmd.h"
#include "runner.h"
#include "runner_json.h"


static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The <sub>/<name>.json documents under out, sorted, as "<sub>/<name>.json" strings into g. */
static void emit_documents(yajl_gen g, const char *out, const char *sub) {
  char dir[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s/%s", out, sub);
  DIR *d = opendir(dir);
  if (!d) return;
  char *names[256];
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) && n < 256;) {
    size_t l = strlen(e->d_name);
    if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json")) continue;
    if (!(names[n] = malloc(strlen(sub) + l + 2))) break;
    sprintf(names[n++], "%s/%s", sub, e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) { js_str(g, names[i]); free(names[i]); }
}

/* Rewrites <out>/run.json with its "capacity" key set to the phase's record. exit_code < 0:
 * null (not ended). 0 or -errno with a message in err. */
static int record(const char *out, const char *status, const char *reason, double step_s,
                  double warmup_s, int exit_code, char *err, size_t errlen) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/run.json", out);
  yajl_val run = js_read_file(path, err, errlen);
  if (!run) return -ENOENT;
  if (!YAJL_IS_OBJECT(run)) {
    snprintf(err, errlen, "%s is not a JSON object", path);
    yajl_tree_free(run);
    return -EINVAL;
  }
  yajl_gen g = js_new();
  yajl_gen_map_open(g);
  for (size_t i = 0; i < run->u.object.len; i++) {
    if (!strcmp(run->u.object.keys[i], "capacity")) continue;
    js_key(g, run->u.object.keys[i]);
    js_tree(g, run->u.object.values[i]);
  }
  js_key(g, "capacity");
  yajl_gen_map_open(g);
  js_kstr(g, "status", status);
  js_kstr(g, "reason", reason);
  if (step_s > 0) js_kdbl(g, "step_seconds", step_s); else js_knull(g, "step_seconds");
  if (step_s > 0) js_kdbl(g, "warmup_seconds", warmup_s); else js_knull(g, "warmup_seconds");
  if (exit_code >= 0) js_kint(g, "exit_code", exit_code); else js_knull(g, "exit_code");
  js_key(g, "documents");
  yajl_gen_array_open(g);
  emit_documents(g, out, "capacity");
  emit_documents(g, out, "sweep");
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  yajl_tree_free(run);
  int rc = js_write_file(g, path);
  if (rc < 0) snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
  return rc;
}

static void record_or_warn(const char *out, const char *status, const char *reason, double step_s,
                           double warmup_s, int exit_code) {
  char err[1024] = "";
  if (record(out, status, reason, step_s, warmup_s, exit_code, err, sizeof err) < 0)
    fprintf(stderr, "pocbench run: capacity: run.json not updated: %s\n", err);
}

/* The study's verify gate holds for the phase too: the contenders run.json records as verified,
 * as a --services list (the runner's names are that form: name or name@variant), into buf.
 * 1: the list is in buf; 0: run.json has no verify record (--no-verify), keep the selection;
 * -1: run.json unreadable. Those that failed are named on stdout. */
static int verified_services(const char *out, char *buf, size_t n) {
  char path[PATH_MAX + 16], err[512];
  snprintf(path, sizeof path, "%s/run.json", out);
  yajl_val run = js_read_file(path, err, sizeof err);
  if (!run) return -1;
  yajl_val v = js_get(run, "verify");
  if (!v || !YAJL_IS_OBJECT(v) || !v->u.object.len) { yajl_tree_free(run); return 0; }
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < v->u.object.len; i++) {
    const char *name = v->u.object.keys[i];
    if (YAJL_IS_TRUE(js_get(v->u.object.values[i], "passed"))) {
      int w = snprintf(buf + len, n - len, "%s%s", len ? "," : "", name);
      if (w > 0 && (size_t)w < n - len) len += (size_t)w;
    } else {
      printf("pocbench run: capacity: %s left out (it failed pocbench verify)\n", name);
    }
  }
  yajl_tree_free(run);
  return 1;
}

int capacity_after_run(const struct run_opts *ro) {
  struct cap_opts o;
  capacity_opts_defaults(&o);
  o.do_capacity = o.do_sweep = true;
  o.services = ro->services;
  o.endpoints = ro->endpoints;
  o.cpu_millicores = ro->cpu_millicores;
  o.memory_bytes = ro->memory_bytes;
  o.no_limits = ro->no_limits;
  o.out = ro->out;
  o.apps_dir = ro->apps_dir;
  o.health_timeout_ns = ro->health_timeout_ns;
  o.skip_existing = ro->resume;
  if (!o.out) {
    fprintf(stderr, "pocbench run: capacity: no results directory\n");
    return EXIT_FAIL;
  }
  double scale = ro->scale > 0 ? ro->scale : 1;
  char passed[4096];
  int vr = verified_services(o.out, passed, sizeof passed);
  if (vr == 1 && !passed[0]) {
    printf("\npocbench run: breaking points skipped: no contender passed pocbench verify\n");
    record_or_warn(o.out, "skipped", "no contender passed pocbench verify", 0, 0, -1);
    return EXIT_OK;
  }
  if (vr == 1) o.services = passed;
  if (scale < CAPACITY_MIN_SCALE && ro->capacity_step_ns <= 0) {
    char why[160];
    snprintf(why, sizeof why, "below --scale %g without --capacity-step (a quick run)", CAPACITY_MIN_SCALE);
    printf("\npocbench run: breaking points skipped at --scale %g (%s); `pocbench capacity --both` "
           "measures them on their own\n", scale, why);
    record_or_warn(o.out, "skipped", why, 0, 0, -1);
    return EXIT_OK;
  }
  o.step_ns = ro->capacity_step_ns > 0 ? ro->capacity_step_ns
              : (int64_t)fmax(2e9, (double)o.step_ns * scale);
  o.warmup_ns = (int64_t)fmax(1e9, (double)o.warmup_ns * scale);
  printf("\npocbench run: breaking points (capacity search and concurrency sweep; --no-capacity skips them)\n");
  fflush(stdout);
  record_or_warn(o.out, "running", NULL, o.step_ns / 1e9, o.warmup_ns / 1e9, -1);
  int code = capacity_main(&o);
  record_or_warn(o.out, code == EXIT_OK ? "complete" : code == EXIT_INTERRUPTED ? "interrupted" : "failed",
                 code == EXIT_OK || code == EXIT_INTERRUPTED ? NULL
                 : "a contender x endpoint could not be measured (its message is in the run's output)",
                 o.step_ns / 1e9, o.warmup_ns / 1e9, code);
  if (code == EXIT_INTERRUPTED || ro->no_report) return code;
  char cmd[2 * PATH_MAX + 64], self[PATH_MAX];
  ssize_t nl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (nl <= 0) snprintf(self, sizeof self, "%s/build/pocbench", pocbench_root());
  else self[nl] = '\0';
  snprintf(cmd, sizeof cmd, "'%s' report '%s'", self, ro->out);
  printf("report: %s\n", cmd);
  fflush(stdout);
  int st = system(cmd);
  if (!WIFEXITED(st) || WEXITSTATUS(st))
    fprintf(stderr, "pocbench run: `pocbench report` after the capacity measurements failed; the "
            "report written before them stands\n");
  return code;
}
