/* cmd_run.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_run(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench run: not built yet\n");
  return EXIT_FAIL;
}
