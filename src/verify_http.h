/* verify_http.h: a small blocking HTTP/1.1 client over one socket, for verify and for the
 * health polling in svc.c. Not for load: one request at a time, timeouts by SO_RCVTIMEO.
 * Responses are parsed by http_resp. Thread-safe (no shared state). */
#ifndef VERIFY_HTTP_H
#define VERIFY_HTTP_H
#include <stddef.h>
#include "http_resp.h"

/* Connects to host (numeric v4/v6 or a name) and port, with send/receive timeouts of
 * timeout_ms. The socket fd, or -errno. */
int vhttp_connect(const char *host, int port, int timeout_ms);

/* Writes "<method> <path> HTTP/1.1" with Host (host_hdr) and Connection: keep-alive. 0 / -errno. */
int vhttp_send(int fd, const char *method, const char *host_hdr, const char *path);

/* Reads one response into r (initialised here; body into buf/cap, may be NULL/0).
 * 0, or -EPROTO (malformed, or bytes after the response), -ECONNRESET (EOF before the end),
 * -EAGAIN (timeout), -EINTR (a signal), other -errno. */
int vhttp_recv(int fd, bool head, struct http_resp *r, char *buf, size_t cap);

/* vhttp_send + vhttp_recv. */
int vhttp_request(int fd, const char *method, const char *host_hdr, const char *path,
                  struct http_resp *r, char *buf, size_t cap);

/* "host:port", or "[v6]:port", into out. */
void vhttp_host_header(const char *host, int port, char *out, size_t outlen);

#endif
