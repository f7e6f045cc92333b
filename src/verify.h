/* verify.h: the endpoint contract (DESIGN.md section 2) as a list of checks run against a
 * service that is already listening. cmd_verify.c wraps it (URL or --service); the runner may
 * call it directly before measuring. Not thread-safe (reports through one FILE). */
#ifndef VERIFY_H
#define VERIFY_H
#include <signal.h>
#include <stdio.h>

/* The contract's fixed facts, shared with tests. */
#define VERIFY_CPU_SHA256 "c2f5b53d4db4231cfb9d6b3eb008c8882c78ebeb200a829bafa415933267bb60"
#define VERIFY_JSON_SHA256 "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5"
#define VERIFY_JSON_LEN 23930

struct verify_target {
  const char *host;        /* numeric or name; IPv6 without brackets */
  int port;
  const char *base;        /* path prefix without trailing '/', "" for none */
  const volatile sig_atomic_t *stop;  /* set by a signal handler: checks end early; may be NULL */
};

struct verify_result {
  int passed, failed;
  int interrupted;         /* 1 when *stop cut the run short */
};

/* Runs every check, printing "PASS <check>" or "FAIL <check>: <observed>" to out, one line
 * each, as they complete. Takes a few seconds (1,000 sequential requests, 50 concurrent /io). */
void verify_run(const struct verify_target *t, FILE *out, struct verify_result *res);

/* "http://host[:port][/base]" (port 80 by default). 0, or -EINVAL with a message in err.
 * host gets the bare host (brackets removed), base the path without a trailing '/'. */
int verify_parse_url(const char *url, char *host, size_t hostlen, int *port, char *base, size_t baselen,
                     char *err, size_t errlen);

/* The /json body the contract specifies, built here to compare byte for byte. Writes at most
 * cap bytes, returns the full length. */
size_t verify_json_body(char *buf, size_t cap);

/* Lowercase hex SHA-256 of data into hex[65]. */
void verify_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
