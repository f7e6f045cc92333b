/* test_load_cli.c: `pocbench load` as a user runs it (the binary named by POCBENCH, default
 * build/pocbench, as a subprocess), against the test server over loopback: exit status, stdout,
 * stderr, and what reached the server. The engine's own cases are in test_load_engine.c. */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "support/testserver.h"
#include "support/textfile.h"


/* writes text to a new temp file whose name goes into path (a mkstemp template) */
static void write_temp(char *path, const char *text) {
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f) {
    fputs(text, f);
    fclose(f);
  } else if (fd >= 0) {
    close(fd);
  }
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `pocbench load` as a user runs it: exit status, stdout and stderr (POCBENCH names the binary) */
static int cli(const char *args, char *out, size_t outcap, char *err, size_t errcap) {
  const char *bin = getenv("POCBENCH") ? getenv("POCBENCH") : "build/pocbench";
  char o[] = "/tmp/test_load_cli_out.XXXXXX", e[] = "/tmp/test_load_cli_stderr.XXXXXX";
  close(mkstemp(o));
  close(mkstemp(e));
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s load %s >%s 2>%s", bin, args, o, e);
  int st = system(cmd);
  textfile_slurp(o, out, outcap);
  textfile_slurp(e, err, errcap);
  unlink(o);
  unlink(e);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void case_cli_refused(void) {
  int port = 0;
  int fd = testserver_listen(&port);
  close(fd);
  char args[200], out[16384], err[4096], want[200];
  snprintf(args, sizeof args, "--no-color -d 1s --sleep 20ms http://127.0.0.1:%d/", port);
  int rc = cli(args, out, sizeof out, err, sizeof err);
  CHECK_INT(rc, 0, "cli refused: exit 0 without thresholds (as k6)");
  CHECK(strstr(out, "http_req_failed") && strstr(out, "100.00%"), "cli refused: the summary keeps its layout and shows 100% failed");
  snprintf(want, sizeof want, "WARN: request failed: connection refused (127.0.0.1:%d)", port);
  CHECK_INT(textfile_count(err, want), 1, "cli refused: first refusal logged once on stderr");
  CHECK(strstr(err, "WARN: no request succeeded: every one of the ") && strstr(err, " requests failed with connection refused\n"),
        "cli refused: stderr says no request succeeded, and why");
  CHECK(textfile_count(err, "\n") <= 4, "cli refused: stderr is a few lines, not one per request");
  if (rc != 0 || !strstr(err, "no request succeeded")) printf("# stderr: %s\n", err);
  CHECK_INT(cli("-q -d 1s --sleep 20ms --threshold 'http_req_failed: rate<0.5' http://127.0.0.1:1/", out, sizeof out, err, sizeof err), 99,
            "cli refused with a failure-rate threshold: exit 99");
}

static void case_cli_bad_url(void) {
  static const char *const urls[] = {"http://127.0.0.1:99999/", "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/", "ftp://127.0.0.1/",
                                     "http://127.0.0.1:0/", "http://[::1/"};
  char args[200], out[4096], err[4096], want[200];
  /* The unresolvable host has a 64-octet label: the resolver refuses such a name before sending
   * any query, so this test never reaches a DNS server (traffic stays on this machine). */
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    snprintf(args, sizeof args, "-d 1s '%s'", urls[i]);
    int rc = cli(args, out, sizeof out, err, sizeof err);
    snprintf(want, sizeof want, "pocbench load: URL '%s': ", urls[i]);
    char name[300];
    snprintf(name, sizeof name, "cli bad URL %s: exit 104, nothing on stdout, one line naming it on stderr", urls[i]);
    CHECK(rc == 104 && out[0] == '\0' && !strncmp(err, want, strlen(want)) && textfile_count(err, "\n") == 1, name);
    if (rc != 104 || out[0]) printf("# rc %d, stdout %.200s, stderr %s\n", rc, out, err);
  }
  cli("-d 1s http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid/", out, sizeof out, err, sizeof err);
  CHECK(strstr(err, "cannot resolve host 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.invalid'") != NULL, "cli unresolvable host: the host is named");
}

/* abortOnFail: every answer is a 503, so `http_req_failed: rate<0.01` is crossed from the first
 * request; the engine evaluates every 2 s, so a 10-s run must end at about 2 s with exit 99. */
