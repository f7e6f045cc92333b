/* options.c: the configuration of `pocbench load`: flags, k6 options JSON, defaults, checks.
 *
 * Three layers, applied in this order: flags (options_parse_args), then the --config file
 * (options_load_config) which only fills what no flag gave, then options_finalize which applies
 * k6's defaults, resolves the shortcuts (duration -> constant-vus, stages -> ramping-vus with
 * startVUs = vus) and validates. As in k6, execution settings given in a higher layer (a flag
 * among --duration, --stage, --executor, --rate, --start-rate) replace ALL execution settings
 * of the file (its duration, stages and scenarios), so `--duration 10s --config load.json`
 * means ten seconds of constant VUs, never a config error. Which option came from where is
 * kept in two bit sets in struct load_opts. Every error names the flag and/or key at fault.
 * Rejected alternative: sentinel values (-1) in each field; they cannot tell "given as 0" from
 * "not given" for doubles and made the flags-win rule a per-field special case. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>
#include "fsutil.h"
#include "load.h"
#include "loadout.h"
#include "units.h"

enum given_bit {
  G_VUS, G_DURATION, G_STAGES, G_RATE, G_TIME_UNIT, G_PREALLOC, G_MAXVUS, G_START_RATE,
  G_EXECUTOR, G_START_VUS, G_GSTOP, G_GRAMP, G_SLEEP, G_TIMEOUT, G_METHOD, G_URL, G_HEADERS,
  G_BODY, G_THRESHOLDS, G_TREND_STATS, G_THREADS, G_SCENARIOS, G_CONFIG_LOADED,
};
#define BIT(b) (UINT64_C(1) << (b))
/* flags that replace every execution setting of the config file (k6's tier rule) */
#define EXEC_CLI (BIT(G_DURATION) | BIT(G_STAGES) | BIT(G_EXECUTOR) | BIT(G_RATE) | BIT(G_START_RATE))

static const char *const default_trend_stats[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};
static const char *const executor_names[] = {
  [EXEC_CONSTANT_VUS] = "constant-vus", [EXEC_RAMPING_VUS] = "ramping-vus",
  [EXEC_CONSTANT_ARRIVAL_RATE] = "constant-arrival-rate",
  [EXEC_RAMPING_ARRIVAL_RATE] = "ramping-arrival-rate",
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -EINVAL;
}

static void set_str(char **dst, const char *src) {
  free(*dst);
  *dst = src ? strdup(src) : NULL;
}

static void given(struct load_opts *o, int bit, bool cli) {
  o->given |= BIT(bit);
  if (cli) o->given_cli |= BIT(bit);
}

static bool is_cli(const struct load_opts *o, int bit) { return o->given_cli & BIT(bit); }

/* ---------------------------------------------------------------- scalars */

static int parse_i64(const char *s, int64_t *out) {
  if (!s || !*s) return -EINVAL;
  for (const char *p = s; *p; p++)
    if (!isdigit((unsigned char)*p)) return -EINVAL;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || *end) return -EINVAL;
  *out = v;
  return 0;
}

static int parse_f64(const char *s, double *out) {
  if (!s || !*s) return -EINVAL;
  for (const char *p = s; *p; p++)
    if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p)) return -EINVAL;
  char *end;
  double v = strtod(s, &end);
  if (*end || !isfinite(v)) return -EINVAL;
  *out = v;
  return 0;
}

static bool is_token(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return false;
  return true;
}

/* Reads a regular file of at most max bytes (a FIFO or /dev/zero would never end). */
static int read_regular(const char *path, size_t max, char **buf, size_t *len) {
  struct stat st;
  if (stat(path, &st)) return -errno;
  if (!S_ISREG(st.st_mode)) return -EINVAL;
  if ((uint64_t)st.st_size > max) return -EFBIG;
  return fs_read_all(path, buf, len);
}

/* ---------------------------------------------------------------- lists */

static int add_stage(struct load_opts *o, int64_t ns, double target) {
  struct stage *n = realloc(o->stages, (o->nstages + 1) * sizeof *n);
  if (!n) return -ENOMEM;
  o->stages = n;
  o->stages[o->nstages++] = (struct stage){ns, target};
  return 0;
}

static void clear_stages(struct load_opts *o) {
  free(o->stages);
  o->stages = NULL;
  o->nstages = 0;
}

static int add_threshold(struct load_opts *o, const char *metric, const char *expr, bool abort_on_fail,
                         int64_t delay_ns, char *err, size_t errlen) {
  struct threshold t;
  int rc = threshold_parse(metric, expr, &t, err, errlen);
  if (rc) return rc;
  struct threshold *n = realloc(o->thresholds, (o->nthresholds + 1) * sizeof *n);
  if (!n) { free(t.metric); free(t.source); return -ENOMEM; }
  t.abort_on_fail = abort_on_fail;
  t.delay_abort_eval_ns = delay_ns;
  o->thresholds = n;
  o->thresholds[o->nthresholds++] = t;
  return 0;
}

