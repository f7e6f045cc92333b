/* k8s_run.c: the study on a cluster, driven through kubectl, and the collection of Job output.
 *
 * Load pods share no volume with us, so each prints its summary export and per-second series
 * between markers on stdout and we read them back with `kubectl logs`; the raw logs are kept in
 * the results tree beside what is parsed from them. The pods' exports are merged with
 * export_read_merge, the same code as `pocbench load --merge`, so N pods' histograms combine
 * exactly. Jobs run one at a time (like the local runner) so contenders never share the
 * cluster's network or nodes' CPU with another test. Rejected alternative: a PersistentVolume
 * for the exports, which not every cluster offers (ReadWriteMany) and which outlives the run.
 * The contender's /metrics is scraped before and after each Job through the API server's
 * service proxy (kubectl get --raw), so the server-side figures need no port-forward and come
 * from the same scrape_server_json as a local run's. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "clock.h"
#include "cmd.h"
#include "fsutil.h"
#include "k8s_render.h"
#include "k8s_run.h"
#include "load.h"
#include "runner_json.h"
#include "scrape.h"
#include "sysinfo.h"

/* ---------------------------------------------------------------- pod logs */

/* Finds "<marker> index=..." at the start of a line; returns the line start or NULL. */
static const char *find_marker(const char *s, const char *marker) {
  size_t ml = strlen(marker);
  for (const char *p = s; (p = strstr(p, marker)); p += ml)
    if ((p == s || p[-1] == '\n') && (p[ml] == ' ' || p[ml] == '\n' || !p[ml])) return p;
  return NULL;
}

static char *dup_range(const char *a, const char *b) {
  char *s = malloc((size_t)(b - a) + 1);
  if (s) {
    memcpy(s, a, (size_t)(b - a));
    s[b - a] = '\0';
  }
  return s;
}

/* The text between the line holding begin and the line starting with end. */
static int between(const char *log, const char *begin, const char *end, const char **hdr,
                   char **out) {
  const char *b = find_marker(log, begin);
  if (!b) return -ENOENT;
  const char *body = strchr(b, '\n');
  if (!body) return -EINVAL;
  body++;
  const char *e = find_marker(body, end);
  if (!e) return -EINVAL;
  if (hdr) *hdr = b;
  *out = dup_range(body, e);
  return *out ? 0 : -ENOMEM;
}

int k8s_parse_pod_log(const char *log, struct k8s_pod_output *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->index = -1;
  out->exit_code = -1;
  const char *hdr = NULL;
  int rc = between(log, K8S_EXPORT_BEGIN, K8S_EXPORT_END, &hdr, &out->export_json);
  if (rc == -ENOENT) {
    snprintf(err, errlen, "no '%s' line: the pod stopped before pocbench load finished",
             K8S_EXPORT_BEGIN);
    return -EINVAL;
  }
  if (rc < 0) {
    snprintf(err, errlen, "'%s' without a matching '%s' line (log cut short?)", K8S_EXPORT_BEGIN,
             K8S_EXPORT_END);
    return -EINVAL;
  }
  if (sscanf(hdr + strlen(K8S_EXPORT_BEGIN), " index=%d exit=%d", &out->index,
             &out->exit_code) != 2) {
    snprintf(err, errlen, "malformed '%s' line", K8S_EXPORT_BEGIN);
    return -EINVAL;
  }
  if (!(out->summary_text = dup_range(log, hdr))) return -ENOMEM;
  rc = between(log, K8S_SERIES_BEGIN, K8S_SERIES_END, NULL, &out->series_csv);
  if (rc == -ENOMEM) return rc;
  /* An export that is empty means pocbench load failed before writing it. */
  if (strspn(out->export_json, " \t\r\n") == strlen(out->export_json)) {
    free(out->export_json);
    out->export_json = NULL;
  }
  return 0;
}

void k8s_pod_output_free(struct k8s_pod_output *p) {
  if (!p) return;
  free(p->export_json);
  free(p->series_csv);
  free(p->summary_text);
  memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------- per-second series */

#define MAX_COLS 32

/* Columns that add up across pods; the others (percentiles) take the maximum. */
static bool col_sums(const char *name) {
  static const char *const sums[] = {"vus", "reqs", "failed", "iterations", "dropped",
                                     "data_sent", "data_received"};
  for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++)
    if (!strcmp(name, sums[i])) return true;
  return false;
}

struct srow {
  long long t;
  double v[MAX_COLS];
};

