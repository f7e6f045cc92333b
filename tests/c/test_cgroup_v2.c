/* test_cgroup_v2.c: the cgroup v2 path of src/cgroup.c, on a machine without a v2 cpu/memory
 * hierarchy (the development machine and CI are cgroup v1).
 *
 * Part A lays out, in a temp dir, the files cgroup2fs shows (cgroup.controllers,
 * cgroup.subtree_control, cgroup.procs, cgroup.type, cgroup.kill, cpu.max, cpu.stat, memory.max,
 * memory.current, memory.peak or not, memory.events, memory.swap.max) and runs detect / create /
 * set limits / read / kill / remove through the public API, asserting exactly what was written
 * and read. It checks OUR FILE PROTOCOL, not the kernel: a plain directory neither enforces
 * nor updates anything, so between steps the test plays the kernel's part where noted.
 *
 * Part B runs the same code on this machine's real cgroup2 mount (a hybrid system's "unified"
 * hierarchy, where cpu and memory are bound to v1) with the controller the kernel does offer
 * there (e.g. hugetlb) in place of "cpu memory": the no-internal-processes rule (EBUSY), moving
 * our processes into the runner leaf, /proc/self/cgroup, cpu.stat usage, cgroup.kill and rmdir
 * are the kernel's own. It needs root and a cgroup2 mount with a domain controller; otherwise it
 * says it was skipped. CPU quota and memory-limit ENFORCEMENT are checked for real only by
 * test_cgroup (v1), unless this runs on a full v2 machine, where part B uses "cpu memory". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "check.h"

static char T[PATH_MAX];   /* the temp dir; the laid-out cgroup2 mount is T/cg */

/* snprintf that stops the test on truncation (paths here are short by construction) */
static void fmt(char *out, size_t cap, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(out, cap, f, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap) { printf("not ok - path too long: %s\n", out); exit(1); }
}

static void put(const char *dir, const char *name, const char *content) {
  char p[PATH_MAX * 2];
  fmt(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) { printf("not ok - cannot write %s\n", p); exit(1); }
  fputs(content, f);
  fclose(f);
}

/* Whole content of dir/name ("<absent>" when missing). */
static const char *get(const char *dir, const char *name) {
  static char buf[4096];
  char p[PATH_MAX * 2];
  fmt(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "r");
  if (!f) return "<absent>";
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static bool exists(const char *dir, const char *name) {
  char p[PATH_MAX * 2];
  fmt(p, sizeof p, "%s/%s", dir, name);
  return access(p, F_OK) == 0;
}

/* A non-root cgroup directory as cgroupfs creates it when the parent enables ctrls. */
static void lay_group(const char *dir, const char *ctrls, bool with_peak) {
  mkdir(dir, 0755);
  put(dir, "cgroup.type", "domain\n");
  put(dir, "cgroup.controllers", ctrls);
  put(dir, "cgroup.subtree_control", "");
  put(dir, "cgroup.procs", "");
  put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
  put(dir, "cgroup.kill", "");
  put(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
  if (strstr(ctrls, "cpu")) {
    put(dir, "cpu.max", "max 100000\n");
    put(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\n"
                         "throttled_usec 0\nnr_bursts 0\nburst_usec 0\n");
  }
  if (strstr(ctrls, "memory")) {
    put(dir, "memory.max", "max\n");
    put(dir, "memory.current", "0\n");
    put(dir, "memory.swap.max", "max\n");
    put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    if (with_peak) put(dir, "memory.peak", "0\n");
  }
}

/* The kernel removes a cgroup's interface files with its directory; a plain directory needs
 * them gone before rmdir, so the test deletes every regular file under dir. */
static void strip_files(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
    char p[PATH_MAX * 2];
    fmt(p, sizeof p, "%s/%s", dir, e->d_name);
    if (e->d_type == DT_DIR) strip_files(p);
    else unlink(p);
  }
  closedir(d);
}

static void rm_rf(const char *dir) {
  strip_files(dir);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
    char p[PATH_MAX * 2];
    fmt(p, sizeof p, "%s/%s", dir, e->d_name);
    rm_rf(p);
  }
  closedir(d);
  rmdir(dir);
}

static pid_t sleeper_child(void) {
  pid_t pid = fork();
  if (pid == 0) { pause(); _exit(0); }
  return pid;
}

