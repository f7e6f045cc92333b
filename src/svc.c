/* svc.c: contenders as descriptors and as processes (see svc.h).
 *
 * The descriptor is a line format on purpose (no YAML/TOML library): a contender's author
 * writes a dozen `key = value` lines, and an unknown key is an error naming file and line so a
 * typo never silently drops a setting. Values are taken verbatim (no variable expansion): the
 * start command runs under sh -c, which expands what it needs.
 *
 * A service runs in its own session (setsid), so its pid is also its process-group id and one
 * kill(-pid) reaches everything it forked (gunicorn workers, a shell that did not exec).
 * The child joins the given cgroups itself before exec, so the service is never outside its
 * limits, and dies with the parent thread (PR_SET_PDEATHSIG) so a killed pocbench leaves no
 * stray server. Setup errors in the child (chdir, cgroup, exec) come back to the parent over a
 * close-on-exec pipe, as an errno and the step that failed, instead of a silent exit 127.
 * Health is polled with the same small client verify uses (verify_http.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "svc.h"
#include "verify_http.h"

extern char **environ;

/* ---- descriptor ---- */

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
  return s;
}

static int kv_add(struct kv **arr, size_t *n, const char *k, const char *v) {
  struct kv *a = realloc(*arr, (*n + 1) * sizeof *a);
  if (!a) return -ENOMEM;
  *arr = a;
  a[*n].key = strdup(k);
  a[*n].value = strdup(v);
  if (!a[*n].key || !a[*n].value) {
    free(a[*n].key);
    free(a[*n].value);
    return -ENOMEM;
  }
  (*n)++;
  return 0;
}

static bool env_name_ok(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

/* "KEY=VALUE" into env; NULL or an error message. */
static const char *env_add(struct kv **arr, size_t *n, const char *v) {
  const char *eq = strchr(v, '=');
  if (!eq || !env_name_ok(v, (size_t)(eq - v))) return "env must be KEY=VALUE with KEY a variable name";
  char key[256];
  size_t kn = (size_t)(eq - v);
  if (kn >= sizeof key) return "env variable name too long";
  memcpy(key, v, kn);
  key[kn] = '\0';
  return kv_add(arr, n, key, eq + 1) < 0 ? "out of memory" : NULL;
}

void svc_conf_free(struct svc_conf *c) {
  if (!c) return;
  free(c->dir); free(c->name); free(c->language); free(c->description); free(c->build);
  free(c->test); free(c->start); free(c->health); free(c->versions_cmd);
  for (size_t i = 0; i < c->nenv; i++) { free(c->env[i].key); free(c->env[i].value); }
  free(c->env);
  for (size_t i = 0; i < c->nversions; i++) { free(c->versions[i].key); free(c->versions[i].value); }
  free(c->versions);
  for (size_t i = 0; i < c->nvariants; i++) {
    struct svc_variant *v = &c->variants[i];
    free(v->name); free(v->start);
    for (size_t k = 0; k < v->nenv; k++) { free(v->env[k].key); free(v->env[k].value); }
    free(v->env);
  }
  free(c->variants);
  memset(c, 0, sizeof *c);
}

int svc_conf_load(const char *path, struct svc_conf *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "r");
  if (!f) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return -e;
  }
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  const char *why = NULL;
  struct svc_variant *var = NULL;
  while (getline(&line, &cap, f) >= 0) {
    lineno++;
    char *s = trim(line);
    if (*s == '\0' || *s == '#') continue;
    if (*s == '[') {
      char *close = strchr(s, ']');
      if (!close || close[1] != '\0' || strncmp(s, "[variant", 8) != 0 || (s[8] != ' ' && s[8] != '\t')) {
        why = "expected [variant NAME]";
        goto fail;
      }
      *close = '\0';
      char *vn = trim(s + 9);
      if (!*vn || strpbrk(vn, " \t")) { why = "variant name must be one word"; goto fail; }
      for (size_t i = 0; i < c->nvariants; i++)
        if (!strcmp(c->variants[i].name, vn)) { why = "variant defined twice"; goto fail; }
      struct svc_variant *nv = realloc(c->variants, (c->nvariants + 1) * sizeof *nv);
      if (!nv) { why = "out of memory"; goto fail; }
      c->variants = nv;
      var = &c->variants[c->nvariants++];
      memset(var, 0, sizeof *var);
      var->name = strdup(vn);
      if (!var->name) { why = "out of memory"; goto fail; }
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) { why = "expected key = value"; goto fail; }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (!*key) { why = "empty key"; goto fail; }
    if (var) {
      if (!strcmp(key, "start")) {
        if (var->start) { why = "start given twice in this variant"; goto fail; }
        if (!*val) { why = "empty start"; goto fail; }
        if (!(var->start = strdup(val))) { why = "out of memory"; goto fail; }
      } else if (!strcmp(key, "env")) {
        if ((why = env_add(&var->env, &var->nenv, val))) goto fail;
      } else {
        why = "only start and env may appear in a [variant] section";
        goto fail;
      }
      continue;
    }
    struct { const char *name; char **slot; } singles[] = {
      {"name", &c->name}, {"language", &c->language}, {"description", &c->description},
      {"build", &c->build}, {"test", &c->test}, {"start", &c->start}, {"health", &c->health},
      {"versions_cmd", &c->versions_cmd},
    };
    bool done = false;
    for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++) {
      if (strcmp(key, singles[i].name)) continue;
      if (*singles[i].slot) { why = "key given twice"; goto fail; }
      if (!(*singles[i].slot = strdup(val))) { why = "out of memory"; goto fail; }
      done = true;
    }
    if (done) continue;
    if (!strcmp(key, "env")) {
      if ((why = env_add(&c->env, &c->nenv, val))) goto fail;
    } else if (!strncmp(key, "version.", 8) && key[8]) {
      if (kv_add(&c->versions, &c->nversions, key + 8, val) < 0) { why = "out of memory"; goto fail; }
    } else {
      snprintf(err, errlen, "%s:%zu: unknown key '%s'", path, lineno, key);
      free(line);
      fclose(f);
      svc_conf_free(c);
      return -EINVAL;
    }
  }
  free(line);
  line = NULL;
  fclose(f);
  f = NULL;
  if (!c->name || !*c->name) { snprintf(err, errlen, "%s: missing required key 'name'", path); goto fail_nol; }
  if (!c->start || !*c->start) { snprintf(err, errlen, "%s: missing required key 'start'", path); goto fail_nol; }
  if (!c->health && !(c->health = strdup("/health"))) { snprintf(err, errlen, "%s: out of memory", path); goto fail_nol; }
  if (c->health[0] != '/') { snprintf(err, errlen, "%s: health must be a path starting with '/'", path); goto fail_nol; }
  char dir[PATH_MAX], real[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
  if (!realpath(*dir ? dir : "/", real) || !(c->dir = strdup(real))) {
    snprintf(err, errlen, "%s: cannot resolve its folder: %s", path, strerror(errno));
    goto fail_nol;
  }
  return 0;
fail:
  snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
  free(line);
  if (f) fclose(f);
fail_nol:
  svc_conf_free(c);
  return -EINVAL;
}

