/* k8s_run.h: the study on a cluster (pocbench k8s run) and the collection of Job output into
 * the results tree of docs/results-format.md. Owner: k8s work.
 *
 * The collection half (k8s_parse_pod_log, k8s_collect) needs no cluster: it turns the text of
 * the load pods' logs into scenario files, so it is tested with logs produced by real
 * `pocbench load` runs. k8s_run drives kubectl (never a client library: kubectl carries the
 * user's context, credentials and plugins). Not thread-safe (spawns processes, writes files). */
#ifndef K8S_RUN_H
#define K8S_RUN_H
#include <stddef.h>
#include <stdint.h>
#include "svc.h"

/* What one load pod printed after pocbench load (k8s_render.h markers). */
struct k8s_pod_output {
  int index;            /* JOB_COMPLETION_INDEX */
  int exit_code;        /* pocbench load's exit status */
  char *export_json;    /* malloc'd, the --summary-export document; NULL if absent */
  char *series_csv;     /* malloc'd, the --out csv= series; NULL if absent */
  char *summary_text;   /* malloc'd, everything the pod printed before the export marker */
};
/* Parses one pod's log. 0, or -EINVAL with a message in err when the export markers are
 * missing or unbalanced (the pod died before pocbench load finished). Frees nothing of *out on
 * error; call k8s_pod_output_free either way. */
int k8s_parse_pod_log(const char *log, struct k8s_pod_output *out, char *err, size_t errlen);
void k8s_pod_output_free(struct k8s_pod_output *p);   /* NULL-safe, leaves *p zeroed */

struct k8s_scenario {
  const char *test;            /* "load" */
  const char *service;         /* contender name */
  const char *endpoint;        /* "/health" */
  const char *url;             /* what the pods targeted */
  const char *profile_path;    /* the unsplit profile (thresholds, trend stats for the summary) */
  const char *started, *ended; /* RFC 3339 UTC */
  int parallelism;
  /* The contender's /metrics (through the API server's service proxy) just before the Job was
   * applied and just after it finished: NUL-terminated exposition texts, NULL when that scrape
   * failed. prom: the .prom text of every scrape attempted (NULL: no .prom is written).
   * nscrapes: how many succeeded. */
  const char *metrics_before, *metrics_after, *prom;
  int nscrapes;
};

/* Merges the pods' exports exactly (export_read_merge, as `pocbench load --merge`), evaluates
 * the profile's thresholds on the merged figures and writes, under dir:
 *   <service>-<endpoint>.json  scenario document (client = merged export; server from the two
 *                              scrapes by scrape_server_json, as the local runner writes it;
 *                              resources null: no per-pod cgroup figures reach pocbench)
 *   <service>-<endpoint>.prom  sc->prom verbatim, when not NULL
 *   <service>-<endpoint>.txt   the k6-style summary of the merged figures
 *   <service>-<endpoint>.csv   per-second series: one pod's verbatim, or for N pods the counts
 *                              summed per second and each percentile the pods' maximum (an
 *                              upper bound; the exact percentiles are in the .json)
 * pods[i].export_json == NULL (a pod that failed) makes the scenario status "error" and is
 * reported in "failure"; the files are still written. scratch: a directory for temporary
 * per-pod export files. *status_out (may be NULL) gets the status string (static).
 * 0, or -errno / -EINVAL with a message in err. */
int k8s_collect(const struct k8s_scenario *sc, const struct k8s_pod_output *pods, size_t npods,
                const char *dir, const char *scratch, const char **status_out,
                char *err, size_t errlen);

struct k8s_run_opts {
  const char *kubectl;          /* NULL: "kubectl" from PATH ($KUBECTL overrides) */
  const char *root;             /* repository */
  const char *results_root;     /* default "results" */
  const char *const *tests;     /* default load, stress */
  size_t ntests;
  const char *const *only;      /* restrict to these contenders (NULL: all) */
  size_t nonly;
  int parallelism;
  const char *loadgen_image;
  const char *const *images;
  size_t nimages;
  int64_t ready_timeout_s;      /* per Deployment rollout, default 300 */
  int64_t job_timeout_s;        /* per Job, default 1800 */
  int argc;                     /* recorded in run.json */
  char **argv;
};

/* Renders into <results>/<ts>/k8s, applies the stack, waits for the Deployments, runs every Job
 * one at a time (scraping the contender's /metrics through the service proxy just before and
 * after it), collects each into <results>/<ts>/test-<test>-results/, keeps every pod's log
 * under <ts>/k8s-logs/, writes run.json and points <results>/latest at it.
 * 0; 1 when some scenario did not complete (the tree is still written); -ENOENT with a message
 * when kubectl is missing, -EINVAL when there is no current context, other -errno. */
int k8s_run(const struct k8s_run_opts *o, const struct svc_conf *svcs, size_t n,
            char *err, size_t errlen);

#endif