static void case_cli_abort_on_fail(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_STATUS_503, 0)) { CHECK(0, "abortOnFail: server starts"); return; }
  char cfg[] = "/tmp/test_load_cli_cfg.XXXXXX", exp[] = "/tmp/test_load_cli_exp.XXXXXX";
  write_temp(cfg, "{\"vus\": 1, \"duration\": \"10s\", \"thresholds\": {\"http_req_failed\": "
                  "[{\"threshold\": \"rate<0.01\", \"abortOnFail\": true, \"delayAbortEval\": \"1s\"}]}}\n");
  write_temp(exp, "");
  char args[400], out[16384], err[4096], doc[65536];
  snprintf(args, sizeof args, "--no-color --sleep 20ms -c %s --summary-export %s http://127.0.0.1:%d/", cfg, exp, ts.port);
  double t0 = mono_s();
  int rc = cli(args, out, sizeof out, err, sizeof err);
  double took = mono_s() - t0;
  textfile_slurp(exp, doc, sizeof doc);
  unlink(cfg);
  unlink(exp);
  CHECK_INT(rc, 99, "abortOnFail against a 503 server: exit 99");
  CHECK(took < 6.0, "abortOnFail: a 10-s run stops well before its duration");
  CHECK(took > 1.0, "abortOnFail: not before its delayAbortEval of 1 s");
  if (took >= 6.0 || took <= 1.0) printf("# took %.2f s\n", took);
  CHECK(ts.ctr->requests > 0 && ts.ctr->requests < 250, "abortOnFail: requests reached the server, far fewer than 10 s of them");
  CHECK(strstr(out, "the run was aborted early") != NULL, "abortOnFail: the summary says the run was aborted");
  CHECK(strstr(err, "thresholds on metrics 'http_req_failed' have been crossed") != NULL, "abortOnFail: stderr names the crossed metric");
  CHECK(strstr(doc, "\"aborted\": true") != NULL, "abortOnFail: the export records aborted");
  if (rc != 99) printf("# stderr: %s\n", err);
  testserver_stop(&ts);
}

/* An invalid threshold is refused before any load: exit 104, one stderr line naming the
 * expression, nothing on stdout, and the server never sees a connection. */
static void case_cli_bad_threshold(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "bad threshold: server starts"); return; }
  char cfg[] = "/tmp/test_load_cli_cfg.XXXXXX";
  write_temp(cfg, "{\"vus\": 1, \"duration\": \"1s\", \"thresholds\": {\"http_req_failed\": [\"rate<0.01%\"]}}\n");
  struct { const char *args, *expr, *what; } c[] = {
    {"--threshold 'http_req_duration: p(95)<<500'", "'p(95)<<500'", "--threshold p(95)<<500"},
    {"--threshold 'http_reqs: p(95)<5'", "'p(95)<5'", "--threshold p(95) on a counter"},
    {NULL, "'rate<0.01%'", "config threshold rate<0.01%"},
  };
  char args[400], out[4096], err[4096], name[200];
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    if (c[i].args) snprintf(args, sizeof args, "-d 1s %s http://127.0.0.1:%d/", c[i].args, ts.port);
    else snprintf(args, sizeof args, "-c %s http://127.0.0.1:%d/", cfg, ts.port);
    int rc = cli(args, out, sizeof out, err, sizeof err);
    snprintf(name, sizeof name, "bad threshold, %s: exit 104, nothing on stdout, one stderr line naming %s", c[i].what, c[i].expr);
    CHECK(rc == 104 && out[0] == '\0' && textfile_count(err, "\n") == 1 && strstr(err, c[i].expr), name);
    if (rc != 104 || !strstr(err, c[i].expr)) printf("# rc %d, stderr %s\n", rc, err);
  }
  unlink(cfg);
  struct timespec pause = {0, 200 * 1000000L};   /* a connect would have been accepted by now */
  nanosleep(&pause, NULL);
  CHECK(ts.ctr->accepted == 0 && ts.ctr->requests == 0, "bad threshold: the server accepted no connection and saw no request");
  /* the counter does count: one raw request is seen */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ts.port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  char buf[256];
  ssize_t got = -1;
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && send(fd, req, sizeof req - 1, MSG_NOSIGNAL) > 0) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 2000) > 0) got = recv(fd, buf, sizeof buf, 0);
  }
  if (fd >= 0) close(fd);
  CHECK(got > 0 && ts.ctr->accepted == 1 && ts.ctr->requests == 1, "bad threshold: a raw request afterwards is counted (the counters work)");
  testserver_stop(&ts);
}

