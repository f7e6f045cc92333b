/* k8s_split.c: one profile split over N load-generator pods.
 *
 * The split is done on the profile itself, not on pocbench load's command line: each pod gets a
 * complete k6 options JSON (same stages' durations, sleep, thresholds) whose load quantities are
 * its share. Integer quantities are split floor + remainder-to-the-first-pods, so the pods'
 * VUs add up to the profile's at every instant of every stage (stage targets are interpolated
 * linearly per pod, and a sum of linear ramps is the linear ramp of the sums). Rejected
 * alternative: --stage/--vus flags per pod, which would depend on how flags override a
 * scenarios block and would lose scenario-level settings. The JSON is walked with yajl_tree and
 * re-emitted with yajl_gen; unchanged numbers keep their original text. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "k8s_split.h"

int64_t k8s_share_int(int64_t total, int i, int n) {
  if (n <= 0 || i < 0 || i >= n || total < 0) return 0;
  return total / n + (i < total % n ? 1 : 0);
}

double k8s_share_real(double total, int i, int n) {
  if (n <= 0 || i < 0 || i >= n || !(total >= 0)) return 0;
  double whole = floor(total);
  double frac = total - whole;
  double s = (double)k8s_share_int((int64_t)whole, i, n);
  return i == 0 ? s + frac : s;
}

int64_t k8s_share_capacity(int64_t total, int n) {
  if (n <= 0) return total;
  int64_t c = (total + n - 1) / n;
  return c < 1 ? 1 : c;
}

enum qty { Q_NONE, Q_SPLIT, Q_CAPACITY };

struct walk {
  int i, n;
  double peak;
  char *err;
  size_t errlen;
};

static enum qty key_quantity(const char *key, const char *array_key) {
  if (!key) return Q_NONE;
  if (!strcmp(key, "target")) return array_key && !strcmp(array_key, "stages") ? Q_SPLIT : Q_NONE;
  if (!strcmp(key, "vus") || !strcmp(key, "startVUs") || !strcmp(key, "iterations") ||
      !strcmp(key, "rate") || !strcmp(key, "startRate"))
    return Q_SPLIT;
  if (!strcmp(key, "preAllocatedVUs") || !strcmp(key, "maxVUs")) return Q_CAPACITY;
  return Q_NONE;
}

static int gen_real(yajl_gen g, double v) {
  if (v == floor(v) && fabs(v) < 9e15) return yajl_gen_integer(g, (long long)v);
  char buf[64];
  int len = snprintf(buf, sizeof buf, "%.15g", v);
  return yajl_gen_number(g, buf, (size_t)len);
}

static int emit_quantity(yajl_gen g, yajl_val v, const char *key, enum qty q, struct walk *w) {
  double d = YAJL_IS_INTEGER(v) ? (double)YAJL_GET_INTEGER(v) : YAJL_GET_DOUBLE(v);
  if (!(d >= 0) || !isfinite(d)) {
    snprintf(w->err, w->errlen, "\"%s\" must be a non-negative number", key);
    return -EINVAL;
  }
  bool is_vus = strcmp(key, "rate") && strcmp(key, "startRate") && strcmp(key, "iterations");
  if (q == Q_SPLIT && is_vus && d > w->peak) w->peak = d;
  if (q == Q_CAPACITY) return gen_real(g, (double)k8s_share_capacity((int64_t)ceil(d), w->n)) ? -ENOMEM : 0;
  /* a stage "target" is a rate in arrival-rate scenarios, so only vus/startVUs must be whole */
  if (d != floor(d) && is_vus && strcmp(key, "target")) {
    snprintf(w->err, w->errlen, "\"%s\" must be a whole number of VUs, got %g", key, d);
    return -EINVAL;
  }
  return gen_real(g, k8s_share_real(d, w->i, w->n)) ? -ENOMEM : 0;
}

/* key: the object key this value sits under (NULL for array elements and the root);
 * array_key: the key of the array holding the object this value belongs to. */
static int emit(yajl_gen g, yajl_val v, const char *key, const char *array_key, bool in_thresholds,
                struct walk *w) {
  int rc;
  if (YAJL_IS_OBJECT(v)) {
    if (yajl_gen_map_open(g)) return -ENOMEM;
    for (size_t k = 0; k < v->u.object.len; k++) {
      const char *kk = v->u.object.keys[k];
      if (yajl_gen_string(g, (const unsigned char *)kk, strlen(kk))) return -ENOMEM;
      rc = emit(g, v->u.object.values[k], kk, array_key,
                in_thresholds || !strcmp(kk, "thresholds"), w);
      if (rc) return rc;
    }
    return yajl_gen_map_close(g) ? -ENOMEM : 0;
  }
  if (YAJL_IS_ARRAY(v)) {
    if (yajl_gen_array_open(g)) return -ENOMEM;
    for (size_t k = 0; k < v->u.array.len; k++)
      if ((rc = emit(g, v->u.array.values[k], NULL, key, in_thresholds, w))) return rc;
    return yajl_gen_array_close(g) ? -ENOMEM : 0;
  }
  if (YAJL_IS_STRING(v)) {
    const char *s = YAJL_GET_STRING(v);
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) ? -ENOMEM : 0;
  }
  if (YAJL_IS_NUMBER(v)) {
    enum qty q = in_thresholds ? Q_NONE : key_quantity(key, array_key);
    if (q != Q_NONE) return emit_quantity(g, v, key, q, w);
    const char *raw = YAJL_GET_NUMBER(v);
    return yajl_gen_number(g, raw, strlen(raw)) ? -ENOMEM : 0;
  }
  if (YAJL_IS_TRUE(v)) return yajl_gen_bool(g, 1) ? -ENOMEM : 0;
  if (YAJL_IS_FALSE(v)) return yajl_gen_bool(g, 0) ? -ENOMEM : 0;
  return yajl_gen_null(g) ? -ENOMEM : 0;
}

int k8s_share_profile(const char *json, int i, int n, char **out, double *peak_out,
                      char *err, size_t errlen) {
  *out = NULL;
  if (n < 1 || i < 0 || i >= n) {
    snprintf(err, errlen, "share %d of %d is out of range", i, n);
    return -EINVAL;
  }
  char perr[256];
  yajl_val root = yajl_tree_parse(json, perr, sizeof perr);
  if (!root) {
    snprintf(err, errlen, "profile is not valid JSON: %s", perr);
    return -EINVAL;
  }
  if (!YAJL_IS_OBJECT(root)) {
    yajl_tree_free(root);
    snprintf(err, errlen, "profile must be a JSON object");
    return -EINVAL;
  }
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) { yajl_tree_free(root); return -ENOMEM; }
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "  ");
  struct walk w = {.i = i, .n = n, .peak = 0, .err = err, .errlen = errlen};
  int rc = emit(g, root, NULL, NULL, false, &w);
  if (rc == 0) {
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    *out = malloc(len + 2);
    if (!*out) rc = -ENOMEM;
    else {
      memcpy(*out, buf, len);
      if (len == 0 || buf[len - 1] != '\n') (*out)[len++] = '\n';
      (*out)[len] = '\0';
    }
  }
  if (peak_out) *peak_out = w.peak;
  yajl_gen_free(g);
  yajl_tree_free(root);
  return rc;
}
