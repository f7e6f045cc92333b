/* fuzz_options.c: the options parser on hostile input: a k6 options JSON file and argv.
 * Input layout: bytes before the first NUL are the --config file (absent if there is no NUL or
 * it is empty), the rest is argv after "load", one argument per '\n'. Runs parse, config load,
 * finalize, threshold evaluation on empty stats, the header and options_free: nothing may
 * crash, leak or read out of bounds, and every error must come with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "load.h"

static char cfg_path[64];
static FILE *devnull;

static void cleanup(void) { unlink(cfg_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  snprintf(cfg_path, sizeof cfg_path, "/tmp/fuzz_options.%d.json", (int)getpid());
  devnull = fopen("/dev/null", "w");
  atexit(cleanup);
  if (!freopen("/dev/null", "w", stdout)) return 0;   /* --help prints the usage */
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t cfg_len = nul ? (size_t)(nul - data) : 0;
  const uint8_t *rest = nul ? nul + 1 : data;
  size_t rest_len = size - (size_t)(rest - data);

  char *args = malloc(rest_len + 1);
  if (!args) return 0;
  memcpy(args, rest, rest_len);
  args[rest_len] = '\0';
  char *argv[68];   /* "load", 63 arguments, --config PATH, NULL */
  int argc = 0;
  argv[argc++] = "load";
  for (char *p = args; argc < 64;) {   /* at most 63 arguments from the input */
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    if (*p || nl) argv[argc++] = p;
    if (!nl) break;
    p = nl + 1;
  }
  if (cfg_len) {
    FILE *f = fopen(cfg_path, "wb");
    if (f) { fwrite(data, 1, cfg_len, f); fclose(f); }
    argv[argc++] = "--config";
    argv[argc++] = cfg_path;
  }
  argv[argc] = NULL;

  struct load_opts o;
  char err[512] = "";
  int rc = options_parse_args(argc, argv, &o, err, sizeof err);
  if (rc == 0) rc = options_finalize(&o, err, sizeof err);
  if (rc < 0 && rc != -12 && !err[0]) abort();   /* every rejection must say why */
  if (rc == 0) {
    struct load_stats s;
    memset(&s, 0, sizeof s);
    thresholds_eval(&o, &s);
    summary_print_header(devnull, &o);
  }
  options_free(&o);
  free(args);
  return 0;
}