/* The number after "<key>": that follows the first "<metric>": in a pretty-printed export. */
static double export_num(const char *json, const char *metric, const char *key) {
  char m[128], k[64];
  snprintf(m, sizeof m, "\"%s\": {", metric);
  snprintf(k, sizeof k, "\"%s\": ", key);
  const char *at = strstr(json, m), *v = at ? strstr(at, k) : NULL;
  return v ? strtod(v + strlen(k), NULL) : -1;
}

/* --merge as a user runs it: two real runs' exports (other VUs, other think times) combined into
 * one summary whose counts add up, whose extremes are the extremes of both, and whose vus_max
 * sums the processes' (the Kubernetes split); an unreadable input is named and exits 1. */
static void case_cli_merge(void) {
  struct testserver ts;
  if (testserver_start(&ts, TS_NORMAL, 0)) { CHECK(0, "merge: test server starts"); return; }
  char a[] = "/tmp/test_load_cli_mA.XXXXXX", b[] = "/tmp/test_load_cli_mB.XXXXXX", m[] = "/tmp/test_load_cli_mM.XXXXXX";
  close(mkstemp(a));
  close(mkstemp(b));
  close(mkstemp(m));
  char args[1024], out[16384], err[4096];
  snprintf(args, sizeof args, "--quiet --vus 2 -d 1s --sleep 10ms --summary-export %s http://127.0.0.1:%d/", a, ts.port);
  int ra = cli(args, out, sizeof out, err, sizeof err);
  snprintf(args, sizeof args, "--quiet --vus 3 -d 1s --sleep 20ms --summary-export %s http://127.0.0.1:%d/", b, ts.port);
  int rb = cli(args, out, sizeof out, err, sizeof err);
  testserver_stop(&ts);
  CHECK(ra == 0 && rb == 0, "merge: the two runs exit 0");
  snprintf(args, sizeof args, "--no-color --merge %s %s --summary-export %s", a, b, m);
  int rm = cli(args, out, sizeof out, err, sizeof err);
  CHECK_INT(rm, 0, "merge: pocbench load --merge exits 0");
  static char ja[262144], jb[262144], jm[262144];
  textfile_slurp(a, ja, sizeof ja);
  textfile_slurp(b, jb, sizeof jb);
  textfile_slurp(m, jm, sizeof jm);
  double na = export_num(ja, "http_reqs", "count"), nb = export_num(jb, "http_reqs", "count");
  double nm = export_num(jm, "http_reqs", "count");
  printf("# merge: %g + %g requests -> %g\n", na, nb, nm);
  CHECK(na > 10 && nb > 10 && nm == na + nb, "merge: http_reqs.count is the sum of the runs'");
  CHECK(export_num(jm, "iterations", "count") == export_num(ja, "iterations", "count") + export_num(jb, "iterations", "count"),
        "merge: iterations.count is the sum");
  double mina = export_num(ja, "http_req_duration", "min"), minb = export_num(jb, "http_req_duration", "min");
  double maxa = export_num(ja, "http_req_duration", "max"), maxb = export_num(jb, "http_req_duration", "max");
  CHECK(export_num(jm, "http_req_duration", "min") == (mina < minb ? mina : minb) &&
        export_num(jm, "http_req_duration", "max") == (maxa > maxb ? maxa : maxb),
        "merge: http_req_duration min and max are those of both runs");
  CHECK(export_num(jm, "vus_max", "max") == 5, "merge: vus_max adds the processes' (2 + 3)");
  char want[64];
  snprintf(want, sizeof want, "http_reqs......................: %.0f ", nm);
  CHECK(strstr(out, want) != NULL, "merge: the printed summary shows the combined http_reqs");
  snprintf(args, sizeof args, "--merge %s /tmp/test_load_cli_no_such_export.json", a);
  int rn = cli(args, out, sizeof out, err, sizeof err);
  CHECK(rn == 1 && strstr(err, "/tmp/test_load_cli_no_such_export.json: No such file or directory"),
        "merge: a missing input exits 1 and names the file");
  unlink(a);
  unlink(b);
  unlink(m);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  case_cli_refused();
  case_cli_bad_url();
  case_cli_bad_threshold();
  case_cli_abort_on_fail();
  case_cli_merge();
  return check_done("test_load_cli");
}