static void part_a_detect(void) {
  char mnt[PATH_MAX + 8], want[PATH_MAX * 2], err[2048] = "";
  fmt(mnt, sizeof mnt, "%s/cg", T);
  struct cg_sys s;
  CHECK_INT(cg_detect_v2_at(&s, mnt, "/user.slice/app.scope", NULL, err, sizeof err), 0,
            "detect: own cgroup from a \"0::/user.slice/app.scope\" line");
  CHECK_INT(s.version, CG_V2, "detect: version 2");
  fmt(want, sizeof want, "%s/user.slice/app.scope", mnt);
  CHECK_STR(s.v2_base, want, "detect: groups go under the caller's own cgroup, not its parent");
  CHECK_STR(s.v2_ctrls, "cpu memory", "detect: cpu and memory are the controllers by default");

  CHECK_INT(cg_detect_v2_at(&s, mnt, "/user.slice/app.scope/" CG_RUNNER_LEAF, NULL, err, sizeof err),
            0, "detect: caller already in the runner leaf of an earlier run");
  CHECK_STR(s.v2_base, want, "detect: a runner leaf's parent is the base (no leaf in a leaf)");

  CHECK_INT(cg_detect_v2_at(&s, mnt, "/", NULL, err, sizeof err), 0, "detect: caller in the root");
  CHECK_STR(s.v2_base, mnt, "detect: the root's base is the mount point");

  err[0] = '\0';
  CHECK_INT(cg_detect_v2_at(&s, mnt, "/../../elsewhere.scope", NULL, err, sizeof err), -ENOENT,
            "detect: cgroup outside our namespace (\"/..\") refused");
  CHECK(strstr(err, "outside") && strstr(err, "--no-limits"), "detect: outside error says why and what to do");

  err[0] = '\0';
  CHECK_INT(cg_detect_v2_at(&s, mnt, "/user.slice/nocpu.scope", NULL, err, sizeof err), -ENOTSUP,
            "detect: own cgroup without cpu in cgroup.controllers refused");
  printf("# %s\n", err);
  CHECK(strstr(err, "nocpu.scope/cgroup.controllers") && strstr(err, "\"memory pids\""),
        "detect: error names the file and what it lists");
  CHECK(strstr(err, "Delegate=yes") && strstr(err, "run as root") && strstr(err, "--no-limits"),
        "detect: error gives delegation, root and --no-limits as remedies");

  err[0] = '\0';
  CHECK(cg_detect_v2_at(&s, mnt, "/no/such.scope", NULL, err, sizeof err) < 0,
        "detect: own cgroup directory missing fails");
  CHECK(strstr(err, "/no/such.scope/cgroup.controllers") != NULL, "detect: missing-directory error names the path");
}

