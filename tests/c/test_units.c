/* test_units.c: durations, byte sizes, CPU quantities, Go duration text. */
#include <errno.h>
#include <stdint.h>
#include "check.h"
#include "units.h"

static int64_t dur(const char *s) {
  int64_t ns = -12345;
  return units_parse_duration(s, &ns) == 0 ? ns : -1;
}
static int64_t bytes_(const char *s) {
  uint64_t b = 0;
  return units_parse_bytes(s, &b) == 0 ? (int64_t)b : -1;
}
static int64_t cpu(const char *s) {
  int64_t m = 0;
  return units_parse_cpu(s, &m) == 0 ? m : -1;
}
static const char *gofmt(int64_t ns) {
  static char buf[64];
  return units_format_go_duration(ns, buf, sizeof buf);
}

int main(void) {
  CHECK_INT(dur("30s"), 30000000000LL, "duration 30s");
  CHECK_INT(dur("1m30s"), 90000000000LL, "duration 1m30s");
  CHECK_INT(dur("500ms"), 500000000LL, "duration 500ms");
  CHECK_INT(dur("1.5s"), 1500000000LL, "duration 1.5s");
  CHECK_INT(dur("0.3s"), 300000000LL, "duration 0.3s is exact");
  CHECK_INT(dur("1.1s"), 1100000000LL, "duration 1.1s is exact");
  CHECK_INT(dur("250us"), 250000LL, "duration 250us");
  CHECK_INT(dur("250\xc2\xb5s"), 250000LL, "duration 250 micro sign s");
  CHECK_INT(dur("250\xce\xbcs"), 250000LL, "duration 250 greek mu s");
  CHECK_INT(dur("10ns"), 10LL, "duration 10ns");
  CHECK_INT(dur("1h"), 3600000000000LL, "duration 1h");
  CHECK_INT(dur("2d"), 172800000000000LL, "duration 2d");
  CHECK_INT(dur("1d12h"), 129600000000000LL, "duration 1d12h");
  CHECK_INT(dur("1h0m0s"), 3600000000000LL, "duration 1h0m0s");
  CHECK_INT(dur("1.5m"), 90000000000LL, "duration 1.5m");
  CHECK_INT(dur("100"), 100000000LL, "bare number 100 is milliseconds");
  CHECK_INT(dur("2.5"), 2500000LL, "bare number 2.5 is milliseconds");
  CHECK_INT(dur("0"), 0, "bare 0");
  CHECK_INT(dur("0s"), 0, "0s");
  CHECK_INT(dur(""), -1, "empty duration rejected");
  CHECK_INT(dur("-1s"), -1, "negative duration rejected");
  CHECK_INT(dur("10x"), -1, "unknown unit rejected");
  CHECK_INT(dur("s"), -1, "unit without number rejected");
  CHECK_INT(dur("1s "), -1, "trailing space rejected");
  CHECK_INT(dur("."), -1, "lone dot rejected");
  CHECK_INT(dur("1.s"), 1000000000LL, "1.s like Go");
  CHECK_INT(dur("99999999999999999999s"), -1, "overflowing integer rejected");
  CHECK_INT(dur("3000000h"), -1, "overflowing product rejected");
  CHECK_INT(dur("106751d"), 106751LL * 86400 * 1000000000LL, "106751 days fits");
  CHECK_INT(dur("106752d"), -1, "106752 days overflows");
  CHECK(units_parse_duration(NULL, &(int64_t){0}) == -EINVAL, "NULL duration rejected");

  CHECK_INT(bytes_("256Mi"), 268435456LL, "bytes 256Mi");
  CHECK_INT(bytes_("1Gi"), 1073741824LL, "bytes 1Gi");
  CHECK_INT(bytes_("64Ki"), 65536LL, "bytes 64Ki");
  CHECK_INT(bytes_("512M"), 512000000LL, "bytes 512M");
  CHECK_INT(bytes_("1G"), 1000000000LL, "bytes 1G");
  CHECK_INT(bytes_("1000"), 1000LL, "bytes 1000");
  CHECK_INT(bytes_("1.5Gi"), 1610612736LL, "bytes 1.5Gi");
  CHECK_INT(bytes_("1k"), 1000LL, "bytes 1k");
  CHECK_INT(bytes_("1Xi"), -1, "bytes unknown suffix rejected");
  CHECK_INT(bytes_(""), -1, "bytes empty rejected");
  CHECK_INT(bytes_("-1"), -1, "bytes negative rejected");
  CHECK_INT(bytes_("100000Ei"), -1, "bytes overflow rejected");

  CHECK_INT(cpu("500m"), 500, "cpu 500m");
  CHECK_INT(cpu("0.5"), 500, "cpu 0.5");
  CHECK_INT(cpu("2"), 2000, "cpu 2");
  CHECK_INT(cpu("1.25"), 1250, "cpu 1.25");
  CHECK_INT(cpu("0.0001"), 1, "cpu 0.0001 rounds up to 1m");
  CHECK_INT(cpu("1.5m"), -1, "cpu fractional millicores rejected");
  CHECK_INT(cpu("m"), -1, "cpu bare m rejected");
  CHECK_INT(cpu("2 cores"), -1, "cpu junk rejected");

  CHECK_STR(gofmt(0), "0s", "go 0");
  CHECK_STR(gofmt(500000000), "500ms", "go 500ms");
  CHECK_STR(gofmt(30000000000LL), "30s", "go 30s");
  CHECK_STR(gofmt(150000000000LL), "2m30s", "go 2m30s");
  CHECK_STR(gofmt(120000000000LL), "2m0s", "go 2m0s");
  CHECK_STR(gofmt(3600000000000LL), "1h0m0s", "go 1h0m0s");
  CHECK_STR(gofmt(1500000000LL), "1.5s", "go 1.5s");
  CHECK_STR(gofmt(1500), "1.5\xc2\xb5s", "go 1.5us");
  CHECK_STR(gofmt(999), "999ns", "go 999ns");
  CHECK_STR(gofmt(1234567), "1.234567ms", "go 1.234567ms");
  CHECK_STR(gofmt(3723000000001LL), "1h2m3.000000001s", "go 1h2m3.000000001s");
  CHECK_STR(gofmt(-30000000000LL), "-30s", "go negative");
  CHECK_STR(gofmt(INT64_MIN), "-2562047h47m16.854775808s", "go INT64_MIN");
  {
    char small[4];
    units_format_go_duration(150000000000LL, small, sizeof small);
    CHECK_STR(small, "2m3", "go into a short buffer truncates and terminates");
  }
  return check_done("test_units");
}
