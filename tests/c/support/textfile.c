/* textfile.c: see textfile.h. Tests read back the files pocbench wrote (exports, CSV series,
 * captured stdout) and count occurrences of a line or key; one copy of that here instead of one
 * per test program. */
#include "textfile.h"
#include <stdio.h>
#include <string.h>

size_t textfile_slurp(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  return n;
}

int textfile_count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}
