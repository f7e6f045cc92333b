/* runner_json.h: small helpers over yajl for the runner's documents: emitting strings and
 * numbers by key, re-emitting a parsed tree verbatim (the summary export goes into the scenario
 * document unchanged), and typed look-ups by path. Owner: runner work (src/runner_json.c). */
#ifndef RUNNER_JSON_H
#define RUNNER_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

void js_key(yajl_gen g, const char *k);
void js_str(yajl_gen g, const char *s);          /* NULL emits null */
void js_kstr(yajl_gen g, const char *k, const char *s);
void js_kint(yajl_gen g, const char *k, long long v);
void js_kdbl(yajl_gen g, const char *k, double v);   /* NaN/Inf emit null */
void js_kbool(yajl_gen g, const char *k, bool v);
void js_knull(yajl_gen g, const char *k);
void js_dbl(yajl_gen g, double v);
/* Re-emits v (any JSON value) into g. */
void js_tree(yajl_gen g, yajl_val v);
/* A new beautified generator. */
yajl_gen js_new(void);
/* Writes g's buffer to path atomically (fs_write_atomic) and frees g. 0 / -errno. */
int js_write_file(yajl_gen g, const char *path);

/* Parses a whole file. NULL with a message in err on failure. yajl_tree_free the result. */
yajl_val js_read_file(const char *path, char *err, size_t errlen);
/* Look-ups by dotted path ("metrics.http_reqs.count"); NULL/def when absent or of another type. */
yajl_val js_get(yajl_val root, const char *dotted);
double js_get_dbl(yajl_val root, const char *dotted, double def);
const char *js_get_str(yajl_val root, const char *dotted);

#endif
