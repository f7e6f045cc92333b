/* prom.h: Prometheus text exposition format (0.0.4) parsing and the queries pocbench needs:
 * verify checks families, labels and buckets; the runner takes counter deltas between scrapes;
 * the report computes histogram_quantile over bucket deltas.
 * Owner: verify work (src/prom.c). Parsing never reads past len; a malformed line is an error
 * naming its line number. */
#ifndef PROM_H
#define PROM_H
#include <stddef.h>

struct prom_label {
  char *name;
  char *value;           /* unescaped (\\, \", \n) */
};

struct prom_sample {
  char *name;            /* full sample name, e.g. http_request_duration_seconds_bucket */
  struct prom_label *labels;
  size_t nlabels;
  double value;          /* +Inf/-Inf/NaN supported */
};

struct prom_family {
  char *name;
  char *type;            /* "counter", "gauge", "histogram", "summary", "untyped" */
  char *help;
};

struct prom_doc {
  struct prom_sample *samples;
  size_t nsamples;
  struct prom_family *families;
  size_t nfamilies;
};

/* 0, or -EINVAL with "line N: message" in err. On error *doc is left empty. */
int prom_parse(const char *text, size_t len, struct prom_doc *doc, char *err, size_t errlen);
void prom_doc_free(struct prom_doc *doc);

/* Value of label name on s, or NULL. */
const char *prom_label_get(const struct prom_sample *s, const char *name);
/* The family's TYPE, or NULL. */
const char *prom_type(const struct prom_doc *doc, const char *family);
/* Sum of values of samples called name whose labels include every pair of match
 * (a NULL-terminated array: key, value, key, value, ..., NULL; NULL matches all). */
double prom_sum(const struct prom_doc *doc, const char *name, const char *const *match);

/* histogram_quantile(q, ...) semantics (Prometheus: linear interpolation inside the bucket,
 * lowest bucket starting at 0, +Inf bucket answers the highest finite bound) over cumulative
 * bucket counts les[i] (upper bounds, ascending, last may be +Inf) / counts[i]. NaN if empty. */
double prom_histogram_quantile(double q, const double *les, const double *counts, size_t n);

#endif
