/* testserver.h: a misbehaving HTTP/1.1 server for the load engine's integration tests.
 * It runs in a forked child process (so a test can SIGSTOP it), listens on 127.0.0.1 port 0
 * and serves every connection the same way, chosen by mode. One epoll loop and a timerfd: delays
 * are exact to the timer's resolution without a thread or a sleep per request.
 * Counters live in a MAP_SHARED page, readable by the parent while the child runs. */
#ifndef TESTSERVER_H
#define TESTSERVER_H
#include <stdint.h>
#include <sys/types.h>

enum ts_mode {
  TS_NORMAL,            /* 200, Content-Length: 5, keep-alive (to HEAD: the headers alone) */
  TS_CLOSE,             /* 200 with Connection: close, then close */
  TS_STALL,             /* read the request, never answer */
  TS_CHUNKED_SPLIT,     /* chunked body, every byte of the response in its own write, 200 us apart */
  TS_GARBAGE,           /* bytes that are not HTTP */
  TS_CLOSE_DELIMITED,   /* 200 without length or chunking, body ends at close */
  TS_RESET_MID_BODY,    /* headers promise 100 bytes, 5 are sent, then RST (SO_LINGER 0) */
  TS_DELAY,             /* 200 after exactly delay_ms (also "answer after the timeout") */
  TS_IDLE_CLOSE,        /* 200 keep-alive, then close the idle connection after delay_ms */
  /* appended (bench/testserver_main.c takes the mode as its number) */
  TS_STATUS_404,        /* 404 Not Found, Content-Length: 9, keep-alive */
  TS_STATUS_503,        /* 503 Service Unavailable, Content-Length: 4, keep-alive */
  TS_STATUS_304,        /* 304 Not Modified: no body by definition, keep-alive */
  TS_STATUS_302,        /* 302 Found with a Location (never followed by us), Content-Length: 0 */
  TS_STATUS_MIXED,      /* the server's requests 1, 3, 5, ... get 200, 2, 4, 6, ... get 503 */
  TS_EOF_MID_BODY,      /* headers promise 100 bytes, 5 are sent, then a clean close (FIN) */
  TS_STATUS_204,        /* 204 No Content: no length, no body by definition, keep-alive */
};

struct ts_counters {
  volatile uint64_t accepted, requests, responses;
};

struct testserver {
  pid_t pid;
  int port;
  struct ts_counters *ctr;   /* shared with the child */
};

/* Forks the server. 0, or -errno. */
int testserver_start(struct testserver *s, enum ts_mode mode, int delay_ms);
/* SIGKILLs and reaps the child, unmaps the counters. */
void testserver_stop(struct testserver *s);
/* Runs the server in the calling process until killed (for a standalone binary). */
void testserver_serve(int listen_fd, enum ts_mode mode, int delay_ms, struct ts_counters *ctr);
/* A listening socket on 127.0.0.1:port (0 = any), non-blocking; *port gets the bound port. */
int testserver_listen(int *port);

#endif
