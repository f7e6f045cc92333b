/* clock.c: monotonic time for durations and deadlines, UTC stamps for results.
 * CLOCK_MONOTONIC, not CLOCK_REALTIME, for anything subtracted: an NTP step during a run must
 * not make a scenario last a negative time. The hot paths of the load engine keep their own
 * inlined readings; this is for everything else. */
#include <time.h>
#include "clock.h"

int64_t clock_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double clock_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *clock_utc_rfc3339(char *buf, size_t cap, int compact) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  if (strftime(buf, cap, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && cap)
    buf[0] = '\0';
  return buf;
}
