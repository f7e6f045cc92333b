/* test_svc.c: src/svc.c, one case a line: descriptors from real files, services as real
 * processes (a tiny python3 HTTP server written into a temp app folder) on free loopback ports. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "svc.h"
#include "verify_http.h"

static char tmpdir[256];

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { perror(path); exit(2); }
  fputs(text, f);
  fclose(f);
}

static char *app_dir(const char *name) {
  static char d[512];
  snprintf(d, sizeof d, "%s/apps/%s", tmpdir, name);
  char apps[512];
  snprintf(apps, sizeof apps, "%s/apps", tmpdir);
  mkdir(apps, 0755);
  mkdir(d, 0755);
  return d;
}

/* load "text" as apps/<name>/service.conf; rc, err */
static int load_text(const char *name, const char *text, struct svc_conf *c, char *err, size_t errlen) {
  char *d = app_dir(name), path[600];
  write_file(d, "service.conf", text);
  snprintf(path, sizeof path, "%s/service.conf", d);
  return svc_conf_load(path, c, err, errlen);
}

static int load_fails(const char *text, const char *want) {
  struct svc_conf c;
  char err[512];
  int rc = load_text("bad", text, &c, err, sizeof err);
  int ok = rc == -EINVAL && strstr(err, want) != NULL && c.name == NULL;
  if (!ok) printf("# rc=%d err=%s\n", rc, err);
  return ok;
}

static const char server_py[] =
  "import os, signal, sys\n"
  "from http.server import BaseHTTPRequestHandler, HTTPServer\n"
  "class H(BaseHTTPRequestHandler):\n"
  "    protocol_version = 'HTTP/1.1'\n"
  "    def do_GET(self):\n"
  "        if self.path == '/health':\n"
  "            body = b'ok'\n"
  "        elif self.path.startswith('/env/'):\n"
  "            body = os.environ.get(self.path[5:], '-').encode()\n"
  "        elif self.path == '/cwd':\n"
  "            body = os.getcwd().encode()\n"
  "        else:\n"
  "            body = b'no'\n"
  "        self.send_response(200 if body != b'no' else 404)\n"
  "        self.send_header('Content-Length', str(len(body)))\n"
  "        self.end_headers()\n"
  "        self.wfile.write(body)\n"
  "    def log_message(self, *a):\n"
  "        pass\n"
  "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n"
  "print('serving', flush=True)\n"
  "HTTPServer((os.environ['HOST'], int(os.environ['PORT'])), H).serve_forever()\n";

static int get(struct svc_proc *p, const char *path, char *body, size_t cap) {
  int fd = vhttp_connect(p->host, p->port, 2000);
  if (fd < 0) return fd;
  char hh[128];
  vhttp_host_header(p->host, p->port, hh, sizeof hh);
  struct http_resp r;
  memset(body, 0, cap);
  int rc = vhttp_request(fd, "GET", hh, path, &r, body, cap - 1);
  close(fd);
  return rc < 0 ? rc : r.status;
}

static bool group_gone(pid_t pgid) { return kill(-pgid, 0) < 0 && errno == ESRCH; }

