/* fuzz_http_resp.c: libFuzzer target for src/http_resp.c as the load engine drives it.
 * Input: byte 0 = flags (bit 0: the request was HEAD), byte 1 = seed for the split points; the
 * rest is what a server sends on one keep-alive connection. It is fed in pieces of pseudo-random
 * length (1..64 bytes), each copied into an exactly-sized heap block so ASan catches any read
 * past it; a complete response restarts the parser on the leftover bytes (the next response),
 * and the stream ends with http_resp_eof. Invariants: consumed <= fed, -1 only for malformed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  bool head = data[0] & 1;
  uint32_t rng = data[1] * 2654435761u + 1;
  data += 2;
  size -= 2;
  struct http_resp r;
  http_resp_init(&r, head, NULL, 0);
  size_t off = 0, responses = 0;
  while (off < size) {
    rng = rng * 1103515245u + 12345u;
    size_t n = 1 + (rng >> 16) % 64;
    if (n > size - off) n = size - off;
    char *piece = malloc(n);
    if (!piece) return 0;
    memcpy(piece, data + off, n);
    size_t done = 0;
    while (done < n) {
      ssize_t used = http_resp_feed(&r, piece + done, n - done);
      if (used < 0) { free(piece); return 0; }         /* malformed: the engine drops the conn */
      if ((size_t)used > n - done) abort();              /* consumed more than it was given */
      done += (size_t)used;
      if (r.complete) {
        if (r.status < 0 || r.status > 999) abort();    /* 3 digits at most (0 is possible) */
        if (++responses > 10000) { free(piece); return 0; }
        http_resp_init(&r, head, NULL, 0);
      } else if (used == 0) {
        abort();                                         /* no progress without completing */
      }
    }
    free(piece);
    off += n;
  }
  (void)http_resp_eof(&r);
  return 0;
}