void svc_conf_free_all(struct svc_conf *arr, size_t n) {
  if (!arr) return;
  for (size_t i = 0; i < n; i++) svc_conf_free(&arr[i]);
  free(arr);
}

static int conf_cmp(const void *a, const void *b) {
  return strcmp(((const struct svc_conf *)a)->name, ((const struct svc_conf *)b)->name);
}

int svc_conf_discover(const char *apps_dir, struct svc_conf **out, size_t *n, char *err, size_t errlen) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(apps_dir);
  if (!d) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", apps_dir, strerror(e));
    return -e;
  }
  struct svc_conf *arr = NULL;
  size_t cnt = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/service.conf", apps_dir, de->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    struct svc_conf *na = realloc(arr, (cnt + 1) * sizeof *na);
    if (!na) { rc = -ENOMEM; snprintf(err, errlen, "out of memory"); break; }
    arr = na;
    if ((rc = svc_conf_load(path, &arr[cnt], err, errlen)) < 0) break;
    cnt++;
  }
  closedir(d);
  if (rc < 0) {
    svc_conf_free_all(arr, cnt);
    return rc;
  }
  if (cnt) qsort(arr, cnt, sizeof *arr, conf_cmp);
  for (size_t i = 1; i < cnt; i++)
    if (!strcmp(arr[i].name, arr[i - 1].name)) {
      snprintf(err, errlen, "%s and %s: both are named '%s'", arr[i - 1].dir, arr[i].dir, arr[i].name);
      svc_conf_free_all(arr, cnt);
      return -EINVAL;
    }
  *out = arr;
  *n = cnt;
  return 0;
}

/* ---- processes ---- */

/* Sleeps ms; -EINTR if a signal handler ran. */
static int nap_ms(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
  return nanosleep(&ts, NULL) == 0 ? 0 : -errno;
}

int svc_free_port(const char *host) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
  if (getaddrinfo(host, "0", &hints, &res) != 0) return -EADDRNOTAVAIL;
  int rc = -EADDRNOTAVAIL;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) { rc = -errno; continue; }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
      rc = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
      close(fd);
      break;
    }
    rc = -errno;
    close(fd);
  }
  freeaddrinfo(res);
  return rc;
}