/* Merges the pods' CSVs by t_s; appends the runner's three resource columns, empty. */
static char *merge_series(const struct k8s_pod_output *pods, size_t npods) {
  char *hdr = NULL;
  char cols[MAX_COLS][32];
  size_t ncols = 0;
  struct srow *rows = NULL;
  size_t nrows = 0, cap = 0;
  for (size_t p = 0; p < npods; p++) {
    const char *csv = pods[p].series_csv;
    if (!csv || !*csv) continue;
    const char *nl = strchr(csv, '\n');
    size_t hl = nl ? (size_t)(nl - csv) : strlen(csv);
    if (!hdr) {
      hdr = dup_range(csv, csv + hl);
      if (!hdr) goto fail;
      char *save = NULL, *tmp = strdup(hdr);
      if (!tmp) goto fail;
      for (char *tok = strtok_r(tmp, ",", &save); tok && ncols < MAX_COLS;
           tok = strtok_r(NULL, ",", &save))
        snprintf(cols[ncols++], sizeof cols[0], "%s", tok);
      free(tmp);
    } else if (strncmp(hdr, csv, hl) || strlen(hdr) != hl) {
      continue;   /* a pod with another layout cannot be summed column by column */
    }
    for (const char *line = nl ? nl + 1 : ""; *line;) {
      const char *e = strchr(line, '\n');
      size_t ll = e ? (size_t)(e - line) : strlen(line);
      struct srow r = {0};
      char *buf = dup_range(line, line + ll);
      if (!buf) goto fail;
      char *q = buf;
      size_t c = 0;
      for (; c < ncols; c++) {
        char *comma = strchr(q, ',');
        if (comma) *comma = '\0';
        r.v[c] = *q ? strtod(q, NULL) : 0;
        if (!comma) { c++; break; }
        q = comma + 1;
      }
      free(buf);
      r.t = (long long)r.v[0];
      if (ll > 0 && c > 0) {
        size_t k = 0;
        while (k < nrows && rows[k].t != r.t) k++;
        if (k == nrows) {
          if (nrows == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct srow *nr = realloc(rows, ncap * sizeof *nr);
            if (!nr) goto fail;
            rows = nr;
            cap = ncap;
          }
          rows[nrows] = r;
          rows[nrows++].t = r.t;
        } else {
          for (size_t j = 1; j < ncols; j++)
            rows[k].v[j] = col_sums(cols[j]) ? rows[k].v[j] + r.v[j]
                                              : (r.v[j] > rows[k].v[j] ? r.v[j] : rows[k].v[j]);
        }
      }
      line = e ? e + 1 : line + ll;
    }
  }
  if (!hdr) return NULL;
  char *out = NULL;
  size_t olen = 0;
  FILE *f = open_memstream(&out, &olen);
  if (!f) goto fail;
  fprintf(f, "%s,cpu_cores,throttled_periods,memory_bytes\n", hdr);
  for (size_t i = 0; i < nrows; i++) {
    fprintf(f, "%lld", rows[i].t);
    for (size_t j = 1; j < ncols; j++) {
      if (col_sums(cols[j])) fprintf(f, ",%.0f", rows[i].v[j]);
      else fprintf(f, ",%.3f", rows[i].v[j]);
    }
    fprintf(f, ",,,\n");
  }
  fclose(f);
  free(rows);
  free(hdr);
  return out;
fail:
  free(rows);
  free(hdr);
  return NULL;
}

/* ---------------------------------------------------------------- scenario files */

static void gen_str(yajl_gen g, const char *s) {
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}
static void gen_kv(yajl_gen g, const char *k, const char *v) {
  gen_str(g, k);
  if (v) gen_str(g, v);
  else yajl_gen_null(g);
}

