/* test_options.c: flags, k6 options JSON, defaults, shortcut resolution, validation, --scale. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "load.h"

#define S_NS 1000000000LL
#define URL "http://127.0.0.1:9/health"

static struct load_opts o;
static char err[1024];
static char tmpdir[] = "/tmp/test_options.XXXXXX";

/* run(): parse argv (after "load", NULL-terminated), then finalize (which loads --config) */
static int run(const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  char *argv[64];
  int argc = 0;
  argv[argc++] = "load";
  for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  options_free(&o);
  err[0] = '\0';
  int rc = options_parse_args(argc, argv, &o, err, sizeof err);
  if (rc == 0) rc = options_finalize(&o, err, sizeof err);
  return rc;
}
static int parse_only(const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  char *argv[64];
  int argc = 0;
  argv[argc++] = "load";
  for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  options_free(&o);
  err[0] = '\0';
  return options_parse_args(argc, argv, &o, err, sizeof err);
}

static const char *write_cfg(const char *name, const char *json) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  fputs(json, f);
  fclose(f);
  return path;
}

#define ERR_HAS(rc, needle, name) do { int rc_ = (rc); \
    CHECK(rc_ == -EINVAL && strstr(err, (needle)) != NULL, name); \
    if (rc_ != -EINVAL || !strstr(err, (needle))) printf("#   rc %d, error: %s\n", rc_, err); } while (0)
#define OK(rc, name) do { int rc_ = (rc); CHECK(rc_ == 0, name); if (rc_) printf("#   error: %s\n", err); } while (0)

