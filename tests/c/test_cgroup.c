/* test_cgroup.c: src/cgroup.c on this machine's real cgroups (v1 or v2): create a leaf, set
 * limits, put a busy child in and see it throttled, an allocating child OOM-killed, and
 * teardown leave nothing behind. Needs root; without it, says so and fails. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "check.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Child: joins cg, then runs fn. Returns pid. */
static pid_t spawn_in(const struct cgroup *cg, void (*fn)(void)) {
  pid_t pid = fork();
  if (pid == 0) {
    if (cg_attach(cg, getpid()) < 0) _exit(3);
    fn();
    _exit(0);
  }
  return pid;
}

static void busy(void) {
  double end = now_s() + 1.0;
  volatile unsigned long x = 0;
  while (now_s() < end) x++;
}

static void hog(void) {
  size_t n = 128u << 20;
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(4);
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  _exit(0);
}

static void sleeper(void) {
  if (fork() == 0) { pause(); _exit(0); }   /* a grandchild too: killed by membership */
  pause();
}

static int read_file(const char *dir, const char *name, char *buf, size_t cap) {
  char p[PATH_MAX + 64];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "r");
  if (!f) return -errno;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

int main(void) {
  char err[1024] = "";
  struct cg_sys sys;
  if (geteuid() != 0) {
    printf("not ok - running as root (cgroups cannot be created otherwise)\n");
    return 1;
  }
  CHECK(cg_detect(&sys, err, sizeof err) == 0, "cgroup hierarchy detected");
  if (err[0]) printf("# %s\n", err);
  printf("# version %d cpu=%s cpuacct=%s memory=%s v2=%s\n", sys.version, sys.cpu_base,
         sys.cpuacct_base, sys.mem_base, sys.v2_base);

  char top[64], rel[128];
  snprintf(top, sizeof top, "poc-compare-test/%d", (int)getpid());
  snprintf(rel, sizeof rel, "%s/leaf", top);
  struct cgroup cg;
  CHECK(cg_create(&sys, rel, &cg, err, sizeof err) == 0, "leaf created three levels deep");
  CHECK(cg_exists(&sys, rel), "leaf exists after create");
  CHECK(cg_create(&sys, rel, &cg, err, sizeof err) == 0, "creating an existing leaf reuses it");

  CHECK(cg_set_limits(&cg, 100, 64u << 20, err, sizeof err) == 0, "100m CPU and 64Mi set");
  char buf[128];
  if (cg.version == CG_V1) {
    read_file(cg.cpu, "cpu.cfs_quota_us", buf, sizeof buf);
    CHECK_STR(buf, "10000", "100m is a 10000 us quota");
    read_file(cg.cpu, "cpu.cfs_period_us", buf, sizeof buf);
    CHECK_STR(buf, "100000", "period is 100000 us");
    read_file(cg.mem, "memory.limit_in_bytes", buf, sizeof buf);
    CHECK_STR(buf, "67108864", "memory limit is 64Mi in bytes");
  } else {
    read_file(cg.cpu, "cpu.max", buf, sizeof buf);
    CHECK_STR(buf, "10000 100000", "cpu.max is quota and period");
    read_file(cg.mem, "memory.max", buf, sizeof buf);
    CHECK_STR(buf, "67108864", "memory.max is 64Mi in bytes");
  }
  const char *files[5];
  size_t nf = cg_procs_files(&cg, files);
  CHECK(nf >= 1 && files[nf] == NULL, "procs file list is NULL-terminated");

  struct cg_stats before, after;
  CHECK(cg_read(&cg, &before) == 0, "stats readable on an empty group");
  double t0 = now_s();
  pid_t pid = spawn_in(&cg, busy);
  int st = 0;
  waitpid(pid, &st, 0);
  double wall = now_s() - t0;
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "busy child joined the group and finished");
  CHECK(cg_read(&cg, &after) == 0, "stats readable after the busy child");
  double used = (after.cpu_usage_ns - before.cpu_usage_ns) / 1e9;
  printf("# busy child: wall %.2fs cpu %.3fs periods %llu throttled %llu (%.3fs)\n", wall, used,
         (unsigned long long)after.nr_periods, (unsigned long long)after.nr_throttled,
         after.throttled_ns / 1e9);
  CHECK(used > 0.02, "cpu usage counted for the busy child");
  CHECK(used < 0.1 * wall + 0.12, "busy child held near its 100m quota");
  CHECK(after.nr_periods >= 5, "enforcement periods counted");
  CHECK(after.nr_throttled >= 3, "busy child throttled");
  CHECK(after.throttled_ns > 100000000ull, "throttled time above 100 ms");

  pid = spawn_in(&cg, hog);
  waitpid(pid, &st, 0);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "128Mi allocation in 64Mi killed by SIGKILL");
  CHECK(cg_read(&cg, &after) == 0, "stats readable after the OOM kill");
  CHECK_INT(after.oom_kills, 1, "one OOM kill counted");
  CHECK(after.mem_peak >= (60u << 20) || !after.has_peak, "memory peak near the limit");
  CHECK(after.mem_peak <= (64u << 20) + (1u << 20), "memory peak never above the limit");

  pid = spawn_in(&cg, sleeper);
  for (int i = 0; i < 200 && cg_nprocs(&cg) < 2; i++) usleep(5000);
  CHECK_INT(cg_nprocs(&cg), 2, "child and grandchild in the group");
  CHECK(cg_kill_all(&cg, 2000000000) == 0, "kill_all empties the group");
  waitpid(pid, &st, 0);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child died of SIGKILL");
  CHECK_INT(cg_nprocs(&cg), 0, "no process left in the group");

  /* a second leaf with a live process: remove_tree kills and removes it too */
  char rel2[160];
  snprintf(rel2, sizeof rel2, "%s/other", top);
  struct cgroup cg2;
  CHECK(cg_create(&sys, rel2, &cg2, err, sizeof err) == 0, "second leaf created");
  pid = spawn_in(&cg2, sleeper);
  for (int i = 0; i < 200 && cg_nprocs(&cg2) < 2; i++) usleep(5000);
  CHECK(cg_remove(&cg) == 0, "empty leaf removed");
  CHECK(cg_remove_tree(&sys, "poc-compare-test") == 0 || !cg_exists(&sys, top),
        "remove_tree with a live process in a leaf");
  waitpid(pid, &st, 0);
  CHECK(!cg_exists(&sys, top), "nothing left of the test's groups");
  cg_remove_tree(&sys, "poc-compare-test");

  struct cg_sys bad = sys;
  snprintf(bad.cpu_base, sizeof bad.cpu_base, "/proc/no-such-cgroup");
  snprintf(bad.v2_base, sizeof bad.v2_base, "%s", bad.v2_base[0] ? "/proc/no-such-cgroup" : "");
  err[0] = '\0';
  CHECK(cg_create(&bad, "x/y", &cg, err, sizeof err) < 0, "create under a missing base fails");
  CHECK(strstr(err, "/proc/no-such-cgroup") != NULL, "error names the path");
  CHECK(strstr(err, "--no-limits") != NULL, "error says what to do");
  return check_done("test_cgroup");
}
