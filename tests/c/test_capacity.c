/* test_capacity.c: the pure part of pocbench capacity (src/capacity_search.c): step verdicts,
 * the generator-limit rule, the step-up-then-bisect search against made-up services of known
 * capacity, and the knee. The end-to-end tests with real servers are tests/capacity/. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "capacity_search.h"
#include "check.h"

static const struct cap_slo SLO = {100, 0.01};

/* A step at rate r against a service that answers in 5 ms up to cap req/s and 500 ms beyond. */
static struct cap_step step_at(double r, double cap) {
  struct cap_step s;
  cap_step_init(&s);
  s.offered_rps = r;
  s.seconds = 10;
  s.requests = r * 10;
  s.failed = 0;
  s.dropped = 0;
  s.failure_rate = 0;
  s.achieved_rps = r <= cap ? r : cap;
  s.p99_ms = s.p99_unc_ms = r <= cap ? 5 + 40 * r / cap : 500;
  s.gen_threads = 2;
  s.gen_cpu_avail = 2;
  s.gen_cpu_share = 0.1;
  s.late_fraction = 0;
  return s;
}

/* Runs a whole search against a service of capacity cap; returns the capacity found. */
static double search(double cap, double start, double max, int bisect, enum cap_limit *lim, int *steps) {
  struct cap_search cs;
  cap_search_init(&cs, start, max, 2, bisect);
  while (!cs.done && cs.steps < 100) {
    struct cap_step s = step_at(cs.next, cap);
    cap_judge(&s, &SLO);
    cap_search_feed(&cs, s.pass, s.gen_limited);
  }
  *lim = cs.limit;
  *steps = cs.steps;
  return cap_search_capacity(&cs);
}