static bool has_stat(const char *s) {
  for (size_t i = 0; i < o.ntrend_stats; i++)
    if (!strcmp(o.trend_stats[i], s)) return true;
  return false;
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;

  /* defaults and shortcuts */
  OK(run("-d", "30s", URL, NULL), "--duration alone");
  CHECK(o.executor == EXEC_CONSTANT_VUS && o.vus == 1 && o.duration_ns == 30 * S_NS, "duration -> constant-vus with 1 VU");
  CHECK_STR(o.method, "GET", "method defaults to GET");
  CHECK_STR(o.scenario, "default", "scenario named default");
  CHECK(o.graceful_stop_ns == 30 * S_NS && o.graceful_ramp_down_ns == 30 * S_NS, "graceful stop and ramp-down default 30s");
  CHECK(o.timeout_ns == 60 * S_NS && o.time_unit_ns == S_NS && o.sleep_ns == 0, "timeout 60s, time unit 1s, no sleep");
  CHECK(o.ntrend_stats == 6 && !strcmp(o.trend_stats[0], "avg") && !strcmp(o.trend_stats[5], "p(95)"),
        "trend stats default avg,min,med,max,p(90),p(95)");
  CHECK(o.scale == 1 && o.threads == 0 && !o.quiet && !o.no_color, "scale 1, threads auto");

  OK(run("--vus", "10", "--duration", "1m", URL, NULL), "--vus 10 --duration 1m");
  CHECK(o.vus == 10 && o.duration_ns == 60 * S_NS, "constant-vus 10 for 1m");

  OK(run("-s", "30s:20", "--stage", "60s:60", "-s", "30s:0", "--sleep", "100ms", URL, NULL), "three --stage flags");
  CHECK(o.executor == EXEC_RAMPING_VUS && o.nstages == 3 && o.start_vus == 1, "stages -> ramping-vus, startVUs 1");
  CHECK(o.stages[1].duration_ns == 60 * S_NS && o.stages[1].target == 60 && o.stages[2].target == 0, "stage values kept in order");
  CHECK(o.sleep_ns == 100000000, "--sleep 100ms");

  OK(run("-u", "5", "-s", "10s:5", URL, NULL), "--vus with --stage");
  CHECK(o.start_vus == 5, "--vus sets startVUs of the stages shortcut");
  OK(run("-u", "0", "-s", "10s:5", "-s", "10s:0", URL, NULL), "--vus 0 with stages");
  CHECK(o.start_vus == 0, "startVUs 0 allowed when a target is > 0");

  OK(run("--rate", "50", "-d", "10s", "--pre-allocated-vus", "20", URL, NULL), "--rate implies constant-arrival-rate");
  CHECK(o.executor == EXEC_CONSTANT_ARRIVAL_RATE && o.rate == 50 && o.max_vus == 20, "maxVUs defaults to preAllocatedVUs");
  OK(run("--executor", "ramping-arrival-rate", "--start-rate", "5", "-s", "10s:50", "--time-unit", "1m",
         "--pre-allocated-vus", "2", "--max-vus", "8", URL, NULL), "ramping-arrival-rate from flags");
  CHECK(o.executor == EXEC_RAMPING_ARRIVAL_RATE && o.start_rate == 5 && o.time_unit_ns == 60 * S_NS && o.max_vus == 8,
        "ramping-arrival-rate fields");

  /* request options */
  OK(run("-d", "1s", "--method", "POST", "-H", "Content-Type: application/json", "--header", "X-A:  b c ",
         "--body", "{\"a\":1}", "--timeout", "2s", "--threads", "2", "-q", "--no-color", URL, NULL), "request flags");
  CHECK_STR(o.method, "POST", "--method POST");
  CHECK(o.nheaders == 2 && !strcmp(o.headers[0].name, "Content-Type") && !strcmp(o.headers[0].value, "application/json"),
        "header split at ':' and trimmed");
  CHECK_STR(o.nheaders == 2 ? o.headers[1].value : NULL, "b c", "header value trimmed both ends");
  CHECK(o.body_len == 7 && !strcmp(o.body, "{\"a\":1}"), "--body kept with length");
  CHECK(o.timeout_ns == 2 * S_NS && o.threads == 2 && o.quiet && o.no_color, "timeout, threads, quiet, no-color");
  {
    const char *bf = write_cfg("body.bin", "hello\nworld");
    OK(run("-d", "1s", "--body-file", bf, URL, NULL), "--body-file");
    CHECK(o.body_len == 11 && !memcmp(o.body, "hello\nworld", 11), "--body-file read whole file");
  }
  OK(run("-d", "1s", "--out", "csv=a.csv", "--out", "json=a.ndjson", "--summary-export", "s.json", URL, NULL), "outputs");
  CHECK(o.out_csv && !strcmp(o.out_csv, "a.csv") && o.out_json && !strcmp(o.out_json, "a.ndjson") &&
        o.summary_export && !strcmp(o.summary_export, "s.json"), "--out csv= / json= / --summary-export");
  OK(run("-d", "1s", "--summary-trend-stats", "avg,p(99),count", URL, NULL), "--summary-trend-stats");
  CHECK(o.ntrend_stats == 3 && has_stat("p(99)") && has_stat("count"), "custom trend stats kept");

  /* thresholds and their stats */
  OK(run("-d", "1s", "--threshold", "http_req_duration: p(90)<2000", "--threshold",
         "http_req_duration{expected_response:true}: p(99.9)<500", "--threshold", "http_req_failed:rate<0.01", URL, NULL),
     "three --threshold flags");
  CHECK(o.nthresholds == 3, "three thresholds");
  CHECK(o.nthresholds == 3 && !strcmp(o.thresholds[1].metric, "http_req_duration{expected_response:true}") &&
        !strcmp(o.thresholds[1].source, "p(99.9)<500"), "selector metric split at the ':' after '}'");
  CHECK(has_stat("p(99.9)") && !has_stat("p(90.0)") && o.ntrend_stats == 7, "p(99.9) threshold adds p(99.9); p(90) not duplicated");

  /* flag errors name the flag */
  ERR_HAS(run("--bogus", URL, NULL), "--bogus", "unknown long flag named");
  ERR_HAS(run("-z", URL, NULL), "-z", "unknown short flag named");
  ERR_HAS(run("--vus", "abc", "-d", "1s", URL, NULL), "--vus 'abc'", "bad --vus named");
  ERR_HAS(run("--vus", "-3", "-d", "1s", URL, NULL), "--vus '-3'", "negative --vus named");
  ERR_HAS(run("-d", "1s", URL, "--duration", NULL), "--duration: missing value", "missing value named");
  ERR_HAS(run("-d", "1x", URL, NULL), "--duration '1x'", "bad duration named");
  ERR_HAS(run("-s", "30s", URL, NULL), "--stage '30s'", "stage without target");
  ERR_HAS(run("-s", "30s:-1", URL, NULL), "--stage '30s:-1'", "negative stage target");
  ERR_HAS(run("-s", "30s:2.5", URL, NULL), "not a whole number", "fractional VU target");
  ERR_HAS(run("-d", "1s", "--threshold", "http_req_duration: p95<500", URL, NULL), "p95<500", "bad threshold expression named");
  ERR_HAS(run("-d", "1s", "--threshold", "http_req_duration p(95)<500", URL, NULL), "metric: expression", "threshold flag without ':'");
  ERR_HAS(run("-d", "1s", "--threshold", "checks: rate>0.9", URL, NULL), "checks", "threshold on unknown metric");
  ERR_HAS(run("-d", "1s", "--threshold", "http_reqs{scenario:other}: count>1", URL, NULL), "no scenario 'other'", "threshold scenario must exist");
  ERR_HAS(run("-d", "1s", "--out", "xml=a", URL, NULL), "--out 'xml=a'", "unknown output");
  ERR_HAS(run("-d", "1s", "--out", "csv=a", "--out", "csv=b", URL, NULL), "csv= given twice", "output given twice");
  ERR_HAS(run("-d", "1s", "-H", "NoColon", URL, NULL), "NoColon", "header without colon");
  ERR_HAS(run("-d", "1s", "-H", "Bad Name: x", URL, NULL), "not an HTTP token", "header name with space");
  ERR_HAS(run("-d", "1s", "-H", "X: a\r\nInjected: 1", URL, NULL), "control character", "header injection rejected");
  ERR_HAS(run("-d", "1s", "--method", "GE T", URL, NULL), "--method", "bad method");
  ERR_HAS(run("-d", "1s", "--body", "a", "--body-file", "/dev/null", URL, NULL), "already given", "two bodies");
  ERR_HAS(run("-d", "1s", "--body-file", "/dev/zero", URL, NULL), "not a regular file", "--body-file /dev/zero refused");
  ERR_HAS(run("-d", "1s", "-c", "/dev/null", URL, NULL), "not a regular file", "--config from a non-regular file refused");
  ERR_HAS(run("-d", "1s", "--body-file", "/nonexistent/x", URL, NULL), "/nonexistent/x", "missing body file named");
  ERR_HAS(run("-d", "1s", "--threads", "999", URL, NULL), "--threads", "too many threads");
  ERR_HAS(run("-d", "1s", "--scale", "0", URL, NULL), "--scale", "scale 0");
  ERR_HAS(run("-d", "1s", "--executor", "shared-iterations", URL, NULL), "shared-iterations", "unsupported executor named");
  ERR_HAS(run("-d", "1s", "--summary-trend-stats", "avg,p99", URL, NULL), "'p99'", "bad trend stat named");
  ERR_HAS(run("-d", "1s", URL, "http://other/", NULL), "unexpected argument", "two URLs");

  /* finalize errors */
  ERR_HAS(run("-d", "1s", NULL), "no target URL", "missing URL");
  ERR_HAS(run("-d", "1s", "https://x/", NULL), "https is not supported", "https rejected");
  ERR_HAS(run("-d", "1s", "ftp://x/", NULL), "expected http://", "other scheme rejected");
  ERR_HAS(run("-d", "1s", "http:///x", NULL), "no host", "URL without host");
  ERR_HAS(run(URL, NULL), "nothing to run", "no duration, stages or executor");
  ERR_HAS(run("-d", "10s", "-s", "10s:5", URL, NULL), "both a duration", "duration and stages together");
  ERR_HAS(run("-d", "500ms", URL, NULL), "at least 1s", "constant-vus duration under 1s");
  ERR_HAS(run("-u", "0", "-d", "1s", URL, NULL), "at least 1", "constant-vus with 0 VUs");
  ERR_HAS(run("-s", "10s:0", "-u", "0", URL, NULL), "nothing would run", "all-zero ramp");
  ERR_HAS(run("--rate", "10", "-d", "10s", URL, NULL), "--pre-allocated-vus", "arrival rate without preAllocatedVUs");
  ERR_HAS(run("--rate", "10", "-d", "10s", "--pre-allocated-vus", "5", "--max-vus", "2", URL, NULL), "less than preAllocatedVUs", "maxVUs < preAllocated");
  ERR_HAS(run("--rate", "0", "-d", "10s", "--pre-allocated-vus", "5", URL, NULL), "greater than 0", "rate 0");
  ERR_HAS(run("--executor", "constant-arrival-rate", "--rate", "10", "-d", "10s", "-s", "10s:5", "--pre-allocated-vus", "5", URL, NULL), "stages (--stage", "stages with constant-arrival-rate");
  ERR_HAS(run("--rate", "10", "-d", "10s", "--pre-allocated-vus", "5", "-u", "3", URL, NULL), "--vus", "--vus with arrival rate");
  ERR_HAS(run("-d", "10s", "--pre-allocated-vus", "5", URL, NULL), "preAllocatedVUs", "preAllocatedVUs with constant-vus");
  ERR_HAS(run("--executor", "ramping-vus", "-d", "10s", URL, NULL), "at least one stage", "ramping-vus without stages");

  /* --help */
  {
    fflush(stdout);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    int rc = parse_only("--help", NULL);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(null);
    CHECK_INT(rc, 1, "--help returns 1");
  }

  /* --help tells the truth: every flag the parser takes is listed, every --flag it lists is
   * taken, the --threads default follows the plan, every exit status is explained */
  {
    char hpath[300];
    snprintf(hpath, sizeof hpath, "%s/help.txt", tmpdir);
    fflush(stdout);
    int saved = dup(1), hfd = open(hpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(hfd, 1);
    parse_only("--help", NULL);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(hfd);
    char help[16384] = "";
    FILE *hf = fopen(hpath, "r");
    size_t hn = hf ? fread(help, 1, sizeof help - 1, hf) : 0;
    if (hf) fclose(hf);
    help[hn] = '\0';
    static const char *const flags[] = {
      "-u, --vus", "-d, --duration", "-s, --stage", "--executor", "--rate", "--start-rate", "--time-unit",
      "--pre-allocated-vus", "--max-vus", "--graceful-stop", "--graceful-ramp-down", "--scale", "--threads",
      "--method", "-H, --header", "--body", "--body-file", "--sleep", "--timeout", "--threshold",
      "--no-thresholds", "--summary-trend-stats", "--summary-export", "--out csv=", "--out json=",
      "-c, --config", "--merge", "-q, --quiet", "--no-color", "-h, --help"};
    bool all = true;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
      if (!strstr(help, flags[i])) { all = false; printf("#   --help lacks %s\n", flags[i]); }
    CHECK(all, "--help lists every flag the parser accepts");
    bool known = true;
    for (const char *p = help; (p = strstr(p, "--")); p += 2) {
      char name[64];
      size_t l = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
      if (l == 0 || l >= sizeof name - 3) continue;
      snprintf(name, sizeof name, "--%.*s", (int)l, p + 2);
      if (!strcmp(name, "--help")) continue;
      int prc = parse_only(name, "1", NULL);
      if (prc == -EINVAL && strstr(err, "unknown option")) { known = false; printf("#   --help names %s, not a flag\n", name); }
    }
    CHECK(known, "every --flag named in --help is one the parser accepts");
    CHECK(strstr(help, "not the CPUs") && strstr(help, "1 per 10,000") && strstr(help, "never more than VUs"),
          "--help: --threads default from the planned rate and VUs, not the CPU count");
    CHECK(strstr(help, "\n    0  ") && strstr(help, "\n   99  ") && strstr(help, "\n  104  ") && strstr(help, "\n  105  ") &&
          strstr(help, "\n    1  "), "--help: exit statuses 0, 99, 104, 105, 1 each on a line");
    CHECK(strstr(help, "does not\n       resolve") || strstr(help, "does not resolve"), "--help: 104 covers an unresolvable host");
    CHECK(strstr(help, "even if requests failed") != NULL, "--help: failed requests alone do not change the exit status");
    char *line = help;
    bool narrow = true;
    for (char *nl; (nl = strchr(line, '\n')); line = nl + 1) if (nl - line > 100) narrow = false;
    CHECK(narrow, "--help: no line wider than 100 columns");
  }

  /* the URL: syntax and port range in options_finalize (no network), one quoting style */
  ERR_HAS(run("-d", "1s", "http://127.0.0.1:99999/", NULL), "URL 'http://127.0.0.1:99999/': port 99999 is out of range (1-65535)",
          "port 99999 rejected in finalize");
  ERR_HAS(run("-d", "1s", "http://127.0.0.1:0/", NULL), "URL 'http://127.0.0.1:0/': port 0 is out of range", "port 0 rejected");
  ERR_HAS(run("-d", "1s", "http://127.0.0.1:123456789012/", NULL), "out of range", "port of 12 digits rejected");
  ERR_HAS(run("-d", "1s", "http://h:/", NULL), "URL 'http://h:/': empty port", "empty port rejected");
  ERR_HAS(run("-d", "1s", "http://h:8o/x", NULL), "URL 'http://h:8o/x': port '8o' is not a number", "non-numeric port rejected");
  ERR_HAS(run("-d", "1s", "http://fe80::1/", NULL), "must be in brackets", "bare IPv6 literal rejected");
  ERR_HAS(run("-d", "1s", "http://[::1/", NULL), "unterminated [IPv6] host", "unterminated IPv6 bracket rejected");
  ERR_HAS(run("-d", "1s", "http://[::1]x/", NULL), "after the [IPv6] host", "text after the IPv6 bracket rejected");
  ERR_HAS(run("-d", "1s", "http://[]:80/", NULL), "no host", "empty IPv6 brackets rejected");
  ERR_HAS(run("-d", "1s", "http://user@h/", NULL), "user@host", "user information rejected");
  ERR_HAS(run("-d", "1s", "http://h?q=1", NULL), "the path must start with '/'", "query without a path rejected");
  ERR_HAS(run("-d", "1s", "http://ho st/", NULL), "URL 'http://ho st/': space", "space in the URL rejected");
  {
    const char *bad[] = {"https://x/", "ftp://x/", "http:///x", "http://127.0.0.1:99999/", "http://h:/", "http://[::1/"};
    bool same = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      run("-d", "1s", bad[i], NULL);
      char want[128];
      snprintf(want, sizeof want, "URL '%s': ", bad[i]);
      if (strncmp(err, want, strlen(want))) { same = false; printf("#   %s\n", err); }
    }
    CHECK(same, "every URL message starts with URL '<the url>': ");
  }
  OK(run("-d", "1s", "http://[::1]:8080/x", NULL), "bracketed IPv6 with port accepted");
  OK(run("-d", "1s", "http://127.0.0.1:65535", NULL), "port 65535 without a path accepted");
  OK(run("-d", "1s", "http://svc.ns.svc.cluster.local:8080/", NULL), "finalize does not resolve (a cluster-only name passes)");

  /* host resolution: options_resolve_url, called by cmd_load before any output */
  OK(run("-d", "1s", "http://127.0.0.1:9/x", NULL), "numeric host finalizes");
  OK(options_resolve_url(&o, err, sizeof err), "numeric IPv4 host resolves");
  OK(run("-d", "1s", "http://localhost:9/", NULL), "localhost finalizes");
  OK(options_resolve_url(&o, err, sizeof err), "localhost resolves");
  OK(run("-d", "1s", "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/", NULL), "a host with a 64-octet label finalizes (syntax only; never resolved, so no DNS query leaves the machine)");
  ERR_HAS(options_resolve_url(&o, err, sizeof err), "URL 'http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/': cannot resolve host 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid'",
          "unresolvable host named with its URL");

  /* --merge */
  OK(run("--merge", "a.json", "b.json", "c.json", NULL), "--merge with three files, no URL needed");
  CHECK(o.nmerge_files == 3 && !strcmp(o.merge_files[2], "c.json"), "merge files collected in order");

  /* --scale, applied once */
  OK(parse_only("-s", "30s:20", "-s", "1m:0", "--scale", "0.1", URL, NULL), "scale parse");
  OK(options_finalize(&o, err, sizeof err), "scale finalize");
  OK(options_finalize(&o, err, sizeof err), "second finalize is a no-op");
  CHECK(o.stages[0].duration_ns == 3 * S_NS && o.stages[1].duration_ns == 6 * S_NS, "--scale 0.1 shortens stages once");
  CHECK(o.graceful_stop_ns == 30 * S_NS && o.graceful_ramp_down_ns == 30 * S_NS, "--scale keeps graceful stop/ramp-down (patience, not plan)");

  /* config files */
  const char *cfg = write_cfg("k6.json",
    "{\"stages\":[{\"duration\":\"30s\",\"target\":20},{\"duration\":60000,\"target\":60}],"
    " \"vus\": 2, \"sleep\":\"100ms\", \"summaryTrendStats\":[\"avg\",\"p(99)\"],"
    " \"thresholds\":{\"http_req_duration\":[\"p(90)<2000\",{\"threshold\":\"max<9000\",\"abortOnFail\":true,\"delayAbortEval\":\"10s\"}],"
    "   \"http_req_failed\":[\"rate<0.01\"]},"
    " \"url\":\"" URL "\", \"method\":\"PUT\", \"headers\":{\"X-Test\":\"1\"}, \"body\":\"x\", \"timeout\":\"5s\"}");
  OK(run("-c", cfg, NULL), "k6 options JSON with our own keys");
  CHECK(o.executor == EXEC_RAMPING_VUS && o.nstages == 2 && o.stages[1].duration_ns == 60 * S_NS, "config stages, numeric duration is ms");
  CHECK(o.start_vus == 2, "config vus becomes startVUs");
  CHECK(o.nthresholds == 3 && o.thresholds[1].abort_on_fail && o.thresholds[1].delay_abort_eval_ns == 10 * S_NS,
        "threshold object with abortOnFail and delayAbortEval");
  CHECK(o.ntrend_stats == 3 && has_stat("p(99)") && has_stat("p(90)"), "summaryTrendStats plus threshold p(90)");
  CHECK(o.url && !strcmp(o.url, URL) && !strcmp(o.method, "PUT") && o.nheaders == 1 && o.body_len == 1 &&
        o.timeout_ns == 5 * S_NS && o.sleep_ns == 100000000, "url, method, headers, body, timeout, sleep keys");

  OK(run("-c", cfg, "--sleep", "0", "-u", "7", "--method", "GET", "http://127.0.0.1:1/x", NULL), "flags win over config");
  CHECK(o.sleep_ns == 0 && o.start_vus == 7 && !strcmp(o.method, "GET") && !strcmp(o.url, "http://127.0.0.1:1/x"),
        "flag values kept over the file's");
  OK(run("-c", cfg, "-d", "10s", NULL), "--duration replaces the file's stages");
  CHECK(o.executor == EXEC_CONSTANT_VUS && o.duration_ns == 10 * S_NS && o.nstages == 0, "CLI duration wins over config stages");
  OK(run("-c", cfg, "--threshold", "http_reqs: count>0", NULL), "CLI thresholds replace the file's");
  CHECK(o.nthresholds == 1, "only the CLI threshold is kept");

  /* explicit options_load_config before finalize, as cmd_load does */
  OK(parse_only("-c", cfg, NULL), "parse with --config");
  OK(options_load_config(o.config_path, &o, err, sizeof err), "options_load_config");
  OK(options_finalize(&o, err, sizeof err), "finalize after explicit load");
  CHECK(o.nthresholds == 3 && o.nstages == 2, "config applied once");

  cfg = write_cfg("scen.json",
    "{\"scenarios\":{\"open_1\":{\"executor\":\"constant-arrival-rate\",\"rate\":200,\"timeUnit\":\"1s\","
    "\"duration\":\"1m\",\"preAllocatedVUs\":50,\"maxVUs\":100,\"gracefulStop\":\"5s\",\"startTime\":\"0s\"}},"
    "\"thresholds\":{\"http_reqs{scenario:open_1}\":[\"rate>190\"]}}");
  OK(run("-c", cfg, URL, NULL), "constant-arrival-rate scenario");
  CHECK(o.executor == EXEC_CONSTANT_ARRIVAL_RATE && o.rate == 200 && o.duration_ns == 60 * S_NS &&
        o.pre_allocated_vus == 50 && o.max_vus == 100 && o.graceful_stop_ns == 5 * S_NS, "scenario fields");
  CHECK_STR(o.scenario, "open_1", "scenario name kept");
  cfg = write_cfg("ramp.json",
    "{\"scenarios\":{\"r\":{\"executor\":\"ramping-vus\",\"startVUs\":0,\"stages\":[{\"duration\":\"10s\",\"target\":5}],"
    "\"gracefulRampDown\":\"0s\"}}}");
  OK(run("-c", cfg, URL, NULL), "ramping-vus scenario");
  CHECK(o.start_vus == 0 && o.graceful_ramp_down_ns == 0 && o.nstages == 1, "startVUs 0 and gracefulRampDown 0");

  ERR_HAS(run("-c", write_cfg("e1.json", "{\"vus\":1,\"duration\":\"1s\",\"noise\":1}"), URL, NULL), "\"noise\"", "unknown config key named");
  ERR_HAS(run("-c", write_cfg("e2.json", "{\"duration\":\"1s\",\"scenarios\":{\"a\":{\"executor\":\"constant-vus\",\"duration\":\"1s\"}}}"), URL, NULL),
          "mixes shortcut", "shortcut mixed with scenarios");
  ERR_HAS(run("-c", write_cfg("e3.json", "{\"scenarios\":{\"a\":{\"executor\":\"constant-vus\",\"duration\":\"1s\"},\"b\":{\"executor\":\"constant-vus\",\"duration\":\"1s\"}}}"), URL, NULL),
          "exactly one scenario", "two scenarios");
  ERR_HAS(run("-c", write_cfg("e4.json", "{\"scenarios\":{\"a\":{\"executor\":\"constant-vus\",\"duration\":\"1s\",\"rate\":5}}}"), URL, NULL),
          "scenarios.a.rate", "key of another executor named with its path");
  ERR_HAS(run("-c", write_cfg("e5.json", "{\"iterations\":10}"), URL, NULL), "\"iterations\"", "iterations rejected");
  ERR_HAS(run("-c", write_cfg("e6.json", "{\"stages\":[{\"duration\":\"10s\"}]}"), URL, NULL), "stages[0]", "stage without target named");
  ERR_HAS(run("-c", write_cfg("e7.json", "{\"duration\":\"1s\",\"thresholds\":{\"http_req_duration\":[\"p(9O)<1\"]}}"), URL, NULL),
          "p(9O)<1", "bad threshold in config named");
  ERR_HAS(run("-c", write_cfg("e8.json", "{\"duration\":\"1s\""), URL, NULL), "not valid JSON", "truncated JSON");
  ERR_HAS(run("-c", write_cfg("e9.json", "[1]"), URL, NULL), "JSON object", "non-object JSON");
  ERR_HAS(run("-c", "/nonexistent/cfg.json", URL, NULL), "/nonexistent/cfg.json", "missing config named");
  ERR_HAS(run("-c", write_cfg("e10.json", "{\"duration\":\"soon\"}"), URL, NULL), "\"duration\"", "bad duration key named");
  ERR_HAS(run("-c", write_cfg("e11.json", "{\"scenarios\":{\"bad name\":{\"executor\":\"constant-vus\"}}}"), URL, NULL),
          "bad name", "bad scenario name");
  ERR_HAS(run("-c", write_cfg("e12.json", "{\"scenarios\":{\"a\":{\"executor\":\"per-vu-iterations\"}}}"), URL, NULL),
          "per-vu-iterations", "unsupported scenario executor");
  ERR_HAS(run("-c", write_cfg("e13.json", "{\"duration\":\"1s\",\"thresholds\":{\"http_reqs\":[{\"threshold\":\"count>1\",\"abortOnFail\":1}]}}"), URL, NULL),
          "abortOnFail", "abortOnFail not a bool");
  ERR_HAS(run("-c", write_cfg("e14.json", "{\"duration\":\"1s\",\"summaryTrendStats\":[\"avg\",\"p(200)\"]}"), URL, NULL),
          "p(200)", "bad summaryTrendStats entry");

  /* the study's profiles */
  OK(run("-c", "profiles/load.json", URL, NULL), "profiles/load.json");
  CHECK(o.executor == EXEC_RAMPING_VUS && o.nstages == 3 && o.stages[0].target == 20 && o.stages[1].target == 60 &&
        o.stages[1].duration_ns == 60 * S_NS && o.stages[2].target == 0 && o.sleep_ns == 100000000,
        "load profile: 30s->20, 60s->60, 30s->0, 100ms think time");
  CHECK(o.nthresholds == 2 && o.thresholds[0].rhs == 0.01 && o.thresholds[1].rhs == 2000, "load thresholds rate<0.01, p(90)<2000");
  OK(run("-c", "profiles/stress.json", URL, NULL), "profiles/stress.json");
  CHECK(o.nstages == 4 && o.stages[2].duration_ns == 60 * S_NS && o.stages[2].target == 30 && o.sleep_ns == 100000000,
        "stress profile: 30s->10, 30s->20, 1m->30, 30s->0");
  CHECK(o.nthresholds == 2 && o.thresholds[0].rhs == 0.05 && o.thresholds[1].rhs == 5000, "stress thresholds rate<0.05, p(90)<5000");
  OK(run("-c", "profiles/load.json", "--scale", "0.1", URL, NULL), "load profile at --scale 0.1");
  CHECK(o.stages[0].duration_ns == 3 * S_NS && o.stages[1].duration_ns == 6 * S_NS, "scaled profile stages");

  /* a zeroed struct (as pocbench k8s builds one) + options_load_config + finalize gets defaults */
  options_free(&o);
  memset(&o, 0, sizeof o);
  OK(options_load_config("profiles/load.json", &o, err, sizeof err), "load config into a zeroed struct");
  o.url = strdup(URL);
  OK(options_finalize(&o, err, sizeof err), "finalize a zeroed struct");
  CHECK(o.scale == 1 && o.start_vus == 1 && o.graceful_stop_ns == 30 * S_NS && o.timeout_ns == 60 * S_NS &&
        o.time_unit_ns == S_NS && o.stages[0].duration_ns == 30 * S_NS, "zeroed struct: k6 defaults, durations unscaled");

  options_free(&o);
  options_free(&o);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd)) return 1;
  return check_done("test_options");
}
