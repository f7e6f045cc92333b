/* test_verify.c: the pure parts of src/verify.c, one case a line: the contract's bodies built
 * here agree with the SHA-256 values in DESIGN.md, and URL parsing. (The checks themselves are
 * tested end to end against a real server by tests/verify, `make test-verify`.) */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include "check.h"
#include "verify.h"

int main(void) {
  static char json[VERIFY_JSON_LEN + 64];
  size_t n = verify_json_body(json, sizeof json);
  char hex[65];
  CHECK_INT(n, VERIFY_JSON_LEN, "/json body is 23,930 bytes");
  verify_sha256_hex(json, n, hex);
  CHECK_STR(hex, VERIFY_JSON_SHA256, "/json body has the contract's SHA-256");
  CHECK(!memcmp(json, "{\"name\":\"benchmark\",\"value\":42,\"data\":[0,1,2,", 45), "/json body starts as specified");
  CHECK(!memcmp(json + n - 7, ",4999]}", 7), "/json body ends with 4999]}");
  char small[10];
  CHECK_INT(verify_json_body(small, sizeof small), VERIFY_JSON_LEN, "short buffer still reports the full length");

  /* /cpu: 100 rounds of d = SHA-256(d || buf), buf[i] = i mod 251 */
  unsigned char buf[32 + 4096], d[32];
  unsigned int dl = 0;
  size_t dlen = 0;
  for (int r = 0; r < 100; r++) {
    memcpy(buf, d, dlen);
    for (int i = 0; i < 4096; i++) buf[dlen + (size_t)i] = (unsigned char)(i % 251);
    EVP_Digest(buf, dlen + 4096, d, &dl, EVP_sha256(), NULL);
    dlen = 32;
  }
  char got[65];
  for (int i = 0; i < 32; i++) snprintf(got + 2 * i, 3, "%02x", d[i]);
  CHECK_STR(got, VERIFY_CPU_SHA256, "/cpu digest recomputed matches the contract");

  char host[64], base[64], err[256];
  int port;
  CHECK_INT(verify_parse_url("http://127.0.0.1:8080", host, sizeof host, &port, base, sizeof base, err, sizeof err), 0,
            "host:port URL");
  CHECK(!strcmp(host, "127.0.0.1") && port == 8080 && base[0] == '\0', "host, port, empty base");
  CHECK_INT(verify_parse_url("http://[::1]:9/api/", host, sizeof host, &port, base, sizeof base, err, sizeof err), 0,
            "IPv6 URL with a prefix");
  CHECK(!strcmp(host, "::1") && port == 9 && !strcmp(base, "/api"), "brackets removed, trailing '/' dropped");
  CHECK_INT(verify_parse_url("HTTP://example.test", host, sizeof host, &port, base, sizeof base, err, sizeof err), 0,
            "scheme is case-insensitive, port defaults");
  CHECK_INT(port, 80, "default port 80");
  CHECK_INT(verify_parse_url("https://x", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "https refused");
  CHECK(strstr(err, "only http://") != NULL, "https: says only http://");
  CHECK_INT(verify_parse_url("http://x:0", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "port 0");
  CHECK_INT(verify_parse_url("http://x:80a", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "port with letters");
  CHECK_INT(verify_parse_url("http://:80", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "empty host");
  CHECK_INT(verify_parse_url("http://[::1", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "unterminated [");
  CHECK_INT(verify_parse_url("http://x/a?b", host, sizeof host, &port, base, sizeof base, err, sizeof err), -EINVAL, "query in prefix");
  return check_done("test_verify");
}