static int add_header(struct load_opts *o, const char *line, char *err, size_t errlen) {
  const char *colon = strchr(line, ':');
  if (!colon) return fail(err, errlen, "--header '%s': expected 'Name: value'", line);
  const char *ne = colon, *vb = colon + 1;
  const char *nb = line;
  while (nb < ne && (*nb == ' ' || *nb == '\t')) nb++;
  while (ne > nb && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
  while (*vb == ' ' || *vb == '\t') vb++;
  const char *ve = vb + strlen(vb);
  while (ve > vb && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
  char *name = strndup(nb, (size_t)(ne - nb)), *value = strndup(vb, (size_t)(ve - vb));
  if (!name || !value) { free(name); free(value); return -ENOMEM; }
  if (!is_token(name)) {
    free(name); free(value);
    return fail(err, errlen, "--header '%s': header name is not an HTTP token", line);
  }
  for (const char *p = value; *p; p++) {
    if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
      free(name); free(value);
      return fail(err, errlen, "--header '%s': control character in the value", line);
    }
  }
  struct header *n = realloc(o->headers, (o->nheaders + 1) * sizeof *n);
  if (!n) { free(name); free(value); return -ENOMEM; }
  o->headers = n;
  o->headers[o->nheaders++] = (struct header){name, value};
  return 0;
}

static void clear_str_list(char ***list, size_t *n) {
  for (size_t i = 0; i < *n; i++) free((*list)[i]);
  free(*list);
  *list = NULL;
  *n = 0;
}

static int add_str(char ***list, size_t *n, const char *s, size_t len) {
  char **nl = realloc(*list, (*n + 1) * sizeof *nl);
  if (!nl) return -ENOMEM;
  *list = nl;
  if (!(nl[*n] = strndup(s, len))) return -ENOMEM;
  (*n)++;
  return 0;
}

static bool valid_trend_stat(const char *s) {
  double p;
  return !strcmp(s, "avg") || !strcmp(s, "min") || !strcmp(s, "med") || !strcmp(s, "max") ||
         !strcmp(s, "count") || loadout_parse_pstat(s, strlen(s), &p);
}

static int set_trend_stats_csv(struct load_opts *o, const char *csv, char *err, size_t errlen) {
  clear_str_list(&o->trend_stats, &o->ntrend_stats);
  const char *p = csv;
  for (;;) {
    const char *c = strchr(p, ',');
    size_t l = c ? (size_t)(c - p) : strlen(p);
    while (l && *p == ' ') { p++; l--; }
    while (l && p[l - 1] == ' ') l--;
    if (add_str(&o->trend_stats, &o->ntrend_stats, p, l)) return -ENOMEM;
    const char *st = o->trend_stats[o->ntrend_stats - 1];
    if (!valid_trend_stat(st))
      return fail(err, errlen, "--summary-trend-stats: '%s' is not a trend statistic "
                  "(avg, min, med, max, count, p(N) with 0 <= N <= 100)", st);
    if (!c) break;
    p = c + 1;
  }
  return 0;
}

static int parse_executor(const char *s, enum executor *e) {
  for (size_t i = 0; i < sizeof executor_names / sizeof executor_names[0]; i++)
    if (!strcmp(s, executor_names[i])) { *e = (enum executor)i; return 0; }
  return -EINVAL;
}

/* "metric: expr" with an optional {selector} on the metric; the ':' that ends the metric is the
 * first one after the selector, if any. */
static int add_threshold_flag(struct load_opts *o, const char *arg, char *err, size_t errlen) {
  const char *brace = strchr(arg, '{');
  const char *from = arg;
  const char *colon = strchr(arg, ':');
  if (brace && colon && brace < colon) {
    const char *close = strchr(brace, '}');
    if (!close) return fail(err, errlen, "--threshold '%s': selector has no closing '}'", arg);
    from = close;
    colon = strchr(from, ':');
  }
  if (!colon) return fail(err, errlen, "--threshold '%s': expected 'metric: expression', "
                          "e.g. 'http_req_duration: p(95)<500'", arg);
  char *metric = strndup(arg, (size_t)(colon - arg));
  if (!metric) return -ENOMEM;
  const char *expr = colon + 1;
  while (*expr == ' ' || *expr == '\t') expr++;
  int rc = add_threshold(o, metric, expr, false, 0, err, errlen);
  free(metric);
  return rc;
}

/* ---------------------------------------------------------------- flags */

static const char usage[] =
"usage: pocbench load [options] URL\n"
"       pocbench load --merge A.json B.json ...   (combined summary of --summary-export files)\n"
"\n"
"Sends HTTP/1.1 requests to URL (http://host[:port]/path; no https) with k6's executors and\n"
"prints k6's end-of-test summary. Each iteration is one request followed by the think time\n"
"(--sleep). The URL's host must resolve before anything runs.\n"
"\n"
"execution (k6 shortcuts: --duration -> constant-vus, --stage -> ramping-vus; beyond k6:\n"
"--rate -> constant-arrival-rate, --start-rate -> ramping-arrival-rate). An option that does\n"
"not belong to the resolved executor is an error.\n"
"  -u, --vus N                 VUs of constant-vus; start VUs of --stage (default 1)\n"
"  -d, --duration DUR          run time of constant-vus / constant-arrival-rate (at least 1s)\n"
"  -s, --stage DUR:TARGET      ramp to TARGET (VUs, or a rate for ramping-arrival-rate) over DUR;\n"
"                              repeat for each stage, in order\n"
"      --executor NAME         constant-vus | ramping-vus | constant-arrival-rate |\n"
"                              ramping-arrival-rate (default from the shortcuts above)\n"
"      --rate R                iterations per --time-unit (constant-arrival-rate)\n"
"      --start-rate R          starting rate (ramping-arrival-rate; default 0)\n"
"      --time-unit DUR         unit of --rate, --start-rate and arrival-rate stage targets\n"
"                              (default 1s)\n"
"      --pre-allocated-vus N   VUs made before the start (arrival-rate executors, required)\n"
"      --max-vus N             VUs allowed in total (arrival-rate; default = pre-allocated)\n"
"      --graceful-stop DUR     time in-flight iterations get at the end (default 30s)\n"
"      --graceful-ramp-down DUR  time a VU removed by a ramp-down gets (ramping-vus; default 30s)\n"
"      --scale F               multiply the plan's durations (stages, duration, delayAbortEval) by F,\n"
"                              0 < F <= 1000 (e.g. 0.1); graceful stop/ramp-down, think time,\n"
"                              timeout and time unit are kept\n"
"      --threads N             engine threads, 0 to 256, never more than VUs. Default 0 = from\n"
"                              the plan, not the CPUs: 1 per 10,000 requests/s planned (arrival\n"
"                              rate, or peak VUs / think time), at most the online CPUs and 4;\n"
"                              a closed model without think time gets the online CPUs, at most 4\n"
"request\n"
"      --method M              HTTP method (default GET)\n"
"  -H, --header 'K: V'         request header; repeatable\n"
"      --body TEXT             request body\n"
"      --body-file FILE        request body read from FILE (a regular file, at most 64 MiB)\n"
"      --sleep DUR             think time after each request (default 0; the profiles use 100ms)\n"
"      --timeout DUR           per request, connect to last byte (default 60s); a timeout is a\n"
"                              failed request\n"
"thresholds and outputs\n"
"      --threshold 'METRIC: EXPR'  e.g. 'http_req_duration: p(90)<2000'; repeatable; METRIC may\n"
"                              carry {expected_response:true} or {scenario:NAME}; a p(N) threshold\n"
"                              adds p(N) to the summary\n"
"      --no-thresholds         do not evaluate thresholds\n"
"      --summary-trend-stats L stats shown for trends: avg, min, med, max, count, p(N)\n"
"                              (default avg,min,med,max,p(90),p(95))\n"
"      --summary-export FILE   k6-shaped JSON summary plus pocbench histograms (mergeable)\n"
"      --out csv=FILE          per-second series as CSV; --out json=FILE as NDJSON (both allowed)\n"
"  -c, --config FILE           k6 options JSON; flags win over it, and an execution flag\n"
"                              (--duration, --stage, --executor, --rate, --start-rate) replaces\n"
"                              its whole plan\n"
"      --merge FILE...         merge the given --summary-export files and print the combined\n"
"                              summary (with --summary-export: also write it)\n"
"  -q, --quiet                 no header and no progress lines (summary and warnings still shown)\n"
"      --no-color              no ANSI colours\n"
"  -h, --help                  this text\n"
"\n"
"Durations: 30s, 1m30s, 500ms, 250us, 1h, 2d; a bare number is milliseconds.\n"
"Failed requests are counted by cause: the first of each cause is logged on stderr when it\n"
"happens, and a line on stderr sums them up after the summary. They do not change the exit\n"
"status (as k6); use e.g. --threshold 'http_req_failed: rate<0.01'.\n"
"\n"
"Exit status:\n"
"    0  the run completed and no threshold was crossed (even if requests failed)\n"
"   99  thresholds crossed (at the end, or early through abortOnFail)\n"
"  104  invalid options, config, threshold expression or URL, or a host that does not\n"
"       resolve (nothing was sent)\n"
"  105  interrupted by SIGINT/SIGTERM (a second signal exits at once)\n"
"    1  any other error (cannot write an output, cannot start)\n";

enum {
  OPT_RATE = 256, OPT_TIME_UNIT, OPT_PREALLOC, OPT_MAXVUS, OPT_START_RATE, OPT_EXECUTOR,
  OPT_SLEEP, OPT_THRESHOLD, OPT_TIMEOUT, OPT_SUMMARY_EXPORT, OPT_OUT, OPT_METHOD, OPT_BODY,
  OPT_BODY_FILE, OPT_THREADS, OPT_NO_COLOR, OPT_NO_THRESHOLDS, OPT_SCALE, OPT_TREND_STATS,
  OPT_MERGE, OPT_GSTOP, OPT_GRAMP,
};

static const struct option long_opts[] = {
  {"vus", required_argument, NULL, 'u'},
  {"duration", required_argument, NULL, 'd'},
  {"stage", required_argument, NULL, 's'},
  {"rate", required_argument, NULL, OPT_RATE},
  {"time-unit", required_argument, NULL, OPT_TIME_UNIT},
  {"pre-allocated-vus", required_argument, NULL, OPT_PREALLOC},
  {"max-vus", required_argument, NULL, OPT_MAXVUS},
  {"start-rate", required_argument, NULL, OPT_START_RATE},
  {"executor", required_argument, NULL, OPT_EXECUTOR},
  {"graceful-stop", required_argument, NULL, OPT_GSTOP},
  {"graceful-ramp-down", required_argument, NULL, OPT_GRAMP},
  {"sleep", required_argument, NULL, OPT_SLEEP},
  {"threshold", required_argument, NULL, OPT_THRESHOLD},
  {"timeout", required_argument, NULL, OPT_TIMEOUT},
  {"summary-export", required_argument, NULL, OPT_SUMMARY_EXPORT},
  {"out", required_argument, NULL, OPT_OUT},
  {"method", required_argument, NULL, OPT_METHOD},
  {"header", required_argument, NULL, 'H'},
  {"body", required_argument, NULL, OPT_BODY},
  {"body-file", required_argument, NULL, OPT_BODY_FILE},
  {"threads", required_argument, NULL, OPT_THREADS},
  {"quiet", no_argument, NULL, 'q'},
  {"no-color", no_argument, NULL, OPT_NO_COLOR},
  {"no-thresholds", no_argument, NULL, OPT_NO_THRESHOLDS},
  {"config", required_argument, NULL, 'c'},
  {"scale", required_argument, NULL, OPT_SCALE},
  {"summary-trend-stats", required_argument, NULL, OPT_TREND_STATS},
  {"merge", required_argument, NULL, OPT_MERGE},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0},
};

