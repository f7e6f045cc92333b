/* units.c: parsing and printing of durations, byte sizes and CPU quantities.
 *
 * Durations follow Go's time.ParseDuration (a sequence of <decimal><unit> terms) plus k6's
 * day unit and its rule that a bare number means milliseconds. The integer part and the
 * fraction of each term are accumulated separately in integer nanoseconds, so "1.1s" is
 * exactly 1100000000 ns and no float rounding leaks into stage timing. Byte sizes and CPU
 * quantities use Kubernetes suffixes. All functions are pure: no locale, no globals.
 * Rejected alternative: strtod for the whole term; it makes "0.3s" 299999999 ns. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "units.h"

#define NS_PER_US INT64_C(1000)
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

/* Parses "<digits>[.<digits>]" at *p into an integer part and a fraction scaled to 1e-18.
 * Returns false when there is no digit at all or the integer part exceeds int64. */
static bool parse_decimal(const char **p, uint64_t *whole, uint64_t *frac_e18, bool *overflow) {
  const char *s = *p;
  uint64_t w = 0, f = 0, scale = UINT64_C(100000000000000000); /* 1e17: first fraction digit */
  bool any = false;
  *overflow = false;
  while (*s >= '0' && *s <= '9') {
    if (w > (UINT64_C(9223372036854775807) - 9) / 10) *overflow = true;
    else w = w * 10 + (uint64_t)(*s - '0');
    s++;
    any = true;
  }
  if (*s == '.') {
    s++;
    while (*s >= '0' && *s <= '9') {
      if (scale > 0) { f += (uint64_t)(*s - '0') * scale; scale /= 10; }
      s++;
      any = true;
    }
  }
  if (!any) return false;
  *p = s;
  *whole = w;
  *frac_e18 = f;
  return true;
}

static const struct { const char *name; int64_t ns; } dur_units[] = {
  {"ns", 1}, {"us", NS_PER_US}, {"\xc2\xb5s", NS_PER_US}, {"\xce\xbcs", NS_PER_US},
  {"ms", NS_PER_MS}, {"s", NS_PER_S}, {"m", 60 * NS_PER_S}, {"h", 3600 * NS_PER_S},
  {"d", 86400 * NS_PER_S},
};

int units_parse_duration(const char *s, int64_t *ns) {
  if (!s || !*s) return -EINVAL;
  if (*s == '+') s++;
  if (*s == '-') return -EINVAL;
  /* A bare number is milliseconds (k6 options). */
  {
    const char *p = s;
    uint64_t w, f;
    bool ovf;
    if (parse_decimal(&p, &w, &f, &ovf) && *p == '\0') {
      if (ovf || w > (uint64_t)(INT64_MAX / NS_PER_MS)) return -EINVAL;
      *ns = (int64_t)w * NS_PER_MS + (int64_t)(f / UINT64_C(1000000000000)); /* 1e18/1e6 */
      return 0;
    }
  }
  int64_t total = 0;
  const char *p = s;
  while (*p) {
    uint64_t w, f;
    bool ovf;
    if (!parse_decimal(&p, &w, &f, &ovf) || ovf) return -EINVAL;
    size_t best = 0;
    int64_t unit = 0;
    for (size_t i = 0; i < sizeof dur_units / sizeof dur_units[0]; i++) {
      size_t l = strlen(dur_units[i].name);
      if (strncmp(p, dur_units[i].name, l) == 0 && l > best) {
        /* "m" must not swallow the "m" of "ms" */
        best = l;
        unit = dur_units[i].ns;
      }
    }
    if (!best) return -EINVAL;
    p += best;
    if (w > (uint64_t)(INT64_MAX / unit)) return -EINVAL;
    int64_t term = (int64_t)w * unit;
    /* fraction: f is in units of 1e-18, f * unit < 1e32 fits in 128 bits */
    int64_t fr = (int64_t)((unsigned __int128)f * (uint64_t)unit / UINT64_C(1000000000000000000));
    if (term > INT64_MAX - fr) return -EINVAL;
    term += fr;
    if (total > INT64_MAX - term) return -EINVAL;
    total += term;
  }
  *ns = total;
  return 0;
}

