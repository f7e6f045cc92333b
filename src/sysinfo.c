/* sysinfo.c: machine, kernel, git and toolchain facts for run.json.
 * Everything is read from /proc, uname(2), the libraries' own version calls and, for tools
 * outside pocbench (git, python3, go, gcc), their --version output. A missing tool is null,
 * never an error: run.json must be written on any machine the study runs on. */
#if defined(__GNUC__) && !defined(__clang__)
/* paths and messages are bounded on purpose; snprintf truncates, never overflows */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <openssl/opensslv.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_version.h>
#include "runner_json.h"
#include "sysinfo.h"

char *sysinfo_cmd_line(const char *cmd, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *p = popen(cmd, "r");
  if (!p) return buf;
  if (!fgets(buf, (int)cap, p)) buf[0] = '\0';
  while (fgetc(p) != EOF) {}
  pclose(p);
  buf[strcspn(buf, "\r\n")] = '\0';
  return buf;
}

char *sysinfo_build_line(char *buf, size_t cap) {
  unsigned long hp = http_parser_version();
  snprintf(buf, cap, "libyajl %d.%d.%d, %s, http-parser %lu.%lu.%lu, compiler %s%s", YAJL_MAJOR,
           YAJL_MINOR, YAJL_MICRO, OPENSSL_VERSION_TEXT, (hp >> 16) & 255, (hp >> 8) & 255, hp & 255,
#if defined(__clang__)
           "",          /* __VERSION__ says "... Clang 14.0.6" itself */
#else
           "gcc ",
#endif
           __VERSION__);
  return buf;
}

/* Value after "key<sep>" on the first matching line of a /proc-style file. */
static int file_field(const char *path, const char *key, char *out, size_t cap) {
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  char line[512];
  size_t kl = strlen(key);
  int rc = -1;
  while (rc && fgets(line, sizeof line, f)) {
    if (strncmp(line, key, kl)) continue;
    char *v = line + kl;
    while (*v == ' ' || *v == '\t' || *v == ':' || *v == '=') v++;
    v[strcspn(v, "\n")] = '\0';
    size_t vl = strlen(v);
    if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') { v[vl - 1] = '\0'; v++; }
    snprintf(out, cap, "%s", v);
    rc = 0;
  }
  fclose(f);
  return rc;
}

static void kcmd(yajl_gen g, const char *key, const char *cmd) {
  char buf[512];
  sysinfo_cmd_line(cmd, buf, sizeof buf);
  js_kstr(g, key, buf[0] ? buf : NULL);
}

void sysinfo_git(yajl_gen g, const char *root) {
  char cmd[1024], buf[64];
  js_key(g, "git");
  yajl_gen_map_open(g);
  snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD 2>/dev/null", root);
  kcmd(g, "commit", cmd);
  snprintf(cmd, sizeof cmd, "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null | head -c 1 | wc -c", root);
  sysinfo_cmd_line(cmd, buf, sizeof buf);
  js_kbool(g, "dirty", atoi(buf) > 0);
  yajl_gen_map_close(g);
}

void sysinfo_write(yajl_gen g, const char *root) {
  char buf[512];
  js_key(g, "machine");
  yajl_gen_map_open(g);
  js_kstr(g, "hostname", gethostname(buf, sizeof buf) == 0 ? buf : NULL);
  js_kstr(g, "cpu_model", file_field("/proc/cpuinfo", "model name", buf, sizeof buf) == 0 ? buf : NULL);
  js_kint(g, "cores", sysconf(_SC_NPROCESSORS_ONLN));
  long long memkb = 0;
  if (file_field("/proc/meminfo", "MemTotal", buf, sizeof buf) == 0) memkb = atoll(buf);
  js_kint(g, "memory_bytes", memkb * 1024);
  js_kstr(g, "os", file_field("/etc/os-release", "PRETTY_NAME", buf, sizeof buf) == 0 ? buf : NULL);
  yajl_gen_map_close(g);

  struct utsname u;
  js_key(g, "kernel");
  yajl_gen_map_open(g);
  if (uname(&u) == 0) {
    js_kstr(g, "release", u.release);
    js_kstr(g, "version", u.version);
    js_kstr(g, "machine", u.machine);
  }
  yajl_gen_map_close(g);

  sysinfo_git(g, root);

  js_key(g, "tools");
  yajl_gen_map_open(g);
  js_kstr(g, "pocbench_compiler", __VERSION__);
  snprintf(buf, sizeof buf, "%d.%d.%d", YAJL_MAJOR, YAJL_MINOR, YAJL_MICRO);
  js_kstr(g, "libyajl", buf);
  js_kstr(g, "openssl", OPENSSL_VERSION_TEXT);
  unsigned long hp = http_parser_version();
  snprintf(buf, sizeof buf, "%lu.%lu.%lu", (hp >> 16) & 255, (hp >> 8) & 255, hp & 255);
  js_kstr(g, "http_parser", buf);
  kcmd(g, "python3", "python3 --version 2>&1");
  kcmd(g, "go", "go version 2>/dev/null");
  kcmd(g, "gcc", "gcc --version 2>/dev/null");
  kcmd(g, "libc", "ldd --version 2>&1");
  yajl_gen_map_close(g);
}
