/* test_http_resp.c: src/http_resp.c, one case a line. Every input is copied against a guard
 * page (PROT_NONE right after its last byte), so any over-read crashes under ASan or not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"
#include "http_resp.h"

static char *guard_base;
static size_t guard_pages;

/* A copy of s[0..n) whose last byte sits right before an inaccessible page. */
static const char *guarded(const char *s, size_t n) {
  static size_t page;
  if (!page) page = (size_t)sysconf(_SC_PAGESIZE);
  size_t need = (n + page - 1) / page + 1;
  if (guard_base) munmap(guard_base, guard_pages * page);
  guard_pages = need + 1;
  guard_base = mmap(NULL, guard_pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (guard_base == MAP_FAILED) { perror("mmap"); exit(2); }
  mprotect(guard_base + need * page, page, PROT_NONE);
  char *dst = guard_base + need * page - n;
  memcpy(dst, s, n);
  return dst;
}

/* Feeds s in pieces cut at the given offsets (ascending, each piece against a guard page).
 * Returns total consumed, or -1 on the first error. */
static ssize_t feed_split(struct http_resp *r, const char *s, size_t n, const size_t *cuts, size_t ncuts) {
  size_t pos = 0, total = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : n;
    if (end < pos) continue;
    const char *piece = guarded(s + pos, end - pos);
    ssize_t k = http_resp_feed(r, piece, end - pos);
    if (k < 0) return -1;
    total += (size_t)k;
    pos = end;
    if (r->complete) break;
  }
  return (ssize_t)total;
}

static ssize_t feed_all(struct http_resp *r, const char *s) {
  return feed_split(r, s, strlen(s), NULL, 0);
}

static const char chunked[] =
  "HTTP/1.1 200 OK\r\n"
  "Content-Type: application/json\r\n"
  "Date: Tue, 01 Oct 2024 10:00:00 GMT\r\n"
  "Transfer-Encoding: chunked\r\n"
  "\r\n"
  "5\r\nhello\r\n"
  "1b;ext=1\r\n, world, chunked framing!!!\r\n"
  "0\r\n\r\n";
static const char chunked_body[] = "hello, world, chunked framing!!!";

