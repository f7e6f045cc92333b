/* payload.h: the bodies of /cpu and /json (DESIGN.md section 2), computed on every call.
 * Single-threaded: both use module-level state created by payload_init. */
#ifndef PAYLOAD_H
#define PAYLOAD_H
#include <stddef.h>

/* Size of the /cpu body: {"iterations":100,"sha256":"<64 hex>"} */
#define PAYLOAD_CPU_LEN 94

/* How /json numbers reach yajl: digits formatted here and passed to yajl_gen_number (default),
 * or yajl_gen_integer (yajl formats them with sprintf; about five times slower). */
enum payload_json_mode { PAYLOAD_JSON_DIGITS, PAYLOAD_JSON_YAJL_INTEGER };

/* Creates the reusable JSON generator. 0 or -ENOMEM. */
int payload_init(enum payload_json_mode mode);
void payload_free(void);

/* Runs the 100 SHA-256 rounds (OpenSSL libcrypto) and writes the /cpu body into out
 * (at least PAYLOAD_CPU_LEN + 1 bytes, NUL-terminated). Returns the body length. */
size_t payload_cpu(char *out);

/* Generates the /json body with yajl. *body points into the generator's buffer and stays
 * valid until the next payload_json call. 0, or -EIO on a generator error. */
int payload_json(const char **body, size_t *len);

#endif
