/* cmd_capacity.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_capacity(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench capacity: not built yet\n");
  return EXIT_FAIL;
}
