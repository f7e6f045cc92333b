/* cmd.h: the subcommands of pocbench and the exit codes they share.
 * Each cmd_* takes the arguments after its own name (argv[0] is the subcommand name),
 * prints its own errors once, and returns the process exit status. */
#ifndef CMD_H
#define CMD_H

/* Exit codes follow k6 where k6 has one. */
enum {
  EXIT_OK = 0,
  EXIT_FAIL = 1,            /* any other failure */
  EXIT_THRESHOLDS = 99,     /* one or more thresholds crossed */
  EXIT_CONFIG = 104,        /* invalid options, config file, threshold expression */
  EXIT_INTERRUPTED = 105,   /* SIGINT / SIGTERM */
};

int cmd_load(int argc, char **argv);      /* src/cmd_load.c     k6-compatible load generator */
int cmd_verify(int argc, char **argv);    /* src/cmd_verify.c   endpoint-contract conformance */
int cmd_run(int argc, char **argv);       /* src/cmd_run.c      the study's matrix under limits */
int cmd_capacity(int argc, char **argv);  /* src/cmd_capacity.c breaking points, concurrency sweep */
int cmd_report(int argc, char **argv);    /* src/cmd_report.c   REPORT.md + report.html */
int cmd_k8s(int argc, char **argv);       /* src/cmd_k8s.c      manifests for, and the study on, k8s */

/* The directory holding the pocbench binary's repository checkout (for apps/, profiles/),
 * from $POCBENCH_ROOT, else derived from /proc/self/exe (<root>/build/pocbench), else ".".
 * Returns a static string. */
const char *pocbench_root(void);

#endif