int units_parse_bytes(const char *s, uint64_t *bytes) {
  static const struct { const char *sfx; uint64_t mul; } sfx[] = {
    {"Ki", UINT64_C(1) << 10}, {"Mi", UINT64_C(1) << 20}, {"Gi", UINT64_C(1) << 30},
    {"Ti", UINT64_C(1) << 40}, {"Pi", UINT64_C(1) << 50}, {"Ei", UINT64_C(1) << 60},
    {"k", UINT64_C(1000)}, {"K", UINT64_C(1000)}, {"M", UINT64_C(1000000)},
    {"G", UINT64_C(1000000000)}, {"T", UINT64_C(1000000000000)},
    {"P", UINT64_C(1000000000000000)}, {"E", UINT64_C(1000000000000000000)}, {"", 1},
  };
  if (!s || !*s) return -EINVAL;
  const char *p = s;
  uint64_t w, f;
  bool ovf;
  if (!parse_decimal(&p, &w, &f, &ovf) || ovf) return -EINVAL;
  for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
    if (strcmp(p, sfx[i].sfx) != 0) continue;
    uint64_t mul = sfx[i].mul;
    if (w && mul > UINT64_MAX / w) return -EINVAL;
    uint64_t v = w * mul;
    /* fraction of the multiplier, rounded up to a whole byte as Kubernetes does */
    long double fr = (long double)f / 1e18L * (long double)mul;
    uint64_t fri = (uint64_t)fr;
    if ((long double)fri < fr) fri++;
    if (v > UINT64_MAX - fri) return -EINVAL;
    *bytes = v + fri;
    return 0;
  }
  return -EINVAL;
}

int units_parse_cpu(const char *s, int64_t *millicores) {
  if (!s || !*s) return -EINVAL;
  const char *p = s;
  uint64_t w, f;
  bool ovf;
  if (!parse_decimal(&p, &w, &f, &ovf) || ovf) return -EINVAL;
  if (strcmp(p, "m") == 0) {
    if (f != 0 || w > (uint64_t)INT64_MAX) return -EINVAL; /* no fractional millicores */
    *millicores = (int64_t)w;
    return 0;
  }
  if (*p) return -EINVAL;
  if (w > (uint64_t)(INT64_MAX / 1000 - 1)) return -EINVAL;
  uint64_t milli = f / UINT64_C(1000000000000000); /* 1e18 / 1e3 */
  if (f % UINT64_C(1000000000000000)) milli++;      /* Kubernetes rounds up */
  *millicores = (int64_t)(w * 1000 + milli);
  return 0;
}

/* Writes v/10^prec with prec digits, trailing zeros (and a bare '.') removed. */
static int fmt_frac(char *buf, size_t n, uint64_t v, int prec) {
  uint64_t div = 1;
  for (int i = 0; i < prec; i++) div *= 10;
  uint64_t w = v / div, f = v % div;
  if (f == 0) return snprintf(buf, n, "%" PRIu64, w);
  char fr[24];
  snprintf(fr, sizeof fr, "%0*" PRIu64, prec, f);
  size_t l = strlen(fr);
  while (l > 0 && fr[l - 1] == '0') fr[--l] = '\0';
  return snprintf(buf, n, "%" PRIu64 ".%s", w, fr);
}

char *units_format_go_duration(int64_t ns, char *buf, size_t n) {
  if (!buf || n == 0) return buf;
  char tmp[64];
  size_t off = 0;
  uint64_t u;
  if (ns < 0) {
    tmp[off++] = '-';
    u = (uint64_t)(-(ns + 1)) + 1;
  } else {
    u = (uint64_t)ns;
  }
  if (u == 0) {
    snprintf(tmp, sizeof tmp, "0s");
  } else if (u < (uint64_t)NS_PER_US) {
    snprintf(tmp + off, sizeof tmp - off, "%" PRIu64 "ns", u);
  } else if (u < (uint64_t)NS_PER_MS) {
    int k = fmt_frac(tmp + off, sizeof tmp - off, u, 3);
    snprintf(tmp + off + (size_t)k, sizeof tmp - off - (size_t)k, "\xc2\xb5s");
  } else if (u < (uint64_t)NS_PER_S) {
    int k = fmt_frac(tmp + off, sizeof tmp - off, u, 6);
    snprintf(tmp + off + (size_t)k, sizeof tmp - off - (size_t)k, "ms");
  } else {
    uint64_t h = u / (3600 * (uint64_t)NS_PER_S);
    uint64_t m = (u / (60 * (uint64_t)NS_PER_S)) % 60;
    uint64_t sec_ns = u % (60 * (uint64_t)NS_PER_S);
    int k = 0;
    if (h) k += snprintf(tmp + off, sizeof tmp - off, "%" PRIu64 "h", h);
    if (h || m) k += snprintf(tmp + off + (size_t)k, sizeof tmp - off - (size_t)k, "%" PRIu64 "m", m);
    k += fmt_frac(tmp + off + (size_t)k, sizeof tmp - off - (size_t)k, sec_ns, 9);
    snprintf(tmp + off + (size_t)k, sizeof tmp - off - (size_t)k, "s");
  }
  snprintf(buf, n, "%s", tmp);
  return buf;
}