static void opts_init(struct load_opts *o) {
  memset(o, 0, sizeof *o);
  o->scale = 1;
  o->vus = 1;
  o->start_vus = 1;
  o->graceful_stop_ns = 30 * INT64_C(1000000000);
  o->graceful_ramp_down_ns = 30 * INT64_C(1000000000);
  o->time_unit_ns = INT64_C(1000000000);
  o->timeout_ns = 60 * INT64_C(1000000000);
}

static int flag_duration(const char *flag, const char *arg, int64_t *out, char *err, size_t errlen) {
  if (units_parse_duration(arg, out))
    return fail(err, errlen, "%s '%s': not a duration (e.g. 30s, 1m30s, 500ms)", flag, arg);
  return 0;
}

static int flag_count(const char *flag, const char *arg, int64_t *out, char *err, size_t errlen) {
  if (parse_i64(arg, out)) return fail(err, errlen, "%s '%s': not a non-negative integer", flag, arg);
  return 0;
}

static int flag_number(const char *flag, const char *arg, double *out, char *err, size_t errlen) {
  if (parse_f64(arg, out) || *out < 0) return fail(err, errlen, "%s '%s': not a non-negative number", flag, arg);
  return 0;
}

int options_parse_args(int argc, char **argv, struct load_opts *o, char *err, size_t errlen) {
  opts_init(o);
  if (err && errlen) err[0] = '\0';
  bool merge = false;
  int rc = 0;
  optind = 0;   /* GNU: full re-initialisation, so the parser can run more than once */
  opterr = 0;
  for (;;) {
    int c = getopt_long(argc, argv, ":u:d:s:H:c:qh", long_opts, NULL);
    if (c == -1) break;
    int prev = optind > 1 ? optind - 1 : 1;   /* the element getopt just consumed */
    const char *arg = optarg;
    switch (c) {
    case 'u':
      if ((rc = flag_count("--vus", arg, &o->vus, err, errlen))) return rc;
      given(o, G_VUS, true);
      break;
    case 'd':
      if ((rc = flag_duration("--duration", arg, &o->duration_ns, err, errlen))) return rc;
      given(o, G_DURATION, true);
      break;
    case 's': {
      const char *colon = strchr(arg, ':');
      int64_t ns;
      double target;
      char *d = colon ? strndup(arg, (size_t)(colon - arg)) : NULL;
      bool ok = d && units_parse_duration(d, &ns) == 0 && parse_f64(colon + 1, &target) == 0 && target >= 0;
      free(d);
      if (!ok) return fail(err, errlen, "--stage '%s': expected DURATION:TARGET, e.g. 30s:20", arg);
      if (add_stage(o, ns, target)) return -ENOMEM;
      given(o, G_STAGES, true);
      break;
    }
    case OPT_RATE:
      if ((rc = flag_number("--rate", arg, &o->rate, err, errlen))) return rc;
      given(o, G_RATE, true);
      break;
    case OPT_START_RATE:
      if ((rc = flag_number("--start-rate", arg, &o->start_rate, err, errlen))) return rc;
      given(o, G_START_RATE, true);
      break;
    case OPT_TIME_UNIT:
      if ((rc = flag_duration("--time-unit", arg, &o->time_unit_ns, err, errlen))) return rc;
      given(o, G_TIME_UNIT, true);
      break;
    case OPT_PREALLOC:
      if ((rc = flag_count("--pre-allocated-vus", arg, &o->pre_allocated_vus, err, errlen))) return rc;
      given(o, G_PREALLOC, true);
      break;
    case OPT_MAXVUS:
      if ((rc = flag_count("--max-vus", arg, &o->max_vus, err, errlen))) return rc;
      given(o, G_MAXVUS, true);
      break;
    case OPT_EXECUTOR:
      if (parse_executor(arg, &o->executor))
        return fail(err, errlen, "--executor '%s': not supported (constant-vus, ramping-vus, "
                    "constant-arrival-rate, ramping-arrival-rate)", arg);
      given(o, G_EXECUTOR, true);
      break;
    case OPT_GSTOP:
      if ((rc = flag_duration("--graceful-stop", arg, &o->graceful_stop_ns, err, errlen))) return rc;
      given(o, G_GSTOP, true);
      break;
    case OPT_GRAMP:
      if ((rc = flag_duration("--graceful-ramp-down", arg, &o->graceful_ramp_down_ns, err, errlen))) return rc;
      given(o, G_GRAMP, true);
      break;
    case OPT_SLEEP:
      if ((rc = flag_duration("--sleep", arg, &o->sleep_ns, err, errlen))) return rc;
      given(o, G_SLEEP, true);
      break;
    case OPT_TIMEOUT:
      if ((rc = flag_duration("--timeout", arg, &o->timeout_ns, err, errlen))) return rc;
      if (o->timeout_ns <= 0) return fail(err, errlen, "--timeout '%s': must be greater than 0", arg);
      given(o, G_TIMEOUT, true);
      break;
    case OPT_THRESHOLD:
      if ((rc = add_threshold_flag(o, arg, err, errlen))) return rc;
      given(o, G_THRESHOLDS, true);
      break;
    case OPT_SUMMARY_EXPORT:
      set_str(&o->summary_export, arg);
      break;
    case OPT_OUT:
      if (!strncmp(arg, "csv=", 4) && arg[4]) {
        if (o->out_csv) return fail(err, errlen, "--out csv= given twice");
        set_str(&o->out_csv, arg + 4);
      } else if (!strncmp(arg, "json=", 5) && arg[5]) {
        if (o->out_json) return fail(err, errlen, "--out json= given twice");
        set_str(&o->out_json, arg + 5);
      } else {
        return fail(err, errlen, "--out '%s': expected csv=FILE or json=FILE", arg);
      }
      break;
    case OPT_METHOD:
      if (!is_token(arg)) return fail(err, errlen, "--method '%s': not an HTTP method token", arg);
      set_str(&o->method, arg);
      given(o, G_METHOD, true);
      break;
    case 'H':
      if ((rc = add_header(o, arg, err, errlen))) return rc;
      given(o, G_HEADERS, true);
      break;
    case OPT_BODY:
      if (o->given_cli & BIT(G_BODY)) return fail(err, errlen, "--body: a body was already given");
      set_str(&o->body, arg);
      o->body_len = strlen(arg);
      given(o, G_BODY, true);
      break;
    case OPT_BODY_FILE: {
      if (o->given_cli & BIT(G_BODY)) return fail(err, errlen, "--body-file: a body was already given");
      char *buf;
      size_t len;
      int r = read_regular(arg, (size_t)64 << 20, &buf, &len);
      if (r) return fail(err, errlen, "--body-file '%s': %s", arg,
                         r == -EINVAL ? "not a regular file" : r == -EFBIG ? "larger than 64 MiB" : strerror(-r));
      free(o->body);
      o->body = buf;
      o->body_len = len;
      given(o, G_BODY, true);
      break;
    }
    case OPT_THREADS: {
      int64_t n;
      if (parse_i64(arg, &n) || n > 256)
        return fail(err, errlen, "--threads '%s': expected 0 (auto) to 256", arg);
      o->threads = (int)n;
      given(o, G_THREADS, true);
      break;
    }
    case 'q': o->quiet = true; break;
    case OPT_NO_COLOR: o->no_color = true; break;
    case OPT_NO_THRESHOLDS: o->no_thresholds = true; break;
    case 'c': set_str(&o->config_path, arg); break;
    case OPT_SCALE:
      if (parse_f64(arg, &o->scale) || !(o->scale > 0) || o->scale > 1000)
        return fail(err, errlen, "--scale '%s': expected a number greater than 0 (at most 1000)", arg);
      break;
    case OPT_TREND_STATS:
      if ((rc = set_trend_stats_csv(o, arg, err, errlen))) return rc;
      given(o, G_TREND_STATS, true);
      break;
    case OPT_MERGE:
      merge = true;
      if (add_str(&o->merge_files, &o->nmerge_files, arg, strlen(arg))) return -ENOMEM;
      break;
    case 'h':
      fputs(usage, stdout);
      return 1;
    case ':':
      return fail(err, errlen, "%s: missing value", prev < argc ? argv[prev] : "option");
    default:
      return fail(err, errlen, "unknown option '%s' (see pocbench load --help)", prev < argc ? argv[prev] : "?");
    }
  }
  for (int i = optind; i < argc; i++) {
    if (merge) {
      if (add_str(&o->merge_files, &o->nmerge_files, argv[i], strlen(argv[i]))) return -ENOMEM;
    } else if (!o->url) {
      set_str(&o->url, argv[i]);
      given(o, G_URL, true);
    } else {
      return fail(err, errlen, "unexpected argument '%s' (one URL only)", argv[i]);
    }
  }
  if (merge && o->url) return fail(err, errlen, "--merge takes export files, not a URL");
  return 0;
}

