/* test_series.c: per-second series as CSV and NDJSON, temp file until close. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>
#include "check.h"
#include "fsutil.h"
#include "load.h"

static char dir[] = "/tmp/test_series.XXXXXX";

int main(void) {
  if (!mkdtemp(dir)) return 1;
  char csv[300], json[300];
  snprintf(csv, sizeof csv, "%s/s.csv", dir);
  snprintf(json, sizeof json, "%s/s.ndjson", dir);
  struct load_opts o;
  memset(&o, 0, sizeof o);
  o.out_csv = csv;
  o.out_json = json;

  struct series *s;
  CHECK_INT(series_open(&s, &o), 0, "open CSV and NDJSON");
  CHECK(access(csv, F_OK) != 0 && access(json, F_OK) != 0, "final names absent while writing");
  struct series_point p1 = {1, 20, 180, 2, 178, 0, 18000, 45000, 1.5, 2.25, 3, 4.125, 9.0004, 4.125};
  struct series_point p2 = {2, 21, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  /* only a request cut at the hard stop: counted, but no latency sample (the engine gives NaN) */
  struct series_point p3 = {3, 0, 1, 1, 0, 0, 120, 0, NAN, NAN, NAN, NAN, NAN, NAN};
  CHECK_INT(series_write(s, &p1), 0, "write second 1");
  CHECK_INT(series_write(s, &p2), 0, "write second 2");
  CHECK_INT(series_write(s, &p3), 0, "write second 3");
  CHECK_INT(series_close(s), 0, "close renames into place");

  char *text;
  size_t len;
  CHECK_INT(fs_read_all(csv, &text, &len), 0, "CSV exists after close");
  CHECK_STR(text,
            "t_s,vus,reqs,failed,iterations,dropped,data_sent,data_received,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,p99_corrected_ms\n"
            "1,20,180,2,178,0,18000,45000,1.5,2.25,3,4.125,9,4.125\n"
            "2,21,0,0,0,3,0,0,,,,,,\n"
            "3,0,1,1,0,0,120,0,,,,,,\n",
            "CSV header and rows (ms to 3 decimals, zeros dropped; no latency in a second without samples)");
  free(text);
  CHECK_INT(fs_read_all(json, &text, &len), 0, "NDJSON exists after close");
  char *nl = strchr(text, '\n');
  CHECK(nl != NULL, "NDJSON has lines");
  if (nl) {
    *nl = '\0';
    char e[128];
    yajl_val v = yajl_tree_parse(text, e, sizeof e);
    CHECK(v && YAJL_IS_OBJECT(v), "NDJSON line 1 is a JSON object");
    static const char *keys[] = {"t_s", "vus", "reqs", "failed", "iterations", "dropped", "data_sent", "data_received",
                                 "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "p99_corrected_ms"};
    bool ok = v && YAJL_GET_OBJECT(v)->len == 14;
    for (size_t i = 0; ok && i < 14; i++) ok = !strcmp(YAJL_GET_OBJECT(v)->keys[i], keys[i]);
    CHECK(ok, "NDJSON keys are the CSV columns, in order");
    const char *pk[] = {"p99_ms", NULL};
    CHECK(v && YAJL_GET_DOUBLE(yajl_tree_get(v, pk, yajl_t_number)) == 4.125, "NDJSON value");
    yajl_tree_free(v);
    char *l2 = nl + 1, *nl2 = strchr(l2, '\n');
    char *l3 = nl2 ? nl2 + 1 : NULL, *nl3 = l3 ? strchr(l3, '\n') : NULL;
    CHECK(nl3 && !nl3[1], "NDJSON: exactly three lines");
    if (nl2 && nl3) {
      *nl2 = *nl3 = '\0';
      CHECK(strstr(l2, "\"reqs\":0,") && strstr(l2, "\"dropped\":3,"), "NDJSON second without requests: counts kept");
      CHECK(strstr(l2, "\"p50_ms\":null,\"p90_ms\":null,\"p95_ms\":null,\"p99_ms\":null,\"max_ms\":null,"
                       "\"p99_corrected_ms\":null}") != NULL, "NDJSON second without requests: latencies null, not 0");
      yajl_val v2 = yajl_tree_parse(l2, e, sizeof e), v3 = yajl_tree_parse(l3, e, sizeof e);
      const char *mk[] = {"max_ms", NULL};
      CHECK(v2 && yajl_tree_get(v2, mk, yajl_t_null) != NULL, "NDJSON null latency parses as JSON null");
      CHECK(v3 && yajl_tree_get(v3, mk, yajl_t_null) != NULL, "NDJSON NaN latency (no samples) written as null");
      yajl_tree_free(v2);
      yajl_tree_free(v3);
    }
  }
  free(text);

  /* CSV only */
  o.out_json = NULL;
  snprintf(csv, sizeof csv, "%s/only.csv", dir);
  CHECK_INT(series_open(&s, &o), 0, "CSV only");
  CHECK_INT(series_close(s), 0, "close with no rows");
  CHECK_INT(fs_read_all(csv, &text, &len), 0, "header-only CSV");
  CHECK_INT(len, 115, "header-only CSV is just the header line");
  free(text);

  /* unwritable path */
  o.out_csv = "/nonexistent-dir/x.csv";
  s = (struct series *)1;
  CHECK(series_open(&s, &o) == -ENOENT && s == NULL, "unwritable path: -ENOENT, no handle");
  CHECK_INT(series_write(NULL, &p1), 0, "write to NULL is a no-op");
  CHECK_INT(series_close(NULL), 0, "close NULL is a no-op");

  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) return 1;
  return check_done("test_series");
}
