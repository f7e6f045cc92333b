/* scrape.h: the runner's view of a contender's /metrics: one blocking GET with a deadline, and
 * the server-side figures of one route between two scrapes (docs/results-format.md "server").
 * Owner: runner work (src/scrape.c). Functions are reentrant; nothing is shared. */
#ifndef SCRAPE_H
#define SCRAPE_H
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

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

/* Emits into g the value of a scenario document's "server" key (docs/results-format.md): the
 * figures of route between the scrapes before and after (NUL-terminated exposition texts),
 * quantiles by prom_histogram_quantile, or {"scrapes", "error"} when either scrape is NULL or
 * does not parse. nscrapes: how many scrapes succeeded over the scenario (recorded as is).
 * Used by the local runner and by `pocbench k8s run`, so both write the same object. */
void scrape_server_json(yajl_gen g, const char *before, size_t blen, const char *after,
                        size_t alen, const char *route, int nscrapes);

/* The comment line that opens one scrape in a .prom file (docs/results-format.md "Scrapes"):
 * "# pocbench-scrape t_s=<t_s> unix_ms=<unix_ms>[ error=<error>]\n" into buf (NUL-terminated,
 * truncated to cap). error NULL for a successful scrape, whose body follows the line.
 * Returns buf. */
char *scrape_record_line(char *buf, size_t cap, double t_s, long long unix_ms, const char *error);

#endif
