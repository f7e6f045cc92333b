/* clock.h: the time stamps every module needs, in one place.
 * Monotonic readings (CLOCK_MONOTONIC) for durations and deadlines; wall-clock UTC only for
 * what a person reads (RFC 3339 in results). Pure and thread-safe. */
#ifndef CLOCK_H
#define CLOCK_H
#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ns(void);     /* monotonic, nanoseconds */
double clock_now_s(void);       /* monotonic, seconds */
/* Now, UTC, "2026-12-03T18:45:00Z" (compact: "20261203T184500Z"). Returns buf. */
char *clock_utc_rfc3339(char *buf, size_t cap, int compact);

#endif
