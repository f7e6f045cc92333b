/* promserver.h: a real Prometheus for local runs (pocbench run --prometheus) and the one
 * prometheus.yml generator shared with the Kubernetes manifests. Owner: k8s work.
 *
 * Local use, from the runner:
 *   struct promserver ps;
 *   const char *t[] = {"golang=127.0.0.1:40123", "fastapi=127.0.0.1:40124"};
 *   if (promserver_start("results/<ts>/prometheus", t, 2, &ps, err, sizeof err) < 0) ...warn...
 *   ... run the study; Grafana (or curl) queries http://127.0.0.1:<ps.port>/ ...
 *   promserver_stop(&ps);
 * The server is Debian's `prometheus` binary (package prometheus; $POCBENCH_PROMETHEUS overrides
 * the path), started in its own session on 127.0.0.1 with a free port, its TSDB and config under
 * dir, and polled on /-/ready before promserver_start returns. Job names are the contender
 * names, so grafana-dashboard.json's queries (by job) work unchanged on one machine.
 * Not thread-safe; one struct promserver per server. */
#ifndef PROMSERVER_H
#define PROMSERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define PROMSERVER_SCRAPE_INTERVAL "5s"

struct promserver {
  pid_t pid;                 /* process group leader; 0 when not running */
  int port;                  /* web UI / API on 127.0.0.1:port */
  char config_path[1024];    /* <dir>/prometheus.yml */
  char log_path[1024];       /* <dir>/prometheus.log (stdout+stderr) */
};

/* Writes a prometheus.yml to f: global scrape and evaluation interval 5 s, one scrape job per
 * target "name=host:port" (job_name promserver_job_name(name), metrics_path /metrics, label
 * service=name).
 * kubernetes: also the cAdvisor job (kubelet via the API server proxy, in-cluster service
 * account), keeping only namespace poc-compare. 0, or -EINVAL with a message in err for a
 * target that is not "name=host:port" or a name that is not a valid Prometheus job name. */
int promserver_write_config(FILE *f, const char *const *targets, size_t n, bool kubernetes,
                            char *err, size_t errlen);

/* Creates dir (mkdir -p), writes dir/prometheus.yml, starts prometheus on a free loopback port
 * with --storage.tsdb.path dir/data, and waits (at most 30 s) until /-/ready answers 200.
 * 0, or -ENOENT (binary missing: err says to install package prometheus), -ETIMEDOUT / -ECHILD
 * (err has the last lines of its log), -EINVAL (bad target). On failure nothing is left running. */
int promserver_start(const char *dir, const char *const *targets, size_t n, struct promserver *out,
                     char *err, size_t errlen);

/* The job name of a contender name: '@' (name@variant) and anything but letters, digits,
 * _ - . become '_', so "c@yajl-integer" is job "c_yajl-integer". n bytes of name are read;
 * out (cap > 0) is always terminated. promserver_write_config names jobs this way and keeps
 * the name as given in the service label. */
void promserver_job_name(const char *name, size_t n, char *out, size_t cap);

/* The prometheus binary that promserver_start would run ($POCBENCH_PROMETHEUS, else PATH),
 * into buf: 0, or -ENOENT with the same message as promserver_start in err. */
int promserver_find(char *buf, size_t len, char *err, size_t errlen);

/* SIGTERM to its process group, waits up to 10 s, then SIGKILL. Returns 0 or -errno; safe to
 * call twice and on a zeroed struct. */
int promserver_stop(struct promserver *p);

#endif