static void part_a_create(void) {
  char mnt[PATH_MAX + 8], base[PATH_MAX * 2], runner[PATH_MAX * 2], pc[PATH_MAX * 2],
       run1[PATH_MAX * 2], leaf[PATH_MAX * 2], err[2048] = "", want[256];
  fmt(mnt, sizeof mnt, "%s/cg", T);
  fmt(base, sizeof base, "%s/user.slice/app.scope", mnt);
  fmt(runner, sizeof runner, "%s/%s", base, CG_RUNNER_LEAF);
  fmt(pc, sizeof pc, "%s/poc-compare", base);
  fmt(run1, sizeof run1, "%s/run1", pc);
  fmt(leaf, sizeof leaf, "%s/load-x", run1);
  /* what mkdir would make appear on cgroupfs */
  lay_group(runner, "", true);
  lay_group(pc, "cpu memory\n", true);
  lay_group(run1, "cpu memory\n", true);
  lay_group(leaf, "cpu memory\n", true);
  pid_t other = sleeper_child();    /* e.g. make, sharing our cgroup */
  char procs[64];
  fmt(procs, sizeof procs, "%d\n%d\n", (int)getpid(), (int)other);
  put(base, "cgroup.procs", procs);

  struct cg_sys s;
  struct cgroup cg;
  cg_detect_v2_at(&s, mnt, "/user.slice/app.scope", NULL, err, sizeof err);
  CHECK_INT(cg_create(&s, "poc-compare/run1/load-x", &cg, err, sizeof err), 0,
            "create: leaf three levels under a cgroup that holds two processes");
  if (err[0]) printf("# %s\n", err);
  CHECK_STR(get(runner, "cgroup.procs"), procs, "create: both processes moved into the runner leaf, one pid per line");
  CHECK_STR(get(base, "cgroup.subtree_control"), "+cpu +memory", "create: own cgroup enables +cpu +memory after the move");
  CHECK_STR(get(pc, "cgroup.subtree_control"), "+cpu +memory", "create: poc-compare enables +cpu +memory");
  CHECK_STR(get(run1, "cgroup.subtree_control"), "+cpu +memory", "create: run group enables +cpu +memory");
  CHECK_STR(get(leaf, "cgroup.subtree_control"), "", "create: nothing enabled in the leaf (it holds the service)");
  CHECK_STR(get(runner, "cgroup.subtree_control"), "", "create: nothing enabled in the runner leaf");
  CHECK_STR(get(mnt, "user.slice/cgroup.subtree_control"), "cpu memory pids\n", "create: nothing written above the own cgroup");
  CHECK_STR(cg.cpu, leaf, "create: cpu path is the leaf");
  CHECK_STR(cg.mem, leaf, "create: memory path is the same directory");
  CHECK_STR(cg.cpuacct, leaf, "create: cpuacct path is the same directory");
  CHECK(cg_exists(&s, "poc-compare/run1/load-x"), "create: leaf exists");
  const char *files[5];
  CHECK_INT(cg_procs_files(&cg, files), 1, "create: one cgroup.procs file on v2");
  fmt(want, sizeof want, "%.200s/cgroup.procs", leaf);
  CHECK_STR(files[0], want, "create: the leaf's cgroup.procs");

  /* the kernel's view afterwards: processes gone from the base, controllers listed bare */
  put(base, "cgroup.procs", "");
  put(base, "cgroup.subtree_control", "cpu memory\n");
  put(pc, "cgroup.subtree_control", "cpu memory\n");
  put(run1, "cgroup.subtree_control", "cpu memory\n");
  put(runner, "cgroup.procs", "");
  CHECK_INT(cg_create(&s, "poc-compare/run1/load-x", &cg, err, sizeof err), 0, "create: existing leaf reused");
  CHECK_STR(get(base, "cgroup.subtree_control"), "cpu memory\n", "create: controllers already enabled are not rewritten");
  CHECK_STR(get(runner, "cgroup.procs"), "", "create: nothing moved when the base is already delegating");

  /* a leaf whose parent does not hand down cpu */
  char nocpu[PATH_MAX * 2];
  fmt(nocpu, sizeof nocpu, "%s/nocpu", run1);
  lay_group(nocpu, "memory\n", true);
  err[0] = '\0';
  CHECK_INT(cg_create(&s, "poc-compare/run1/nocpu", &cg, err, sizeof err), -ENOTSUP,
            "create: leaf without the cpu controller refused");
  CHECK(strstr(err, "nocpu") && strstr(err, "\"memory\"") && strstr(err, "--no-limits"),
        "create: error names the leaf, what it has and the remedy");
  CHECK_INT(cg_create(&s, "", &cg, err, sizeof err), -EINVAL, "create: empty name refused");

  /* the runner leaf cannot take the processes (here: no cgroup.procs to write) */
  char b2[PATH_MAX * 2], r2[PATH_MAX * 2];
  fmt(b2, sizeof b2, "%s/user.slice/other.scope", mnt);
  lay_group(b2, "cpu memory pids\n", true);
  fmt(procs, sizeof procs, "%d\n", (int)getpid());
  put(b2, "cgroup.procs", procs);
  fmt(r2, sizeof r2, "%s/%s", b2, CG_RUNNER_LEAF);
  mkdir(r2, 0755);
  struct cg_sys s2;
  cg_detect_v2_at(&s2, mnt, "/user.slice/other.scope", NULL, err, sizeof err);
  err[0] = '\0';
  CHECK(cg_create(&s2, "poc-compare/x", &cg, err, sizeof err) < 0, "create: processes that cannot be moved fail the create");
  CHECK(strstr(err, CG_RUNNER_LEAF "/cgroup.procs") && strstr(err, "--no-limits"),
        "create: error names the runner leaf and the remedy");
  CHECK_STR(get(b2, "cgroup.subtree_control"), "", "create: nothing enabled when the move failed");

  /* the hierarchy root (no cgroup.type) is exempt: no move even with processes in it */
  char rleaf[PATH_MAX * 2];
  fmt(rleaf, sizeof rleaf, "%s/poc-compare", mnt);
  lay_group(rleaf, "cpu memory\n", true);
  fmt(rleaf, sizeof rleaf, "%s/poc-compare/r", mnt);
  lay_group(rleaf, "cpu memory\n", true);
  struct cg_sys sr;
  cg_detect_v2_at(&sr, mnt, "/", NULL, err, sizeof err);
  CHECK_INT(cg_create(&sr, "poc-compare/r", &cg, err, sizeof err), 0, "create: under the root");
  CHECK(!exists(mnt, CG_RUNNER_LEAF), "create: no runner leaf at the root (exempt from the rule)");
  CHECK_STR(get(mnt, "cgroup.subtree_control"), "+cpu +memory", "create: root enables +cpu +memory");
  CHECK_STR(get(mnt, "cgroup.procs"), "1\n", "create: the root's processes stay");

  kill(other, SIGKILL);
  waitpid(other, NULL, 0);
}