/* environ with the given overrides ("K=V" strings, later ones win). NULL-terminated, malloc'd
 * array of malloc'd strings. */
static char **env_build(char *const *over, size_t nover) {
  size_t n = 0;
  while (environ[n]) n++;
  char **e = calloc(n + nover + 1, sizeof *e);
  if (!e) return NULL;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(environ[i], '=');
    size_t kn = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
    bool overridden = false;
    for (size_t k = 0; k < nover && !overridden; k++)
      overridden = !strncmp(over[k], environ[i], kn) && over[k][kn] == '=';
    if (!overridden && !(e[m++] = strdup(environ[i]))) goto oom;
  }
  for (size_t k = 0; k < nover; k++) {
    const char *eq = strchr(over[k], '=');
    size_t kn = (size_t)(eq - over[k]);
    bool later = false;
    for (size_t j = k + 1; j < nover && !later; j++) later = !strncmp(over[j], over[k], kn + 1);
    if (!later && !(e[m++] = strdup(over[k]))) goto oom;
  }
  return e;
oom:
  for (size_t i = 0; i < m; i++) free(e[i]);
  free(e);
  return NULL;
}

static void strv_free(char **v) {
  if (!v) return;
  for (size_t i = 0; v[i]; i++) free(v[i]);
  free(v);
}

/* The environment a service of conf (variant v, or NULL) runs with: ours, then HOST and PORT
 * (when host is given), then the descriptor's env, then the variant's; later wins. NULL when
 * out of memory; free with strv_free. */
static char **service_env(const struct svc_conf *conf, const struct svc_variant *v,
                          const char *host, int port) {
  size_t nover = (host ? 2 : 0) + conf->nenv + (v ? v->nenv : 0), k = 0;
  char **over = calloc(nover + 1, sizeof *over);
  char **envp = NULL;
  if (!over) return NULL;
  bool ok = true;
  if (host) {
    ok = ok && asprintf(&over[k++], "HOST=%s", host) >= 0;
    ok = ok && asprintf(&over[k++], "PORT=%d", port) >= 0;
  }
  for (size_t i = 0; ok && i < conf->nenv; i++)
    ok = asprintf(&over[k++], "%s=%s", conf->env[i].key, conf->env[i].value) >= 0;
  for (size_t i = 0; ok && v && i < v->nenv; i++)
    ok = asprintf(&over[k++], "%s=%s", v->env[i].key, v->env[i].value) >= 0;
  /* a failed asprintf leaves its pointer undefined: only the ones before it are freed */
  if (ok) envp = env_build(over, nover);
  else k--;
  for (size_t i = 0; i < k; i++) free(over[i]);
  free(over);
  return envp;
}

static const struct svc_variant *find_variant(const struct svc_conf *conf, const char *variant) {
  for (size_t i = 0; variant && i < conf->nvariants; i++)
    if (!strcmp(conf->variants[i].name, variant)) return &conf->variants[i];
  return NULL;
}

struct child_err {
  int step; /* index into child_steps */
  int err;
};
static const char *const child_steps[] = {"chdir to the service folder", "join the cgroup", "exec /bin/sh",
                                          "set up the session"};

static void child_fail(int pipefd, int step) {
  struct child_err ce = {step, errno};
  ssize_t k = write(pipefd, &ce, sizeof ce);
  (void)k;
  _exit(127);
}

