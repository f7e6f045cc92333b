/* k8s_render.h: the study as Kubernetes manifests (pocbench k8s render). Owner: k8s work.
 *
 * Layout written under out_dir (every file YAML, one or more `---` documents):
 *   kustomization.yaml                      the stack without the Jobs (kubectl apply -k DIR)
 *   namespace.yaml                          namespace poc-compare
 *   <svcdir>/deployments.yaml               per contender: Deployment, Service (80 -> 8080), HPA
 *                                           (<svcdir> = k8s_service_dir(name))
 *   prometheus/prometheus-configmap.yaml    one scrape job per contender at 5 s, + cAdvisor
 *   prometheus/prometheus.yaml              ServiceAccount, RBAC for cAdvisor, Deployment, Service
 *   grafana/grafana.yaml                    datasource + dashboard ConfigMaps, Deployment, Service
 *   loadgen/profiles-configmap.yaml         profiles/<test>.json, and with parallelism N > 1 every
 *                                           share <test>.share-<i>-of-<N>.json (k8s_split.h)
 *   jobs/<test>/<service>-<endpoint>.yaml   one Indexed Job per test x contender x endpoint
 * Not thread-safe only in the sense that it writes files; no global state. */
#ifndef K8S_RENDER_H
#define K8S_RENDER_H
#include <stddef.h>
#include "svc.h"

#define K8S_NAMESPACE "poc-compare"
#define K8S_CONTAINER_PORT 8080
#define K8S_CPU "500m"
#define K8S_MEMORY "256Mi"
/* The monitoring Deployments' images (pinned; run.json records them with the contenders'). */
#define K8S_PROMETHEUS_IMAGE "docker.io/prom/prometheus:v2.53.2"
#define K8S_GRAFANA_IMAGE "docker.io/grafana/grafana:11.2.2"
/* The container name of the load Jobs, and the markers around what each Job pod prints after
 * pocbench load: "<BEGIN> index=<i> exit=<rc>" line, the export JSON, "<END>" line (the same
 * for the per-second CSV). The collector (k8s_run.c) reads them from `kubectl logs`. */
#define K8S_LOADGEN_CONTAINER "pocbench"
#define K8S_EXPORT_BEGIN "@@pocbench-export-begin"
#define K8S_EXPORT_END "@@pocbench-export-end"
#define K8S_SERIES_BEGIN "@@pocbench-series-begin"
#define K8S_SERIES_END "@@pocbench-series-end"

/* The contract's endpoints, measured per contender in this order. */
extern const char *const k8s_endpoints[];
extern const size_t k8s_nendpoints;

struct k8s_render_opts {
  const char *out_dir;             /* created if missing */
  const char *root;                /* repository: profiles/, grafana-dashboard.json */
  int parallelism;                 /* load pods per Job, >= 1 */
  const char *loadgen_image;       /* default "poc-pocbench:latest" */
  const char *const *images;       /* "name=image" overrides; default "poc-<name>:latest" */
  size_t nimages;
  const char *const *tests;        /* test types = profile names; default {"load","stress"} */
  size_t ntests;
};

/* Writes every file above for the contenders svcs[0..n). 0, or -errno / -EINVAL with a message
 * naming the file or value in err (missing profile, profile not splittable over parallelism,
 * a name that is not a valid Kubernetes name, an image override for an unknown contender). */
int k8s_render(const struct k8s_render_opts *o, const struct svc_conf *svcs, size_t n,
               char *err, size_t errlen);

/* The folder of a contender's Deployment under out_dir: the study's own paths for its two
 * contenders ("fastapi-service", "go-service" for golang), "<name>-service" for any other. */
const char *k8s_service_dir(const char *name, char *buf, size_t len);

/* The image of contender name's Deployment: its "name=image" override in o->images, else
 * "poc-<name>:latest" written into buf. Returns the override (owned by o) or buf. */
const char *k8s_contender_image(const struct k8s_render_opts *o, const char *name, char *buf,
                                size_t len);

/* "<test>-<service>-<endpoint without slash>", the Job's name. Returns buf. */
const char *k8s_job_name(const char *test, const char *service, const char *endpoint,
                         char *buf, size_t len);

/* "http://<service>.poc-compare.svc:80<endpoint>", the in-cluster URL. Returns buf. */
const char *k8s_service_url(const char *service, const char *endpoint, char *buf, size_t len);

/* true when s is a valid DNS-1123 label (lowercase alphanumerics and '-', 1..63 chars, starting
 * and ending alphanumeric). */
int k8s_valid_name(const char *s);

#endif