int main(void) {
  char err[2048], body[512];
  struct svc_conf c;
  const char *t = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/test_svc.XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 2; }
  /* svc_start's temp logs go to $TMPDIR: here, so the end can check that none was left */
  setenv("TMPDIR", tmpdir, 1);

  /* descriptors */
  const char *full =
    "# a comment\n"
    "name = web\n"
    "language = python\n"
    "description = a test service = with equals\n"
    "build = true\n"
    "test = true\n"
    "start = exec python3 server.py\n"
    "env = FOO=default\n"
    "env = BAR=x=y\n"
    "health = /health\n"
    "version.python = 3.11\n"
    "versions_cmd = echo a=b\n"
    "\n"
    "[variant other]\n"
    "env = FOO=variant\n"
    "[variant started]\n"
    "start = exec python3 server.py --other\n";
  CHECK_INT(load_text("web", full, &c, err, sizeof err), 0, "descriptor with every key loads");
  CHECK_STR(c.name, "web", "name");
  CHECK_STR(c.description, "a test service = with equals", "value keeps '=' after the first");
  CHECK_STR(c.start, "exec python3 server.py", "start");
  CHECK_INT(c.nenv, 2, "two env lines");
  CHECK_STR(c.env[1].key, "BAR", "env key");
  CHECK_STR(c.env[1].value, "x=y", "env value keeps '='");
  CHECK_INT(c.nversions, 1, "one version line");
  CHECK_STR(c.versions[0].key, "python", "version key without the prefix");
  CHECK_INT(c.nvariants, 2, "two variants");
  CHECK_STR(c.variants[0].name, "other", "variant name");
  CHECK(c.variants[0].start == NULL, "variant without start inherits (NULL)");
  CHECK_STR(c.variants[1].start, "exec python3 server.py --other", "variant start");
  CHECK(c.dir && c.dir[0] == '/' && strstr(c.dir, "/apps/web"), "dir is the absolute folder");
  svc_conf_free(&c);
  svc_conf_free(&c);
  CHECK(c.name == NULL, "svc_conf_free twice is safe");
  CHECK_INT(load_text("min", "name = min\nstart = true\n", &c, err, sizeof err), 0, "minimal descriptor loads");
  CHECK_STR(c.health, "/health", "health defaults to /health");
  svc_conf_free(&c);

  CHECK(load_fails("name = a\nstart = b\nstrat = c\n", "service.conf:3: unknown key 'strat'"), "unknown key names file and line");
  CHECK(load_fails("name = a\n", "missing required key 'start'"), "missing start");
  CHECK(load_fails("start = a\n", "missing required key 'name'"), "missing name");
  CHECK(load_fails("name = a\nname = b\nstart = c\n", ":2: key given twice"), "key given twice");
  CHECK(load_fails("name = a\nstart = b\nenv = 1X=2\n", ":3: env must be KEY=VALUE"), "env name starting with a digit");
  CHECK(load_fails("name = a\nstart = b\nenv = NOVALUE\n", ":3: env must be KEY=VALUE"), "env without '='");
  CHECK(load_fails("name = a\nstart = b\n[variant x]\nhealth = /h\n", ":4: only start and env"), "health in a variant");
  CHECK(load_fails("name = a\nstart = b\n[variant]\n", ":3: expected [variant NAME]"), "variant without a name");
  CHECK(load_fails("name = a\nstart = b\n[variant x]\n[variant x]\n", ":4: variant defined twice"), "variant twice");
  CHECK(load_fails("name = a\nstart = b\njust words\n", ":3: expected key = value"), "line without '='");
  CHECK(load_fails("name = a\nstart = b\nhealth = h\n", "health must be a path"), "health not a path");
  CHECK_INT(svc_conf_load("/nonexistent/service.conf", &c, err, sizeof err), -ENOENT, "missing file is -ENOENT");

  /* discovery: apps/ now holds web, min and bad (bad is broken) */
  char apps[512];
  snprintf(apps, sizeof apps, "%s/apps", tmpdir);
  struct svc_conf *all;
  size_t n;
  CHECK_INT(svc_conf_discover(apps, &all, &n, err, sizeof err), -EINVAL, "discover fails on a broken descriptor");
  CHECK(strstr(err, "bad/service.conf") != NULL, "discover error names the broken file");
  char badconf[600];
  snprintf(badconf, sizeof badconf, "%s/bad/service.conf", apps);
  unlink(badconf);
  write_file(app_dir("web"), "server.py", server_py);
  CHECK_INT(svc_conf_discover(apps, &all, &n, err, sizeof err), 0, "discover loads every descriptor");
  CHECK_INT(n, 2, "folders without service.conf are skipped");
  CHECK(n == 2 && !strcmp(all[0].name, "min") && !strcmp(all[1].name, "web"), "discover sorts by name");
  svc_conf_free_all(all, n);

  /* processes */
  int port = svc_free_port("127.0.0.1");
  CHECK(port > 0 && port < 65536, "free port on 127.0.0.1");
  CHECK(svc_free_port("::1") > 0 || 1, "free port on ::1 (when IPv6 is there)");
  CHECK_INT(load_text("web", full, &c, err, sizeof err), 0, "reload web");
  struct svc_proc p;
  char fakeproc[600], logp[600];
  snprintf(fakeproc, sizeof fakeproc, "%s/cgroup.procs", tmpdir);
  snprintf(logp, sizeof logp, "%s/web.log", tmpdir);
  write_file(tmpdir, "cgroup.procs", "");
  const char *procs[] = {fakeproc, NULL};
  CHECK_INT(svc_start(&c, NULL, "127.0.0.1", port, procs, logp, &p, err, sizeof err), 0, "start the python service");
  CHECK(p.pid > 0, "start sets pid");
  CHECK_INT(svc_wait_healthy(&p, "/health", 20000000000LL, err, sizeof err), 0, "health answers 200");
  CHECK(svc_alive(&p, NULL), "service alive");
  CHECK_INT(getpgid(p.pid), p.pid, "service leads its own process group");
  CHECK_INT(get(&p, "/env/FOO", body, sizeof body), 200, "GET /env/FOO");
  CHECK_STR(body, "default", "descriptor env reaches the service");
  get(&p, "/env/PORT", body, sizeof body);
  CHECK_INT(atoi(body), port, "PORT reaches the service");
  get(&p, "/env/HOST", body, sizeof body);
  CHECK_STR(body, "127.0.0.1", "HOST reaches the service");
  get(&p, "/cwd", body, sizeof body);
  CHECK_STR(body, c.dir, "service runs in its folder");
  FILE *pf = fopen(fakeproc, "r");
  int written = 0;
  if (pf) { if (fscanf(pf, "%d", &written) != 1) written = 0; fclose(pf); }
  CHECK_INT(written, p.pid, "child wrote its own pid into cgroup.procs before exec");
  char tail[256];
  svc_log_tail(&p, tail, sizeof tail);
  CHECK(strstr(tail, "serving") != NULL, "service output goes to log_path");
  pid_t pg = p.pid;
  int st = svc_stop(&p, 5000000000LL);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM: python service exits 0");
  CHECK(group_gone(pg), "nothing left in the process group");
  CHECK_INT(svc_stop(&p, 1000000000LL), st, "second svc_stop returns the same status");
  CHECK(!svc_alive(&p, NULL), "not alive after stop");

  port = svc_free_port("127.0.0.1");
  CHECK_INT(svc_start(&c, "other", "127.0.0.1", port, NULL, NULL, &p, err, sizeof err), 0, "start variant 'other'");
  CHECK_INT(svc_wait_healthy(&p, "/health", 20000000000LL, err, sizeof err), 0, "variant healthy");
  get(&p, "/env/FOO", body, sizeof body);
  CHECK_STR(body, "variant", "variant env overrides the default's");
  get(&p, "/env/BAR", body, sizeof body);
  CHECK_STR(body, "x=y", "variant keeps the default's other env");
  CHECK(strncmp(p.stderr_path, "/", 1) == 0, "a temp log when no log_path");
  CHECK(strncmp(p.stderr_path, tmpdir, strlen(tmpdir)) == 0 && strstr(p.stderr_path, "/pocbench-web-"),
        "the temp log is $TMPDIR/pocbench-<name>-XXXXXX");
  svc_stop(&p, 5000000000LL);
  unlink(p.stderr_path);
  CHECK_INT(svc_start(&c, "nope", "127.0.0.1", port, NULL, NULL, &p, err, sizeof err), -ENOENT, "unknown variant");
  CHECK(strstr(err, "no variant 'nope'") != NULL, "unknown variant named");
  svc_conf_free(&c);

  /* versions_cmd runs as the service of that variant would: its env, its folder */
  char vout[512];
  const char *vers =
    "name = vers\nstart = true\nenv = FOO=default\nenv = BAR=kept\n"
    "versions_cmd = echo foo=$FOO; echo bar=$BAR; echo cwd=$(pwd); echo port=${PORT:-none}; echo noise >&2\n"
    "[variant other]\nenv = FOO=variant\n";
  setenv("FOO", "runner", 1);
  CHECK_INT(load_text("vers", vers, &c, err, sizeof err), 0, "load a descriptor whose versions_cmd echoes its env");
  CHECK_INT(svc_versions_output(&c, NULL, 10000000000LL, vout, sizeof vout, err, sizeof err), 0,
            "versions_cmd of the default variant");
  CHECK(strstr(vout, "foo=default\n") != NULL, "versions_cmd sees the descriptor's env, not the caller's");
  CHECK(strstr(vout, "bar=kept\n") != NULL, "versions_cmd sees the descriptor's other env");
  char want[700];
  snprintf(want, sizeof want, "cwd=%s\n", c.dir);
  CHECK(strstr(vout, want) != NULL, "versions_cmd runs in the contender's folder");
  CHECK(strstr(vout, "noise") == NULL, "versions_cmd's stderr is not in its output");
  CHECK_INT(svc_versions_output(&c, "other", 10000000000LL, vout, sizeof vout, err, sizeof err), 0,
            "versions_cmd of variant 'other'");
  CHECK(strstr(vout, "foo=variant\n") && strstr(vout, "bar=kept\n"), "variant env overrides the default's in versions_cmd");
  CHECK_INT(svc_versions_output(&c, "nope", 10000000000LL, vout, sizeof vout, err, sizeof err), -ENOENT,
            "versions_cmd of an unknown variant");
  char tiny[8];
  CHECK_INT(svc_versions_output(&c, NULL, 10000000000LL, tiny, sizeof tiny, err, sizeof err), 0,
            "versions_cmd output longer than the buffer");
  CHECK_STR(tiny, "foo=def", "longer output is cut at the buffer, NUL-terminated");
  svc_conf_free(&c);
  unsetenv("FOO");
  CHECK_INT(load_text("vfail", "name = vfail\nstart = true\nversions_cmd = echo a=1; exit 4\n", &c, err, sizeof err), 0,
            "load a descriptor whose versions_cmd fails");
  CHECK_INT(svc_versions_output(&c, NULL, 10000000000LL, vout, sizeof vout, err, sizeof err), -ECHILD,
            "versions_cmd exiting 4 is -ECHILD");
  CHECK(strstr(err, "exited with status 4") && !strcmp(vout, "a=1\n"), "failed versions_cmd: status said, output kept");
  svc_conf_free(&c);
  CHECK_INT(load_text("vhang", "name = vhang\nstart = true\nversions_cmd = echo a=1; exec sleep 30\n", &c, err, sizeof err), 0,
            "load a descriptor whose versions_cmd hangs");
  CHECK_INT(svc_versions_output(&c, NULL, 300000000LL, vout, sizeof vout, err, sizeof err), -ETIMEDOUT,
            "versions_cmd still running after 0.3 s is killed");
  svc_conf_free(&c);
  CHECK_INT(load_text("vnone", "name = vnone\nstart = true\n", &c, err, sizeof err), 0, "load a descriptor without versions_cmd");
  CHECK_INT(svc_versions_output(&c, NULL, 1000000000LL, vout, sizeof vout, err, sizeof err), 0, "no versions_cmd");
  CHECK_STR(vout, "", "no versions_cmd: empty output");
  svc_conf_free(&c);

  /* failures */
  CHECK_INT(load_text("crash", "name = crash\nstart = echo boom >&2; exit 3\n", &c, err, sizeof err), 0, "load crash");
  CHECK_INT(svc_start(&c, NULL, "127.0.0.1", port, NULL, NULL, &p, err, sizeof err), 0, "start a service that exits");
  CHECK_INT(svc_wait_healthy(&p, "/health", 10000000000LL, err, sizeof err), -ECHILD, "exit before health is -ECHILD");
  CHECK(strstr(err, "exited with status 3") && strstr(err, "boom"), "error gives exit status and log tail");
  svc_stop(&p, 1000000000LL);
  unlink(p.stderr_path);
  free(c.dir);
  c.dir = strdup("/nonexistent/folder");
  CHECK(svc_start(&c, NULL, "127.0.0.1", port, NULL, NULL, &p, err, sizeof err) < 0, "missing folder fails to start");
  CHECK(strstr(err, "cannot chdir") != NULL, "missing folder: says chdir");
  CHECK(p.stderr_path[0] && access(p.stderr_path, F_OK) < 0, "a failed start removes its temp log");
  unlink(p.stderr_path);
  svc_conf_free(&c);

  CHECK_INT(load_text("stubborn", "name = stubborn\nstart = trap '' TERM; sleep 60 & sleep 60 & wait\n", &c, err, sizeof err), 0,
            "load stubborn");
  CHECK_INT(svc_start(&c, NULL, "127.0.0.1", port, NULL, NULL, &p, err, sizeof err), 0, "start a tree that ignores SIGTERM");
  CHECK_INT(svc_wait_healthy(&p, "/health", 300000000LL, err, sizeof err), -ETIMEDOUT, "never healthy: -ETIMEDOUT");
  pg = p.pid;
  st = svc_stop(&p, 300000000LL);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "ignored SIGTERM: SIGKILL after the grace");
  CHECK(group_gone(pg), "children of the shell killed too");
  CHECK(access(p.stderr_path, F_OK) == 0, "svc_stop leaves the temp log (its tail stays readable)");
  unlink(p.stderr_path);
  const char *bad_procs[] = {"/nonexistent/cgroup.procs", NULL};
  CHECK(svc_start(&c, NULL, "127.0.0.1", port, bad_procs, NULL, &p, err, sizeof err) < 0, "unwritable cgroup.procs fails");
  CHECK(strstr(err, "cannot join the cgroup") != NULL, "unwritable cgroup.procs: says cgroup");
  CHECK(access(p.stderr_path, F_OK) < 0, "a start that cannot join its cgroup removes its temp log");
  unlink(p.stderr_path);
  svc_conf_free(&c);

  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^pocbench-'", tmpdir);
  FILE *lp = popen(cmd, "r");
  int left = -1;
  if (lp) { if (fscanf(lp, "%d", &left) != 1) left = -1; pclose(lp); }
  CHECK_INT(left, 0, "no temp log of this test is left in $TMPDIR");
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) printf("# could not remove %s\n", tmpdir);
  return check_done("test_svc");
}