int svc_start(const struct svc_conf *conf, const char *variant, const char *host, int port,
              const char *const *cgroup_procs, const char *log_path, struct svc_proc *p,
              char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  if (errlen) err[0] = '\0';
  const struct svc_variant *v = NULL;
  if (variant) {
    for (size_t i = 0; i < conf->nvariants; i++)
      if (!strcmp(conf->variants[i].name, variant)) v = &conf->variants[i];
    if (!v) {
      snprintf(err, errlen, "%s: no variant '%s'", conf->name, variant);
      return -ENOENT;
    }
  }
  const char *start = v && v->start ? v->start : conf->start;
  snprintf(p->host, sizeof p->host, "%s", host);
  p->port = port;

  int logfd;
  if (log_path) {
    snprintf(p->stderr_path, sizeof p->stderr_path, "%s", log_path);
    logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(p->stderr_path, sizeof p->stderr_path, "%s/pocbench-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", conf->name);
    logfd = mkostemp(p->stderr_path, O_CLOEXEC);
  }
  if (logfd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", p->stderr_path, strerror(e));
    return -e;
  }

  char **envp = service_env(conf, v, host, port);
  int rc = -ENOMEM;
  if (!envp) goto out;

  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0) { rc = -errno; snprintf(err, errlen, "pipe: %s", strerror(errno)); goto out; }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    rc = -errno;
    snprintf(err, errlen, "fork: %s", strerror(errno));
    close(pfd[0]);
    close(pfd[1]);
    goto out;
  }
  if (pid == 0) {
    close(pfd[0]);
    if (setsid() < 0) child_fail(pfd[1], 3);
    /* dies with us; SIGKILL because a wedged parent cannot drain it anyway */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    if (chdir(conf->dir) < 0) child_fail(pfd[1], 0);
    for (size_t i = 0; cgroup_procs && cgroup_procs[i]; i++) {
      int cfd = open(cgroup_procs[i], O_WRONLY | O_CLOEXEC);
      char num[32];
      int len = snprintf(num, sizeof num, "%d\n", (int)getpid());
      if (cfd < 0 || write(cfd, num, (size_t)len) != len) child_fail(pfd[1], 1);
      close(cfd);
    }
    int nullfd = open("/dev/null", O_RDONLY);
    if (nullfd >= 0) { dup2(nullfd, 0); if (nullfd > 2) close(nullfd); }
    dup2(logfd, 1);
    dup2(logfd, 2);
    /* nothing else of ours leaks into the service (listening sockets, result files) */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    char *argv[] = {"sh", "-c", (char *)start, NULL};
    execve("/bin/sh", argv, envp);
    child_fail(pfd[1], 2);
  }
  close(pfd[1]);
  struct child_err ce;
  ssize_t got;
  do got = read(pfd[0], &ce, sizeof ce); while (got < 0 && errno == EINTR);
  close(pfd[0]);
  if (got == (ssize_t)sizeof ce) {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    rc = -(ce.err ? ce.err : EIO);
    snprintf(err, errlen, "%s: cannot %s: %s", conf->name,
             child_steps[ce.step >= 0 && ce.step < 4 ? ce.step : 2], strerror(ce.err));
    goto out;
  }
  p->pid = pid;
  rc = 0;
out:
  if (rc == -ENOMEM && errlen && !err[0]) snprintf(err, errlen, "out of memory");
  close(logfd);
  /* nothing ran, so a temp log of ours holds nothing the caller needs (err says why) */
  if (rc < 0 && !log_path) unlink(p->stderr_path);
  strv_free(envp);
  return rc;
}

bool svc_alive(struct svc_proc *p, int *status) {
  if (p->pid <= 0 || p->reaped_) {
    if (status) *status = p->wstatus_;
    return false;
  }
  int st;
  pid_t r = waitpid(p->pid, &st, WNOHANG);
  if (r == 0) return true;
  p->reaped_ = true;
  p->wstatus_ = r == p->pid ? st : 0;
  if (status) *status = p->wstatus_;
  return false;
}

static void describe_status(int st, char *buf, size_t len) {
  if (WIFEXITED(st)) snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
  else snprintf(buf, len, "wait status %d", st);
}

int svc_wait_healthy(struct svc_proc *p, const char *health_path, int64_t timeout_ns,
                     char *err, size_t errlen) {
  int64_t deadline = clock_now_ns() + timeout_ns;
  char hosthdr[128], last[256] = "no attempt";
  vhttp_host_header(p->host, p->port, hosthdr, sizeof hosthdr);
  for (;;) {
    int st;
    if (!svc_alive(p, &st)) {
      char what[128], tail[1024];
      describe_status(st, what, sizeof what);
      svc_log_tail(p, tail, sizeof tail);
      snprintf(err, errlen, "the service %s before answering %s; last output:\n%s", what, health_path, tail);
      return -ECHILD;
    }
    int64_t left = deadline - clock_now_ns();
    if (left <= 0) {
      snprintf(err, errlen, "no 200 from %s within %.1f s (last: %s)", health_path, (double)timeout_ns / 1e9, last);
      return -ETIMEDOUT;
    }
    int fd = vhttp_connect(p->host, p->port, left < 1000000000 ? (int)(left / 1000000) + 1 : 1000);
    if (fd == -EINTR) return -EINTR;
    if (fd >= 0) {
      struct http_resp r;
      int rc = vhttp_request(fd, "GET", hosthdr, health_path, &r, NULL, 0);
      close(fd);
      if (rc == -EINTR) return -EINTR;
      if (rc == 0 && r.status == 200) return 0;
      if (rc == 0) snprintf(last, sizeof last, "status %d", r.status);
      else snprintf(last, sizeof last, "%s", strerror(-rc));
    } else {
      snprintf(last, sizeof last, "connect: %s", strerror(-fd));
    }
    if (nap_ms(50) == -EINTR) return -EINTR;
  }
}

