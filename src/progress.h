/* progress.h: the live progress block of pocbench load (semantics doc 6), rendered from a
 * snapshot of counters so the engine's main thread can print it without touching the workers.
 * Owner: load engine. Pure and thread-safe. */
#ifndef PROGRESS_H
#define PROGRESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "load.h"

struct progress_snap {
  int64_t elapsed_ns;
  int64_t active;          /* VUs running an iteration (arrival-rate) or active (closed) */
  int64_t init;            /* initialised VUs */
  int64_t max_vus;         /* most VUs the run can have (for zero padding) */
  uint64_t complete, interrupted;
  bool done;
};

/* Writes the two-line block (no trailing newline on the last line, lines separated by '\n').
 * tty: a 38-cell bar, else a percentage. Returns buf. */
char *progress_render(char *buf, size_t n, const struct load_opts *o, const struct progress_snap *p, bool tty);
/* The fixed-width elapsed form chosen by max_ns, rounded to 0.1 s: "4.2s", "0m45.0s", ... */
char *progress_elapsed(char *buf, size_t n, int64_t ns, int64_t max_ns);

#endif
