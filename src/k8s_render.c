/* k8s_render.c: the study's manifests, generated from apps/<name>/service.conf and profiles/.
 *
 * Everything on the cluster side is derived here, so the committed k8s/ tree is just this
 * function's output (a test re-renders and compares): a contender added under apps/ gets its
 * Deployment, Service, HPA, scrape job and Jobs without anyone editing YAML. The YAML is printed
 * directly (no YAML library): the shapes are fixed, and every free-form value (env, commands,
 * descriptions) goes through yaml_str, which always double-quotes and escapes. Rejected
 * alternative: templates with placeholders, which cannot loop over contenders or pods.
 * Probes are deliberately lenient: with one replica, a readiness failure under load would take
 * the only endpoint out of the Service and turn a slow contender into a failing one, and a
 * liveness failure would restart it mid-test; a busy pod must be measured as slow, not killed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsutil.h"
#include "k8s_render.h"
#include "k8s_split.h"
#include "promserver.h"

const char *const k8s_endpoints[] = {"/health", "/cpu", "/io", "/json"};
const size_t k8s_nendpoints = sizeof k8s_endpoints / sizeof k8s_endpoints[0];

static const char *const default_tests[] = {"load", "stress"};


int k8s_valid_name(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 63) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(c == '-' && i > 0 && i < n - 1)) return 0;
  }
  return 1;
}

const char *k8s_service_dir(const char *name, char *buf, size_t len) {
  if (!strcmp(name, "golang")) snprintf(buf, len, "go-service");
  else snprintf(buf, len, "%s-service", name);
  return buf;
}

const char *k8s_job_name(const char *test, const char *service, const char *endpoint, char *buf,
                         size_t len) {
  snprintf(buf, len, "%s-%s-%s", test, service, endpoint[0] == '/' ? endpoint + 1 : endpoint);
  return buf;
}

const char *k8s_service_url(const char *service, const char *endpoint, char *buf, size_t len) {
  snprintf(buf, len, "http://%s.%s.svc:80%s", service, K8S_NAMESPACE, endpoint);
  return buf;
}

/* ---------------------------------------------------------------- YAML output helpers */

/* A double-quoted YAML scalar (JSON-compatible escapes). */
static void yaml_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\t': fputs("\\t", f); break;
    case '\r': fputs("\\r", f); break;
    default:
      if (*p < 0x20) fprintf(f, "\\x%02x", *p);
      else fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* A literal block scalar ("|" or "|-" chosen by the text's final newline), each line indented. */
static void yaml_block(FILE *f, const char *text, int indent) {
  size_t len = strlen(text);
  bool nl = len > 0 && text[len - 1] == '\n';
  fputs(nl ? "|\n" : "|-\n", f);
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\r')) l--;   /* yamllint: no trailing spaces */
    if (l > 0) fprintf(f, "%*s%.*s", indent, "", (int)l, p);
    fputc('\n', f);
    if (!e) break;
    p = e + 1;
    if (!*p) break;
  }
}

static void labels(FILE *f, int indent, const char *name, const char *component) {
  fprintf(f, "%*sapp.kubernetes.io/name: %s\n", indent, "", name);
  fprintf(f, "%*sapp.kubernetes.io/part-of: poc-compare\n", indent, "");
  fprintf(f, "%*sapp.kubernetes.io/component: %s\n", indent, "", component);
}

/* The hardened pod and container security settings every workload here shares. */
static void pod_security(FILE *f, int indent, int uid) {
  fprintf(f, "%*ssecurityContext:\n", indent, "");
  fprintf(f, "%*srunAsNonRoot: true\n", indent + 2, "");
  fprintf(f, "%*srunAsUser: %d\n", indent + 2, "", uid);
  fprintf(f, "%*srunAsGroup: %d\n", indent + 2, "", uid);
  fprintf(f, "%*sfsGroup: %d\n", indent + 2, "", uid);
  fprintf(f, "%*sseccompProfile:\n%*stype: RuntimeDefault\n", indent + 2, "", indent + 4, "");
}