int svc_stop(struct svc_proc *p, int64_t grace_ns) {
  if (p->pid <= 0) return p->wstatus_;
  pid_t pid = p->pid;
  /* one SIGTERM only, to the group (a session leader cannot leave its group): a second one
   * could land after the service restored the default action while draining, and kill it */
  kill(-pid, SIGTERM);
  int64_t deadline = clock_now_ns() + grace_ns;
  bool killed = false;
  for (;;) {
    svc_alive(p, NULL);
    bool group_gone = kill(-pid, 0) < 0 && errno == ESRCH;
    if (p->reaped_ && group_gone) break;
    if (!killed && clock_now_ns() >= deadline) {
      kill(-pid, SIGKILL);
      killed = true;
      deadline = clock_now_ns() + 2000000000LL; /* SIGKILL'd processes are gone within moments */
    } else if (killed && clock_now_ns() >= deadline) {
      break;
    }
    nap_ms(10);
  }
  if (!p->reaped_) {
    int st;
    if (waitpid(pid, &st, 0) == pid) { p->reaped_ = true; p->wstatus_ = st; }
  }
  p->pid = 0;
  return p->wstatus_;
}

void svc_log_tail(const struct svc_proc *p, char *buf, size_t max) {
  if (!max) return;
  buf[0] = '\0';
  int fd = open(p->stderr_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  off_t end = lseek(fd, 0, SEEK_END);
  off_t from = end > (off_t)(max - 1) ? end - (off_t)(max - 1) : 0;
  ssize_t n = pread(fd, buf, max - 1, from);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
}

int svc_versions_output(const struct svc_conf *conf, const char *variant, int64_t timeout_ns,
                        char *out, size_t cap, char *err, size_t errlen) {
  if (cap) out[0] = '\0';
  if (errlen) err[0] = '\0';
  if (!conf->versions_cmd || cap < 2) return 0;
  const struct svc_variant *v = find_variant(conf, variant);
  if (variant && !v) {
    snprintf(err, errlen, "%s: no variant '%s'", conf->name, variant);
    return -ENOENT;
  }
  char **envp = service_env(conf, v, NULL, 0);
  if (!envp) { snprintf(err, errlen, "out of memory"); return -ENOMEM; }
  int po[2];
  if (pipe2(po, O_CLOEXEC) < 0) {
    int e = errno;
    strv_free(envp);
    snprintf(err, errlen, "pipe: %s", strerror(e));
    return -e;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(po[0]);
    close(po[1]);
    strv_free(envp);
    snprintf(err, errlen, "fork: %s", strerror(e));
    return -e;
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int nullfd = open("/dev/null", O_RDWR);
    if (nullfd >= 0) { dup2(nullfd, 0); dup2(nullfd, 2); }
    dup2(po[1], 1);
    if (chdir(conf->dir) < 0) _exit(127);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    char *argv[] = {"sh", "-c", conf->versions_cmd, NULL};
    execve("/bin/sh", argv, envp);
    _exit(127);
  }
  close(po[1]);
  strv_free(envp);
  /* bounded: a versions_cmd that hangs costs timeout_ns, not the run */
  int64_t deadline = clock_now_ns() + timeout_ns;
  size_t n = 0;
  int rc = 0;
  for (;;) {
    int64_t left = deadline - clock_now_ns();
    if (left <= 0) {
      snprintf(err, errlen, "%s: versions_cmd still running after %.0f s; killed", conf->name,
               (double)timeout_ns / 1e9);
      rc = -ETIMEDOUT;
      break;
    }
    struct pollfd pfd = {.fd = po[0], .events = POLLIN};
    int pr = poll(&pfd, 1, left > 1000000000 ? 1000 : (int)(left / 1000000) + 1);
    if (pr <= 0) continue;   /* timeout slice or EINTR: the deadline decides */
    char tmp[4096];
    ssize_t got = read(po[0], tmp, sizeof tmp);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size_t take = (size_t)got < cap - 1 - n ? (size_t)got : cap - 1 - n;
    memcpy(out + n, tmp, take);
    n += take;   /* beyond cap the rest is read and dropped, so the command never blocks */
  }
  out[n] = '\0';
  close(po[0]);
  if (rc < 0) kill(-pid, SIGKILL);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    char what[128];
    describe_status(st, what, sizeof what);
    snprintf(err, errlen, "%s: versions_cmd %s", conf->name, what);
    rc = -ECHILD;
  }
  return rc;
}
