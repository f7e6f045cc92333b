/* test_units.c: the C contender's modules without the network: label escaping, method slot
 * bounding, bucket edges, counters, the rendered exposition, and the /cpu and /json bodies. */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "payload.h"

static void hex(const unsigned char *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_escape(void) {
  char out[64];
  CHECK_INT(metrics_escape("a\\b", 3, out, sizeof out), 4, "escape backslash: length");
  CHECK_STR(out, "a\\\\b", "escape backslash: text");
  metrics_escape("say \"hi\"", 8, out, sizeof out);
  CHECK_STR(out, "say \\\"hi\\\"", "escape double quotes");
  metrics_escape("two\nlines", 9, out, sizeof out);
  CHECK_STR(out, "two\\nlines", "escape newline");
  metrics_escape("GET", 3, out, sizeof out);
  CHECK_STR(out, "GET", "plain value unchanged");
  CHECK_INT(metrics_escape("\"\"\"", 3, out, 6), -1, "escaped form one byte too long for buffer");
  CHECK_INT(metrics_escape("\"\"\"", 3, out, 7), 6, "escaped form exactly fits buffer");
}

static void test_methods(void) {
  metrics_init();
  CHECK_INT(metrics_method_slot("GET", 3), 0, "GET has slot 0");
  CHECK_INT(metrics_method_slot("TRACE", 5), 8, "TRACE has a standard slot");
  CHECK_INT(metrics_method_slot("GETX", 3), 0, "length bounds the comparison");
  int first = metrics_method_slot("BREW", 4);
  CHECK_INT(first, 9, "first unknown method gets the first extra slot");
  CHECK_INT(metrics_method_slot("BREW", 4), first, "same unknown method reuses its slot");
  char m[16];
  for (int i = 1; i < METRICS_EXTRA_METHODS; i++) {
    snprintf(m, sizeof m, "M%d", i);
    metrics_method_slot(m, strlen(m));
  }
  int other = METRICS_METHOD_SLOTS - 1;
  CHECK_INT(metrics_method_slot("LATE", 4), other, "method after the extra slots are full is other");
  CHECK_INT(metrics_method_slot("M3", 2), 12, "known extra method still found when full");
  metrics_init();
  char longm[METRICS_METHOD_MAX + 2];
  memset(longm, 'A', sizeof longm);
  CHECK_INT(metrics_method_slot(longm, METRICS_METHOD_MAX + 1), other, "over-long method is other");
  CHECK_INT(metrics_method_slot(longm, METRICS_METHOD_MAX), 9, "method of maximum length kept");
  CHECK_INT(metrics_method_slot("A B", 3), other, "method with a space is other");
  CHECK_INT(metrics_method_slot("\xc3\xa9", 2), other, "non-ASCII method is other");
  CHECK_INT(metrics_method_slot("", 0), other, "empty method is other");
}

static void test_buckets(void) {
  CHECK_INT(metrics_bucket_index(0), 0, "zero seconds in the first bucket");
  CHECK_INT(metrics_bucket_index(0.005), 0, "exactly 0.005 is in le=0.005");
  CHECK_INT(metrics_bucket_index(0.0050001), 1, "just above 0.005 is in le=0.01");
  CHECK_INT(metrics_bucket_index(0.05), 3, "exactly 0.05 is in le=0.05");
  CHECK_INT(metrics_bucket_index(10), 13, "exactly 10 is in le=10");
  CHECK_INT(metrics_bucket_index(10.5), 14, "above 10 only in +Inf");
  CHECK_INT(METRICS_NBUCKETS, 14, "fourteen finite buckets");
}

static void test_counts_and_render(void) {
  metrics_init();
  int get = metrics_method_slot("GET", 3);
  metrics_begin(get, ROUTE_IO);
  CHECK_INT(metrics_inprogress(get, ROUTE_IO), 1, "in-progress gauge rises at begin");
  metrics_end(get, ROUTE_IO, 200, 0.0501);
  CHECK_INT(metrics_inprogress(get, ROUTE_IO), 0, "in-progress gauge falls at end");
  CHECK_INT(metrics_count(get, ROUTE_IO, 2), 1, "2xx counted once");
  metrics_begin(get, ROUTE_NONE);
  metrics_end(get, ROUTE_NONE, 404, 0.0001);
  CHECK_INT(metrics_count(get, ROUTE_NONE, 4), 1, "404 counted as 4xx");
  metrics_begin(get, ROUTE_CPU);
  metrics_abort(get, ROUTE_CPU);
  CHECK_INT(metrics_count(get, ROUTE_CPU, 2) + metrics_count(get, ROUTE_CPU, 5), 0,
            "aborted request not counted");
  CHECK_INT(metrics_inprogress(get, ROUTE_CPU), 0, "aborted request leaves the gauge");
  int odd = metrics_method_slot("X\"Y\\", 4);
  metrics_begin(odd, ROUTE_NONE);
  metrics_end(odd, ROUTE_NONE, 404, 0.001);

  const char *t;
  size_t n;
  CHECK_INT(metrics_render(&t, &n), 0, "render succeeds");
  CHECK_INT(strlen(t), n, "render length matches text");
  CHECK(strstr(t, "http_requests_total{method=\"GET\",handler=\"/io\",status=\"2xx\"} 1\n") != NULL,
        "counter line for GET /io 2xx");
  CHECK(strstr(t, "http_requests_total{method=\"GET\",handler=\"none\",status=\"4xx\"} 1\n") != NULL,
        "counter line for unmatched path");
  CHECK(strstr(t, "{method=\"GET\",handler=\"/io\",le=\"0.05\"} 0\n") != NULL,
        "0.0501 s not in le=0.05");
  CHECK(strstr(t, "{method=\"GET\",handler=\"/io\",le=\"0.075\"} 1\n") != NULL,
        "0.0501 s in le=0.075 (cumulative)");
  CHECK(strstr(t, "{method=\"GET\",handler=\"/io\",le=\"+Inf\"} 1\n") != NULL, "+Inf bucket");
  CHECK(strstr(t, "http_request_duration_seconds_sum{method=\"GET\",handler=\"/io\"} 0.0501\n") != NULL,
        "histogram sum in shortest form");
  CHECK(strstr(t, "method=\"X\\\"Y\\\\\",handler=\"none\",status=\"4xx\"} 1\n") != NULL,
        "method with quote and backslash escaped in labels");
  CHECK(strstr(t, "# TYPE http_request_duration_seconds histogram\n") != NULL, "histogram TYPE");
  CHECK(strstr(t, "# TYPE http_requests_inprogress gauge\n") != NULL, "gauge TYPE");
  CHECK(strstr(t, "\nprocess_cpu_seconds_total ") != NULL, "process CPU seconds present");
  CHECK(strstr(t, "\nprocess_resident_memory_bytes ") != NULL, "process RSS present");
  CHECK(strstr(t, "handler=\"/cpu\",status") == NULL, "aborted route has no counter line");
  int buckets = 0;
  for (const char *p = t; (p = strstr(p, "handler=\"/io\",le=")) != NULL; p++) buckets++;
  CHECK_INT(buckets, 15, "GET /io has 14 buckets + +Inf");
}

static void test_payloads(void) {
  char body[PAYLOAD_CPU_LEN + 1];
  size_t n = payload_cpu(body);
  CHECK_INT(n, PAYLOAD_CPU_LEN, "cpu body length");
  CHECK_STR(body,
            "{\"iterations\":100,\"sha256\":"
            "\"c2f5b53d4db4231cfb9d6b3eb008c8882c78ebeb200a829bafa415933267bb60\"}",
            "cpu body: 100 chained SHA-256 rounds");
  for (int round = 0; round < 4; round++) {
    if (round % 2 == 0) {
      payload_free();
      CHECK_INT(payload_init(round ? PAYLOAD_JSON_YAJL_INTEGER : PAYLOAD_JSON_DIGITS), 0,
                round ? "json generator created (yajl_gen_integer)" : "json generator created");
    }
    const char *j;
    size_t len;
    CHECK_INT(payload_json(&j, &len), 0, round % 2 ? "json generated again (generator reused)" : "json generated");
    CHECK_INT(len, 23930, "json body is 23,930 bytes");
    unsigned char d[SHA256_DIGEST_LENGTH];
    char hx[65];
    SHA256((const unsigned char *)j, len, d);
    hex(d, sizeof d, hx);
    CHECK_STR(hx, "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5",
              "json body SHA-256 matches the contract");
    CHECK(len > 40 && memcmp(j, "{\"name\":\"benchmark\",\"value\":42,\"data\":[0,1,2,", 40) == 0,
          "json keys in contract order, compact");
  }
  payload_free();
  payload_free();
}

int main(void) {
  test_escape();
  test_methods();
  test_buckets();
  test_counts_and_render();
  test_payloads();
  return check_done("test_units");
}