static void container_security(FILE *f, int indent) {
  fprintf(f, "%*ssecurityContext:\n", indent, "");
  fprintf(f, "%*sallowPrivilegeEscalation: false\n", indent + 2, "");
  fprintf(f, "%*sreadOnlyRootFilesystem: true\n", indent + 2, "");
  fprintf(f, "%*srunAsNonRoot: true\n", indent + 2, "");
  fprintf(f, "%*scapabilities:\n%*sdrop: [\"ALL\"]\n", indent + 2, "", indent + 4, "");
  fprintf(f, "%*sseccompProfile:\n%*stype: RuntimeDefault\n", indent + 2, "", indent + 4, "");
}

static void resources(FILE *f, int indent, const char *cpu, const char *mem) {
  fprintf(f, "%*sresources:\n", indent, "");
  fprintf(f, "%*srequests:\n%*scpu: \"%s\"\n%*smemory: \"%s\"\n", indent + 2, "", indent + 4, "",
          cpu, indent + 4, "", mem);
  fprintf(f, "%*slimits:\n%*scpu: \"%s\"\n%*smemory: \"%s\"\n", indent + 2, "", indent + 4, "",
          cpu, indent + 4, "", mem);
}

static void probe(FILE *f, const char *kind, const char *path, int initial, int period,
                  int timeout, int failures) {
  fprintf(f, "          %s:\n", kind);
  fprintf(f, "            httpGet:\n              path: ");
  yaml_str(f, path);
  fprintf(f, "\n              port: http\n");
  fprintf(f, "            initialDelaySeconds: %d\n            periodSeconds: %d\n"
             "            timeoutSeconds: %d\n            failureThreshold: %d\n",
          initial, period, timeout, failures);
}

/* ---------------------------------------------------------------- files */

struct out {
  char path[4096];
  char *buf;
  size_t len;
  FILE *f;
};

static int out_open(struct out *o, const char *dir, const char *rel, char *err, size_t errlen) {
  snprintf(o->path, sizeof o->path, "%s/%s", dir, rel);
  char parent[4096];
  snprintf(parent, sizeof parent, "%s", o->path);
  char *slash = strrchr(parent, '/');
  if (slash) *slash = '\0';
  int rc = fs_mkdirs(parent);
  if (rc < 0) {
    snprintf(err, errlen, "%s: cannot create directory: %s", parent, strerror(-rc));
    return rc;
  }
  o->buf = NULL;
  o->len = 0;
  o->f = open_memstream(&o->buf, &o->len);
  return o->f ? 0 : -ENOMEM;
}

static int out_close(struct out *o, char *err, size_t errlen) {
  if (fclose(o->f) != 0) { free(o->buf); return -ENOMEM; }
  int rc = fs_write_atomic(o->path, o->buf, o->len);
  free(o->buf);
  if (rc < 0) snprintf(err, errlen, "%s: %s", o->path, strerror(-rc));
  return rc;
}

const char *k8s_contender_image(const struct k8s_render_opts *o, const char *name, char *buf,
                                size_t len) {
  size_t nl = strlen(name);
  for (size_t i = 0; i < o->nimages; i++)
    if (!strncmp(o->images[i], name, nl) && o->images[i][nl] == '=') return o->images[i] + nl + 1;
  snprintf(buf, len, "poc-%s:latest", name);
  return buf;
}

static void write_namespace(FILE *f) {
  fprintf(f, "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n"
             "    app.kubernetes.io/part-of: poc-compare\n", K8S_NAMESPACE);
}