/* ---------------------------------------------------------------- config file */

static const char *jstr(yajl_val v) { return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL; }

static int cfg_duration(yajl_val v, const char *key, int64_t *out, char *err, size_t errlen) {
  if (YAJL_IS_NUMBER(v)) {
    double ms = YAJL_GET_DOUBLE(v);
    if (!(ms >= 0) || ms > 9.2e12) return fail(err, errlen, "config: \"%s\": not a duration", key);
    *out = (int64_t)llround(ms * 1e6);
    return 0;
  }
  const char *s = jstr(v);
  if (!s || units_parse_duration(s, out))
    return fail(err, errlen, "config: \"%s\": not a duration (e.g. \"30s\", \"1m30s\", or milliseconds)", key);
  return 0;
}

static int cfg_count(yajl_val v, const char *key, int64_t *out, char *err, size_t errlen) {
  if (!YAJL_IS_NUMBER(v)) return fail(err, errlen, "config: \"%s\": expected a non-negative integer", key);
  double d = YAJL_GET_DOUBLE(v);
  if (!(d >= 0) || d != floor(d) || d > 1e9)
    return fail(err, errlen, "config: \"%s\": expected a non-negative integer", key);
  *out = (int64_t)d;
  return 0;
}

static int cfg_number(yajl_val v, const char *key, double *out, char *err, size_t errlen) {
  if (!YAJL_IS_NUMBER(v) || !(YAJL_GET_DOUBLE(v) >= 0) || !isfinite(YAJL_GET_DOUBLE(v)))
    return fail(err, errlen, "config: \"%s\": expected a non-negative number", key);
  *out = YAJL_GET_DOUBLE(v);
  return 0;
}

static int cfg_stages(struct load_opts *o, yajl_val v, const char *key, char *err, size_t errlen) {
  if (!YAJL_IS_ARRAY(v)) return fail(err, errlen, "config: \"%s\": expected an array of {duration, target}", key);
  clear_stages(o);
  for (size_t i = 0; i < YAJL_GET_ARRAY(v)->len; i++) {
    yajl_val st = YAJL_GET_ARRAY(v)->values[i];
    char k[96];
    snprintf(k, sizeof k, "%s[%zu]", key, i);
    if (!YAJL_IS_OBJECT(st)) return fail(err, errlen, "config: \"%s\": expected {duration, target}", k);
    int64_t ns = -1;
    double target = -1;
    for (size_t j = 0; j < YAJL_GET_OBJECT(st)->len; j++) {
      const char *sk = YAJL_GET_OBJECT(st)->keys[j];
      yajl_val sv = YAJL_GET_OBJECT(st)->values[j];
      char kk[128];
      snprintf(kk, sizeof kk, "%s.%s", k, sk);
      int rc;
      if (!strcmp(sk, "duration")) { if ((rc = cfg_duration(sv, kk, &ns, err, errlen))) return rc; }
      else if (!strcmp(sk, "target")) { if ((rc = cfg_number(sv, kk, &target, err, errlen))) return rc; }
      else return fail(err, errlen, "config: \"%s\": unknown stage key", kk);
    }
    if (ns < 0 || target < 0) return fail(err, errlen, "config: \"%s\": needs both duration and target", k);
    if (add_stage(o, ns, target)) return -ENOMEM;
  }
  return 0;
}

