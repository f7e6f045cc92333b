/* scrape.h: the runner's view of a contender's /metrics: one blocking GET with a deadline, and
 * the server-side figures of one route between two scrapes (docs/results-format.md "server").
 * Owner: runner work (src/scrape.c). Functions are reentrant; nothing is shared. */
#ifndef SCRAPE_H
#define SCRAPE_H
#include <stddef.h>
#include <stdint.h>

/* GET http://host:port/path (HTTP/1.1, Connection: close). On 0, *body is a malloc'd
 * NUL-terminated body of *len bytes (caller frees) and *status the HTTP status.
 * -ETIMEDOUT past timeout_ns, -ECONNREFUSED, -EPROTO (malformed), -EFBIG (> 4 MiB). */
int scrape_get(const char *host, int port, const char *path, int64_t timeout_ns,
               char **body, size_t *len, int *status);

#define SCRAPE_MAX_BUCKETS 32

/* Deltas of one route (label handler = route) between two exposition texts. */
struct scrape_delta {
  double requests_total;            /* http_requests_total, every method and status */
  double by_status[6];              /* [k] = status "kxx" (k = 1..5); [0] unused */
  double les[SCRAPE_MAX_BUCKETS];   /* bucket upper bounds, ascending; last is +Inf */
  double counts[SCRAPE_MAX_BUCKETS];/* cumulative count deltas per bound */
  size_t nbuckets;
  double sum_seconds, count;        /* _sum and _count deltas */
  double cpu_seconds;               /* process_cpu_seconds_total delta (NaN if absent) */
  double rss_bytes_after;           /* process_resident_memory_bytes in the later text (NaN) */
};

/* Parses both texts (Prometheus 0.0.4) and fills d. A family absent from both gives zeros.
 * 0, or -EINVAL with "before/after: line N: ..." in err. */
int scrape_delta(const char *before, size_t blen, const char *after, size_t alen,
                 const char *route, struct scrape_delta *d, char *err, size_t errlen);

#endif