static void write_contender(FILE *f, const struct svc_conf *c, const char *image) {
  const char *n = c->name;
  const char *health = c->health ? c->health : "/health";
  fprintf(f, "# %s: generated by `pocbench k8s render` from apps/%s/service.conf; do not edit.\n",
          n, n);
  fprintf(f, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n"
             "  namespace: %s\n  labels:\n", n, K8S_NAMESPACE);
  labels(f, 4, n, "contender");
  fprintf(f, "  annotations:\n    poc-compare/language: ");
  yaml_str(f, c->language ? c->language : "");
  fprintf(f, "\n    poc-compare/start: ");
  yaml_str(f, c->start ? c->start : "");
  fprintf(f, "\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
             "      app.kubernetes.io/name: %s\n  template:\n    metadata:\n      labels:\n", n);
  labels(f, 8, n, "contender");
  fprintf(f, "    spec:\n      automountServiceAccountToken: false\n"
             "      terminationGracePeriodSeconds: 30\n");
  pod_security(f, 6, 10001);
  fprintf(f, "      containers:\n        - name: %s\n          image: ", n);
  yaml_str(f, image);
  fprintf(f, "\n          imagePullPolicy: IfNotPresent\n");
  fprintf(f, "          ports:\n            - name: http\n              containerPort: %d\n"
             "              protocol: TCP\n", K8S_CONTAINER_PORT);
  fprintf(f, "          env:\n            - name: HOST\n              value: \"0.0.0.0\"\n"
             "            - name: PORT\n              value: \"%d\"\n", K8S_CONTAINER_PORT);
  for (size_t i = 0; i < c->nenv; i++) {
    if (!strcmp(c->env[i].key, "HOST") || !strcmp(c->env[i].key, "PORT")) continue;
    fprintf(f, "            - name: ");
    yaml_str(f, c->env[i].key);
    fprintf(f, "\n              value: ");
    yaml_str(f, c->env[i].value);
    fputc('\n', f);
  }
  resources(f, 10, K8S_CPU, K8S_MEMORY);
  /* The startup probe gates the others, so a slow first start is not a liveness failure. */
  probe(f, "startupProbe", health, 0, 2, 5, 60);
  probe(f, "readinessProbe", health, 0, 5, 10, 6);
  probe(f, "livenessProbe", health, 0, 10, 30, 12);
  container_security(f, 10);
  fprintf(f, "          volumeMounts:\n            - name: tmp\n              mountPath: /tmp\n");
  fprintf(f, "      volumes:\n        - name: tmp\n          emptyDir:\n            sizeLimit: 64Mi\n");

  fprintf(f, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\n"
             "  labels:\n", n, K8S_NAMESPACE);
  labels(f, 4, n, "contender");
  fprintf(f, "spec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: %s\n"
             "  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"
             "      protocol: TCP\n", n);

  fprintf(f, "---\n# Held at one replica for the study (maxReplicas 1): the comparison is of one\n"
             "# instance per stack; raise maxReplicas to study scaling instead.\n");
  fprintf(f, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: %s\n"
             "  namespace: %s\n  labels:\n", n, K8S_NAMESPACE);
  labels(f, 4, n, "contender");
  fprintf(f, "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
             "    name: %s\n  minReplicas: 1\n  maxReplicas: 1\n  metrics:\n"
             "    - type: Resource\n      resource:\n        name: cpu\n        target:\n"
             "          type: Utilization\n          averageUtilization: 70\n", n);
}

