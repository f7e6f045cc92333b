/* root.c: where the repository is, so subcommands find apps/ and profiles/ from any cwd.
 * $POCBENCH_ROOT wins; otherwise the binary is assumed to be <root>/build/pocbench
 * (also <root>/build/asan/pocbench); otherwise the current directory. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"

const char *pocbench_root(void) {
  static char root[PATH_MAX];
  if (root[0]) return root;
  const char *env = getenv("POCBENCH_ROOT");
  if (env && *env) {
    snprintf(root, sizeof root, "%s", env);
    return root;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *p = strstr(exe, "/build/");
    if (p) {
      *p = '\0';
      snprintf(root, sizeof root, "%s", exe);
      return root;
    }
  }
  snprintf(root, sizeof root, ".");
  return root;
}
