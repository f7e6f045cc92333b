/* metrics.h: the service's own Prometheus registry (DESIGN.md section 2, /metrics).
 * Fixed-size arrays indexed by (method slot, route, status class): no allocation after start,
 * no locks (the service has one thread). Not thread-safe by design. */
#ifndef METRICS_H
#define METRICS_H
#include <stddef.h>
#include <stdint.h>

/* Route templates that are counted. /metrics itself is never counted. */
enum route { ROUTE_HEALTH, ROUTE_CPU, ROUTE_IO, ROUTE_JSON, ROUTE_NONE, ROUTE_COUNT };

/* Method slots: the nine standard methods, then up to METRICS_EXTRA_METHODS other method
 * strings in arrival order, then "other" for everything after that (or unprintable, or longer
 * than METRICS_METHOD_MAX bytes). This bounds the series a hostile client can create. */
#define METRICS_EXTRA_METHODS 8
#define METRICS_METHOD_MAX 32
#define METRICS_METHOD_SLOTS (9 + METRICS_EXTRA_METHODS + 1)

/* The 14 finite bucket bounds of http_request_duration_seconds (seconds, ascending). */
#define METRICS_NBUCKETS 14
extern const double metrics_buckets[METRICS_NBUCKETS];

/* Resets every series and forgets the extra methods. */
void metrics_init(void);

/* The slot for method (len bytes, not NUL-terminated); always in [0, METRICS_METHOD_SLOTS). */
int metrics_method_slot(const char *method, size_t len);

/* A request with (method slot, route) started: in-progress gauge + 1. */
void metrics_begin(int method, enum route r);
/* It ended with an HTTP status after seconds: gauge - 1, counter + 1, histogram observation. */
void metrics_end(int method, enum route r, int status, double seconds);
/* It ended without a response (client gone): gauge - 1 only. */
void metrics_abort(int method, enum route r);

/* Index of the first bucket whose bound is >= seconds, or METRICS_NBUCKETS (+Inf only). */
int metrics_bucket_index(double seconds);

/* Writes the label value in escaped form (\\, \", \n) into out (cap bytes, NUL-terminated).
 * Returns the escaped length, or -1 if it does not fit. */
int metrics_escape(const char *in, size_t len, char *out, size_t cap);

/* Renders the text format 0.0.4 into a buffer owned by the module (valid until the next call).
 * process_* values are read from /proc/self/stat. 0 with the text in *out and its length in *len, or -ENOMEM. */
int metrics_render(const char **out, size_t *len);

/* Reads for tests. */
uint64_t metrics_count(int method, enum route r, int status_class);
int64_t metrics_inprogress(int method, enum route r);

#endif
