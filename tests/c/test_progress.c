/* test_progress.c: the live progress block of pocbench load against the examples of the
 * semantics doc (section 6): the fixed-width elapsed forms, the non-TTY block and the TTY bar of
 * a ramping-vus run 45 s into 2 minutes at 20/20 VUs, zero padding, a constant-vus line. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "load.h"
#include "progress.h"

#define S 1000000000LL

static struct load_opts ramping(struct stage *st) {
  struct load_opts o;
  memset(&o, 0, sizeof o);
  o.scenario = "default";
  o.executor = EXEC_RAMPING_VUS;
  st[0] = (struct stage){30 * S, 20};
  st[1] = (struct stage){60 * S, 20};
  st[2] = (struct stage){30 * S, 0};
  o.stages = st;
  o.nstages = 3;
  o.start_vus = 1;
  o.graceful_stop_ns = 30 * S;
  o.graceful_ramp_down_ns = 30 * S;
  o.time_unit_ns = S;
  o.scale = 1;
  return o;
}

int main(void) {
  char b[512];
  CHECK_STR(progress_elapsed(b, sizeof b, 4200000000LL, 8 * S), "4.2s", "elapsed under 10 s: S.Ds");
  CHECK_STR(progress_elapsed(b, sizeof b, 45 * S, 150 * S), "0m45.0s", "elapsed under 10 min: MmSS.Ds");
  CHECK_STR(progress_elapsed(b, sizeof b, 120100000000LL, 150 * S), "2m00.1s", "2m00.1s, rounded to 0.1 s");
  CHECK_STR(progress_elapsed(b, sizeof b, 7 * S, 45 * S), "07.0s", "elapsed under 1 min: SS.Ds");

  struct stage st[3];
  struct load_opts o = ramping(st);
  struct progress_snap p = {.elapsed_ns = 45 * S, .active = 20, .init = 20, .max_vus = 20, .complete = 6551};
  progress_render(b, sizeof b, &o, &p, false);
  printf("# %s\n", b);
  CHECK_STR(b,
            "running (0m45.0s), 20/20 VUs, 6551 complete and 0 interrupted iterations\n"
            "default   [  38% ] 20/20 VUs  0m45.0s/2m00.0s",
            "non-TTY block of the doc's example (ramping-vus, 45 s of 2 min)");
  progress_render(b, sizeof b, &o, &p, true);
  CHECK(strstr(b, "default   [=============>------------------------] 20/20 VUs  0m45.0s/2m00.0s") != NULL,
        "TTY: a 38-cell bar, floor(38 x 0.375) = 14 cells filled, the last one '>'");

  p.active = 5;
  p.init = 5;
  p.max_vus = 200;
  progress_render(b, sizeof b, &o, &p, false);
  CHECK(strncmp(b, "running (0m45.0s), 005/005 VUs,", 31) == 0, "VU counts zero-padded to the max VUs' digits");

  struct load_opts c = o;
  c.executor = EXEC_CONSTANT_VUS;
  c.stages = NULL;
  c.nstages = 0;
  c.vus = 3;
  c.duration_ns = 60 * S;
  struct progress_snap q = {.elapsed_ns = 1 * S, .active = 3, .init = 3, .max_vus = 3, .complete = 10};
  progress_render(b, sizeof b, &c, &q, false);
  printf("# %s\n", b);
  CHECK(strstr(b, "\ndefault   [   2% ] 3 VUs  0m01.0s/1m0s") != NULL,
        "constant-vus: N VUs, fixed-width elapsed over the plain Go duration, 1.67% rounded");
  struct progress_snap d = {.elapsed_ns = 60 * S, .active = 0, .init = 3, .max_vus = 3, .complete = 600, .done = true};
  progress_render(b, sizeof b, &c, &d, false);
  CHECK(strstr(b, "\ndefault \xe2\x9c\x93 [ 100% ] 3 VUs  1m0s") != NULL, "finished on time: the check mark, 100%, the plain duration");
  d.interrupted = 2;
  d.elapsed_ns = 30 * S;
  progress_render(b, sizeof b, &c, &d, false);
  CHECK(strstr(b, "\ndefault \xe2\x9c\x97 [  50% ]") != NULL, "interrupted with progress < 1: the cross mark");
  return check_done("test_progress");
}