int k8s_collect(const struct k8s_scenario *sc, const struct k8s_pod_output *pods, size_t npods,
                const char *dir, const char *scratch, const char **status_out,
                char *err, size_t errlen) {
  int rc = fs_mkdirs(dir);
  if (rc < 0 || (rc = fs_mkdirs(scratch)) < 0) {
    snprintf(err, errlen, "%s: %s", rc < 0 ? dir : scratch, strerror(-rc));
    return rc;
  }
  const char *ep = sc->endpoint[0] == '/' ? sc->endpoint + 1 : sc->endpoint;
  char base[4096], path[4200];
  snprintf(base, sizeof base, "%s/%s-%s", dir, sc->service, ep);

  struct load_stats st;
  memset(&st, 0, sizeof st);
  struct load_opts lo;
  memset(&lo, 0, sizeof lo);
  char failure[1024] = "";
  int exit_code = 0, merged = 0;
  for (size_t i = 0; i < npods; i++) {
    if (pods[i].exit_code < 0 && !failure[0])
      snprintf(failure, sizeof failure, "load pod %d printed no results (killed, or it failed "
               "before pocbench load finished; its log is in k8s-logs/)", pods[i].index);
    else if (pods[i].exit_code != 0 && pods[i].exit_code != 99 && !failure[0])
      snprintf(failure, sizeof failure, "load pod %d: pocbench load exited with status %d",
               pods[i].index, pods[i].exit_code);
    if (!pods[i].export_json) {
      if (!failure[0])
        snprintf(failure, sizeof failure, "load pod %d produced no summary export", pods[i].index);
      continue;
    }
    char tmp[4200], e2[512];
    snprintf(tmp, sizeof tmp, "%s/pod-%d.export.json", scratch, pods[i].index);
    if ((rc = fs_write_atomic(tmp, pods[i].export_json, strlen(pods[i].export_json))) < 0) {
      snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
      goto out;
    }
    if ((rc = export_read_merge(tmp, &st, e2, sizeof e2)) < 0) {
      snprintf(failure, sizeof failure, "load pod %d: export not readable: %s", pods[i].index, e2);
      continue;
    }
    merged++;
  }
  if (merged < (int)npods && !failure[0]) snprintf(failure, sizeof failure, "missing pods");

  /* The summary and thresholds come from the unsplit profile, applied to the merged figures. */
  char e3[512];
  rc = options_load_config(sc->profile_path, &lo, e3, sizeof e3);
  if (rc == 0) {
    lo.url = strdup(sc->url);
    lo.config_path = strdup(sc->profile_path);
    rc = options_finalize(&lo, e3, sizeof e3);
  }
  if (rc < 0) {
    snprintf(err, errlen, "%s: %s", sc->profile_path, e3);
    goto out;
  }
  size_t crossed = merged ? thresholds_eval(&lo, &st) : 0;
  if (crossed) exit_code = EXIT_THRESHOLDS;
  const char *status = failure[0] ? "error" : crossed ? "thresholds_crossed" : "ok";
  if (status_out) *status_out = status;

  /* .txt: the merged summary */
  char *txt = NULL;
  size_t tlen = 0;
  FILE *tf = open_memstream(&txt, &tlen);
  if (!tf) { rc = -ENOMEM; goto out; }
  if (merged) summary_print(tf, &lo, &st);
  else fprintf(tf, "no results: %s\n", failure);
  fclose(tf);
  snprintf(path, sizeof path, "%s.txt", base);
  rc = fs_write_atomic(path, txt, tlen);
  free(txt);
  if (rc < 0) { snprintf(err, errlen, "%s: %s", path, strerror(-rc)); goto out; }

  /* .csv */
  char *csv = merge_series(pods, npods);
  if (csv) {
    snprintf(path, sizeof path, "%s.csv", base);
    rc = fs_write_atomic(path, csv, strlen(csv));
    free(csv);
    if (rc < 0) { snprintf(err, errlen, "%s: %s", path, strerror(-rc)); goto out; }
  }

  /* .prom: the scrapes before and after the Job, as the local runner records them */
  if (sc->prom) {
    snprintf(path, sizeof path, "%s.prom", base);
    if ((rc = fs_write_atomic(path, sc->prom, strlen(sc->prom))) < 0) {
      snprintf(err, errlen, "%s: %s", path, strerror(-rc));
      goto out;
    }
  }

  /* .json: the merged export, written by export_write, embedded verbatim as "client" */
  char *client = NULL;
  size_t clen = 0;
  if (merged) {
    char mpath[4200];
    snprintf(mpath, sizeof mpath, "%s/merged.export.json", scratch);
    if ((rc = export_write(mpath, &lo, &st)) < 0 || (rc = fs_read_all(mpath, &client, &clen)) < 0) {
      snprintf(err, errlen, "%s: %s", mpath, strerror(-rc));
      goto out;
    }
  }
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) { free(client); rc = -ENOMEM; goto out; }
  yajl_gen_map_open(g);
  gen_kv(g, "test", sc->test);
  gen_kv(g, "service", sc->service);
  gen_kv(g, "variant", "default");
  gen_kv(g, "endpoint", sc->endpoint);
  gen_str(g, "repeat");
  yajl_gen_integer(g, 1);
  gen_kv(g, "url", sc->url);
  gen_kv(g, "status", status);
  gen_kv(g, "failure", failure[0] ? failure : NULL);
  gen_kv(g, "started", sc->started);
  gen_kv(g, "ended", sc->ended);
  gen_str(g, "load_exit_code");
  yajl_gen_integer(g, failure[0] ? EXIT_FAIL : exit_code);
  gen_kv(g, "platform", "kubernetes");
  gen_str(g, "load_pods");
  yajl_gen_integer(g, sc->parallelism);
  yajl_gen_map_close(g);
  const unsigned char *sbuf;
  size_t slen;
  yajl_gen_get_buf(g, &sbuf, &slen);
  char *doc = NULL;
  size_t dlen = 0;
  FILE *df = open_memstream(&doc, &dlen);
  if (!df) { yajl_gen_free(g); free(client); rc = -ENOMEM; goto out; }
  fprintf(df, "{\"schema\":1,\"scenario\":%.*s,\"client\":", (int)slen, (const char *)sbuf);
  if (client) {
    while (clen > 0 && (client[clen - 1] == '\n' || client[clen - 1] == ' ')) clen--;
    fwrite(client, 1, clen, df);
  } else {
    fputs("null", df);
  }
  /* the same "server" object as a local run's, from the scrapes that bracket the Job */
  yajl_gen sg = yajl_gen_alloc(NULL);
  if (!sg) { fclose(df); free(doc); yajl_gen_free(g); free(client); rc = -ENOMEM; goto out; }
  scrape_server_json(sg, sc->metrics_before, sc->metrics_before ? strlen(sc->metrics_before) : 0,
                     sc->metrics_after, sc->metrics_after ? strlen(sc->metrics_after) : 0,
                     sc->endpoint, sc->nscrapes);
  const unsigned char *srv;
  size_t srvlen;
  yajl_gen_get_buf(sg, &srv, &srvlen);
  fprintf(df, ",\"server\":%.*s,\"resources\":null,\"limits\":{\"cpu_millicores\":500,"
              "\"memory_bytes\":268435456,\"enforced\":true}}\n", (int)srvlen, (const char *)srv);
  yajl_gen_free(sg);
  fclose(df);
  yajl_gen_free(g);
  free(client);
  snprintf(path, sizeof path, "%s.json", base);
  rc = fs_write_atomic(path, doc, dlen);
  free(doc);
  if (rc < 0) snprintf(err, errlen, "%s: %s", path, strerror(-rc));