static int write_prometheus(const char *dir, const struct svc_conf *svcs, size_t n, char *err,
                            size_t errlen) {
  struct out o;
  int rc = out_open(&o, dir, "prometheus/prometheus-configmap.yaml", err, errlen);
  if (rc < 0) return rc;
  const char **targets = calloc(n ? n : 1, sizeof *targets);
  char *cfg = NULL;
  size_t cfglen = 0;
  FILE *cf = open_memstream(&cfg, &cfglen);
  if (!targets || !cf) { rc = -ENOMEM; goto fail; }
  for (size_t i = 0; i < n; i++) {
    char *t = malloc(256);
    if (!t) { rc = -ENOMEM; goto fail; }
    snprintf(t, 256, "%s=%s.%s.svc:80", svcs[i].name, svcs[i].name, K8S_NAMESPACE);
    targets[i] = t;
  }
  rc = promserver_write_config(cf, targets, n, true, err, errlen);
  fclose(cf);
  cf = NULL;
  if (rc < 0) goto fail;
  fprintf(o.f, "# Prometheus scrape configuration: one job per contender every 5 s, and the\n"
               "# kubelets' cAdvisor for CPU and memory. Generated by `pocbench k8s render`.\n");
  fprintf(o.f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prometheus-config\n"
               "  namespace: %s\n  labels:\n", K8S_NAMESPACE);
  labels(o.f, 4, "prometheus", "monitoring");
  fprintf(o.f, "data:\n  prometheus.yml: ");
  yaml_block(o.f, cfg, 4);
  rc = out_close(&o, err, errlen);
  o.f = NULL;
fail:
  if (cf) fclose(cf);
  if (o.f) { fclose(o.f); free(o.buf); }
  free(cfg);
  if (targets)
    for (size_t i = 0; i < n; i++) free((char *)targets[i]);
  free(targets);
  return rc;
}

static void write_prometheus_workload(FILE *f) {
  fprintf(f, "# Prometheus for the study: reads prometheus-config, keeps its TSDB in an emptyDir.\n");
  fprintf(f, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: prometheus\n"
             "  namespace: %s\n", K8S_NAMESPACE);
  fprintf(f, "---\n# Read access to the kubelets' cAdvisor metrics through the API server proxy.\n"
             "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
             "  name: poc-compare-prometheus\nrules:\n  - apiGroups: [\"\"]\n"
             "    resources: [\"nodes\", \"nodes/proxy\", \"nodes/metrics\"]\n"
             "    verbs: [\"get\", \"list\", \"watch\"]\n");
  fprintf(f, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
             "  name: poc-compare-prometheus\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
             "  kind: ClusterRole\n  name: poc-compare-prometheus\nsubjects:\n"
             "  - kind: ServiceAccount\n    name: prometheus\n    namespace: %s\n", K8S_NAMESPACE);
  fprintf(f, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prometheus\n"
             "  namespace: %s\n  labels:\n", K8S_NAMESPACE);
  labels(f, 4, "prometheus", "monitoring");
  fprintf(f, "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
             "      app.kubernetes.io/name: prometheus\n  template:\n    metadata:\n      labels:\n");
  labels(f, 8, "prometheus", "monitoring");
  fprintf(f, "      annotations:\n        poc-compare/config: prometheus-config\n");
  fprintf(f, "    spec:\n      serviceAccountName: prometheus\n");
  pod_security(f, 6, 65534);
  fprintf(f, "      containers:\n        - name: prometheus\n          image: \"%s\"\n"
             "          args:\n            - \"--config.file=/etc/prometheus/prometheus.yml\"\n"
             "            - \"--storage.tsdb.path=/prometheus\"\n"
             "            - \"--storage.tsdb.retention.time=7d\"\n"
             "            - \"--web.enable-lifecycle\"\n"
             "          ports:\n            - name: web\n              containerPort: 9090\n",
          K8S_PROMETHEUS_IMAGE);
  resources(f, 10, "500m", "1Gi");
  fprintf(f, "          readinessProbe:\n            httpGet:\n              path: /-/ready\n"
             "              port: web\n            periodSeconds: 10\n            timeoutSeconds: 5\n");
  container_security(f, 10);
  fprintf(f, "          volumeMounts:\n            - name: config\n"
             "              mountPath: /etc/prometheus\n              readOnly: true\n"
             "            - name: data\n              mountPath: /prometheus\n");
  fprintf(f, "      volumes:\n        - name: config\n          configMap:\n"
             "            name: prometheus-config\n        - name: data\n          emptyDir: {}\n");
  fprintf(f, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: prometheus\n  namespace: %s\n"
             "  labels:\n", K8S_NAMESPACE);
  labels(f, 4, "prometheus", "monitoring");
  fprintf(f, "spec:\n  selector:\n    app.kubernetes.io/name: prometheus\n  ports:\n"
             "    - name: web\n      port: 9090\n      targetPort: web\n");
}