static int cfg_thresholds(struct load_opts *o, yajl_val v, char *err, size_t errlen) {
  if (!YAJL_IS_OBJECT(v)) return fail(err, errlen, "config: \"thresholds\": expected an object of metric -> [expressions]");
  for (size_t i = 0; i < YAJL_GET_OBJECT(v)->len; i++) {
    const char *metric = YAJL_GET_OBJECT(v)->keys[i];
    yajl_val list = YAJL_GET_OBJECT(v)->values[i];
    if (!YAJL_IS_ARRAY(list))
      return fail(err, errlen, "config: \"thresholds.%s\": expected an array of expressions", metric);
    for (size_t j = 0; j < YAJL_GET_ARRAY(list)->len; j++) {
      yajl_val t = YAJL_GET_ARRAY(list)->values[j];
      const char *expr = jstr(t);
      bool abort_on_fail = false;
      int64_t delay = 0;
      if (!expr) {
        if (!YAJL_IS_OBJECT(t))
          return fail(err, errlen, "config: \"thresholds.%s[%zu]\": expected a string or {threshold, abortOnFail, delayAbortEval}", metric, j);
        for (size_t k = 0; k < YAJL_GET_OBJECT(t)->len; k++) {
          const char *tk = YAJL_GET_OBJECT(t)->keys[k];
          yajl_val tv = YAJL_GET_OBJECT(t)->values[k];
          if (!strcmp(tk, "threshold")) {
            if (!(expr = jstr(tv))) return fail(err, errlen, "config: \"thresholds.%s[%zu].threshold\": expected a string", metric, j);
          } else if (!strcmp(tk, "abortOnFail")) {
            if (!YAJL_IS_TRUE(tv) && !YAJL_IS_FALSE(tv))
              return fail(err, errlen, "config: \"thresholds.%s[%zu].abortOnFail\": expected true or false", metric, j);
            abort_on_fail = YAJL_IS_TRUE(tv);
          } else if (!strcmp(tk, "delayAbortEval")) {
            if (cfg_duration(tv, "delayAbortEval", &delay, err, errlen))
              return fail(err, errlen, "config: \"thresholds.%s[%zu].delayAbortEval\": not a duration", metric, j);
          } else {
            return fail(err, errlen, "config: \"thresholds.%s[%zu].%s\": unknown key", metric, j, tk);
          }
        }
        if (!expr) return fail(err, errlen, "config: \"thresholds.%s[%zu]\": missing \"threshold\"", metric, j);
      }
      int rc = add_threshold(o, metric, expr, abort_on_fail, delay, err, errlen);
      if (rc) return rc;
    }
  }
  return 0;
}

static bool valid_scenario_name(const char *s) {
  if (!*s || strlen(s) > 100) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
  return true;
}

static int cfg_scenarios(struct load_opts *o, yajl_val v, char *err, size_t errlen) {
  if (!YAJL_IS_OBJECT(v)) return fail(err, errlen, "config: \"scenarios\": expected an object");
  if (YAJL_GET_OBJECT(v)->len != 1)
    return fail(err, errlen, "config: \"scenarios\": pocbench load runs exactly one scenario (found %zu)",
                YAJL_GET_OBJECT(v)->len);
  const char *name = YAJL_GET_OBJECT(v)->keys[0];
  yajl_val sc = YAJL_GET_OBJECT(v)->values[0];
  if (!valid_scenario_name(name))
    return fail(err, errlen, "config: scenario name '%s' must match ^[0-9a-zA-Z_-]+$", name);
  if (!YAJL_IS_OBJECT(sc)) return fail(err, errlen, "config: \"scenarios.%s\": expected an object", name);
  const char *ex_path[] = {"executor", NULL};
  const char *ex = jstr(yajl_tree_get(sc, ex_path, yajl_t_string));
  if (!ex) return fail(err, errlen, "config: \"scenarios.%s.executor\": missing", name);
  if (parse_executor(ex, &o->executor))
    return fail(err, errlen, "config: \"scenarios.%s.executor\": '%s' not supported (constant-vus, "
                "ramping-vus, constant-arrival-rate, ramping-arrival-rate)", name, ex);
  set_str(&o->scenario, name);
  given(o, G_EXECUTOR, false);
  given(o, G_SCENARIOS, false);
  enum executor e = o->executor;
  bool arrival = e == EXEC_CONSTANT_ARRIVAL_RATE || e == EXEC_RAMPING_ARRIVAL_RATE;
  for (size_t i = 0; i < YAJL_GET_OBJECT(sc)->len; i++) {
    const char *k = YAJL_GET_OBJECT(sc)->keys[i];
    yajl_val kv = YAJL_GET_OBJECT(sc)->values[i];
    char key[160];
    snprintf(key, sizeof key, "scenarios.%s.%s", name, k);
    int rc = 0;
    if (!strcmp(k, "executor")) continue;
    else if (!strcmp(k, "gracefulStop")) { rc = cfg_duration(kv, key, &o->graceful_stop_ns, err, errlen); given(o, G_GSTOP, false); }
    else if (!strcmp(k, "startTime")) {
      int64_t st;
      if ((rc = cfg_duration(kv, key, &st, err, errlen))) return rc;
      if (st != 0) return fail(err, errlen, "config: \"%s\": a start offset is not supported (one scenario, starting at 0)", key);
    } else if (!strcmp(k, "exec")) {
      const char *x = jstr(kv);
      if (!x || strcmp(x, "default"))
        return fail(err, errlen, "config: \"%s\": only \"default\" (there is no script)", key);
    } else if (!strcmp(k, "vus") && e == EXEC_CONSTANT_VUS) {
      if (!is_cli(o, G_VUS)) { rc = cfg_count(kv, key, &o->vus, err, errlen); given(o, G_VUS, false); }
    } else if (!strcmp(k, "duration") && (e == EXEC_CONSTANT_VUS || e == EXEC_CONSTANT_ARRIVAL_RATE)) {
      rc = cfg_duration(kv, key, &o->duration_ns, err, errlen); given(o, G_DURATION, false);
    } else if (!strcmp(k, "startVUs") && e == EXEC_RAMPING_VUS) {
      rc = cfg_count(kv, key, &o->start_vus, err, errlen); given(o, G_START_VUS, false);
    } else if (!strcmp(k, "stages") && (e == EXEC_RAMPING_VUS || e == EXEC_RAMPING_ARRIVAL_RATE)) {
      rc = cfg_stages(o, kv, key, err, errlen); given(o, G_STAGES, false);
    } else if (!strcmp(k, "gracefulRampDown") && e == EXEC_RAMPING_VUS) {
      rc = cfg_duration(kv, key, &o->graceful_ramp_down_ns, err, errlen); given(o, G_GRAMP, false);
    } else if (!strcmp(k, "rate") && e == EXEC_CONSTANT_ARRIVAL_RATE) {
      rc = cfg_number(kv, key, &o->rate, err, errlen); given(o, G_RATE, false);
    } else if (!strcmp(k, "startRate") && e == EXEC_RAMPING_ARRIVAL_RATE) {
      rc = cfg_number(kv, key, &o->start_rate, err, errlen); given(o, G_START_RATE, false);
    } else if (!strcmp(k, "timeUnit") && arrival) {
      rc = cfg_duration(kv, key, &o->time_unit_ns, err, errlen); given(o, G_TIME_UNIT, false);
    } else if (!strcmp(k, "preAllocatedVUs") && arrival) {
      rc = cfg_count(kv, key, &o->pre_allocated_vus, err, errlen); given(o, G_PREALLOC, false);
    } else if (!strcmp(k, "maxVUs") && arrival) {
      rc = cfg_count(kv, key, &o->max_vus, err, errlen); given(o, G_MAXVUS, false);
    } else {
      return fail(err, errlen, "config: \"%s\": not a supported key of a %s scenario", key, ex);
    }
    if (rc) return rc;
  }
  return 0;
}

