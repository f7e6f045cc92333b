/* payload.c: the work behind /cpu and /json.
 *
 * /cpu hashes d || buf 100 times with libcrypto's one-shot SHA256() over one contiguous
 * 32 + 4096 byte buffer, so each round is a single call with no context allocation; the EVP
 * streaming API was rejected because in OpenSSL 3 every EVP_DigestInit pays a provider lookup.
 * /json is serialized by yajl's generator on every call, one value at a time. The generator
 * object is reused (reset + clear) so a request costs no allocation once its buffer has grown
 * to the body size; the bytes themselves are generated afresh each time. */
#include "payload.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#define CPU_BUF 4096
#define CPU_ROUNDS 100
#define JSON_N 5000

static yajl_gen gen;
static enum payload_json_mode json_mode;

int payload_init(enum payload_json_mode mode) {
  json_mode = mode;
  gen = yajl_gen_alloc(NULL);
  return gen ? 0 : -ENOMEM;
}

void payload_free(void) {
  if (gen) yajl_gen_free(gen);
  gen = NULL;
}

size_t payload_cpu(char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned char in[SHA256_DIGEST_LENGTH + CPU_BUF];
  unsigned char *buf = in + SHA256_DIGEST_LENGTH;
  for (int i = 0; i < CPU_BUF; i++) buf[i] = (unsigned char)(i % 251);
  /* round 1 hashes buf alone (d is empty); later rounds hash the previous digest || buf */
  SHA256(buf, CPU_BUF, in);
  for (int r = 1; r < CPU_ROUNDS; r++) SHA256(in, sizeof in, in);
  char hexd[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    hexd[2 * i] = hex[in[i] >> 4];
    hexd[2 * i + 1] = hex[in[i] & 15];
  }
  hexd[2 * SHA256_DIGEST_LENGTH] = '\0';
  int n = snprintf(out, PAYLOAD_CPU_LEN + 1, "{\"iterations\":%d,\"sha256\":\"%s\"}", CPU_ROUNDS,
                   hexd);
  return (size_t)n;
}

#define G(call) \
  do { \
    if ((call) != yajl_gen_status_ok) return -EIO; \
  } while (0)

int payload_json(const char **body, size_t *len) {
  yajl_gen_clear(gen);
  yajl_gen_reset(gen, NULL);
  G(yajl_gen_map_open(gen));
  G(yajl_gen_string(gen, (const unsigned char *)"name", 4));
  G(yajl_gen_string(gen, (const unsigned char *)"benchmark", 9));
  G(yajl_gen_string(gen, (const unsigned char *)"value", 5));
  G(yajl_gen_integer(gen, 42));
  G(yajl_gen_string(gen, (const unsigned char *)"data", 4));
  G(yajl_gen_array_open(gen));
  if (json_mode == PAYLOAD_JSON_YAJL_INTEGER) {
    for (int i = 0; i < JSON_N; i++) G(yajl_gen_integer(gen, i));
  } else {
    char digits[12];
    for (int i = 0; i < JSON_N; i++) {
      char *end = digits + sizeof digits, *p = end;
      unsigned v = (unsigned)i;
      do {
        *--p = (char)('0' + v % 10);
        v /= 10;
      } while (v);
      G(yajl_gen_number(gen, p, (size_t)(end - p)));
    }
  }
  G(yajl_gen_array_close(gen));
  G(yajl_gen_map_close(gen));
  const unsigned char *b;
  size_t n;
  G(yajl_gen_get_buf(gen, &b, &n));
  *body = (const char *)b;
  *len = n;
  return 0;
}
