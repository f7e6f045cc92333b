/* metrics.c: the service's Prometheus registry and its text-format (0.0.4) renderer.
 *
 * Every series lives in a fixed array indexed by (method slot, route[, status class]); a request
 * costs a few integer increments and one bucket search over 14 doubles, with no allocation and no
 * hashing. The method label comes from the client, so it is the one unbounded input: the nine
 * standard methods have fixed slots, the first METRICS_EXTRA_METHODS other printable methods get
 * a slot each, and the rest share "other". A hash map of label sets was rejected: it would let a
 * client grow memory and costs more per request than an array index.
 * Rendering (only on /metrics) goes into one buffer reused across scrapes. process_* figures
 * come from /proc/self/stat, as the Python and Go client libraries read them. */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const double metrics_buckets[METRICS_NBUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                  0.5,   0.75, 1,     2.5,  5,     7.5, 10};
static const char *const bucket_text[METRICS_NBUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25",
    "0.5",   "0.75", "1",     "2.5",  "5",     "7.5", "10"};
static const char *const route_text[ROUTE_COUNT] = {"/health", "/cpu", "/io", "/json", "none"};
static const char *const std_methods[9] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "PATCH",   "OPTIONS", "CONNECT", "TRACE"};
#define OTHER_SLOT (METRICS_METHOD_SLOTS - 1)
#define NCLASS 6 /* index = status / 100, 1..5 used */

struct series {
  bool touched;
  int64_t inprogress;
  uint64_t count;
  double sum;
  uint64_t buckets[METRICS_NBUCKETS + 1]; /* non-cumulative; last is above the largest bound */
  uint64_t by_class[NCLASS];
};

static struct series reg[METRICS_METHOD_SLOTS][ROUTE_COUNT];
/* Method names as written in the exposition (already escaped). */
static char method_label[METRICS_METHOD_SLOTS][METRICS_METHOD_MAX * 2 + 1];
/* Raw extra method names, for matching. */
static char extra_raw[METRICS_EXTRA_METHODS][METRICS_METHOD_MAX + 1];
static size_t extra_len[METRICS_EXTRA_METHODS];
static int nextra;

static char *out_buf;
static size_t out_len, out_cap;

void metrics_init(void) {
  memset(reg, 0, sizeof reg);
  memset(method_label, 0, sizeof method_label);
  for (int i = 0; i < 9; i++) strcpy(method_label[i], std_methods[i]);
  strcpy(method_label[OTHER_SLOT], "other");
  nextra = 0;
}

int metrics_escape(const char *in, size_t len, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    const char *rep = NULL;
    if (in[i] == '\\') rep = "\\\\";
    else if (in[i] == '"') rep = "\\\"";
    else if (in[i] == '\n') rep = "\\n";
    size_t need = rep ? 2 : 1;
    if (o + need >= cap) return -1;
    if (rep) {
      out[o++] = rep[0];
      out[o++] = rep[1];
    } else {
      out[o++] = in[i];
    }
  }
  if (o >= cap) return -1;
  out[o] = '\0';
  return (int)o;
}

int metrics_method_slot(const char *m, size_t len) {
  for (int i = 0; i < 9; i++)
    if (strlen(std_methods[i]) == len && memcmp(std_methods[i], m, len) == 0) return i;
  for (int i = 0; i < nextra; i++)
    if (extra_len[i] == len && memcmp(extra_raw[i], m, len) == 0) return 9 + i;
  if (len == 0 || len > METRICS_METHOD_MAX || nextra == METRICS_EXTRA_METHODS) return OTHER_SLOT;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)m[i] < 0x21 || (unsigned char)m[i] > 0x7e) return OTHER_SLOT;
  memcpy(extra_raw[nextra], m, len);
  extra_raw[nextra][len] = '\0';
  extra_len[nextra] = len;
  if (metrics_escape(m, len, method_label[9 + nextra], sizeof method_label[0]) < 0)
    return OTHER_SLOT; /* cannot happen: 2 * len + 1 <= size */
  return 9 + nextra++;
}

int metrics_bucket_index(double s) {
  int i = 0;
  while (i < METRICS_NBUCKETS && s > metrics_buckets[i]) i++;
  return i;
}

void metrics_begin(int method, enum route r) {
  struct series *s = &reg[method][r];
  s->touched = true;
  s->inprogress++;
}

void metrics_end(int method, enum route r, int status, double seconds) {
  struct series *s = &reg[method][r];
  int cls = status / 100;
  if (cls < 1 || cls > 5) cls = 5;
  s->touched = true;
  s->inprogress--;
  s->count++;
  s->sum += seconds;
  s->buckets[metrics_bucket_index(seconds)]++;
  s->by_class[cls]++;
}

void metrics_abort(int method, enum route r) { reg[method][r].inprogress--; }