int main(void) {
  /* verdicts */
  struct cap_step s = step_at(100, 1000);
  cap_judge(&s, &SLO);
  CHECK(s.pass && !s.gen_limited, "fast answers at a low rate pass");
  s = step_at(2000, 1000);
  cap_judge(&s, &SLO);
  CHECK(!s.pass && !s.gen_limited && strstr(s.reason, "p99"), "p99 over the SLO fails, naming p99");
  s = step_at(100, 1000);
  s.failed = 20;
  s.failure_rate = 0.02;
  cap_judge(&s, &SLO);
  CHECK(!s.pass && strstr(s.reason, "failures"), "2% failures fail a 1% objective");
  s = step_at(100, 1000);
  s.achieved_rps = 50;
  cap_judge(&s, &SLO);
  CHECK(!s.pass && strstr(s.reason, "achieved"), "half the offered rate achieved fails");
  s = step_at(100, 1000);
  snprintf(s.status, sizeof s.status, "oom_killed");
  cap_judge(&s, &SLO);
  CHECK(!s.pass && !s.gen_limited && strstr(s.reason, "oom_killed"), "an OOM kill fails the step, not the generator");

  /* generator limits */
  s = step_at(2000, 1000);
  s.gen_cpu_share = 0.95;
  cap_judge(&s, &SLO);
  CHECK(!s.pass && s.gen_limited, "failing step with the generator at 95% CPU is generator-limited");
  s = step_at(100, 1000);
  s.gen_cpu_share = 0.95;
  cap_judge(&s, &SLO);
  CHECK(s.pass && !s.gen_limited, "passing step stays a pass even with a busy generator");
  s = step_at(500, 1000);
  s.p99_ms = 300;          /* corrected latency blown by late starts */
  s.p99_unc_ms = 6;        /* the service itself answered fast */
  s.late_fraction = 0.2;
  cap_judge(&s, &SLO);
  CHECK(!s.pass && s.gen_limited && !s.service_saturated, "late starts with a fast service: generator-limited");
  s = step_at(500, 1000);
  s.p99_ms = 300;
  s.p99_unc_ms = 6;
  s.late_fraction = 0.2;
  s.quota_cores = 0.5;
  s.cpu_cores = 0.49;
  cap_judge(&s, &SLO);
  CHECK(!s.pass && !s.gen_limited && s.service_saturated, "late starts while the service uses its whole quota: the service's fail");
  s = step_at(2000, 1000);
  s.late_fraction = 0.2;   /* uncorrected p99 is 500 ms: the service is slow by itself */
  cap_judge(&s, &SLO);
  CHECK(!s.pass && !s.gen_limited && s.service_saturated, "late starts with a slow service: the service's fail");
  s = step_at(2000, 1000);
  s.dropped = 500;
  s.p99_unc_ms = 20;
  s.late_fraction = 0.3;
  cap_judge(&s, &SLO);
  CHECK(s.service_saturated && !s.gen_limited, "arrivals dropped for want of VUs: the service is saturated");
  s = step_at(500, 1000);
  s.late_fraction = 0.005;
  s.p99_ms = 300;
  s.p99_unc_ms = 6;
  cap_judge(&s, &SLO);
  CHECK(!s.gen_limited, "0.5% late is under the 1% rule");
  struct cap_step closed;
  cap_step_init(&closed);
  closed.vus = 64;
  closed.seconds = 10;
  closed.requests = 1000;
  closed.failure_rate = 0;
  closed.dropped = 0;
  closed.p99_ms = 900;
  closed.gen_cpu_share = 0.97;
  closed.gen_cpu_avail = 1;
  cap_judge(&closed, &SLO);
  CHECK(closed.pass && closed.gen_limited, "closed model: latency is no SLO test, a saturated generator is flagged");

  /* the search */
  enum cap_limit lim;
  int steps;
  double c = search(1000, 50, 50000, 4, &lim, &steps);
  CHECK(c <= 1000 && c >= 900 && lim == CAP_LIMIT_SLO, "capacity 1000 found within 10% from 50 req/s");
  CHECK(steps <= 6 + 4 + 1, "at most the up steps plus 4 bisections");
  c = search(333, 50, 50000, 4, &lim, &steps);
  CHECK(c <= 333 && c >= 300, "capacity 333 found within 10%");
  c = search(30, 50, 50000, 4, &lim, &steps);
  CHECK(c <= 30 && c >= 25 && lim == CAP_LIMIT_SLO, "capacity below the start rate: steps down, then bisects");
  c = search(0.1, 50, 50000, 4, &lim, &steps);
  CHECK(c == 0 && lim == CAP_LIMIT_MIN_RATE, "failing even at 1 req/s ends at the minimum rate");
  c = search(1e9, 50, 800, 4, &lim, &steps);
  CHECK_INT(c, 800, "passing at --max-rate reports it");
  CHECK(lim == CAP_LIMIT_MAX_RATE, "passing at --max-rate says max_rate");
  c = search(1000, 50, 50000, 0, &lim, &steps);
  CHECK_INT(c, 800, "no bisection: the last passing power-of-two step");

  struct cap_search cs;
  cap_search_init(&cs, 50, 50000, 2, 4);
  cap_search_feed(&cs, true, false);
  CHECK(cs.next == 100 && !strcmp(cap_search_phase(&cs), "up"), "a pass doubles the rate");
  cap_search_feed(&cs, true, false);
  cap_search_feed(&cs, false, true);
  CHECK(cs.done && cs.limit == CAP_LIMIT_GENERATOR, "a generator-limited step ends the search");
  CHECK_INT(cap_search_capacity(&cs), 100, "and the capacity is the pass below it (a lower bound)");
  CHECK_STR(cap_limit_name(cs.limit), "generator", "limit name is generator");

  /* the knee */
  struct cap_step v[5];
  double rates[] = {50, 100, 200, 400, 300};
  double p99s[] = {5, 6, 9, 500, 60};
  for (int i = 0; i < 5; i++) {
    v[i] = step_at(rates[i], 1000);
    v[i].p99_ms = p99s[i];
    v[i].p99_unc_ms = p99s[i];
    cap_judge(&v[i], &SLO);
  }
  double knee = cap_mark(v, 5, 300, &SLO);
  CHECK_INT(knee, 200, "knee: last rate before p99 leaves max(2x base, base + SLO/10)");
  CHECK(v[2].knee && !v[4].knee, "knee flag on the 200 req/s step only");
  CHECK(v[4].capacity && !v[2].capacity, "capacity flag on the 300 req/s step");
  return check_done("test_capacity");
}
