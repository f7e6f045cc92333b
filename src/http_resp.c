/* http_resp.c: incremental HTTP/1.1 response parsing (see http_resp.h).
 *
 * libhttp-parser does the framing (status line, Content-Length, chunked, close-delimited); this
 * module only keeps the few facts callers need in struct http_resp and stops exactly at the end
 * of one message, so the load engine can pipeline or reuse the connection without losing bytes.
 * The end is found by pausing the parser in on_message_complete: http_parser_execute then
 * returns the bytes consumed up to and including the last byte of the message.
 * Header names of interest (Content-Type, Date) are matched while they stream in, possibly split
 * across feeds, into a small fixed buffer; nothing is allocated. The rejected alternative,
 * buffering the whole header block and parsing it afterwards, would cost a copy per response on
 * the load engine's hot path.
 * HEAD responses, 1xx, 204 and 304 have no body whatever their headers say. */
#include <string.h>
#include <strings.h>
#include "http_resp.h"

/* hdr_state_: which header value is streaming in (low bits), plus HS_HEAD, kept apart because
 * http_parser clears its own flags when the status line starts */
enum { HS_NONE, HS_OTHER, HS_CTYPE, HS_DATE, HS_MASK = 0xff, HS_HEAD = 0x100 };

static struct http_resp *resp_of(http_parser *p) { return (struct http_resp *)p->data; }

static int on_message_begin(http_parser *p) {
  (void)p;
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  struct http_resp *r = resp_of(p);
  if ((r->hdr_state_ & HS_MASK) != HS_NONE) { /* a new field starts after a value */
    r->hdr_name_len_ = 0;
    r->hdr_state_ &= ~HS_MASK;
  }
  /* names longer than the buffer are not ones we care about; keep counting past the end
   * so they never match a short name by truncation */
  for (size_t i = 0; i < len; i++, r->hdr_name_len_++)
    if (r->hdr_name_len_ < sizeof r->hdr_name_) r->hdr_name_[r->hdr_name_len_] = at[i];
  return 0;
}

static int name_is(const struct http_resp *r, const char *name) {
  size_t n = strlen(name);
  return r->hdr_name_len_ == n && strncasecmp(r->hdr_name_, name, n) == 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  struct http_resp *r = resp_of(p);
  if ((r->hdr_state_ & HS_MASK) == HS_NONE) { /* first piece of this value: classify the name */
    int st = HS_OTHER;
    if (name_is(r, "content-type")) {
      st = HS_CTYPE;
      r->content_type[0] = '\0';
    } else if (name_is(r, "date")) {
      st = HS_DATE;
      r->has_date = true;
    }
    r->hdr_state_ |= st;
  }
  if ((r->hdr_state_ & HS_MASK) == HS_CTYPE) {
    size_t have = strlen(r->content_type), room = sizeof r->content_type - 1 - have;
    size_t n = len < room ? len : room;
    memcpy(r->content_type + have, at, n);
    r->content_type[have + n] = '\0';
  }
  return 0;
}

static int on_headers_complete(http_parser *p) {
  struct http_resp *r = resp_of(p);
  r->status = p->status_code;
  r->headers_done = true;
  r->chunked = (p->flags & F_CHUNKED) != 0;
  r->content_length = (p->flags & F_CONTENTLENGTH) ? (int64_t)p->content_length : -1;
  r->keep_alive = http_should_keep_alive(p) != 0;
  /* 1 tells http_parser that no body follows */
  if ((r->hdr_state_ & HS_HEAD) || r->status == 204 || r->status == 304 ||
      (r->status >= 100 && r->status < 200))
    return 1;
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  struct http_resp *r = resp_of(p);
  if (r->body_buf) {
    size_t room = r->body_len < r->body_cap ? r->body_cap - r->body_len : 0;
    size_t n = len < room ? len : room;
    if (n) memcpy(r->body_buf + r->body_len, at, n);
    if (n < len) r->body_truncated = true;
  }
  r->body_len += len;
  return 0;
}

static int on_message_complete(http_parser *p) {
  struct http_resp *r = resp_of(p);
  r->complete = true;
  r->keep_alive = http_should_keep_alive(p) != 0;
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings settings = {
  .on_message_begin = on_message_begin,
  .on_header_field = on_header_field,
  .on_header_value = on_header_value,
  .on_headers_complete = on_headers_complete,
  .on_body = on_body,
  .on_message_complete = on_message_complete,
};

void http_resp_init(struct http_resp *r, bool head, char *body_buf, size_t body_cap) {
  memset(r, 0, sizeof *r);
  http_parser_init(&r->parser, HTTP_RESPONSE);
  r->parser.data = r;
  r->content_length = -1;
  r->body_buf = body_buf;
  r->body_cap = body_buf ? body_cap : 0;
  r->hdr_state_ = head ? HS_HEAD : HS_NONE;
}

/* One http_parser_execute call; 1 when the message completed (paused), 0 when all was
 * consumed, -1 on error. *used gets the bytes consumed. */
static int exec_piece(struct http_resp *r, const char *data, size_t len, size_t *used) {
  *used = http_parser_execute(&r->parser, &settings, data, len);
  enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
  if (e == HPE_PAUSED) return 1;
  if (e != HPE_OK || *used != len) return -1;
  return 0;
}

ssize_t http_resp_feed(struct http_resp *r, const char *data, size_t len) {
  if (r->complete) return 0;
  if (len == 0) return 0; /* len 0 means EOF to http_parser: that is http_resp_eof's job */
  r->parser.data = r; /* the struct may have been moved (copied) since init */
  size_t done = 0, used;
  int rc;
  /* Headers go in line by line: the header block always ends on a LF, so header_bytes is
   * exact without a second scan (http_parser's own count is reset before we could read it). */
  while (!r->headers_done && done < len) {
    const char *nl = memchr(data + done, '\n', len - done);
    size_t piece = nl ? (size_t)(nl - (data + done)) + 1 : len - done;
    rc = exec_piece(r, data + done, piece, &used);
    if (rc < 0) return -1;
    r->header_bytes += used;
    done += used;
    if (rc == 1) return (ssize_t)done;
  }
  if (done == len) return (ssize_t)done;
  rc = exec_piece(r, data + done, len - done, &used);
  if (rc < 0) return -1;
  return (ssize_t)(done + used);
}

int http_resp_eof(struct http_resp *r) {
  if (r->complete) return 0;
  if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK) return -1;
  r->parser.data = r;
  http_parser_execute(&r->parser, &settings, NULL, 0);
  return r->complete ? 0 : -1;
}