static int write_grafana(const char *dir, const char *root, char *err, size_t errlen) {
  char dpath[4096];
  snprintf(dpath, sizeof dpath, "%s/grafana-dashboard.json", root);
  char *dash = NULL;
  size_t dlen = 0;
  int rc = fs_read_all(dpath, &dash, &dlen);
  if (rc < 0) {
    snprintf(err, errlen, "%s: %s", dpath, strerror(-rc));
    return rc;
  }
  struct out o;
  if ((rc = out_open(&o, dir, "grafana/grafana.yaml", err, errlen)) < 0) { free(dash); return rc; }
  FILE *f = o.f;
  fprintf(f, "# Grafana with the Prometheus datasource and grafana-dashboard.json provisioned.\n"
             "# Generated by `pocbench k8s render` (the dashboard is copied from the repository root).\n");
  fprintf(f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-datasources\n"
             "  namespace: %s\ndata:\n  prometheus.yaml: |\n    apiVersion: 1\n    datasources:\n"
             "      - name: Prometheus\n        uid: prometheus\n        type: prometheus\n"
             "        access: proxy\n        url: http://prometheus:9090\n        isDefault: true\n"
             "        jsonData:\n          timeInterval: 5s\n", K8S_NAMESPACE);
  fprintf(f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-dashboard-provider\n"
             "  namespace: %s\ndata:\n  poc-compare.yaml: |\n    apiVersion: 1\n    providers:\n"
             "      - name: poc-compare\n        folder: poc-compare\n        type: file\n"
             "        disableDeletion: true\n        options:\n"
             "          path: /var/lib/grafana/dashboards\n", K8S_NAMESPACE);
  fprintf(f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-dashboards\n"
             "  namespace: %s\ndata:\n  poc-compare.json: ", K8S_NAMESPACE);
  yaml_block(f, dash, 4);
  free(dash);
  fprintf(f, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: grafana\n"
             "  namespace: %s\n  labels:\n", K8S_NAMESPACE);
  labels(f, 4, "grafana", "monitoring");
  fprintf(f, "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
             "      app.kubernetes.io/name: grafana\n  template:\n    metadata:\n      labels:\n");
  labels(f, 8, "grafana", "monitoring");
  fprintf(f, "    spec:\n      automountServiceAccountToken: false\n");
  pod_security(f, 6, 472);
  fprintf(f, "      containers:\n        - name: grafana\n          image: \"%s\"\n"
             "          ports:\n            - name: web\n              containerPort: 3000\n"
             "          env:\n            - name: GF_AUTH_ANONYMOUS_ENABLED\n"
             "              value: \"true\"\n            - name: GF_AUTH_ANONYMOUS_ORG_ROLE\n"
             "              value: \"Viewer\"\n            - name: GF_PATHS_DATA\n"
             "              value: \"/var/lib/grafana\"\n", K8S_GRAFANA_IMAGE);
  resources(f, 10, "250m", "256Mi");
  fprintf(f, "          readinessProbe:\n            httpGet:\n              path: /api/health\n"
             "              port: web\n            periodSeconds: 10\n            timeoutSeconds: 5\n");
  container_security(f, 10);
  fprintf(f, "          volumeMounts:\n"
             "            - name: datasources\n              mountPath: /etc/grafana/provisioning/datasources\n"
             "            - name: provider\n              mountPath: /etc/grafana/provisioning/dashboards\n"
             "            - name: dashboards\n              mountPath: /var/lib/grafana/dashboards\n"
             "            - name: data\n              mountPath: /var/lib/grafana\n"
             "            - name: tmp\n              mountPath: /tmp\n");
  fprintf(f, "      volumes:\n"
             "        - name: datasources\n          configMap:\n            name: grafana-datasources\n"
             "        - name: provider\n          configMap:\n            name: grafana-dashboard-provider\n"
             "        - name: dashboards\n          configMap:\n            name: grafana-dashboards\n"
             "        - name: data\n          emptyDir: {}\n"
             "        - name: tmp\n          emptyDir: {}\n");
  fprintf(f, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: grafana\n  namespace: %s\n"
             "  labels:\n", K8S_NAMESPACE);
  labels(f, 4, "grafana", "monitoring");
  fprintf(f, "spec:\n  selector:\n    app.kubernetes.io/name: grafana\n  ports:\n"
             "    - name: web\n      port: 3000\n      targetPort: web\n");
  return out_close(&o, err, errlen);
}

