/* cmd_verify.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_verify(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench verify: not built yet\n");
  return EXIT_FAIL;
}