int options_load_config(const char *path, struct load_opts *o, char *err, size_t errlen) {
  char *text = NULL;
  size_t len;
  int rc = read_regular(path, (size_t)16 << 20, &text, &len);
  if (rc) return fail(err, errlen, "--config '%s': %s", path,
                      rc == -EINVAL ? "not a regular file" : rc == -EFBIG ? "larger than 16 MiB" : strerror(-rc));
  if (strlen(text) != len) { free(text); return fail(err, errlen, "--config '%s': NUL byte in file", path); }
  char perr[256];
  yajl_val doc = yajl_tree_parse(text, perr, sizeof perr);
  free(text);
  if (!doc) {
    for (char *p = perr; *p; p++) if (*p == '\n') *p = ' ';
    return fail(err, errlen, "--config '%s': not valid JSON: %s", path, perr);
  }
  rc = 0;
  if (!YAJL_IS_OBJECT(doc)) { rc = fail(err, errlen, "--config '%s': expected a JSON object", path); goto out; }
  given(o, G_CONFIG_LOADED, false);
  bool cli_exec = o->given_cli & EXEC_CLI;
  bool has_scen = false, has_short = false;
  for (size_t i = 0; i < YAJL_GET_OBJECT(doc)->len; i++) {
    const char *k = YAJL_GET_OBJECT(doc)->keys[i];
    if (!strcmp(k, "scenarios")) has_scen = true;
    if (!strcmp(k, "duration") || !strcmp(k, "stages") || !strcmp(k, "vus")) has_short = true;
  }
  if (has_scen && has_short && !cli_exec) {
    rc = fail(err, errlen, "config: mixes shortcut options (vus, duration, stages) with \"scenarios\"; use one or the other");
    goto out;
  }
  for (size_t i = 0; i < YAJL_GET_OBJECT(doc)->len && rc == 0; i++) {
    const char *k = YAJL_GET_OBJECT(doc)->keys[i];
    yajl_val v = YAJL_GET_OBJECT(doc)->values[i];
    if (!strcmp(k, "vus")) {
      if (!is_cli(o, G_VUS)) { rc = cfg_count(v, "vus", &o->vus, err, errlen); given(o, G_VUS, false); }
    } else if (!strcmp(k, "duration")) {
      if (!cli_exec) { rc = cfg_duration(v, "duration", &o->duration_ns, err, errlen); given(o, G_DURATION, false); }
    } else if (!strcmp(k, "stages")) {
      if (!cli_exec) { rc = cfg_stages(o, v, "stages", err, errlen); given(o, G_STAGES, false); }
    } else if (!strcmp(k, "scenarios")) {
      if (!cli_exec) rc = cfg_scenarios(o, v, err, errlen);
    } else if (!strcmp(k, "iterations")) {
      rc = fail(err, errlen, "config: \"iterations\": iteration-count executors are not supported "
                "(use duration, stages or scenarios)");
    } else if (!strcmp(k, "thresholds")) {
      if (!is_cli(o, G_THRESHOLDS)) { rc = cfg_thresholds(o, v, err, errlen); given(o, G_THRESHOLDS, false); }
    } else if (!strcmp(k, "summaryTrendStats")) {
      if (is_cli(o, G_TREND_STATS)) continue;
      if (!YAJL_IS_ARRAY(v)) { rc = fail(err, errlen, "config: \"summaryTrendStats\": expected an array of strings"); break; }
      clear_str_list(&o->trend_stats, &o->ntrend_stats);
      for (size_t j = 0; j < YAJL_GET_ARRAY(v)->len && rc == 0; j++) {
        const char *s = jstr(YAJL_GET_ARRAY(v)->values[j]);
        if (!s || !valid_trend_stat(s))
          rc = fail(err, errlen, "config: \"summaryTrendStats[%zu]\": '%s' is not a trend statistic "
                    "(avg, min, med, max, count, p(N) with 0 <= N <= 100)", j, s ? s : "(not a string)");
        else if (add_str(&o->trend_stats, &o->ntrend_stats, s, strlen(s)))
          rc = -ENOMEM;
      }
      given(o, G_TREND_STATS, false);
    } else if (!strcmp(k, "sleep")) {
      if (!is_cli(o, G_SLEEP)) { rc = cfg_duration(v, "sleep", &o->sleep_ns, err, errlen); given(o, G_SLEEP, false); }
    } else if (!strcmp(k, "timeout")) {
      if (!is_cli(o, G_TIMEOUT)) {
        rc = cfg_duration(v, "timeout", &o->timeout_ns, err, errlen);
        if (!rc && o->timeout_ns <= 0) rc = fail(err, errlen, "config: \"timeout\": must be greater than 0");
        given(o, G_TIMEOUT, false);
      }
    } else if (!strcmp(k, "url")) {
      if (!jstr(v)) rc = fail(err, errlen, "config: \"url\": expected a string");
      else if (!is_cli(o, G_URL)) { set_str(&o->url, jstr(v)); given(o, G_URL, false); }
    } else if (!strcmp(k, "method")) {
      if (!jstr(v) || !is_token(jstr(v))) rc = fail(err, errlen, "config: \"method\": expected an HTTP method token");
      else if (!is_cli(o, G_METHOD)) { set_str(&o->method, jstr(v)); given(o, G_METHOD, false); }
    } else if (!strcmp(k, "body")) {
      if (!jstr(v)) rc = fail(err, errlen, "config: \"body\": expected a string");
      else if (!is_cli(o, G_BODY)) { set_str(&o->body, jstr(v)); o->body_len = strlen(o->body); given(o, G_BODY, false); }
    } else if (!strcmp(k, "headers")) {
      if (!YAJL_IS_OBJECT(v)) { rc = fail(err, errlen, "config: \"headers\": expected an object of strings"); break; }
      if (is_cli(o, G_HEADERS)) continue;
      for (size_t j = 0; j < YAJL_GET_OBJECT(v)->len && rc == 0; j++) {
        const char *hv = jstr(YAJL_GET_OBJECT(v)->values[j]);
        const char *hk = YAJL_GET_OBJECT(v)->keys[j];
        if (!hv) { rc = fail(err, errlen, "config: \"headers.%s\": expected a string", hk); break; }
        size_t n = strlen(hk) + strlen(hv) + 3;
        char *line = malloc(n);
        if (!line) { rc = -ENOMEM; break; }
        snprintf(line, n, "%s: %s", hk, hv);
        rc = add_header(o, line, err, errlen);
        free(line);
      }
      given(o, G_HEADERS, false);
    } else {
      rc = fail(err, errlen, "config: key \"%s\" is not supported by pocbench load", k);
    }
  }
out:
  yajl_tree_free(doc);
  return rc;
}

