/* main.c: the C contender's process: environment, listening socket, signals, event loop, drain.
 *
 * One process, one thread, one h2o evloop (epoll). The listener and a signalfd are both sockets
 * of that loop, so SIGTERM is handled as an ordinary event with no race between a flag and
 * epoll_wait (a plain signal handler was rejected for that reason). On SIGTERM or SIGINT the
 * listener is closed, h2o is asked to stop keeping connections alive, and the loop keeps running
 * until every request already handed to the handler has been fully written (or DRAIN_MS has
 * passed); then the process exits 0. Idle keep-alive connections are simply closed.
 * HOST (default 0.0.0.0) and PORT (default 8080) come from the environment; PORT=0 takes a free
 * port. CAPP_JSON picks how /json numbers reach yajl (payload.h). One line on stderr says where
 * it listens; nothing is logged per request. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "app.h"
#include "metrics.h"
#include "payload.h"

#define DRAIN_MS 10000
#define ACCEPTS_PER_WAKEUP 16
#define MAX_BODY (64 * 1024)

static h2o_globalconf_t config;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;
static bool stopping;

static void on_accept(h2o_socket_t *listener, const char *err) {
  if (err) return;
  for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (!sock) return;
    int one = 1;
    setsockopt(h2o_socket_get_fd(sock), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    h2o_accept(&accept_ctx, sock);
  }
}

static void on_signal(h2o_socket_t *sock, const char *err) {
  (void)err;
  struct signalfd_siginfo si;
  while (read(h2o_socket_get_fd(sock), &si, sizeof si) == (ssize_t)sizeof si) stopping = true;
}

/* Binds and listens on host:port. The fd (non-blocking), or -1 with a message on stderr. */
static int listen_on(const char *host, const char *port) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *res, *ai;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "c-h2o: HOST=%s PORT=%s: %s\n", host, port, gai_strerror(rc));
    return -1;
  }
  int fd = -1, saved = 0;
  for (ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      saved = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0) break;
    saved = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) fprintf(stderr, "c-h2o: listen on %s:%s: %s\n", host, port, strerror(saved));
  return fd;
}

static int bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(void) {
  const char *host = getenv("HOST"), *port = getenv("PORT");
  if (!host || !*host) host = "0.0.0.0";
  if (!port || !*port) port = "8080";
  char *end;
  long p = strtol(port, &end, 10);
  if (*end || p < 0 || p > 65535) {
    fprintf(stderr, "c-h2o: PORT=%s: not a port number (0-65535)\n", port);
    return 2;
  }

  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) {
    perror("c-h2o: signalfd");
    return 1;
  }

  const char *json = getenv("CAPP_JSON");
  enum payload_json_mode jmode = PAYLOAD_JSON_DIGITS;
  if (json && *json && strcmp(json, "digits") != 0) {
    if (strcmp(json, "yajl-integer") != 0) {
      fprintf(stderr, "c-h2o: CAPP_JSON=%s: expected digits or yajl-integer\n", json);
      return 2;
    }
    jmode = PAYLOAD_JSON_YAJL_INTEGER;
  }

  metrics_init();
  if (payload_init(jmode) < 0) {
    fprintf(stderr, "c-h2o: out of memory\n");
    return 1;
  }
  h2o_config_init(&config);
  config.server_name = h2o_iovec_init(H2O_STRLIT("c-h2o"));
  /* no route takes a body: refuse big ones (413) instead of buffering up to h2o's 1 GiB default */
  config.max_request_entity_size = MAX_BODY;
  h2o_hostconf_t *hostconf =
      h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
  h2o_evloop_t *loop = h2o_evloop_create();
  h2o_context_init(&ctx, loop, &config);
  if (app_init(pathconf, loop) < 0) {
    fprintf(stderr, "c-h2o: out of memory\n");
    return 1;
  }
  h2o_context_init_pathconf_context(&ctx, pathconf);
  accept_ctx.ctx = &ctx;
  accept_ctx.hosts = config.hosts;

  int lfd = listen_on(host, port);
  if (lfd < 0) return 1;
  h2o_socket_t *listener = h2o_evloop_socket_create(loop, lfd, H2O_SOCKET_FLAG_DONT_READ);
  h2o_socket_read_start(listener, on_accept);
  h2o_socket_t *sigsock = h2o_evloop_socket_create(loop, sfd, H2O_SOCKET_FLAG_DONT_READ);
  h2o_socket_read_start(sigsock, on_signal);
  fprintf(stderr, "c-h2o: listening on %s:%d (h2o %s evloop, one thread, /json numbers: %s)\n",
          host, bound_port(lfd), H2O_VERSION,
          jmode == PAYLOAD_JSON_DIGITS ? "digits" : "yajl-integer");

  while (!stopping) h2o_evloop_run(loop, INT32_MAX);

  h2o_socket_read_stop(listener);
  h2o_socket_close(listener);
  h2o_context_request_shutdown(&ctx);
  uint64_t deadline = now_ms() + DRAIN_MS;
  while (app_live_requests() > 0 && now_ms() < deadline) h2o_evloop_run(loop, 10);
  size_t left = app_live_requests();
  if (left) fprintf(stderr, "c-h2o: drain timed out with %zu requests in flight\n", left);

  h2o_socket_read_stop(sigsock);
  h2o_socket_close(sigsock);
  payload_free();
  return 0;
}