/* The profiles ConfigMap: each test's profile verbatim, and its N shares when N > 1. */
static int write_profiles(const struct k8s_render_opts *o, const char *const *tests, size_t ntests,
                          char *err, size_t errlen) {
  struct out out;
  int rc = out_open(&out, o->out_dir, "loadgen/profiles-configmap.yaml", err, errlen);
  if (rc < 0) return rc;
  fprintf(out.f, "# The load profiles the Jobs read (mounted at /profiles). With --parallelism N,\n"
                 "# <test>.share-<i>-of-<N>.json is pod i's exact share of the VUs or rate.\n");
  fprintf(out.f, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pocbench-profiles\n"
                 "  namespace: %s\n  labels:\n", K8S_NAMESPACE);
  labels(out.f, 4, "pocbench", "loadgen");
  fprintf(out.f, "data:\n");
  for (size_t t = 0; t < ntests && rc == 0; t++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/profiles/%s.json", o->root, tests[t]);
    char *json = NULL;
    size_t len = 0;
    if ((rc = fs_read_all(path, &json, &len)) < 0) {
      snprintf(err, errlen, "%s: %s (test type '%s' needs its profile)", path, strerror(-rc),
               tests[t]);
      break;
    }
    fprintf(out.f, "  %s.json: ", tests[t]);
    yaml_block(out.f, json, 4);
    for (int i = 0; i < o->parallelism && o->parallelism > 1; i++) {
      char *share = NULL;
      double peak = 0;
      char e2[256];
      if ((rc = k8s_share_profile(json, i, o->parallelism, &share, &peak, e2, sizeof e2)) < 0) {
        snprintf(err, errlen, "%s: %s", path, e2);
        break;
      }
      if (peak < o->parallelism && peak > 0) {
        snprintf(err, errlen, "%s: --parallelism %d is more than the profile's peak of %g VUs",
                 path, o->parallelism, peak);
        free(share);
        rc = -EINVAL;
        break;
      }
      fprintf(out.f, "  %s.share-%d-of-%d.json: ", tests[t], i, o->parallelism);
      yaml_block(out.f, share, 4);
      free(share);
    }
    free(json);
  }
  if (rc < 0) { fclose(out.f); free(out.buf); return rc; }
  return out_close(&out, err, errlen);
}

/* The shell each load pod runs: pocbench load on its share, then its export and per-second
 * series between markers on stdout (Job pods share no volume; `kubectl logs` carries them). A
 * crossed threshold (99) is a result, not a pod failure; anything else fails the pod. */
static void write_job_script(FILE *f, const char *test, int parallelism, const char *url) {
  char cfg[512];
  if (parallelism > 1) snprintf(cfg, sizeof cfg, "/profiles/%s.share-$i-of-%d.json", test, parallelism);
  else snprintf(cfg, sizeof cfg, "/profiles/%s.json", test);
  char script[4096];
  snprintf(script, sizeof script,
           "set -u\n"
           "i=${JOB_COMPLETION_INDEX:-0}\n"
           "pocbench load --no-color --config \"%s\" --summary-export /tmp/export.json"
           " --out csv=/tmp/series.csv \"%s\"\n"
           "rc=$?\n"
           "echo \"%s index=$i exit=$rc\"\n"
           "cat /tmp/export.json 2>/dev/null\n"
           "echo \"%s index=$i\"\n"
           "echo \"%s index=$i\"\n"
           "cat /tmp/series.csv 2>/dev/null\n"
           "echo \"%s index=$i\"\n"
           "[ \"$rc\" -eq 0 ] || [ \"$rc\" -eq 99 ]\n",
           cfg, url, K8S_EXPORT_BEGIN, K8S_EXPORT_END, K8S_SERIES_BEGIN, K8S_SERIES_END);
  fprintf(f, "          command: [\"/bin/sh\", \"-c\"]\n          args:\n            - ");
  yaml_block(f, script, 14);
}

