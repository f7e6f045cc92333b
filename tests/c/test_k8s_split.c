/* test_k8s_split.c: shares of VUs and rates over N load pods add up exactly (src/k8s_split.c). */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "check.h"
#include "k8s_split.h"

static int64_t sum_int(int64_t total, int n) {
  int64_t s = 0;
  for (int i = 0; i < n; i++) s += k8s_share_int(total, i, n);
  return s;
}

/* Sum over the n shares of the number at path in each share's JSON. */
static double sum_path(const char *json, int n, const char **path, int *ok) {
  double s = 0;
  *ok = 1;
  for (int i = 0; i < n; i++) {
    char *out = NULL, err[256];
    if (k8s_share_profile(json, i, n, &out, NULL, err, sizeof err) < 0) { *ok = 0; return 0; }
    yajl_val v = yajl_tree_parse(out, NULL, 0);
    yajl_val x = v ? yajl_tree_get(v, path, yajl_t_number) : NULL;
    if (!x) *ok = 0;
    else s += YAJL_GET_DOUBLE(x);
    yajl_tree_free(v);
    free(out);
  }
  return s;
}

static double stage_target_sum(const char *json, int n, size_t stage, int *ok) {
  double s = 0;
  *ok = 1;
  for (int i = 0; i < n; i++) {
    char *out = NULL, err[256];
    if (k8s_share_profile(json, i, n, &out, NULL, err, sizeof err) < 0) { *ok = 0; return 0; }
    yajl_val v = yajl_tree_parse(out, NULL, 0);
    const char *sp[] = {"stages", NULL};
    yajl_val st = v ? yajl_tree_get(v, sp, yajl_t_array) : NULL;
    const char *tp[] = {"target", NULL};
    yajl_val t = st && stage < st->u.array.len ? yajl_tree_get(st->u.array.values[stage], tp, yajl_t_number) : NULL;
    if (!t) *ok = 0;
    else s += YAJL_GET_DOUBLE(t);
    yajl_tree_free(v);
    free(out);
  }
  return s;
}

