/* runner_json.c: yajl helpers for run.json and the scenario documents.
 * yajl_gen does the escaping and the commas; these wrappers only keep the call sites to one
 * line per key. A parsed tree is re-emitted node by node (rather than pasted as text) so the
 * output is always one well-formed document even if an input file was not. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsutil.h"
#include "runner_json.h"

void js_str(yajl_gen g, const char *s) {
  if (!s) yajl_gen_null(g);
  else yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}
void js_key(yajl_gen g, const char *k) { js_str(g, k); }
void js_kstr(yajl_gen g, const char *k, const char *s) { js_key(g, k); js_str(g, s); }
void js_kint(yajl_gen g, const char *k, long long v) { js_key(g, k); yajl_gen_integer(g, v); }
void js_kbool(yajl_gen g, const char *k, bool v) { js_key(g, k); yajl_gen_bool(g, v); }
void js_knull(yajl_gen g, const char *k) { js_key(g, k); yajl_gen_null(g); }

void js_dbl(yajl_gen g, double v) {
  if (!isfinite(v)) { yajl_gen_null(g); return; }
  if (v == (double)(long long)v && fabs(v) < 9e15) { yajl_gen_integer(g, (long long)v); return; }
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%.10g", v);
  yajl_gen_number(g, buf, (size_t)n);
}
void js_kdbl(yajl_gen g, const char *k, double v) { js_key(g, k); js_dbl(g, v); }

void js_tree(yajl_gen g, yajl_val v) {
  if (!v) { yajl_gen_null(g); return; }
  switch (v->type) {
  case yajl_t_string: js_str(g, v->u.string); break;
  case yajl_t_number: yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)); break;
  case yajl_t_true: yajl_gen_bool(g, 1); break;
  case yajl_t_false: yajl_gen_bool(g, 0); break;
  case yajl_t_null: yajl_gen_null(g); break;
  case yajl_t_object:
    yajl_gen_map_open(g);
    for (size_t i = 0; i < v->u.object.len; i++) {
      js_str(g, v->u.object.keys[i]);
      js_tree(g, v->u.object.values[i]);
    }
    yajl_gen_map_close(g);
    break;
  case yajl_t_array:
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v->u.array.len; i++) js_tree(g, v->u.array.values[i]);
    yajl_gen_array_close(g);
    break;
  default: yajl_gen_null(g);
  }
}

yajl_gen js_new(void) {
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "  ");
  return g;
}

int js_write_file(yajl_gen g, const char *path) {
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  int rc = fs_write_atomic(path, buf, len);
  yajl_gen_free(g);
  return rc;
}

yajl_val js_read_file(const char *path, char *err, size_t errlen) {
  char *text = NULL;
  size_t len;
  int rc = fs_read_all(path, &text, &len);
  if (rc < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    return NULL;
  }
  char e[256] = "";
  yajl_val v = yajl_tree_parse(text, e, sizeof e);
  free(text);
  if (!v) {
    e[strcspn(e, "\n")] = '\0';
    snprintf(err, errlen, "%s: not valid JSON: %s", path, e);
  }
  return v;
}

yajl_val js_get(yajl_val root, const char *dotted) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", dotted);
  const char *parts[16];
  size_t n = 0;
  for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && n < 15; t = strtok_r(NULL, ".", &save))
    parts[n++] = t;
  parts[n] = NULL;
  return yajl_tree_get(root, parts, yajl_t_any);
}

double js_get_dbl(yajl_val root, const char *dotted, double def) {
  yajl_val v = js_get(root, dotted);
  return v && YAJL_IS_NUMBER(v) ? YAJL_GET_DOUBLE(v) : def;
}

const char *js_get_str(yajl_val root, const char *dotted) {
  yajl_val v = js_get(root, dotted);
  return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}