static void part_a_limits_stats(void) {
  char mnt[PATH_MAX + 8], leaf[PATH_MAX * 2], err[2048] = "";
  fmt(mnt, sizeof mnt, "%s/cg", T);
  fmt(leaf, sizeof leaf, "%s/user.slice/app.scope/poc-compare/run1/load-x", mnt);
  struct cg_sys s;
  struct cgroup cg;
  cg_detect_v2_at(&s, mnt, "/user.slice/app.scope", NULL, err, sizeof err);
  cg_create(&s, "poc-compare/run1/load-x", &cg, err, sizeof err);

  CHECK_INT(cg_set_limits(&cg, 500, 256ull << 20, err, sizeof err), 0, "limits: 500m and 256Mi");
  CHECK_STR(get(leaf, "cpu.max"), "50000 100000", "limits: cpu.max is \"50000 100000\"");
  CHECK_STR(get(leaf, "memory.max"), "268435456", "limits: memory.max is 268435456");
  CHECK_STR(get(leaf, "memory.swap.max"), "0", "limits: memory.swap.max is 0 (no swap, as on a Kubernetes node)");
  CHECK_INT(cg_set_limits(&cg, 1500, 64ull << 20, err, sizeof err), 0, "limits: 1500m and 64Mi");
  CHECK_STR(get(leaf, "cpu.max"), "150000 100000", "limits: 1500m is 150000 us per 100000 us");
  CHECK_STR(get(leaf, "memory.max"), "67108864", "limits: memory.max is 67108864");
  CHECK_INT(cg_set_limits(&cg, 0, 0, err, sizeof err), 0, "limits: none");
  CHECK_STR(get(leaf, "cpu.max"), "max 100000", "limits: unlimited cpu.max is \"max 100000\"");
  CHECK_STR(get(leaf, "memory.max"), "max", "limits: unlimited memory.max is \"max\"");
  CHECK_STR(get(leaf, "memory.swap.max"), "max", "limits: unlimited memory.swap.max is \"max\"");
  err[0] = '\0';
  CHECK_INT(cg_set_limits(&cg, 5, 0, err, sizeof err), -EINVAL, "limits: 5m refused (under the 1 ms quota)");
  CHECK(strstr(err, "10m") != NULL, "limits: error gives the smallest CPU limit");
  CHECK_STR(get(leaf, "cpu.max"), "max 100000", "limits: refused limit leaves cpu.max alone");
  char p[PATH_MAX * 2];
  fmt(p, sizeof p, "%s/memory.swap.max", leaf);
  unlink(p);
  CHECK_INT(cg_set_limits(&cg, 500, 256ull << 20, err, sizeof err), 0,
            "limits: no memory.swap.max (kernel without swap accounting) is fine");
  CHECK(!exists(leaf, "memory.swap.max"), "limits: memory.swap.max is not created");
  fmt(p, sizeof p, "%s/memory.max", leaf);
  unlink(p);
  err[0] = '\0';
  CHECK(cg_set_limits(&cg, 500, 256ull << 20, err, sizeof err) < 0, "limits: no memory.max fails");
  CHECK(strstr(err, "memory.max") && strstr(err, "268435456"), "limits: error names the file and value");
  put(leaf, "memory.max", "max\n");
  put(leaf, "memory.swap.max", "max\n");

  struct cg_stats st;
  put(leaf, "cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 40\n"
                        "nr_throttled 12\nthrottled_usec 350000\nnr_bursts 0\nburst_usec 0\n");
  put(leaf, "memory.current", "104857600\n");
  put(leaf, "memory.peak", "201326592\n");
  put(leaf, "memory.events", "low 0\nhigh 0\nmax 17\noom 3\noom_kill 2\noom_group_kill 1\n");
  CHECK_INT(cg_read(&cg, &st), 0, "read: laid-out counters");
  CHECK_INT(st.cpu_usage_ns, 1500000000ll, "read: usage_usec 1500000 is 1.5 s in ns");
  CHECK_INT(st.nr_periods, 40, "read: nr_periods");
  CHECK_INT(st.nr_throttled, 12, "read: nr_throttled");
  CHECK_INT(st.throttled_ns, 350000000ll, "read: throttled_usec 350000 in ns");
  CHECK_INT(st.mem_current, 104857600, "read: memory.current");
  CHECK(st.has_peak, "read: memory.peak present");
  CHECK_INT(st.mem_peak, 201326592, "read: memory.peak");
  CHECK_INT(st.oom_kills, 2, "read: oom_kill, not oom_group_kill");

  fmt(p, sizeof p, "%s/memory.peak", leaf);
  unlink(p);
  CHECK_INT(cg_read(&cg, &st), 0, "read: kernel before 5.19 (no memory.peak)");
  CHECK(!st.has_peak, "read: no memory.peak gives has_peak false (callers use sampled memory.current)");
  CHECK_INT(st.mem_peak, 0, "read: no memory.peak gives peak 0");
  CHECK_INT(st.mem_current, 104857600, "read: memory.current still read without memory.peak");

  put(leaf, "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  CHECK_INT(cg_read(&cg, &st), 0, "read: cpu.stat without the bandwidth lines (cpu controller off)");
  CHECK_INT(st.cpu_usage_ns, 2500000, "read: usage without bandwidth lines");
  CHECK_INT(st.nr_periods + st.nr_throttled + st.throttled_ns, 0, "read: absent bandwidth lines read as 0");

  put(leaf, "cpu.stat", "user_usec 2000\nsystem_usec 500\n");
  put(leaf, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_group_kill 4\n");
  CHECK_INT(cg_read(&cg, &st), 0, "read: cpu.stat without usage_usec");
  CHECK_INT(st.cpu_usage_ns, 0, "read: missing usage_usec is 0, not left-over memory");
  CHECK_INT(st.oom_kills, 0, "read: oom_group_kill alone is not an oom_kill count");
  char gone[PATH_MAX * 2];
  struct cgroup g = cg;
  fmt(gone, sizeof gone, "%s/gone", leaf);
  fmt(g.cpu, sizeof g.cpu, "%s", gone);
  fmt(g.mem, sizeof g.mem, "%s", gone);
  fmt(g.cpuacct, sizeof g.cpuacct, "%s", gone);
  CHECK_INT(cg_read(&g, &st), -ENOENT, "read: removed group is -ENOENT");
}

static void part_a_kill_remove(void) {
  char mnt[PATH_MAX + 8], base[PATH_MAX * 2], leaf[PATH_MAX * 2], err[2048] = "", pids[64];
  fmt(mnt, sizeof mnt, "%s/cg", T);
  fmt(base, sizeof base, "%s/user.slice/app.scope", mnt);
  fmt(leaf, sizeof leaf, "%s/poc-compare/run1/load-x", base);
  struct cg_sys s;
  struct cgroup cg;
  cg_detect_v2_at(&s, mnt, "/user.slice/app.scope", NULL, err, sizeof err);
  cg_create(&s, "poc-compare/run1/load-x", &cg, err, sizeof err);

  pid_t c = sleeper_child();
  CHECK_INT(cg_attach(&cg, c), 0, "attach: pid written");
  fmt(pids, sizeof pids, "%d", (int)c);
  CHECK_STR(get(leaf, "cgroup.procs"), pids, "attach: cgroup.procs holds exactly the pid");
  CHECK_INT(cg_nprocs(&cg), 1, "nprocs: one listed process");
  CHECK_INT(cg_kill_all(&cg, 200000000), -EBUSY, "kill: a list that never empties is -EBUSY after the timeout");
  CHECK_STR(get(leaf, "cgroup.kill"), "1", "kill: \"1\" written to cgroup.kill");
  int st = 0;
  waitpid(c, &st, 0);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "kill: listed process got SIGKILL too (kernels before 5.14)");
  put(leaf, "cgroup.procs", "");
  put(leaf, "cgroup.kill", "");
  CHECK_INT(cg_kill_all(&cg, 200000000), 0, "kill: empty group is 0");
  put(leaf, "cgroup.kill", "");

  fmt(pids, sizeof pids, "%d\n", (int)getpid());
  put(leaf, "cgroup.procs", pids);
  CHECK_INT(cg_kill_all(&cg, 100000000), -EBUSY, "kill: group listing the caller is never empty");
  CHECK_STR(get(leaf, "cgroup.kill"), "", "kill: no cgroup.kill on a group holding the caller");
  CHECK(1, "kill: the caller survived");

  /* pid 0 is how cgroup.procs lists a process outside our pid namespace; kill(0) would hit the
   * caller's whole process group, so a child in a group of its own tries it */
  pid_t g = fork();
  if (g == 0) {
    setpgid(0, 0);
    put(leaf, "cgroup.procs", "0\n");
    _exit(cg_kill_all(&cg, 100000000) == -EBUSY ? 7 : 8);
  }
  waitpid(g, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "kill: pid 0 in cgroup.procs is never signalled");
  put(leaf, "cgroup.procs", "");

  /* removal: the test removes the interface files, as the kernel does with the directory */
  strip_files(leaf);
  CHECK_INT(cg_remove(&cg), 0, "remove: empty leaf");
  CHECK(!cg_exists(&s, "poc-compare/run1/load-x"), "remove: leaf gone");
  CHECK_INT(cg_remove_tree(&s, ""), -EINVAL, "remove_tree: the base itself refused");
  char pc[PATH_MAX * 2];
  fmt(pc, sizeof pc, "%s/poc-compare", base);
  strip_files(pc);
  CHECK_INT(cg_remove_tree(&s, "poc-compare"), 0, "remove_tree: poc-compare and everything below");
  CHECK(!cg_exists(&s, "poc-compare"), "remove_tree: nothing left of poc-compare");
  CHECK(exists(base, CG_RUNNER_LEAF), "remove_tree: the runner leaf is not part of it");
  CHECK_INT(cg_remove_tree(&s, "poc-compare"), 0, "remove_tree: absent is 0");
}

/* ---- part B: the real cgroup2 mount ---- */

static int proc_cgroup(pid_t pid, char *out, size_t cap) {
  char p[64], line[1024];
  fmt(p, sizeof p, "/proc/%d/cgroup", (int)pid);
  FILE *f = fopen(p, "r");
  if (!f) return -1;
  int rc = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "0::", 3)) {
      line[strcspn(line, "\n")] = '\0';
      fmt(out, cap, "%s", line + 3);
      rc = 0;
    }
  fclose(f);
  return rc;
}