int main(void) {
  char body[4096];
  struct http_resp r;

  /* Content-Length, all fields */
  const char *cl = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Date: Tue, 01 Oct 2024 10:00:00 GMT\r\nContent-Length: 2\r\n\r\nok";
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, cl), strlen(cl), "content-length response consumed whole");
  CHECK(r.complete, "content-length response complete");
  CHECK_INT(r.status, 200, "status parsed");
  CHECK_INT(r.content_length, 2, "content-length parsed");
  CHECK(!r.chunked, "content-length response is not chunked");
  CHECK(r.keep_alive, "HTTP/1.1 without Connection: close keeps alive");
  CHECK(r.has_date, "Date header seen");
  CHECK_STR(r.content_type, "text/plain; charset=utf-8", "content-type copied");
  CHECK_INT(r.body_len, 2, "body length");
  CHECK(memcmp(body, "ok", 2) == 0, "body captured");
  CHECK_INT(r.header_bytes, strlen(cl) - 2, "header_bytes counts status line + headers");

  /* chunked, whole and split at every byte */
  size_t n = strlen(chunked);
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, chunked), n, "chunked response consumed whole");
  CHECK(r.complete && r.chunked, "chunked response complete and flagged");
  CHECK_INT(r.content_length, -1, "chunked response has no content-length");
  CHECK_INT(r.body_len, strlen(chunked_body), "chunked body de-chunked length");
  CHECK(memcmp(body, chunked_body, strlen(chunked_body)) == 0, "chunked body de-chunked bytes");
  int split_ok = 1;
  for (size_t i = 0; i <= n; i++) {
    http_resp_init(&r, false, body, sizeof body);
    size_t cut[1] = {i};
    ssize_t k = feed_split(&r, chunked, n, cut, 1);
    if (k != (ssize_t)n || !r.complete || r.body_len != strlen(chunked_body) ||
        memcmp(body, chunked_body, r.body_len) != 0 || !r.has_date ||
        strcmp(r.content_type, "application/json") != 0 || r.status != 200) {
      if (split_ok-- > -2) printf("# split at %zu failed (k=%zd)\n", i, k);
    }
  }
  CHECK(split_ok == 1, "chunked response split into two reads at every byte");
  size_t cuts[sizeof chunked];
  for (size_t i = 0; i < n; i++) cuts[i] = i + 1;
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_split(&r, chunked, n, cuts, n - 1), n, "chunked response fed one byte at a time");
  CHECK(r.complete && memcmp(body, chunked_body, strlen(chunked_body)) == 0,
        "one byte at a time gives the same body");
  CHECK_STR(r.content_type, "application/json", "content-type assembled from one-byte pieces");

  /* leftover bytes stay with the caller */
  char two[1024];
  snprintf(two, sizeof two, "%s%s", cl, cl);
  http_resp_init(&r, false, NULL, 0);
  CHECK_INT(http_resp_feed(&r, guarded(two, strlen(two)), strlen(two)), strlen(cl),
            "two pipelined responses: first feed stops at the end of the first");
  CHECK(r.complete, "first of two pipelined responses complete");
  CHECK_INT(http_resp_feed(&r, two, 3), 0, "feeding a completed response consumes nothing");
  http_resp_init(&r, false, NULL, 0);
  CHECK_INT(feed_all(&r, two + strlen(cl)), strlen(cl), "second pipelined response parses after re-init");
  CHECK_INT(r.body_len, 2, "body counted without a capture buffer");

  /* close-delimited */
  const char *cd = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, cd), strlen(cd), "close-delimited body consumed");
  CHECK(!r.complete, "close-delimited body not complete before EOF");
  CHECK_INT(http_resp_eof(&r), 0, "EOF completes a close-delimited body");
  CHECK(r.complete && !r.keep_alive, "close-delimited response complete, not keep-alive");
  CHECK_INT(r.body_len, 13, "close-delimited body length");
  CHECK(memcmp(body, "until the end", 13) == 0, "close-delimited body bytes");

  /* bodiless */
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  http_resp_init(&r, true, body, sizeof body);
  CHECK_INT(feed_all(&r, head), strlen(head), "HEAD response with Content-Length: 100 consumed");
  CHECK(r.complete && r.body_len == 0, "HEAD response complete after headers");
  CHECK_INT(r.content_length, 100, "HEAD response still reports content-length");
  CHECK(r.keep_alive, "HEAD response keeps alive");
  const char *nc = "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, nc), strlen(nc), "204 consumed");
  CHECK(r.complete && r.status == 204 && r.body_len == 0, "204 complete without body");
  const char *nm = "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, nm), strlen(nm), "304 with Content-Length consumed");
  CHECK(r.complete && r.status == 304 && r.body_len == 0, "304 complete without body");

  /* connection management */
  const char *cc = "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, cc), strlen(cc), "Connection: close response consumed");
  CHECK(r.complete && !r.keep_alive && r.status == 404, "Connection: close is not keep-alive");
  const char *h10 = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, h10);
  CHECK(r.complete && !r.keep_alive, "HTTP/1.0 without keep-alive header is not keep-alive");
  const char *h10k = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, h10k);
  CHECK(r.complete && r.keep_alive, "HTTP/1.0 with Connection: keep-alive keeps alive");

  /* headers we look for, and ones we must not mistake for them */
  const char *odd = "HTTP/1.1 200 OK\r\nX-Date: no\r\ncontent-TYPE: a/b\r\nX-Content-Type-Options: nosniff\r\n"
                    "X-A-Very-Long-Header-Name-Longer-Than-Thirty-Two-Bytes-Content-Type: c/d\r\n"
                    "Content-Length: 0\r\n\r\n";
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, odd);
  CHECK(r.complete && !r.has_date, "X-Date is not a Date header");
  CHECK_STR(r.content_type, "a/b", "header names match case-insensitively, long names ignored");
  char longct[512];
  snprintf(longct, sizeof longct, "HTTP/1.1 200 OK\r\nContent-Type: %0300d\r\nContent-Length: 0\r\n\r\n", 0);
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, longct), strlen(longct), "300-byte content-type consumed");
  CHECK_INT(strlen(r.content_type), sizeof r.content_type - 1, "long content-type truncated to the buffer");
  http_resp_init(&r, false, body, 4);
  feed_all(&r, cl);
  http_resp_init(&r, false, body, 1);
  feed_all(&r, cl);
  CHECK(r.complete && r.body_truncated && r.body_len == 2 && body[0] == 'o',
        "body larger than the capture buffer: truncated, still counted");

  /* malformed */
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "garbage\r\n\r\n"), -1, "non-HTTP bytes are malformed");
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "HTTP/1.1 2x0 OK\r\n\r\n"), -1, "non-numeric status is malformed");
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), -1,
            "bad chunk size is malformed");
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), -1,
            "non-numeric content-length is malformed");
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), -1,
            "two content-lengths are malformed");
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(feed_all(&r, "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"), -1, "header line without colon is malformed");
  CHECK_INT(http_resp_eof(&r), -1, "EOF after a malformed response is an error");

  /* EOF too early */
  http_resp_init(&r, false, body, sizeof body);
  CHECK_INT(http_resp_eof(&r), -1, "EOF before any byte");
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Le");
  CHECK_INT(http_resp_eof(&r), -1, "EOF mid-headers");
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  CHECK_INT(http_resp_eof(&r), -1, "EOF mid-body (content-length)");
  http_resp_init(&r, false, body, sizeof body);
  feed_split(&r, chunked, n - 5, NULL, 0);
  CHECK_INT(http_resp_eof(&r), -1, "EOF mid-body (chunked, before the last chunk)");
  http_resp_init(&r, false, body, sizeof body);
  feed_all(&r, cl);
  CHECK_INT(http_resp_eof(&r), 0, "EOF after a complete response is fine");

  if (guard_base) munmap(guard_base, guard_pages * (size_t)sysconf(_SC_PAGESIZE));
  return check_done("test_http_resp");
}
