/* main.c: pocbench's entry point. It only dispatches to a subcommand (cmd.h); every
 * subcommand parses its own options, so `pocbench <cmd> --help` is owned by that command. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "sysinfo.h"

/* `git describe --always --dirty` at build time (mk/pocbench.mk) */
#ifndef POCBENCH_VERSION
#define POCBENCH_VERSION "unknown"
#endif

struct subcommand {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
};

static const struct subcommand cmds[] = {
  {"load", cmd_load, "load generator with k6 semantics (VU and arrival-rate models, thresholds)"},
  {"verify", cmd_verify, "check a service against the endpoint contract before measuring it"},
  {"run", cmd_run, "the study: test types x contenders x endpoints under CPU/memory limits"},
  {"capacity", cmd_capacity, "breaking points (highest rate within an SLO) and a concurrency sweep"},
  {"report", cmd_report, "write REPORT.md and report.html from a results directory"},
  {"k8s", cmd_k8s, "render Kubernetes manifests / run the study on a cluster"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: pocbench <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
  fprintf(f, "\n`pocbench <command> --help` describes each command's options; "
             "`pocbench --version` the build.\n"
             "exit codes: 0 ok, 99 thresholds crossed, 104 invalid configuration, "
             "105 interrupted, 1 other failures\n");
}

int main(int argc, char **argv) {
  if (argc < 2) { usage(stderr); return EXIT_CONFIG; }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return EXIT_OK;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    char libs[512];
    printf("pocbench %s\nbuilt with %s\n", POCBENCH_VERSION, sysinfo_build_line(libs, sizeof libs));
    return EXIT_OK;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "pocbench: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return EXIT_CONFIG;
}
