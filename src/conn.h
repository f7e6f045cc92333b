/* conn.h: one keep-alive HTTP/1.1 client connection driven by an epoll loop (one per VU).
 * Owner: load engine. Not thread-safe: a conn belongs to the thread whose epoll set holds it.
 * Nothing here allocates after target_init; the read buffer is the thread's, shared by its conns
 * because every read is parsed before the next one. Times are CLOCK_MONOTONIC ns. */
#ifndef CONN_H
#define CONN_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "http_resp.h"
#include "load.h"

/* Where requests go and their bytes, built once per run and shared read-only by all threads. */
struct target {
  struct sockaddr_storage addr;
  socklen_t addrlen;
  char host[256];          /* as written in the URL, for Host: */
  char *req;               /* the whole request, prebuilt */
  size_t req_len;
  bool head;               /* HEAD: responses carry no body */
};
/* Parses o->url (http://host[:port][/path]), resolves host, prebuilds the request from method,
 * headers and body. 0, or -EINVAL with a message naming the URL in err. */
int target_init(struct target *t, const struct load_opts *o, char *err, size_t errlen);
void target_free(struct target *t);

struct conn_ctx {
  int ep;                  /* the thread's epoll fd */
  const struct target *tg;
  char *rbuf;              /* the thread's read buffer */
  size_t rcap;
  bool rx_ts;              /* take response times from the kernel (SO_TIMESTAMPNS) */
  int64_t rt_off;          /* CLOCK_REALTIME - CLOCK_MONOTONIC (ns), refreshed by the engine at each
                            * wake: converts the kernel's receive timestamps (SO_TIMESTAMPNS) */
  int64_t *n_want_out;     /* optional: how many conns wait for EPOLLOUT (a connect or a partial
                            * write, neither timestamped by the kernel: the engine must not defer) */
};

enum conn_state { CS_CLOSED, CS_IDLE, CS_CONNECTING, CS_WRITING, CS_READING };

/* Timestamps of the request in progress (0 = not reached); semantics doc 2.2. */
struct req_times {
  int64_t start;           /* asked for a connection */
  int64_t conn_start, conn_done;
  int64_t got_conn, written, first_byte;
  int64_t done;            /* the response's last byte arrived (kernel receive time when known) */
  int64_t last_rx;         /* the last bytes read arrived (kernel time when known): a close-delimited
                            * body's end, since the FIN that marks it carries no timestamp */
};

struct conn {
  int fd;                  /* -1 when closed */
  enum conn_state state;
  bool reused;             /* this request went out on a kept-alive connection */
  bool retried;            /* already retried once on a fresh connection */
  bool want_out;           /* EPOLLOUT registered */
  bool new_conn;           /* this request opened a connection (connecting > 0) */
  size_t woff;
  struct req_times tm;
  struct http_resp resp;
  int status;              /* HTTP status, 0 for transport errors */
  int cause;               /* enum fail_cause, or -1 for success */
  uint64_t sent, received; /* wire bytes of this request */
  uint64_t epoll_tag;      /* the engine's tag (low 32 bits of epoll_event.data.u64) */
  uint32_t gen;            /* socket generation (high 32 bits): drops events of a closed fd */
};

void conn_init(struct conn *c, uint64_t epoll_tag);
/* Starts a request at now, reusing an idle connection or connecting. Returns 1 if the request
 * is already finished (an immediate connect error), 0 if pending. */
int conn_begin(struct conn *c, const struct conn_ctx *x, int64_t now);
/* Handles epoll events. Returns 1 when the request finished (c->cause/c->status say how),
 * 0 while pending or for an idle connection (which is closed if the peer closed it). */
int conn_on_event(struct conn *c, const struct conn_ctx *x, uint32_t events, int64_t now);
/* Fails the request in flight with cause (timeout, interrupted) and closes the connection. */
void conn_fail(struct conn *c, const struct conn_ctx *x, int cause);
void conn_close(struct conn *c, const struct conn_ctx *x);
bool conn_busy(const struct conn *c);

/* The 2.2 timings of the finished request, ending at end: out[] indexed by enum trend_id
 * (blocked, connecting, sending, waiting, receiving, duration; others untouched). */
void conn_timings(const struct conn *c, int64_t end, int64_t out[T_COUNT]);

#endif