static int write_job(const struct k8s_render_opts *o, const char *test, const struct svc_conf *c,
                     const char *endpoint, char *err, size_t errlen) {
  char name[256], rel[512], url[512];
  k8s_job_name(test, c->name, endpoint, name, sizeof name);
  if (!k8s_valid_name(name)) {
    snprintf(err, errlen, "Job name '%s' is not a valid Kubernetes name (lowercase letters, "
                          "digits, '-', at most 63 characters)", name);
    return -EINVAL;
  }
  snprintf(rel, sizeof rel, "jobs/%s/%s-%s.yaml", test, c->name, endpoint + 1);
  k8s_service_url(c->name, endpoint, url, sizeof url);
  struct out out;
  int rc = out_open(&out, o->out_dir, rel, err, errlen);
  if (rc < 0) return rc;
  FILE *f = out.f;
  fprintf(f, "# %s test of %s %s: %d pod(s) running pocbench load, generated by\n"
             "# `pocbench k8s render`; `pocbench k8s run` applies it and collects the results.\n",
          test, c->name, endpoint, o->parallelism);
  fprintf(f, "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  namespace: %s\n"
             "  labels:\n", name, K8S_NAMESPACE);
  labels(f, 4, "pocbench", "loadgen");
  fprintf(f, "    poc-compare/test: %s\n    poc-compare/service: %s\n    poc-compare/endpoint: %s\n",
          test, c->name, endpoint + 1);
  fprintf(f, "spec:\n  completionMode: Indexed\n  completions: %d\n  parallelism: %d\n"
             "  backoffLimit: 0\n  activeDeadlineSeconds: 3600\n  template:\n    metadata:\n"
             "      labels:\n", o->parallelism, o->parallelism);
  labels(f, 8, "pocbench", "loadgen");
  fprintf(f, "        poc-compare/test: %s\n        poc-compare/service: %s\n"
             "        poc-compare/endpoint: %s\n", test, c->name, endpoint + 1);
  fprintf(f, "    spec:\n      restartPolicy: Never\n      automountServiceAccountToken: false\n");
  /* Keep the generator off the contender's node when the cluster has room. */
  fprintf(f, "      affinity:\n        podAntiAffinity:\n"
             "          preferredDuringSchedulingIgnoredDuringExecution:\n"
             "            - weight: 100\n              podAffinityTerm:\n"
             "                topologyKey: kubernetes.io/hostname\n                labelSelector:\n"
             "                  matchLabels:\n"
             "                    app.kubernetes.io/component: contender\n");
  pod_security(f, 6, 10001);
  fprintf(f, "      containers:\n        - name: %s\n          image: ", K8S_LOADGEN_CONTAINER);
  yaml_str(f, o->loadgen_image);
  fprintf(f, "\n          imagePullPolicy: IfNotPresent\n");
  write_job_script(f, test, o->parallelism, url);
  resources(f, 10, "1", "256Mi");
  container_security(f, 10);
  fprintf(f, "          volumeMounts:\n            - name: profiles\n              mountPath: /profiles\n"
             "              readOnly: true\n            - name: tmp\n              mountPath: /tmp\n");
  fprintf(f, "      volumes:\n        - name: profiles\n          configMap:\n"
             "            name: pocbench-profiles\n        - name: tmp\n          emptyDir:\n"
             "            sizeLimit: 64Mi\n");
  return out_close(&out, err, errlen);
}