/* ---------------------------------------------------------------- finalize */

static int64_t scaled(int64_t ns, double f) {
  double v = (double)ns * f;
  return v >= 9.2e18 ? INT64_MAX : (int64_t)llround(v);
}

static int check_not_for(const struct load_opts *o, int bit, const char *what, char *err, size_t errlen) {
  if (!(o->given & BIT(bit))) return 0;
  return fail(err, errlen, "%s does not apply to the %s executor", what, executor_names[o->executor]);
}

/* Splits http://host[:port][/path] as the engine reads it (conn.c target_init): the authority
 * runs to the first '/', an IPv6 literal is bracketed, the port is 1-65535 (default 80).
 * host gets the name without brackets. Every message starts with "URL '<url>': ". */
static int url_split(const char *url, char *host, size_t hostlen, char *port, size_t portlen,
                     char *err, size_t errlen) {
  if (!strncmp(url, "https://", 8))
    return fail(err, errlen, "URL '%s': https is not supported (plain http:// only)", url);
  if (strncmp(url, "http://", 7))
    return fail(err, errlen, "URL '%s': expected http://host[:port]/path", url);
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f) return fail(err, errlen, "URL '%s': space or control character", url);
  const char *a = url + 7, *slash = strchr(a, '/');
  size_t alen = slash ? (size_t)(slash - a) : strlen(a);
  if (alen == 0 || *a == ':' || *a == '?' || *a == '#') return fail(err, errlen, "URL '%s': no host", url);
  if (alen >= 256) return fail(err, errlen, "URL '%s': host and port longer than 255 characters", url);
  char auth[256];
  memcpy(auth, a, alen);
  auth[alen] = '\0';
  if (strpbrk(auth, "?#"))
    return fail(err, errlen, "URL '%s': the path must start with '/' after the host (e.g. http://host:8080/?q=1)", url);
  if (strchr(auth, '@')) return fail(err, errlen, "URL '%s': user information (user@host) is not supported", url);
  const char *colon;
  if (auth[0] == '[') {
    char *rb = strchr(auth, ']');
    if (!rb) return fail(err, errlen, "URL '%s': unterminated [IPv6] host", url);
    if (rb == auth + 1) return fail(err, errlen, "URL '%s': no host", url);
    if (rb[1] && rb[1] != ':') return fail(err, errlen, "URL '%s': unexpected '%s' after the [IPv6] host", url, rb + 1);
    snprintf(host, hostlen, "%.*s", (int)(rb - auth - 1), auth + 1);
    colon = rb[1] ? rb + 1 : NULL;
  } else {
    colon = strchr(auth, ':');
    if (colon && strchr(colon + 1, ':'))
      return fail(err, errlen, "URL '%s': an IPv6 address must be in brackets, e.g. http://[::1]:8080/", url);
    snprintf(host, hostlen, "%.*s", (int)(colon ? (size_t)(colon - auth) : alen), auth);
  }
  snprintf(port, portlen, "80");
  if (colon) {
    const char *ps = colon + 1;
    if (!*ps) return fail(err, errlen, "URL '%s': empty port after ':'", url);
    size_t digits = strspn(ps, "0123456789");
    if (ps[digits]) return fail(err, errlen, "URL '%s': port '%s' is not a number", url, ps);
    long p = digits > 6 ? 999999 : strtol(ps, NULL, 10);
    if (p < 1 || p > 65535) return fail(err, errlen, "URL '%s': port %s is out of range (1-65535)", url, ps);
    snprintf(port, portlen, "%ld", p);
  }
  return 0;
}

static int check_url(const char *url, char *err, size_t errlen) {
  char host[256], port[8];
  return url_split(url, host, sizeof host, port, sizeof port, err, errlen);
}

int options_resolve_url(const struct load_opts *o, char *err, size_t errlen) {
  char host[256], port[8];
  if (!o->url) return fail(err, errlen, "no target URL: give http://host:port/path as the argument, or \"url\" in --config");
  int rc = url_split(o->url, host, sizeof host, port, sizeof port, err, errlen);
  if (rc) return rc;
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(host, port, &hints, &res);
  if (g == EAI_MEMORY) return -ENOMEM;
  if (g != 0 || !res) {
    rc = fail(err, errlen, "URL '%s': cannot resolve host '%s': %s", o->url, host,
              g == EAI_SYSTEM ? strerror(errno) : g ? gai_strerror(g) : "no address");
    if (res) freeaddrinfo(res);
    return rc;
  }
  freeaddrinfo(res);
  return 0;
}