out:
  options_free(&lo);
  load_stats_free(&st);
  return rc;
}

/* ---------------------------------------------------------------- kubectl */

struct kctl {
  const char *bin;
  char *log;           /* every command and its exit status, for the error messages */
};

/* Runs argv, capturing stdout (and stderr into *errout when non-NULL). Returns the exit status,
 * or -errno when it could not start. Both outputs are malloc'd and NUL-terminated. */
static int spawn_capture(char *const argv[], char **out, char **errout) {
  int po[2], pe[2];
  *out = NULL;
  if (errout) *errout = NULL;
  if (pipe2(po, O_CLOEXEC) < 0) return -errno;
  if (pipe2(pe, O_CLOEXEC) < 0) { int e = errno; close(po[0]); close(po[1]); return -e; }
  int ex[2];
  if (pipe2(ex, O_CLOEXEC) < 0) {
    int e = errno;
    close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
    return -e;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(po[0]); close(po[1]); close(pe[0]); close(pe[1]); close(ex[0]); close(ex[1]);
    return -e;
  }
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    execvp(argv[0], argv);
    int e = errno;
    if (write(ex[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  close(ex[1]);
  char *buf[2] = {NULL, NULL};
  size_t len[2] = {0, 0};
  FILE *mf[2] = {open_memstream(&buf[0], &len[0]), open_memstream(&buf[1], &len[1])};
  struct pollfd pf[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char tmp[65536];
      ssize_t r = read(pf[i].fd, tmp, sizeof tmp);
      if (r > 0) {
        if (mf[i]) fwrite(tmp, 1, (size_t)r, mf[i]);
      } else if (r == 0 || errno != EINTR) {
        close(pf[i].fd);
        pf[i].fd = -1;
        open_fds--;
      }
    }
  }
  for (int i = 0; i < 2; i++)
    if (mf[i]) fclose(mf[i]);
  int exec_errno = 0;
  ssize_t er = read(ex[0], &exec_errno, sizeof exec_errno);
  close(ex[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (er == (ssize_t)sizeof exec_errno) {
    free(buf[0]);
    free(buf[1]);
    return -exec_errno;
  }
  *out = buf[0] ? buf[0] : strdup("");
  if (errout) *errout = buf[1] ? buf[1] : strdup("");
  else free(buf[1]);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* kubectl <args...> (NULL-terminated); 0 and *out on success, else the exit status (> 0) or
 * -errno, with kubectl's stderr in err. */
static int kubectl(struct kctl *k, char **out, char *err, size_t errlen, ...) {
  char *argv[32];
  int n = 0;
  argv[n++] = (char *)k->bin;
  va_list ap;
  va_start(ap, errlen);
  char *a;
  while ((a = va_arg(ap, char *)) && n < 31) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  char *o = NULL, *e = NULL;
  int rc = spawn_capture(argv, &o, &e);
  if (rc != 0) {
    char cmd[1024] = "";
    for (int i = 0; i < n; i++) {
      size_t l = strlen(cmd);
      snprintf(cmd + l, sizeof cmd - l, "%s%s", i ? " " : "", argv[i]);
    }
    if (rc < 0) snprintf(err, errlen, "%s: %s", cmd, strerror(-rc));
    else snprintf(err, errlen, "`%s` failed (exit %d): %.600s", cmd, rc, e ? e : "");
  }
  free(e);
  if (out) *out = o;
  else free(o);
  return rc;
}

/* One scrape of service's /metrics through the API server's service proxy (the Service's port
 * "http"), appended to prom (may be NULL) as the local runner records a scrape. Returns the body
 * (malloc'd), or NULL when the scrape failed; the .prom line then says why. */
static char *proxy_scrape(struct kctl *k, const char *service, double t_s, FILE *prom,
                          int *nscrapes) {
  char path[512], err[1024], line[512];
  snprintf(path, sizeof path, "/api/v1/namespaces/%s/services/%s:http/proxy/metrics",
           K8S_NAMESPACE, service);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  long long unix_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  char *body = NULL;
  int rc = kubectl(k, &body, err, sizeof err, "get", "--raw", path, "--request-timeout=10s",
                   (char *)NULL);
  if (rc != 0) {
    err[300] = '\0';   /* one line, short enough that the record line keeps its newline */
    for (char *p = err; *p; p++)
      if (*p == '\n' || *p == '\r') *p = ' ';
    if (prom) fputs(scrape_record_line(line, sizeof line, t_s, unix_ms, err), prom);
    free(body);
    return NULL;
  }
  (*nscrapes)++;
  if (prom) {
    fputs(scrape_record_line(line, sizeof line, t_s, unix_ms, NULL), prom);
    size_t bl = strlen(body);
    fwrite(body, 1, bl, prom);
    if (bl && body[bl - 1] != '\n') fputc('\n', prom);
  }
  return body;
}

static void sleep_s(int s) {
  struct timespec ts = {s, 0};
  nanosleep(&ts, NULL);
}

static bool selected(const struct k8s_run_opts *o, const char *name) {
  if (!o->nonly) return true;
  for (size_t i = 0; i < o->nonly; i++)
    if (!strcmp(o->only[i], name)) return true;
  return false;
}

/* Polls the Job until every index succeeded, one failed, or the timeout. 0 complete,
 * 1 failed, -ETIMEDOUT, other < 0 kubectl errors. */
static int wait_job(struct kctl *k, const char *name, int n, int64_t timeout_s, char *err,
                    size_t errlen) {
  char job[300];
  snprintf(job, sizeof job, "job/%s", name);
  time_t start = time(NULL);
  for (;;) {
    char *out = NULL;
    int rc = kubectl(k, &out, err, errlen, "-n", K8S_NAMESPACE, "get", job, "-o",
                     "jsonpath={.status.succeeded} {.status.failed}", (char *)NULL);
    if (rc != 0) { free(out); return rc < 0 ? rc : -EIO; }
    /* jsonpath prints an absent field as nothing: " 1" means 0 succeeded, 1 failed */
    int ok = out[0] >= '0' && out[0] <= '9' ? atoi(out) : 0;
    const char *sp = strchr(out, ' ');
    int failed = sp ? atoi(sp + 1) : 0;
    free(out);
    if (ok >= n) return 0;
    if (failed > 0 && ok + failed >= n) return 1;
    if (time(NULL) - start > timeout_s) {
      snprintf(err, errlen, "Job %s did not finish within %lld s", name, (long long)timeout_s);
      return -ETIMEDOUT;
    }
    sleep_s(2);
  }
}

static int run_job(struct kctl *k, const struct k8s_run_opts *o, const char *ts_dir,
                   const char *manifests, const char *test, const struct svc_conf *c,
                   const char *endpoint, const char **status, char *err, size_t errlen) {
  char name[256], file[8192], url[512], profile[8192], started[32], ended[32];
  k8s_job_name(test, c->name, endpoint, name, sizeof name);
  snprintf(file, sizeof file, "%s/jobs/%s/%s-%s.yaml", manifests, test, c->name, endpoint + 1);
  snprintf(profile, sizeof profile, "%s/profiles/%s.json", o->root, test);
  k8s_service_url(c->name, endpoint, url, sizeof url);
  char job[300];
  snprintf(job, sizeof job, "job/%s", name);
  int rc = kubectl(k, NULL, err, errlen, "-n", K8S_NAMESPACE, "delete", job,
                   "--ignore-not-found", "--wait=true", (char *)NULL);
  if (rc != 0) return rc < 0 ? rc : -EIO;
  /* The server-side figures are the deltas between a scrape just before the Job exists and
   * one just after it finished, as a local run brackets its profile. */
  char *promtxt = NULL;
  size_t promlen = 0;
  FILE *prom = open_memstream(&promtxt, &promlen);
  int nscrapes = 0;
  double t0 = clock_now_s();
  char *before = proxy_scrape(k, c->name, 0, prom, &nscrapes);
  clock_utc_rfc3339(started, sizeof started, 0);
  printf("k8s: %s: running (%d pod%s)\n", name, o->parallelism, o->parallelism > 1 ? "s" : "");
  fflush(stdout);
  if ((rc = kubectl(k, NULL, err, errlen, "apply", "-f", file, (char *)NULL)) != 0) {
    if (prom) fclose(prom);
    free(promtxt);
    free(before);
    return rc < 0 ? rc : -EIO;
  }
  char werr[1024] = "";
  int wrc = wait_job(k, name, o->parallelism, o->job_timeout_s, werr, sizeof werr);
  clock_utc_rfc3339(ended, sizeof ended, 0);
  char *after = proxy_scrape(k, c->name, clock_now_s() - t0, prom, &nscrapes);
  if (prom) fclose(prom);

  char sel[300], *pods = NULL;
  snprintf(sel, sizeof sel, "job-name=%s", name);
  rc = kubectl(k, &pods, err, errlen, "-n", K8S_NAMESPACE, "get", "pods", "-l", sel, "-o",
               "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}", (char *)NULL);
  struct k8s_pod_output *outs = rc == 0 ? calloc((size_t)o->parallelism, sizeof *outs) : NULL;
  if (!outs) {
    free(pods);
    free(promtxt);
    free(before);
    free(after);
    return rc < 0 ? rc : rc > 0 ? -EIO : -ENOMEM;
  }
  size_t nout = 0;
  char logdir[8192], scratch[8192], resdir[8192];
  snprintf(logdir, sizeof logdir, "%s/k8s-logs", ts_dir);
  snprintf(scratch, sizeof scratch, "%s/k8s-logs/.%s", ts_dir, name);
  snprintf(resdir, sizeof resdir, "%s/test-%s-results", ts_dir, test);
  fs_mkdirs(logdir);
  char *save = NULL;
  for (char *pod = strtok_r(pods, "\n", &save); pod && nout < (size_t)o->parallelism;
       pod = strtok_r(NULL, "\n", &save)) {
    char *log = NULL, lerr[512];
    if (kubectl(k, &log, lerr, sizeof lerr, "-n", K8S_NAMESPACE, "logs", pod, "-c",
                K8S_LOADGEN_CONTAINER, (char *)NULL) != 0) {
      fprintf(stderr, "k8s: %s: %s\n", pod, lerr);
      free(log);
      continue;
    }
    char lp[8500];
    snprintf(lp, sizeof lp, "%s/%s.log", logdir, pod);
    fs_write_atomic(lp, log, strlen(log));
    char perr[512];
    if (k8s_parse_pod_log(log, &outs[nout], perr, sizeof perr) < 0) {
      fprintf(stderr, "k8s: %s: %s\n", pod, perr);
      outs[nout].index = (int)nout;
      outs[nout].exit_code = -1;
    }
    nout++;
    free(log);
  }
  free(pods);
  if (wrc != 0) fprintf(stderr, "k8s: %s: %s\n", name, wrc == 1 ? "a load pod failed" : werr);
  struct k8s_scenario sc = {.test = test, .service = c->name, .endpoint = endpoint, .url = url,
                            .profile_path = profile, .started = started, .ended = ended,
                            .parallelism = o->parallelism, .metrics_before = before,
                            .metrics_after = after, .prom = prom ? promtxt : NULL,
                            .nscrapes = nscrapes};
  /* pods that never showed up count as failed pods */
  while (nout < (size_t)o->parallelism) {
    outs[nout].index = (int)nout;
    outs[nout].exit_code = -1;
    nout++;
  }
  rc = k8s_collect(&sc, outs, nout, resdir, scratch, status, err, errlen);
  for (size_t i = 0; i < nout; i++) k8s_pod_output_free(&outs[i]);
  free(outs);
  free(promtxt);
  free(before);
  free(after);
  kubectl(k, NULL, werr, sizeof werr, "-n", K8S_NAMESPACE, "delete", job, "--ignore-not-found",
          "--wait=false", (char *)NULL);
  if (rc == 0) printf("k8s: %s: %s\n", name, *status);
  return rc;
}

/* What run.json records about the software, gathered once before the first Job. */
struct run_meta {
  const char *context;          /* kubectl's current context */
  char pocbench[256];           /* `pocbench --version` of this binary, "" if unknown */
  yajl_val kubectl_tree;        /* `kubectl version -o json` parsed, or NULL */
  char *kubectl_text;           /* its output when it was not JSON (NULL if none) */
  const struct svc_conf *svcs;  /* every contender rendered (all are applied by apply -k) */
  size_t nsvcs;
  const struct k8s_render_opts *ro;
};

static void meta_collect(struct kctl *k, struct run_meta *m) {
  char self[4096], cmd[4200];
  ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
  m->pocbench[0] = '\0';
  if (l > 0) {
    self[l] = '\0';
    snprintf(cmd, sizeof cmd, "'%s' --version 2>/dev/null", self);
    char line[256];
    sysinfo_cmd_line(cmd, line, sizeof line);
    /* "pocbench <git describe>" */
    snprintf(m->pocbench, sizeof m->pocbench, "%s",
             !strncmp(line, "pocbench ", 9) ? line + 9 : line);
  }
  char *out = NULL, kerr[512];
  /* exits non-zero when the server does not answer, after printing the client's part */
  kubectl(k, &out, kerr, sizeof kerr, "version", "-o", "json", "--request-timeout=10s",
          (char *)NULL);
  if (out && out[strspn(out, " \t\r\n")]) {
    char perr[128];
    m->kubectl_tree = yajl_tree_parse(out, perr, sizeof perr);
    if (!m->kubectl_tree || !YAJL_IS_OBJECT(m->kubectl_tree)) {
      yajl_tree_free(m->kubectl_tree);
      m->kubectl_tree = NULL;
      m->kubectl_text = out;
      out = NULL;
    }
  }
  free(out);
}

static void meta_free(struct run_meta *m) {
  yajl_tree_free(m->kubectl_tree);
  free(m->kubectl_text);
}

static void meta_json(yajl_gen g, const struct k8s_run_opts *o, const struct run_meta *m,
                      const char *const *names, size_t nsc) {
  sysinfo_git(g, o->root);
  /* contender names are DNS labels, so no "_" key can be one */
  js_key(g, "versions");
  yajl_gen_map_open(g);
  js_kstr(g, "pocbench_version", m->pocbench[0] ? m->pocbench : NULL);
  js_key(g, "kubectl_version");
  if (m->kubectl_tree) js_tree(g, m->kubectl_tree);
  else js_str(g, m->kubectl_text);
  for (size_t i = 0; i < m->nsvcs; i++) {
    const struct svc_conf *c = &m->svcs[i];
    js_key(g, c->name);
    yajl_gen_map_open(g);
    js_kstr(g, "language", c->language);
    js_kstr(g, "description", c->description);
    js_kstr(g, "start", c->start);
    for (size_t v = 0; v < c->nversions; v++) js_kstr(g, c->versions[v].key, c->versions[v].value);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);
  js_key(g, "images");
  yajl_gen_map_open(g);
  js_key(g, "deployments");
  yajl_gen_map_open(g);
  char img[512];
  for (size_t i = 0; i < m->nsvcs; i++)
    js_kstr(g, m->svcs[i].name, k8s_contender_image(m->ro, m->svcs[i].name, img, sizeof img));
  js_kstr(g, "prometheus", K8S_PROMETHEUS_IMAGE);
  js_kstr(g, "grafana", K8S_GRAFANA_IMAGE);
  yajl_gen_map_close(g);
  js_key(g, "jobs");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < nsc; i++) js_kstr(g, names[i], o->loadgen_image);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}

static int write_run_json(const char *ts_dir, const struct k8s_run_opts *o,
                          const struct run_meta *m, const char *started, const char *state,
                          const char *const *names, const char *const *statuses, size_t nsc) {
  const char *context = m->context;
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return -ENOMEM;
  yajl_gen_config(g, yajl_gen_beautify, 1);
  char ended[32];
  clock_utc_rfc3339(ended, sizeof ended, 0);
  yajl_gen_map_open(g);
  gen_str(g, "schema");
  yajl_gen_integer(g, 1);
  gen_kv(g, "started", started);
  gen_kv(g, "ended", ended);
  gen_kv(g, "status", state);
  gen_str(g, "argv");
  yajl_gen_array_open(g);
  for (int i = 0; i < o->argc; i++) gen_str(g, o->argv[i]);
  yajl_gen_array_close(g);
  gen_str(g, "options");
  yajl_gen_map_open(g);
  gen_str(g, "parallelism");
  yajl_gen_integer(g, o->parallelism);
  gen_kv(g, "loadgen_image", o->loadgen_image);
  yajl_gen_map_close(g);
  gen_str(g, "machine");
  yajl_gen_map_open(g);
  gen_kv(g, "platform", "kubernetes");
  gen_kv(g, "kubectl_context", context);
  gen_kv(g, "namespace", K8S_NAMESPACE);
  yajl_gen_map_close(g);
  gen_str(g, "limits");
  yajl_gen_map_open(g);
  gen_str(g, "cpu_millicores");
  yajl_gen_integer(g, 500);
  gen_str(g, "memory_bytes");
  yajl_gen_integer(g, 268435456);
  yajl_gen_map_close(g);
  meta_json(g, o, m, names, nsc);
  gen_str(g, "plan");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < nsc; i++) gen_str(g, names[i]);
  yajl_gen_array_close(g);
  gen_str(g, "scenarios");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < nsc; i++) {
    yajl_gen_map_open(g);
    gen_kv(g, "name", names[i]);
    gen_kv(g, "status", statuses[i] ? statuses[i] : "pending");
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  yajl_gen_map_close(g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char path[4200];
  snprintf(path, sizeof path, "%s/run.json", ts_dir);
  int rc = fs_write_atomic(path, buf, len);
  yajl_gen_free(g);
  return rc;
}

int k8s_run(const struct k8s_run_opts *o, const struct svc_conf *svcs, size_t n, char *err,
            size_t errlen) {
  struct kctl k = {.bin = o->kubectl ? o->kubectl : getenv("KUBECTL") ? getenv("KUBECTL") : "kubectl"};
  static const char *const default_tests[] = {"load", "stress"};
  const char *const *tests = o->ntests ? o->tests : default_tests;
  size_t ntests = o->ntests ? o->ntests : 2;
  char *ctx = NULL, kerr[1024];
  int rc = kubectl(&k, &ctx, kerr, sizeof kerr, "config", "current-context", (char *)NULL);
  if (rc < 0) {
    snprintf(err, errlen, "kubectl not found (%s): install kubectl or set KUBECTL", k.bin);
    free(ctx);
    return -ENOENT;
  }
  if (rc != 0 || !ctx || !*ctx) {
    snprintf(err, errlen, "kubectl has no current context (kubectl config use-context NAME): %s",
             kerr);
    free(ctx);
    return -EINVAL;
  }
  ctx[strcspn(ctx, "\r\n")] = '\0';
  printf("k8s: context %s, namespace %s\n", ctx, K8S_NAMESPACE);

  char ts[32], started[32], ts_dir[2048], manifests[2100];
  clock_utc_rfc3339(ts, sizeof ts, 1);
  clock_utc_rfc3339(started, sizeof started, 0);
  snprintf(ts_dir, sizeof ts_dir, "%s/%s", o->results_root ? o->results_root : "results", ts);
  snprintf(manifests, sizeof manifests, "%s/k8s", ts_dir);

  /* The manifests used are kept with the results. */
  struct svc_conf *sel = calloc(n ? n : 1, sizeof *sel);
  size_t nsel = 0;
  if (!sel) { free(ctx); return -ENOMEM; }
  for (size_t i = 0; i < n; i++)
    if (selected(o, svcs[i].name)) sel[nsel++] = svcs[i];
  struct k8s_render_opts ro = {.out_dir = manifests, .root = o->root, .parallelism = o->parallelism,
                               .loadgen_image = o->loadgen_image, .images = o->images,
                               .nimages = o->nimages, .tests = tests, .ntests = ntests};
  if ((rc = k8s_render(&ro, svcs, n, err, errlen)) < 0) goto out;

  char f[4400];
  snprintf(f, sizeof f, "%s/namespace.yaml", manifests);
  if ((rc = kubectl(&k, NULL, err, errlen, "apply", "-f", f, (char *)NULL)) != 0) goto fail;
  if ((rc = kubectl(&k, NULL, err, errlen, "apply", "-k", manifests, (char *)NULL)) != 0) goto fail;
  char tmo[32];
  snprintf(tmo, sizeof tmo, "--timeout=%llds", (long long)(o->ready_timeout_s ? o->ready_timeout_s : 300));
  for (size_t i = 0; i < nsel + 2; i++) {
    char dep[300];
    snprintf(dep, sizeof dep, "deployment/%s", i < nsel ? sel[i].name : i == nsel ? "prometheus" : "grafana");
    printf("k8s: waiting for %s\n", dep);
    fflush(stdout);
    if ((rc = kubectl(&k, NULL, err, errlen, "-n", K8S_NAMESPACE, "rollout", "status", dep, tmo,
                      (char *)NULL)) != 0)
      goto fail;
  }

  size_t nsc = ntests * nsel * k8s_nendpoints;
  char **names = calloc(nsc ? nsc : 1, sizeof *names);
  const char **statuses = calloc(nsc ? nsc : 1, sizeof *statuses);
  if (!names || !statuses) { free(names); free(statuses); rc = -ENOMEM; goto out; }
  size_t s = 0;
  for (size_t t = 0; t < ntests; t++)
    for (size_t i = 0; i < nsel; i++)
      for (size_t e = 0; e < k8s_nendpoints; e++, s++) {
        char nm[256];
        names[s] = strdup(k8s_job_name(tests[t], sel[i].name, k8s_endpoints[e], nm, sizeof nm));
      }
  int incomplete = 0;
  struct run_meta meta = {.context = ctx, .svcs = svcs, .nsvcs = n, .ro = &ro};
  meta_collect(&k, &meta);
  write_run_json(ts_dir, o, &meta, started, "running", (const char *const *)names, statuses, nsc);
  char latest[4200];
  snprintf(latest, sizeof latest, "%s/latest", o->results_root ? o->results_root : "results");
  unlink(latest);
  if (symlink(ts, latest) < 0) fprintf(stderr, "k8s: %s: %s\n", latest, strerror(errno));
  s = 0;
  for (size_t t = 0; t < ntests && rc >= 0; t++)
    for (size_t i = 0; i < nsel && rc >= 0; i++)
      for (size_t e = 0; e < k8s_nendpoints && rc >= 0; e++, s++) {
        const char *st = "error";
        char jerr[1024];
        int jrc = run_job(&k, o, ts_dir, manifests, tests[t], &sel[i], k8s_endpoints[e], &st,
                          jerr, sizeof jerr);
        if (jrc < 0) fprintf(stderr, "k8s: %s: %s\n", names[s], jerr);
        statuses[s] = jrc < 0 ? "error" : st;
        if (strcmp(statuses[s], "ok")) incomplete = 1;
        write_run_json(ts_dir, o, &meta, started, "running", (const char *const *)names, statuses, nsc);
      }
  write_run_json(ts_dir, o, &meta, started, "complete", (const char *const *)names, statuses, nsc);
  printf("k8s: results in %s\n", ts_dir);
  meta_free(&meta);
  for (size_t i = 0; i < nsc; i++) free(names[i]);
  free(names);
  free(statuses);
  rc = incomplete;
  goto out;
fail:
  if (rc > 0) rc = -EIO;
out:
  free(sel);
  free(ctx);
  return rc;
}
