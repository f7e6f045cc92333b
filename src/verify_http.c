/* verify_http.c: the blocking HTTP/1.1 client verify and svc_wait_healthy use (verify_http.h).
 *
 * One request, then read until http_resp says the response is complete. Deliberately simple:
 * blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO rather than an event loop, because verify
 * checks correctness, not speed; the one concurrent check (/io) drives its own poll() loop
 * with vhttp_send and a non-blocking parse. Bytes after a complete response are an error:
 * verify never pipelines, so a server sending them has broken framing. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "verify_http.h"

int vhttp_connect(const char *host, int port, int timeout_ms) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  int gai = getaddrinfo(host, portstr, &hints, &res);
  if (gai != 0) return gai == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
  int rc = -ECONNREFUSED;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) { rc = -errno; continue; }
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    rc = -errno;
    close(fd);
  }
  freeaddrinfo(res);
  return rc;
}

void vhttp_host_header(const char *host, int port, char *out, size_t outlen) {
  if (strchr(host, ':')) snprintf(out, outlen, "[%s]:%d", host, port);
  else snprintf(out, outlen, "%s:%d", host, port);
}

int vhttp_send(int fd, const char *method, const char *host_hdr, const char *path) {
  char req[2048];
  int n = snprintf(req, sizeof req,
                   "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pocbench-verify\r\nAccept: */*\r\n"
                   "Connection: keep-alive\r\n\r\n", method, path, host_hdr);
  if (n < 0 || (size_t)n >= sizeof req) return -ENAMETOOLONG;
  size_t off = 0;
  while (off < (size_t)n) {
    ssize_t k = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
    if (k < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    off += (size_t)k;
  }
  return 0;
}

int vhttp_recv(int fd, bool head, struct http_resp *r, char *buf, size_t cap) {
  char in[65536];
  http_resp_init(r, head, buf, cap);
  for (;;) {
    ssize_t n = recv(fd, in, sizeof in, 0);
    if (n < 0) {
      if (errno == EWOULDBLOCK || errno == EAGAIN) return -EAGAIN;
      return -errno;
    }
    if (n == 0) return http_resp_eof(r) == 0 ? 0 : -ECONNRESET;
    ssize_t k = http_resp_feed(r, in, (size_t)n);
    if (k < 0) return -EPROTO;
    if (r->complete) return k == n ? 0 : -EPROTO;
  }
}

int vhttp_request(int fd, const char *method, const char *host_hdr, const char *path,
                  struct http_resp *r, char *buf, size_t cap) {
  int rc = vhttp_send(fd, method, host_hdr, path);
  if (rc < 0) return rc;
  return vhttp_recv(fd, !strcmp(method, "HEAD"), r, buf, cap);
}