int options_finalize(struct load_opts *o, char *err, size_t errlen) {
  if (o->finalized) return 0;
  int rc;
  if (o->config_path && !(o->given & BIT(G_CONFIG_LOADED)))
    if ((rc = options_load_config(o->config_path, o, err, errlen))) return rc;
  /* defaults again for a struct that did not come through options_parse_args (zeroed) */
  if (!(o->scale > 0)) o->scale = 1;
  if (!(o->given & BIT(G_VUS))) o->vus = 1;
  if (!(o->given & BIT(G_GSTOP))) o->graceful_stop_ns = 30 * INT64_C(1000000000);
  if (!(o->given & BIT(G_GRAMP))) o->graceful_ramp_down_ns = 30 * INT64_C(1000000000);
  if (!(o->given & BIT(G_TIME_UNIT))) o->time_unit_ns = INT64_C(1000000000);
  if (!(o->given & BIT(G_TIMEOUT))) o->timeout_ns = 60 * INT64_C(1000000000);
  if (!o->method) set_str(&o->method, "GET");
  if (!o->scenario) set_str(&o->scenario, "default");
  if (!o->method || !o->scenario) return -ENOMEM;

  if (o->nmerge_files == 0) {
    if (!o->url) return fail(err, errlen, "no target URL: give http://host:port/path as the argument, or \"url\" in --config");
    if ((rc = check_url(o->url, err, errlen))) return rc;
    if (!(o->given & BIT(G_EXECUTOR))) {
      if ((o->given & BIT(G_DURATION)) && (o->given & BIT(G_STAGES)))
        return fail(err, errlen, "both a duration (--duration / \"duration\") and stages (--stage / \"stages\") given; use one");
      if (o->given & BIT(G_RATE)) o->executor = EXEC_CONSTANT_ARRIVAL_RATE;
      else if (o->given & BIT(G_START_RATE)) o->executor = EXEC_RAMPING_ARRIVAL_RATE;
      else if (o->given & BIT(G_DURATION)) o->executor = EXEC_CONSTANT_VUS;
      else if (o->given & BIT(G_STAGES)) o->executor = EXEC_RAMPING_VUS;
      else return fail(err, errlen, "nothing to run: give --duration, --stage, --executor, or a --config with duration, stages or scenarios");
    }
    const char *ex = executor_names[o->executor];
    bool arrival = o->executor == EXEC_CONSTANT_ARRIVAL_RATE || o->executor == EXEC_RAMPING_ARRIVAL_RATE;
    bool staged = o->executor == EXEC_RAMPING_VUS || o->executor == EXEC_RAMPING_ARRIVAL_RATE;
    if (staged) {
      if (o->nstages == 0) return fail(err, errlen, "the %s executor needs at least one stage (--stage / \"stages\")", ex);
      if ((rc = check_not_for(o, G_DURATION, "a duration (--duration / \"duration\")", err, errlen))) return rc;
    } else {
      if (!(o->given & BIT(G_DURATION)))
        return fail(err, errlen, "the %s executor needs a duration (--duration / \"duration\")", ex);
      if (o->duration_ns < INT64_C(1000000000)) {
        char got[32];
        return fail(err, errlen, "duration (--duration / \"duration\") must be at least 1s for %s, got %s "
                    "(a number without a unit means milliseconds, as in k6)", ex,
                    units_format_go_duration(o->duration_ns, got, sizeof got));
      }
      if ((rc = check_not_for(o, G_STAGES, "stages (--stage / \"stages\")", err, errlen))) return rc;
    }
    if (arrival) {
      if ((rc = check_not_for(o, G_VUS, "--vus / \"vus\" (use --pre-allocated-vus and --max-vus)", err, errlen))) return rc;
      if ((rc = check_not_for(o, G_GRAMP, "gracefulRampDown (--graceful-ramp-down)", err, errlen))) return rc;
      if (!(o->given & BIT(G_PREALLOC)))
        return fail(err, errlen, "the %s executor needs preAllocatedVUs (--pre-allocated-vus)", ex);
      if (!(o->given & BIT(G_MAXVUS)) || o->max_vus == 0) o->max_vus = o->pre_allocated_vus;
      if (o->max_vus < o->pre_allocated_vus)
        return fail(err, errlen, "maxVUs (--max-vus) %lld is less than preAllocatedVUs (--pre-allocated-vus) %lld",
                    (long long)o->max_vus, (long long)o->pre_allocated_vus);
      if (o->max_vus < 1) return fail(err, errlen, "maxVUs (--max-vus) must be at least 1");
      if (o->time_unit_ns <= 0) return fail(err, errlen, "timeUnit (--time-unit) must be greater than 0");
    } else {
      if ((rc = check_not_for(o, G_PREALLOC, "preAllocatedVUs (--pre-allocated-vus)", err, errlen))) return rc;
      if ((rc = check_not_for(o, G_MAXVUS, "maxVUs (--max-vus)", err, errlen))) return rc;
      if ((rc = check_not_for(o, G_TIME_UNIT, "timeUnit (--time-unit)", err, errlen))) return rc;
    }
    if (o->executor != EXEC_CONSTANT_ARRIVAL_RATE)
      if ((rc = check_not_for(o, G_RATE, "rate (--rate)", err, errlen))) return rc;
    if (o->executor != EXEC_RAMPING_ARRIVAL_RATE)
      if ((rc = check_not_for(o, G_START_RATE, "startRate (--start-rate)", err, errlen))) return rc;
    switch (o->executor) {
    case EXEC_CONSTANT_VUS:
      if ((rc = check_not_for(o, G_GRAMP, "gracefulRampDown (--graceful-ramp-down)", err, errlen))) return rc;
      if (o->vus < 1) return fail(err, errlen, "vus (--vus / \"vus\") must be at least 1 for constant-vus");
      break;
    case EXEC_RAMPING_VUS: {
      if (!(o->given & BIT(G_START_VUS))) o->start_vus = (o->given & BIT(G_VUS)) ? o->vus : 1;
      double mx = (double)o->start_vus;
      for (size_t i = 0; i < o->nstages; i++) {
        if (o->stages[i].target != floor(o->stages[i].target) || o->stages[i].target > 1e7)
          return fail(err, errlen, "stage %zu: target %g is not a whole number of VUs", i + 1, o->stages[i].target);
        if (o->stages[i].target > mx) mx = o->stages[i].target;
      }
      if (mx <= 0) return fail(err, errlen, "ramping-vus: startVUs and every stage target are 0; nothing would run");
      break;
    }
    case EXEC_CONSTANT_ARRIVAL_RATE:
      if (!(o->rate > 0)) return fail(err, errlen, "constant-arrival-rate needs a rate (--rate / \"rate\") greater than 0");
      break;
    case EXEC_RAMPING_ARRIVAL_RATE:
      break;
    }
    if (o->sleep_ns < 0) return fail(err, errlen, "sleep must not be negative");
  }

  /* thresholds: a {scenario:X} selector must name our one scenario */
  for (size_t i = 0; i < o->nthresholds; i++) {
    struct metric_key k;
    char *canon;
    if ((rc = loadout_parse_metric(o->thresholds[i].metric, &k, &canon, err, errlen))) return rc;
    free(canon);
    if (k.scenario[0] && strcmp(k.scenario, o->scenario))
      return fail(err, errlen, "threshold on '%s': there is no scenario '%s' (the scenario is '%s')",
                  o->thresholds[i].metric, k.scenario, o->scenario);
  }

  if (o->ntrend_stats == 0)
    for (size_t i = 0; i < sizeof default_trend_stats / sizeof default_trend_stats[0]; i++)
      if (add_str(&o->trend_stats, &o->ntrend_stats, default_trend_stats[i], strlen(default_trend_stats[i])))
        return -ENOMEM;
  /* beyond k6: a p(N) threshold on a trend makes p(N) a summary column */
  for (size_t i = 0; i < o->nthresholds; i++) {
    if (o->thresholds[i].agg != TH_P) continue;
    bool have = false;
    for (size_t j = 0; j < o->ntrend_stats && !have; j++) {
      double p;
      const char *s = o->trend_stats[j];
      have = loadout_parse_pstat(s, strlen(s), &p) && p == o->thresholds[i].p;
    }
    if (have) continue;
    char name[48];
    snprintf(name, sizeof name, "p(%.15g)", o->thresholds[i].p);
    if (add_str(&o->trend_stats, &o->ntrend_stats, name, strlen(name))) return -ENOMEM;
  }

  if (o->scale != 1) {
    o->duration_ns = scaled(o->duration_ns, o->scale);
    for (size_t i = 0; i < o->nstages; i++) o->stages[i].duration_ns = scaled(o->stages[i].duration_ns, o->scale);
    /* gracefulStop/gracefulRampDown are patience, not the profile's shape: shrinking them
     * would turn slow-but-served requests of a quick run into "interrupted" failures and flip
     * the study's failure thresholds, so they keep their configured length. */
    for (size_t i = 0; i < o->nthresholds; i++)
      o->thresholds[i].delay_abort_eval_ns = scaled(o->thresholds[i].delay_abort_eval_ns, o->scale);
  }
  o->finalized = true;
  return 0;
}

void options_free(struct load_opts *o) {
  if (!o) return;
  free(o->url);
  free(o->method);
  for (size_t i = 0; i < o->nheaders; i++) { free(o->headers[i].name); free(o->headers[i].value); }
  free(o->headers);
  free(o->body);
  free(o->scenario);
  free(o->stages);
  for (size_t i = 0; i < o->nthresholds; i++) { free(o->thresholds[i].metric); free(o->thresholds[i].source); }
  free(o->thresholds);
  clear_str_list(&o->trend_stats, &o->ntrend_stats);
  free(o->summary_export);
  free(o->out_csv);
  free(o->out_json);
  free(o->config_path);
  clear_str_list(&o->merge_files, &o->nmerge_files);
  memset(o, 0, sizeof *o);
}