static int write_pid(const char *dir, pid_t pid) {
  char p[PATH_MAX * 2], num[24];
  fmt(p, sizeof p, "%s/cgroup.procs", dir);
  int fd = open(p, O_WRONLY);
  if (fd < 0) return -errno;
  fmt(num, sizeof num, "%d\n", (int)pid);
  ssize_t len = (ssize_t)strlen(num);
  int rc = write(fd, num, (size_t)len) == len ? 0 : -errno;
  close(fd);
  return rc;
}

/* A cgroup2 mount (mountinfo root "/") and the domain controllers it offers; 0 or -1. */
static int find_cgroup2(char *mnt, size_t cap, char *ctrls, size_t ccap) {
  FILE *f = fopen("/proc/self/mountinfo", "r");
  if (!f) return -1;
  char line[2048];
  int rc = -1;
  while (rc && fgets(line, sizeof line, f)) {
    char *sep = strstr(line, " - "), fstype[32], root[512], m[1024];
    if (!sep || sscanf(sep + 3, "%31s", fstype) != 1 || strcmp(fstype, "cgroup2")) continue;
    if (sscanf(line, "%*s %*s %*s %511s %1023s", root, m) != 2 || strcmp(root, "/")) continue;
    char have[512];
    fmt(have, sizeof have, "%s", get(m, "cgroup.controllers"));
    bool cpu = false, mem = false;
    const char *pick = NULL;
    static const char *domain[] = {"hugetlb", "io", "rdma", "misc"};
    for (char *save = NULL, *t = strtok_r(have, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
      if (!strcmp(t, "cpu")) cpu = true;
      if (!strcmp(t, "memory")) mem = true;
      for (size_t i = 0; i < sizeof domain / sizeof *domain; i++)
        if (!pick && !strcmp(t, domain[i])) pick = domain[i];
    }
    if (cpu && mem) pick = "cpu memory";
    if (!pick) continue;
    fmt(mnt, cap, "%s", m);
    fmt(ctrls, ccap, "%s", pick);
    rc = 0;
  }
  fclose(f);
  return rc;
}

static void busy_in(const struct cgroup *cg, const char *expect_path) {
  if (cg_attach(cg, getpid()) < 0) _exit(3);
  char own[PATH_MAX];
  if (proc_cgroup(getpid(), own, sizeof own) < 0 || strcmp(own, expect_path)) _exit(4);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  volatile unsigned long x = 0;
  do { x++; clock_gettime(CLOCK_MONOTONIC, &b); } while ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec) < 3e8);
  _exit(0);
}

