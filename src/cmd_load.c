/* cmd_load.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_load(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench load: not built yet\n");
  return EXIT_FAIL;
}
