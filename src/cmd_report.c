/* cmd_report.c: placeholder until its issue lands; says so and fails. */
#include <stdio.h>
#include "cmd.h"

int cmd_report(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "pocbench report: not built yet\n");
  return EXIT_FAIL;
}