int k8s_render(const struct k8s_render_opts *o, const struct svc_conf *svcs, size_t n, char *err,
               size_t errlen) {
  const char *const *tests = o->ntests ? o->tests : default_tests;
  size_t ntests = o->ntests ? o->ntests : sizeof default_tests / sizeof default_tests[0];
  if (o->parallelism < 1) {
    snprintf(err, errlen, "--parallelism must be at least 1, got %d", o->parallelism);
    return -EINVAL;
  }
  for (size_t i = 0; i < n; i++)
    if (!k8s_valid_name(svcs[i].name)) {
      snprintf(err, errlen, "%s/service.conf: name '%s' is not a valid Kubernetes name "
                            "(lowercase letters, digits and '-')", svcs[i].dir, svcs[i].name);
      return -EINVAL;
    }
  for (size_t t = 0; t < ntests; t++)
    if (!k8s_valid_name(tests[t])) {
      snprintf(err, errlen, "test type '%s' is not a valid Kubernetes name", tests[t]);
      return -EINVAL;
    }
  for (size_t i = 0; i < o->nimages; i++) {
    const char *eq = strchr(o->images[i], '=');
    bool known = false;
    for (size_t k = 0; eq && k < n; k++)
      known |= strlen(svcs[k].name) == (size_t)(eq - o->images[i]) &&
               !strncmp(svcs[k].name, o->images[i], (size_t)(eq - o->images[i]));
    if (!eq || !eq[1] || !known) {
      snprintf(err, errlen, "--image '%s': expected NAME=IMAGE with NAME one of the contenders",
               o->images[i]);
      return -EINVAL;
    }
  }

  struct out out;
  int rc;
  if ((rc = out_open(&out, o->out_dir, "namespace.yaml", err, errlen)) < 0) return rc;
  write_namespace(out.f);
  if ((rc = out_close(&out, err, errlen)) < 0) return rc;

  for (size_t i = 0; i < n; i++) {
    char dir[256], rel[512], img[512];
    snprintf(rel, sizeof rel, "%s/deployments.yaml", k8s_service_dir(svcs[i].name, dir, sizeof dir));
    if ((rc = out_open(&out, o->out_dir, rel, err, errlen)) < 0) return rc;
    write_contender(out.f, &svcs[i], k8s_contender_image(o, svcs[i].name, img, sizeof img));
    if ((rc = out_close(&out, err, errlen)) < 0) return rc;
  }

  if ((rc = write_prometheus(o->out_dir, svcs, n, err, errlen)) < 0) return rc;
  if ((rc = out_open(&out, o->out_dir, "prometheus/prometheus.yaml", err, errlen)) < 0) return rc;
  write_prometheus_workload(out.f);
  if ((rc = out_close(&out, err, errlen)) < 0) return rc;
  if ((rc = write_grafana(o->out_dir, o->root, err, errlen)) < 0) return rc;
  if ((rc = write_profiles(o, tests, ntests, err, errlen)) < 0) return rc;

  for (size_t t = 0; t < ntests; t++)
    for (size_t i = 0; i < n; i++)
      for (size_t e = 0; e < k8s_nendpoints; e++)
        if ((rc = write_job(o, tests[t], &svcs[i], k8s_endpoints[e], err, errlen)) < 0) return rc;

  if ((rc = out_open(&out, o->out_dir, "kustomization.yaml", err, errlen)) < 0) return rc;
  fprintf(out.f, "# The stack without the load Jobs: kubectl apply -k <this directory>.\n"
                 "# The Jobs (jobs/) are run one at a time by `pocbench k8s run`.\n---\n"
                 "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                 "  - namespace.yaml\n");
  for (size_t i = 0; i < n; i++) {
    char dir[256];
    fprintf(out.f, "  - %s/deployments.yaml\n", k8s_service_dir(svcs[i].name, dir, sizeof dir));
  }
  fprintf(out.f, "  - prometheus/prometheus-configmap.yaml\n  - prometheus/prometheus.yaml\n"
                 "  - grafana/grafana.yaml\n  - loadgen/profiles-configmap.yaml\n");
  return out_close(&out, err, errlen);
}