int main(void) {
  CHECK_INT(k8s_share_int(60, 0, 4), 15, "60 VUs over 4 pods: pod 0 gets 15");
  CHECK_INT(k8s_share_int(60, 3, 4), 15, "60 VUs over 4 pods: pod 3 gets 15");
  CHECK_INT(k8s_share_int(61, 0, 4), 16, "61 VUs over 4 pods: pod 0 gets the extra one");
  CHECK_INT(k8s_share_int(61, 1, 4), 15, "61 VUs over 4 pods: pod 1 gets 15");
  CHECK_INT(k8s_share_int(63, 2, 4), 16, "63 VUs over 4 pods: pod 2 gets 16");
  CHECK_INT(k8s_share_int(63, 3, 4), 15, "63 VUs over 4 pods: pod 3 gets 15");
  CHECK_INT(k8s_share_int(0, 0, 4), 0, "0 VUs over 4 pods: 0 each");
  int exact = 1;
  for (int64_t t = 0; t <= 500; t++)
    for (int n = 1; n <= 16; n++) {
      if (sum_int(t, n) != t) exact = 0;
      for (int i = 0; i < n; i++)
        if (k8s_share_int(t, i, n) - k8s_share_int(t, n - 1, n) > 1) exact = 0;
    }
  CHECK(exact, "every total 0..500 over 1..16 pods adds up exactly and differs by at most one");
  CHECK_NEAR(k8s_share_real(10.5, 0, 4), 3.5, 0, "rate 10.5 over 4: pod 0 gets 3 + the fraction");
  CHECK_NEAR(k8s_share_real(10.5, 3, 4), 2, 0, "rate 10.5 over 4: pod 3 gets 2");
  double s = 0;
  for (int i = 0; i < 4; i++) s += k8s_share_real(10.5, i, 4);
  CHECK_NEAR(s, 10.5, 0, "rate 10.5 over 4 adds up exactly");
  CHECK_INT(k8s_share_capacity(10, 4), 3, "preAllocatedVUs 10 over 4: 3 each (capacity rounds up)");
  CHECK_INT(k8s_share_capacity(1, 4), 1, "preAllocatedVUs 1 over 4: at least 1 each");

  const char *load = "{\"stages\":[{\"duration\":\"30s\",\"target\":20},{\"duration\":\"60s\",\"target\":61},"
                     "{\"duration\":\"30s\",\"target\":0}],\"sleep\":\"100ms\","
                     "\"thresholds\":{\"vus\":[\"value<100\"],\"http_req_duration\":[\"p(90)<2000\"]}}";
  int ok;
  CHECK_NEAR(stage_target_sum(load, 4, 0, &ok), 20, 0, "stage 1 target 20 over 4 pods adds up");
  CHECK(ok, "stage 1 shares parse");
  CHECK_NEAR(stage_target_sum(load, 4, 1, &ok), 61, 0, "stage 2 target 61 over 4 pods adds up");
  CHECK_NEAR(stage_target_sum(load, 3, 1, &ok), 61, 0, "stage 2 target 61 over 3 pods adds up");
  CHECK_NEAR(stage_target_sum(load, 4, 2, &ok), 0, 0, "ramp-down target 0 stays 0");
  char *out = NULL, err[256];
  double peak = 0;
  CHECK_INT(k8s_share_profile(load, 0, 4, &out, &peak, err, sizeof err), 0, "load profile share 0 of 4");
  CHECK_NEAR(peak, 61, 0, "peak VUs of the profile reported");
  CHECK(out && strstr(out, "\"sleep\": \"100ms\""), "sleep copied unchanged");
  CHECK(out && strstr(out, "\"p(90)<2000\""), "thresholds copied unchanged");
  CHECK(out && strstr(out, "\"30s\""), "durations copied unchanged");
  free(out);

  const char *rate = "{\"scenarios\":{\"open\":{\"executor\":\"ramping-arrival-rate\",\"startRate\":7,"
                     "\"timeUnit\":\"1s\",\"preAllocatedVUs\":50,\"maxVUs\":101,"
                     "\"stages\":[{\"duration\":\"10s\",\"target\":250.5}]},"
                     "\"flat\":{\"executor\":\"constant-arrival-rate\",\"rate\":1001,\"duration\":\"5s\","
                     "\"preAllocatedVUs\":10}}}";
  const char *p_start[] = {"scenarios", "open", "startRate", NULL};
  const char *p_rate[] = {"scenarios", "flat", "rate", NULL};
  CHECK_NEAR(sum_path(rate, 4, p_start, &ok), 7, 0, "startRate 7 over 4 pods adds up");
  CHECK(ok, "scenario shares parse");
  CHECK_NEAR(sum_path(rate, 4, p_rate, &ok), 1001, 0, "constant rate 1001 over 4 pods adds up");
  CHECK_NEAR(sum_path(rate, 7, p_rate, &ok), 1001, 0, "constant rate 1001 over 7 pods adds up");
  const char *p_pre[] = {"scenarios", "open", "preAllocatedVUs", NULL};
  CHECK_NEAR(sum_path(rate, 4, p_pre, &ok), 52, 0, "preAllocatedVUs 50 over 4: 13 each (capacity)");
  double tsum = 0;
  for (int i = 0; i < 4; i++) {
    char *o2 = NULL;
    k8s_share_profile(rate, i, 4, &o2, NULL, err, sizeof err);
    yajl_val v = yajl_tree_parse(o2 ? o2 : "", NULL, 0);
    const char *sp[] = {"scenarios", "open", "stages", NULL};
    yajl_val st = v ? yajl_tree_get(v, sp, yajl_t_array) : NULL;
    const char *tp[] = {"target", NULL};
    yajl_val t = st ? yajl_tree_get(st->u.array.values[0], tp, yajl_t_number) : NULL;
    if (t) tsum += YAJL_GET_DOUBLE(t);
    yajl_tree_free(v);
    free(o2);
  }
  CHECK_NEAR(tsum, 250.5, 0, "arrival-rate stage target 250.5 over 4 pods adds up exactly");

  CHECK_INT(k8s_share_profile("{\"vus\":", 0, 2, &out, NULL, err, sizeof err), -22, "truncated JSON is an error");
  CHECK(strstr(err, "not valid JSON") != NULL, "truncated JSON error says so");
  CHECK_INT(k8s_share_profile("{\"vus\":-3}", 0, 2, &out, NULL, err, sizeof err), -22, "negative vus is an error");
  CHECK(strstr(err, "\"vus\"") != NULL, "negative vus error names the key");
  CHECK_INT(k8s_share_profile("{\"vus\":2.5}", 0, 2, &out, NULL, err, sizeof err), -22, "fractional vus is an error");
  CHECK_INT(k8s_share_profile("[1]", 0, 2, &out, NULL, err, sizeof err), -22, "a JSON array is not a profile");
  CHECK_INT(k8s_share_profile("{}", 2, 2, &out, NULL, err, sizeof err), -22, "share index out of range");
  return check_done("test_k8s_split");
}