static pid_t spawn_sleepers_in(const struct cgroup *cg) {
  pid_t pid = fork();
  if (pid == 0) {
    if (cg_attach(cg, getpid()) < 0) _exit(3);
    if (fork() == 0) { pause(); _exit(0); }
    pause();
    _exit(0);
  }
  return pid;
}

static void part_b(void) {
  char mnt[1024], ctrls[64], orig[PATH_MAX], err[2048] = "";
  if (geteuid() != 0) { printf("# part B skipped: not root\n"); return; }
  if (find_cgroup2(mnt, sizeof mnt, ctrls, sizeof ctrls) < 0) {
    printf("# part B skipped: no cgroup2 mount offers a domain controller\n");
    return;
  }
  if (proc_cgroup(getpid(), orig, sizeof orig) < 0) { printf("# part B skipped: no 0:: line\n"); return; }
  bool full = !strcmp(ctrls, "cpu memory");
  printf("# part B on %s with \"%s\" (own cgroup %s)\n", mnt, ctrls, orig);

  char origdir[PATH_MAX * 2], name[64], top[PATH_MAX * 3], rel_top[PATH_MAX + 64];
  fmt(origdir, sizeof origdir, "%s%s", mnt, strcmp(orig, "/") ? orig : "");
  /* our test cgroup needs the controllers from the cgroup we are in: only the root may hand
   * them down while holding processes. Enabling one in the root is left as is afterwards: on a
   * hybrid machine nothing else uses the unified hierarchy, and another run may share it. */
  char cur[512];
  fmt(cur, sizeof cur, "%s", get(origdir, "cgroup.subtree_control"));
  for (const char *w = ctrls; *w; ) {
    size_t n = strcspn(w, " ");
    char one[40], plus1[48];
    fmt(one, sizeof one, "%.*s", (int)n, w);
    if (!strstr(cur, one)) {
      char scp[PATH_MAX * 3];
      fmt(scp, sizeof scp, "%s/cgroup.subtree_control", origdir);
      fmt(plus1, sizeof plus1, "+%s", one);
      int f = open(scp, O_WRONLY);
      bool ok = f >= 0 && write(f, plus1, strlen(plus1)) == (ssize_t)strlen(plus1);
      if (f >= 0) close(f);
      if (!ok) {
        printf("# part B skipped: cannot enable %s in %s: %s\n", plus1, scp, strerror(errno));
        return;
      }
      printf("# enabled %s in %s (left enabled)\n", plus1, scp);
    }
    w += n;
    w += strspn(w, " ");
  }
  fmt(name, sizeof name, "poc-compare-v2test-%d", (int)getpid());
  fmt(top, sizeof top, "%s/%s", origdir, name);
  fmt(rel_top, sizeof rel_top, "%s/%s", strcmp(orig, "/") ? orig : "", name);
  CHECK(mkdir(top, 0755) == 0, "real: test cgroup created");
  /* a runner that shares its cgroup with another process (make, a shell) */
  pid_t other = sleeper_child();
  CHECK(write_pid(top, getpid()) == 0 && write_pid(top, other) == 0, "real: test and a sibling moved into it");
  char now[PATH_MAX];
  proc_cgroup(getpid(), now, sizeof now);
  CHECK_STR(now, rel_top, "real: /proc/self/cgroup shows the new cgroup");

  char sc[PATH_MAX * 4], plus[80];
  fmt(sc, sizeof sc, "%s/cgroup.subtree_control", top);
  fmt(plus, sizeof plus, "+%.*s", (int)strcspn(ctrls, " "), ctrls);
  int fd = open(sc, O_WRONLY);
  errno = 0;
  bool busy = fd >= 0 && write(fd, plus, strlen(plus)) < 0 && errno == EBUSY;
  if (fd >= 0) close(fd);
  CHECK(busy, "real: kernel refuses controllers in a cgroup with processes (EBUSY)");

  struct cg_sys s;
  CHECK_INT(cg_detect_v2_at(&s, NULL, NULL, ctrls, err, sizeof err), 0,
            "real: detect from /proc/self/mountinfo and /proc/self/cgroup");
  if (err[0]) printf("# %s\n", err);
  CHECK_STR(s.v2_base, top, "real: base is the own cgroup");
  struct cgroup cg;
  err[0] = '\0';
  CHECK_INT(cg_create(&s, "poc-compare/run/leaf", &cg, err, sizeof err), 0,
            "real: create a leaf below a cgroup with two processes");
  if (err[0]) printf("# %s\n", err);
  char want[PATH_MAX * 2], got[PATH_MAX];
  fmt(want, sizeof want, "%s/%s", rel_top, CG_RUNNER_LEAF);
  proc_cgroup(getpid(), now, sizeof now);
  CHECK_STR(now, want, "real: the test moved itself into the runner leaf");
  proc_cgroup(other, got, sizeof got);
  CHECK_STR(got, want, "real: the sibling moved too");
  CHECK_STR(get(top, "cgroup.procs"), "", "real: own cgroup holds no process");
  fmt(want, sizeof want, "%s\n", ctrls);
  CHECK_STR(get(top, "cgroup.subtree_control"), want, "real: own cgroup delegates the controllers");
  char leafdir[PATH_MAX * 4];
  fmt(leafdir, sizeof leafdir, "%s/poc-compare/run/leaf", top);
  CHECK_STR(cg.cpu, leafdir, "real: leaf path");
  CHECK_STR(get(leafdir, "cgroup.controllers"), want, "real: the leaf received the controllers");
  CHECK_STR(get(leafdir, "cgroup.subtree_control"), "", "real: nothing enabled in the leaf");

  struct cg_sys s2;
  CHECK_INT(cg_detect_v2_at(&s2, NULL, NULL, ctrls, err, sizeof err), 0, "real: detect again from the runner leaf");
  CHECK_STR(s2.v2_base, top, "real: base stays the own cgroup, not the runner leaf");
  CHECK_INT(cg_create(&s2, "poc-compare/run/leaf", &cg, err, sizeof err), 0, "real: existing leaf reused");

  err[0] = '\0';
  int lim = cg_set_limits(&cg, 500, 256ull << 20, err, sizeof err);
  if (full) {
    CHECK_INT(lim, 0, "real: 500m and 256Mi set");
    CHECK_STR(get(leafdir, "cpu.max"), "50000 100000\n", "real: cpu.max");
    CHECK_STR(get(leafdir, "memory.max"), "268435456\n", "real: memory.max");
  } else {
    CHECK(lim < 0 && strstr(err, "cpu.max"), "real: without the cpu controller set_limits fails naming cpu.max");
  }

  char leafrel[PATH_MAX * 2];
  fmt(leafrel, sizeof leafrel, "%s/poc-compare/run/leaf", rel_top);
  struct cg_stats a, b;
  CHECK_INT(cg_read(&cg, &a), 0, "real: stats of an empty leaf");
  pid_t pid = fork();
  if (pid == 0) busy_in(&cg, leafrel);
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "real: child joined the leaf (its /proc/self/cgroup says so) and spun 0.3 s");
  CHECK_INT(cg_read(&cg, &b), 0, "real: stats after the busy child");
  printf("# cpu.stat usage %.3f s\n", (b.cpu_usage_ns - a.cpu_usage_ns) / 1e9);
  CHECK(b.cpu_usage_ns - a.cpu_usage_ns > 100000000ull, "real: cpu.stat usage_usec counted the child's CPU");

  pid = spawn_sleepers_in(&cg);
  for (int i = 0; i < 200 && cg_nprocs(&cg) < 2; i++) usleep(5000);
  CHECK_INT(cg_nprocs(&cg), 2, "real: child and grandchild in the leaf");
  CHECK_INT(cg_kill_all(&cg, 2000000000), 0, "real: kill_all empties the leaf");
  waitpid(pid, &st, 0);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "real: child died of SIGKILL");
  CHECK_INT(cg_nprocs(&cg), 0, "real: no process left");
  CHECK_INT(cg_remove(&cg), 0, "real: rmdir of the emptied leaf");
  CHECK(!cg_exists(&s, "poc-compare/run/leaf"), "real: leaf gone");

  struct cgroup cg2;
  CHECK_INT(cg_create(&s, "poc-compare/run/other", &cg2, err, sizeof err), 0, "real: second leaf");
  pid = spawn_sleepers_in(&cg2);
  for (int i = 0; i < 200 && cg_nprocs(&cg2) < 2; i++) usleep(5000);
  CHECK_INT(cg_remove_tree(&s, "poc-compare"), 0, "real: remove_tree with live processes in a leaf");
  waitpid(pid, &st, 0);
  CHECK(!cg_exists(&s, "poc-compare"), "real: nothing left of poc-compare");
  proc_cgroup(getpid(), now, sizeof now);
  CHECK(strstr(now, CG_RUNNER_LEAF) != NULL, "real: remove_tree left the caller alone");

  /* put everything back where it was */
  cg_remove_tree(&s, "poc-compare");
  write_pid(origdir, getpid());
  write_pid(origdir, other);
  kill(other, SIGKILL);
  waitpid(other, NULL, 0);
  char rl[PATH_MAX * 4];
  fmt(rl, sizeof rl, "%s/%s", top, CG_RUNNER_LEAF);
  rmdir(rl);
  CHECK(rmdir(top) == 0, "real: test cgroup removed");
  proc_cgroup(getpid(), now, sizeof now);
  CHECK_STR(now, orig, "real: test back in its original cgroup");
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  fmt(T, sizeof T, "%s/cgv2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(T)) { printf("not ok - mkdtemp %s\n", T); return 1; }
  char mnt[PATH_MAX + 8], d[PATH_MAX * 2];
  fmt(mnt, sizeof mnt, "%s/cg", T);
  mkdir(mnt, 0755);
  /* the root: no cgroup.type, no cpu.max */
  put(mnt, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put(mnt, "cgroup.subtree_control", "");
  put(mnt, "cgroup.procs", "1\n");
  put(mnt, "cpu.stat", "usage_usec 0\n");
  fmt(d, sizeof d, "%s/user.slice", mnt);
  lay_group(d, "cpu memory pids\n", true);
  put(d, "cgroup.subtree_control", "cpu memory pids\n");
  fmt(d, sizeof d, "%s/user.slice/app.scope", mnt);
  lay_group(d, "cpu memory pids\n", true);
  fmt(d, sizeof d, "%s/user.slice/nocpu.scope", mnt);
  lay_group(d, "memory pids\n", true);

  part_a_detect();
  part_a_create();
  part_a_limits_stats();
  part_a_kill_remove();
  rm_rf(T);
  part_b();
  return check_done("test_cgroup_v2");
}
