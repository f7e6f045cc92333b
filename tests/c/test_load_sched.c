/* test_load_sched.c: the executor schedules (src/sched.c) against the worked examples of
 * LOADGEN-SEMANTICS.md 1.3 and the due times of 1.5. Pure functions, no sockets. */
#include <stdint.h>
#include "check.h"
#include "schedule.h"

#define S(x) ((int64_t)((x) * 1e9))

static struct load_opts ramp(int64_t start, struct stage *st, size_t n) {
  struct load_opts o = {0};
  o.executor = EXEC_RAMPING_VUS;
  o.start_vus = start;
  o.stages = st;
  o.nstages = n;
  return o;
}

/* Walks sched_vus_next from t=-1 and writes the step times with the level reached after each. */
static size_t walk(const struct load_opts *o, int64_t *times, int64_t *levels, size_t max) {
  size_t n = 0;
  int64_t t = -1;
  while (n < max) {
    t = sched_vus_next(o, t);
    if (t == INT64_MAX) break;
    times[n] = t;
    levels[n] = sched_vus_at(o, t);
    n++;
  }
  return n;
}

int main(void) {
  int64_t tm[64], lv[64];

  /* startVUs 0, 10s->5, 10s->0: start at 2,4,6,8,10 s; stop at 12,14,16,18,20 s */
  struct stage a[] = {{S(10), 5}, {S(10), 0}};
  struct load_opts o = ramp(0, a, 2);
  size_t n = walk(&o, tm, lv, 64);
  CHECK_INT(n, 10, "0->5->0 over 10s+10s: ten steps");
  int64_t want_a[] = {S(2), S(4), S(6), S(8), S(10), S(12), S(14), S(16), S(18), S(20)};
  int64_t lev_a[] = {1, 2, 3, 4, 5, 4, 3, 2, 1, 0};
  int ok = n == 10;
  for (size_t i = 0; ok && i < 10; i++) ok = tm[i] == want_a[i] && lv[i] == lev_a[i];
  CHECK(ok, "0->5->0: VUs start at 2,4,6,8,10 s and stop at 12,14,16,18,20 s");
  CHECK_INT(sched_vus_at(&o, S(2) - 1), 0, "0->5: no VU 1 ns before 2 s (count lags the line)");
  CHECK_INT(sched_vus_at(&o, 0), 0, "0->5: no VU at t=0");
  CHECK_INT(sched_vus_at(&o, S(11.999)), 5, "0->5->0: 5 VUs just before 12 s");
  CHECK_INT(sched_vus_at(&o, S(12)), 4, "0->5->0: 4 VUs at 12 s (ceiling of the line)");
  CHECK_INT(sched_end_ns(&o), S(20), "0->5->0: end = sum of stage durations");
  CHECK_INT(sched_vus_peak(&o), 5, "0->5->0: peak 5");

  /* startVUs 1, 10s->5: 1 VU at 0, then +1 at 2.5, 5, 7.5, 10 s */
  struct stage b[] = {{S(10), 5}};
  o = ramp(1, b, 1);
  CHECK_INT(sched_vus_at(&o, 0), 1, "1->5: one VU at t=0");
  n = walk(&o, tm, lv, 64);
  int64_t want_b[] = {S(2.5), S(5), S(7.5), S(10)};
  ok = n == 4;
  for (size_t i = 0; ok && i < 4; i++) ok = tm[i] == want_b[i] && lv[i] == (int64_t)i + 2;
  CHECK(ok, "1->5 over 10s: +1 VU at 2.5, 5, 7.5, 10 s");

  /* startVUs 1, 30s->2: the 2nd VU appears exactly at the end, so it never starts an iteration */
  struct stage c[] = {{S(30), 2}};
  o = ramp(1, c, 1);
  CHECK_INT(sched_vus_next(&o, -1), S(30), "1->2 over 30s: 2nd VU planned at 30 s");
  CHECK_INT(sched_vus_at(&o, S(30) - 1), 1, "1->2 over 30s: one VU until 30 s");
  CHECK(sched_vus_next(&o, -1) >= sched_end_ns(&o), "1->2 over 30s: 2nd VU's start is not before the end");

  /* zero-duration stage jumps instantly; equal target holds */
  struct stage d[] = {{0, 4}, {S(5), 4}, {S(4), 0}};
  o = ramp(0, d, 3);
  CHECK_INT(sched_vus_at(&o, 0), 4, "0s->4: jump to 4 VUs at t=0");
  CHECK_INT(sched_vus_at(&o, S(4.999)), 4, "flat stage: level unchanged");
  CHECK_INT(sched_vus_next(&o, 0), S(6), "4->0 over 4s from 5s: first stop at 6 s");
  CHECK_INT(sched_vus_at(&o, S(9)), 0, "4->0: all stopped at 9 s");

  /* inexact division: ramp-down uses floor(D*j/(F-T)), ramp-up S+D-floor(D*(T-k)/(T-F)) */
  struct stage e[] = {{1000, 3}, {1000, 0}};
  o = ramp(0, e, 2);
  n = walk(&o, tm, lv, 64);
  int64_t want_e[] = {334, 667, 1000, 1333, 1666, 2000};
  ok = n == 6;
  for (size_t i = 0; ok && i < 6; i++) ok = tm[i] == want_e[i];
  CHECK(ok, "0->3->0 over 1000 ns each: integer step times 334,667,1000,1333,1666,2000");

  /* hours-long stage with many VUs does not overflow */
  struct stage f[] = {{S(36000), 100000}};
  o = ramp(0, f, 1);
  CHECK_INT(sched_vus_at(&o, S(18000)), 50000, "0->100000 over 10 h: half way = 50000");

  /* constant-vus is a flat level for the duration */
  struct load_opts cv = {0};
  cv.executor = EXEC_CONSTANT_VUS;
  cv.vus = 7;
  cv.duration_ns = S(3);
  CHECK_INT(sched_vus_at(&cv, 0), 7, "constant-vus 7: 7 at t=0");
  CHECK_INT(sched_vus_next(&cv, -1), INT64_MAX, "constant-vus: no steps");
  CHECK_INT(sched_end_ns(&cv), S(3), "constant-vus: end = duration");

  /* constant-arrival-rate: iteration i (0-based) due at i*timeUnit/rate, first at 0 */
  struct load_opts ca = {0};
  ca.executor = EXEC_CONSTANT_ARRIVAL_RATE;
  ca.rate = 200;
  ca.time_unit_ns = S(1);
  ca.duration_ns = S(5);
  struct arrival_cursor cur;
  arrival_init(&cur, &ca);
  CHECK_INT(arrival_due(&cur, 1), 0, "200/s: first iteration at t=0");
  CHECK_INT(arrival_due(&cur, 2), 5000000, "200/s: second at 5 ms");
  CHECK_INT(arrival_due(&cur, 1000), S(4.995), "200/s for 5s: 1000th at 4.995 s");
  CHECK_INT(arrival_due(&cur, 1001), -1, "200/s for 5s: no 1001st");
  CHECK_INT(arrival_total(&ca), 1000, "200/s for 5s: 1000 intended");

  /* ramping-arrival-rate: steady startRate: first at timeUnit/startRate */
  struct stage g[] = {{S(2), 10}};
  struct load_opts ra = {0};
  ra.executor = EXEC_RAMPING_ARRIVAL_RATE;
  ra.start_rate = 10;
  ra.time_unit_ns = S(1);
  ra.stages = g;
  ra.nstages = 1;
  arrival_init(&cur, &ra);
  CHECK_NEAR((double)arrival_due(&cur, 1), 1e8, 2, "ramping steady 10/s: first at 100 ms");
  CHECK_NEAR((double)arrival_due(&cur, 19), 1.9e9, 2, "ramping steady 10/s: 19th at 1.9 s");
  CHECK_INT(arrival_due(&cur, 20), -1, "ramping steady 10/s for 2s: 20th falls on the end");
  CHECK_INT(arrival_total(&ra), 19, "ramping steady 10/s for 2s: 19 intended");

  /* linear ramp 0 -> 10/s over 2 s: integral t^2*5/2 ... n due at sqrt(2n/5) s */
  struct stage h[] = {{S(2), 10}, {S(1), 10}};
  ra.start_rate = 0;
  ra.stages = h;
  ra.nstages = 2;
  arrival_init(&cur, &ra);
  CHECK_NEAR((double)arrival_due(&cur, 1), sqrt(2.0 / 5) * 1e9, 5, "ramp 0->10/s: 1st at sqrt(0.4) s");
  CHECK_NEAR((double)arrival_due(&cur, 10), 2e9, 5, "ramp 0->10/s over 2s: 10th at 2 s");
  CHECK_NEAR((double)arrival_due(&cur, 15), 2.5e9, 5, "then steady 10/s: 15th at 2.5 s");
  return check_done("test_load_sched");
}
