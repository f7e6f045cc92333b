/* units.h: the one place that parses and prints durations, byte sizes and CPU quantities.
 * Owner: load-metrics work (src/units.c). All functions are pure and thread-safe. */
#ifndef UNITS_H
#define UNITS_H
#include <stddef.h>
#include <stdint.h>

/* Go/k6 duration text: "30s", "1m30s", "500ms", "1.5s", "250us"/"250µs", "10ns", "1h", "2d",
 * "1d12h". A bare number ("100", "2.5") means milliseconds, as in k6's options.
 * Returns 0 and *ns, or -EINVAL (empty, unknown unit, negative, overflow). */
int units_parse_duration(const char *s, int64_t *ns);

/* Byte sizes, Kubernetes style: "256Mi", "1Gi", "64Ki", "512M", "1G", "1000". -> 0 / -EINVAL. */
int units_parse_bytes(const char *s, uint64_t *bytes);

/* CPU quantity, Kubernetes style: "500m" -> 500, "0.5" -> 500, "2" -> 2000 millicores. */
int units_parse_cpu(const char *s, int64_t *millicores);

/* Go's time.Duration.String(): "0s", "500ms", "30s", "2m30s", "1h0m0s", "1.5s".
 * Writes at most n bytes (always NUL-terminated) into buf; returns buf. */
char *units_format_go_duration(int64_t ns, char *buf, size_t n);

#endif
