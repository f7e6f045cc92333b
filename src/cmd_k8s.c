/* cmd_k8s.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_k8s(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench k8s: not built yet\n");
  return EXIT_FAIL;
}