uint64_t metrics_count(int method, enum route r, int cls) {
  return (cls >= 1 && cls <= 5) ? reg[method][r].by_class[cls] : 0;
}

int64_t metrics_inprogress(int method, enum route r) { return reg[method][r].inprogress; }

/* --- rendering --- */

static int out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int out_printf(const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out_buf + out_len, out_cap - out_len, fmt, ap);
    va_end(ap);
    if (n < 0) return -EINVAL;
    if ((size_t)n < out_cap - out_len) {
      out_len += (size_t)n;
      return 0;
    }
    size_t cap = out_cap ? out_cap * 2 : 16384;
    while (cap - out_len <= (size_t)n) cap *= 2;
    char *p = realloc(out_buf, cap);
    if (!p) return -ENOMEM;
    out_buf = p;
    out_cap = cap;
  }
}

/* Shortest %g form that reads back to the same double. */
static void fmt_double(double v, char *buf, size_t cap) {
  snprintf(buf, cap, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, cap, "%.17g", v);
}

/* utime+stime (seconds) and rss (bytes) of this process; -1 when unreadable. */
static void read_proc_self(double *cpu, double *rss) {
  *cpu = -1;
  *rss = -1;
  char buf[1024];
  FILE *f = fopen("/proc/self/stat", "r");
  if (!f) return;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* comm (field 2) may contain spaces; the fields after it start after the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p) return;
  unsigned long utime = 0, stime = 0;
  long rss_pages = 0;
  /* fields 3-13 skipped, 14 utime, 15 stime, 16-23 skipped, 24 rss */
  if (sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %lu "
                    "%*s %*s %*s %*s %*s %*s %*s %*s %ld",
             &utime, &stime, &rss_pages) != 3)
    return;
  long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  *cpu = (double)(utime + stime) / (double)(hz > 0 ? hz : 100);
  *rss = (double)rss_pages * (double)(page > 0 ? page : 4096);
}

int metrics_render(const char **out, size_t *len) {
  int rc = 0;
  char num[40];
  out_len = 0;
  if (out_cap == 0 && (rc = out_printf("%s", "")) < 0) return rc;

#define P(...) \
  do { \
    if ((rc = out_printf(__VA_ARGS__)) < 0) return rc; \
  } while (0)
#define FOR_SERIES \
  for (int m = 0; m < METRICS_METHOD_SLOTS; m++) \
    for (int r = 0; r < ROUTE_COUNT; r++) \
      if (reg[m][r].touched)

  P("# HELP http_requests_total Total number of requests by method, handler and status class.\n"
    "# TYPE http_requests_total counter\n");
  FOR_SERIES {
    for (int c = 1; c <= 5; c++)
      if (reg[m][r].by_class[c])
        P("http_requests_total{method=\"%s\",handler=\"%s\",status=\"%dxx\"} %" PRIu64 "\n",
          method_label[m], route_text[r], c, reg[m][r].by_class[c]);
  }
  P("# HELP http_request_duration_seconds Latency of requests by method and handler.\n"
    "# TYPE http_request_duration_seconds histogram\n");
  FOR_SERIES {
    const struct series *s = &reg[m][r];
    if (s->count == 0) continue;
    uint64_t cum = 0;
    for (int b = 0; b < METRICS_NBUCKETS; b++) {
      cum += s->buckets[b];
      P("http_request_duration_seconds_bucket{method=\"%s\",handler=\"%s\",le=\"%s\"} %" PRIu64
        "\n", method_label[m], route_text[r], bucket_text[b], cum);
    }
    fmt_double(s->sum, num, sizeof num);
    P("http_request_duration_seconds_bucket{method=\"%s\",handler=\"%s\",le=\"+Inf\"} %" PRIu64
      "\n"
      "http_request_duration_seconds_sum{method=\"%s\",handler=\"%s\"} %s\n"
      "http_request_duration_seconds_count{method=\"%s\",handler=\"%s\"} %" PRIu64 "\n",
      method_label[m], route_text[r], s->count, method_label[m], route_text[r], num,
      method_label[m], route_text[r], s->count);
  }
  P("# HELP http_requests_inprogress Number of requests in progress by method and handler.\n"
    "# TYPE http_requests_inprogress gauge\n");
  FOR_SERIES {
    P("http_requests_inprogress{method=\"%s\",handler=\"%s\"} %" PRId64 "\n", method_label[m],
      route_text[r], reg[m][r].inprogress);
  }
  double cpu, rss;
  read_proc_self(&cpu, &rss);
  if (cpu >= 0) {
    fmt_double(cpu, num, sizeof num);
    P("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\n"
      "process_cpu_seconds_total %s\n", num);
    fmt_double(rss, num, sizeof num);
    P("# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n"
      "process_resident_memory_bytes %s\n", num);
  }
#undef P
#undef FOR_SERIES
  *out = out_buf;
  *len = out_len;
  return 0;
}
