/* http_resp.h: incremental HTTP/1.1 response parsing over libhttp-parser, for both the load
 * generator's non-blocking connections and verify's blocking client.
 * Owner: verify work (src/http_resp.c); the load engine uses it on its hot path, so it never
 * allocates after http_resp_init and keeps per-response state in struct http_resp only.
 * Not thread-safe per object; one object per connection. */
#ifndef HTTP_RESP_H
#define HTTP_RESP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <http_parser.h>

struct http_resp {
  http_parser parser;
  /* filled while parsing */
  int status;                 /* 0 until the status line is parsed */
  int64_t content_length;     /* -1 when absent */
  bool chunked;               /* Transfer-Encoding: chunked */
  bool keep_alive;            /* connection may be reused after this response */
  bool has_date;              /* a Date header was present */
  bool headers_done;
  bool complete;              /* the whole message (body included) has been read */
  char content_type[128];     /* truncated if longer; "" when absent */
  size_t body_len;            /* body bytes seen (after de-chunking) */
  size_t header_bytes;        /* status line + headers, raw */
  /* optional body capture (verify): caller's buffer, never reallocated */
  char *body_buf;
  size_t body_cap;
  bool body_truncated;
  /* private to http_resp.c */
  int hdr_state_;
  char hdr_name_[32];
  size_t hdr_name_len_;
};

/* head: true when the request was HEAD (no body follows whatever the headers say).
 * body_buf/body_cap: where to copy the body (NULL/0 to only count it). */
void http_resp_init(struct http_resp *r, bool head, char *body_buf, size_t body_cap);

/* Feeds len bytes. Returns the number of bytes consumed (stops right after a complete message,
 * so leftover bytes are not part of this response), or -1 for a malformed response. */
ssize_t http_resp_feed(struct http_resp *r, const char *data, size_t len);

/* The peer closed the connection. Returns 0 if that completes the message (close-delimited
 * body), -1 if the message ended early (EOF mid-response or before any byte). */
int http_resp_eof(struct http_resp *r);

#endif
