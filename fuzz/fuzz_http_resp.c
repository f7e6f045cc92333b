/* fuzz_http_resp.c: libFuzzer target for http_resp (src/http_resp.c). The first byte picks
 * HEAD or GET and where the rest is split in two feeds; each piece is copied to its own
 * exact-size allocation so ASan catches reads past it. Checks the contract's invariants:
 * consumed bytes never exceed what was fed, a complete response consumes nothing more. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssize_t feed_copy(struct http_resp *r, const uint8_t *p, size_t n) {
  char *c = malloc(n ? n : 1);
  if (!c) return 0;
  memcpy(c, p, n);
  ssize_t k = http_resp_feed(r, c, n);
  free(c);
  if (k > (ssize_t)n) abort();
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  bool head = data[0] & 1;
  size_t rest = size - 1, cut = rest ? (size_t)(data[0] >> 1) % (rest + 1) : 0;
  const uint8_t *p = data + 1;
  char body[256];
  struct http_resp r;
  http_resp_init(&r, head, body, sizeof body);
  ssize_t k = feed_copy(&r, p, cut);
  if (k >= 0 && !r.complete) k = feed_copy(&r, p + cut, rest - cut);
  if (k >= 0 && r.complete && feed_copy(&r, p, rest) != 0) abort();
  if (k >= 0) (void)http_resp_eof(&r);
  if (r.body_len > sizeof body && !r.body_truncated) abort();
  return 0;
}
