/* test_promserver.c: Debian's prometheus started by promserver_start scrapes a real /metrics on
 * loopback (up == 1 and the contract's labels), its generated config passes promtool, bad input
 * is refused with a clear message, and promserver_stop leaves nothing running (src/promserver.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "promserver.h"

static const char metrics[] =
  "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
  "http_requests_total{method=\"GET\",handler=\"/health\",status=\"2xx\"} 42\n";

/* A forked server answering every request with the metrics above, then closing. */
static pid_t metrics_server(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &al) < 0)
    return -1;
  *port = ntohs(a.sin_port);
  pid_t pid = fork();
  if (pid != 0) { close(fd); return pid; }
  alarm(120);   /* bounded even if the parent dies */
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    char buf[4096];
    if (read(c, buf, sizeof buf) > 0) {
      char resp[1024];
      int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(metrics), metrics);
      if (write(c, resp, (size_t)n) < 0) {}
    }
    close(c);
  }
}

/* GET path from 127.0.0.1:port into buf; bytes read or -1. */
static int http_get(int port, const char *path, char *buf, size_t len) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { if (fd >= 0) close(fd); return -1; }
  char req[512];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
  if (write(fd, req, (size_t)n) != n) { close(fd); return -1; }
  size_t got = 0;
  ssize_t r;
  while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0) got += (size_t)r;
  buf[got] = '\0';
  close(fd);
  return (int)got;
}

int main(void) {
  char dir[] = "/tmp/test_promserver.XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  char err[1024];
  struct promserver ps;

  const char *bad[] = {"c=127.0.0.1"};
  CHECK_INT(promserver_start(dir, bad, 1, &ps, err, sizeof err), -EINVAL, "target without a port is refused");
  CHECK(strstr(err, "'c=127.0.0.1'") && strstr(err, "name=host:port"), "the bad target is named");
  const char *bad2[] = {"a b=127.0.0.1:80"};
  CHECK_INT(promserver_start(dir, bad2, 1, &ps, err, sizeof err), -EINVAL, "job name with a space is refused");
  setenv("POCBENCH_PROMETHEUS", "/nonexistent/prometheus", 1);
  const char *one[] = {"c=127.0.0.1:1"};
  CHECK_INT(promserver_start(dir, one, 1, &ps, err, sizeof err), -ENOENT, "missing binary is -ENOENT");
  CHECK(strstr(err, "package prometheus") != NULL, "missing binary says which package to install");
  unsetenv("POCBENCH_PROMETHEUS");

  int mport = 0;
  pid_t srv = metrics_server(&mport);
  CHECK(srv > 0, "metrics server started");
  char target[64];
  snprintf(target, sizeof target, "c=127.0.0.1:%d", mport);
  const char *targets[] = {target, "golang=127.0.0.1:1"};
  int rc = promserver_start(dir, targets, 2, &ps, err, sizeof err);
  CHECK_INT(rc, 0, "prometheus starts and is ready");
  if (rc) printf("# %s\n", err);
  CHECK(ps.port > 0 && ps.pid > 0, "port and pid reported");

  char cmd[2048];
  snprintf(cmd, sizeof cmd, "promtool check config %s >/dev/null 2>&1", ps.config_path);
  CHECK_INT(system(cmd), 0, "promtool check config accepts the generated local config");

  /* up{job="c"} == 1 once scraped (interval 5 s; allow a busy machine 30 s) */
  char body[65536];
  int up = 0, labelled = 0, down = 0;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (rc == 0) {
    if (!up && http_get(ps.port, "/api/v1/query?query=up%7Bjob%3D%22c%22%7D", body, sizeof body) > 0)
      up = strstr(body, "\"job\":\"c\"") && strstr(body, ",\"1\"]");
    if (!labelled && http_get(ps.port, "/api/v1/query?query=http_requests_total%7Bservice%3D%22c%22%2Chandler%3D%22%2Fhealth%22%7D",
                              body, sizeof body) > 0)
      labelled = strstr(body, ",\"42\"]") != NULL;
    if (!down && http_get(ps.port, "/api/v1/query?query=up%7Bjob%3D%22golang%22%7D", body, sizeof body) > 0)
      down = strstr(body, ",\"0\"]") != NULL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((up && labelled && down) || now.tv_sec - t0.tv_sec > 30) break;
    usleep(250 * 1000);
  }
  CHECK(up, "prometheus scraped the local /metrics (up{job=\"c\"} == 1)");
  CHECK(labelled, "samples carry service=<name> and the contract's labels");
  CHECK(down, "an unreachable contender shows as up == 0");

  pid_t pid = ps.pid;
  CHECK_INT(promserver_stop(&ps), 0, "promserver_stop succeeds");
  CHECK(pid > 0 && kill(pid, 0) < 0 && errno == ESRCH, "no prometheus process left");
  CHECK_INT(promserver_stop(&ps), 0, "stopping twice is harmless");
  kill(srv, SIGKILL);
  waitpid(srv, NULL, 0);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) {}
  return check_done("test_promserver");
}
