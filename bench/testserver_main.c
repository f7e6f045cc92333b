/* testserver_main.c: the tests' HTTP server as a standalone process for bench/ scripts.
 * usage: testserver [PORT [MODE [DELAY_MS]]]; prints the bound port on stdout, serves forever
 * (single-threaded epoll; MODE 0 = normal keep-alive "hello"). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "support/testserver.h"

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int fd = testserver_listen(&port);
  if (fd < 0) {
    fprintf(stderr, "testserver: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  printf("%d\n", port);
  fflush(stdout);
  signal(SIGPIPE, SIG_IGN);
  static struct ts_counters ctr;
  testserver_serve(fd, argc > 2 ? (enum ts_mode)atoi(argv[2]) : TS_NORMAL, argc > 3 ? atoi(argv[3]) : 0, &ctr);
  return 0;
}
