/* check.h: the tiny assertion layer every C test program uses.
 * Each CHECK prints one line, "ok - <name>" or "not ok - <name> (<file>:<line>: <detail>)",
 * and check_done() prints "<program>: N passed, N failed" and returns the exit status.
 * Names describe the input ("chunk size split across two reads"), one case a line. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <string.h>
#include <math.h>

static int check_pass_, check_fail_;

#define CHECK(cond, name) do { \
    if (cond) { check_pass_++; printf("ok - %s\n", (name)); } \
    else { check_fail_++; printf("not ok - %s (%s:%d: %s)\n", (name), __FILE__, __LINE__, #cond); } \
  } while (0)
#define CHECK_INT(got, want, name) do { long long g_ = (long long)(got), w_ = (long long)(want); \
    if (g_ == w_) { check_pass_++; printf("ok - %s\n", (name)); } \
    else { check_fail_++; printf("not ok - %s (%s:%d: got %lld, want %lld)\n", (name), __FILE__, __LINE__, g_, w_); } \
  } while (0)
#define CHECK_STR(got, want, name) do { const char *g_ = (got), *w_ = (want); \
    if (g_ && w_ && strcmp(g_, w_) == 0) { check_pass_++; printf("ok - %s\n", (name)); } \
    else { check_fail_++; printf("not ok - %s (%s:%d: got \"%s\", want \"%s\")\n", (name), __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
  } while (0)
#define CHECK_NEAR(got, want, tol, name) do { double g_ = (got), w_ = (want); \
    if (fabs(g_ - w_) <= (tol)) { check_pass_++; printf("ok - %s\n", (name)); } \
    else { check_fail_++; printf("not ok - %s (%s:%d: got %.9g, want %.9g +- %.3g)\n", (name), __FILE__, __LINE__, g_, w_, (double)(tol)); } \
  } while (0)

static inline int check_done(const char *prog) {
  printf("%s: %d passed, %d failed\n", prog, check_pass_, check_fail_);
  return check_fail_ ? 1 : 0;
}
#endif
