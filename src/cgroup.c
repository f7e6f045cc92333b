/* cgroup.c: CPU quota and memory limit for a contender, the way Kubernetes applies
 * "resources.limits" (CFS quota, memory limit, OOM killer), on cgroup v2 and v1.
 *
 * Detection: a unified hierarchy is one whose mount root has cgroup.controllers; otherwise the
 * v1 mounts are read from /proc/self/mountinfo (cpu and cpuacct may be separate hierarchies or
 * co-mounted as "cpu,cpuacct"). New groups go under the caller's OWN cgroup (from
 * /proc/self/cgroup), not the hierarchy root: a runner that is itself confined (a container, a
 * CI job in a memory cgroup) keeps its children inside its own accounting. The rejected
 * alternative, creating at the root, escapes the caller's limits and fails without privilege.
 *
 * Teardown kills by cgroup membership (cgroup.procs), so a service that forked workers or
 * double-forked cannot leave a stray process behind; rmdir then removes the empty group. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int write_str(const char *path, const char *s) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t n = strlen(s);
  ssize_t w = write(fd, s, n);
  int rc = w < 0 ? -errno : ((size_t)w == n ? 0 : -EIO);
  close(fd);
  return rc;
}

static int read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t got = 0;
  while (got + 1 < cap) {
    ssize_t r = read(fd, buf + got, cap - 1 - got);
    if (r < 0) { if (errno == EINTR) continue; int e = -errno; close(fd); return e; }
    if (r == 0) break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  close(fd);
  return (int)got;
}

static int read_u64(const char *path, uint64_t *v) {
  char buf[64];
  int rc = read_small(path, buf, sizeof buf);
  if (rc < 0) return rc;
  if (!strncmp(buf, "max", 3)) { *v = UINT64_MAX; return 0; }
  char *end;
  errno = 0;
  unsigned long long x = strtoull(buf, &end, 10);
  if (end == buf || errno) return -EINVAL;
  *v = x;
  return 0;
}

/* Value of "key N" in a flat keyed file (cpu.stat, memory.events, memory.oom_control). */
static int read_keyed(const char *path, const char *key, uint64_t *v) {
  char buf[4096];
  int rc = read_small(path, buf, sizeof buf);
  if (rc < 0) return rc;
  size_t kl = strlen(key);
  for (char *line = buf; line && *line; ) {
    char *nl = strchr(line, '\n');
    if (!strncmp(line, key, kl) && line[kl] == ' ') {
      *v = strtoull(line + kl + 1, NULL, 10);
      return 0;
    }
    line = nl ? nl + 1 : NULL;
  }
  return -ENOENT;
}

static int path_join(char *out, size_t cap, const char *a, const char *b) {
  size_t al = strlen(a);
  while (al > 1 && a[al - 1] == '/') al--;
  while (*b == '/') b++;
  int n = *b ? snprintf(out, cap, "%.*s/%s", (int)al, a, b) : snprintf(out, cap, "%.*s", (int)al, a);
  return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

/* This process's path in the hierarchy whose /proc/self/cgroup controller list contains
 * ctrl ("" selects the v2 line "0::/path"). */
static int own_path(const char *ctrl, char *out, size_t cap) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (!f) return -errno;
  char line[1024];
  int rc = -ENOENT;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':');
    if (!c1) continue;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) continue;
    *c2 = '\0';
    const char *list = c1 + 1, *path = c2 + 1;
    bool match = false;
    if (!*ctrl) match = !*list && !strncmp(line, "0:", 2);
    else {
      char tmp[256];
      snprintf(tmp, sizeof tmp, "%s", list);
      for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!strcmp(t, ctrl)) match = true;
    }
    if (match) {
      snprintf(out, cap, "%s", path);
      rc = 0;
      break;
    }
  }
  fclose(f);
  return rc;
}

/* Mount point of the v1 hierarchy carrying ctrl, from /proc/self/mountinfo. */
static int v1_mount(const char *ctrl, char *out, size_t cap) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -errno;
  char line[2048];
  int rc = -ENOENT;
  while (rc && fgets(line, sizeof line, f)) {
    /* id parent maj:min root mountpoint opts ... - fstype source superopts */
    char *sep = strstr(line, " - ");
    if (!sep) continue;
    char fstype[32], source[256], super[512];
    if (sscanf(sep + 3, "%31s %255s %511s", fstype, source, super) != 3) continue;
    if (strcmp(fstype, "cgroup")) continue;
    bool match = false;
    for (char *save = NULL, *t = strtok_r(super, ",", &save); t; t = strtok_r(NULL, ",", &save))
      if (!strcmp(t, ctrl)) match = true;
    if (!match) continue;
    char root[512], mnt[1024];
    if (sscanf(line, "%*s %*s %*s %511s %1023s", root, mnt) != 2) continue;
    snprintf(out, cap, "%s", mnt);
    rc = 0;
  }
  fclose(f);
  return rc;
}

static int v2_mount(char *out, size_t cap) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -errno;
  char line[2048];
  int rc = -ENOENT;
  while (rc && fgets(line, sizeof line, f)) {
    char *sep = strstr(line, " - ");
    char fstype[32], mnt[1024], probe[1100];
    if (!sep || sscanf(sep + 3, "%31s", fstype) != 1 || strcmp(fstype, "cgroup2")) continue;
    if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1) continue;
    /* a hybrid system's /sys/fs/cgroup/unified has no controllers to give: not usable */
    snprintf(probe, sizeof probe, "%s/cgroup.controllers", mnt);
    char ctl[256];
    if (read_small(probe, ctl, sizeof ctl) > 0 && strstr(ctl, "cpu") && strstr(ctl, "memory")) {
      snprintf(out, cap, "%s", mnt);
      rc = 0;
    }
  }
  fclose(f);
  return rc;
}

int cg_detect(struct cg_sys *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  char mnt[PATH_MAX], own[PATH_MAX];
  if (v2_mount(mnt, sizeof mnt) == 0 && own_path("", own, sizeof own) == 0) {
    s->version = CG_V2;
    /* No-internal-processes rule: our own group holds us, so it cannot delegate controllers
     * to children unless it is the root. Create beside us, under our parent, in that case. */
    if (strcmp(own, "/")) {
      char *slash = strrchr(own, '/');
      if (slash == own) own[1] = '\0'; else *slash = '\0';
    }
    return path_join(s->v2_base, sizeof s->v2_base, mnt, own);
  }
  static const char *ctrls[] = {"cpu", "cpuacct", "memory"};
  char *bases[] = {s->cpu_base, s->cpuacct_base, s->mem_base};
  for (int i = 0; i < 3; i++) {
    if (v1_mount(ctrls[i], mnt, sizeof mnt) < 0) {
      snprintf(err, errlen, "no cgroup v1 hierarchy with the '%s' controller is mounted and no "
               "cgroup v2 hierarchy offers cpu and memory (see /proc/self/mountinfo); run with "
               "--no-limits to measure without limits", ctrls[i]);
      return -ENOENT;
    }
    if (own_path(ctrls[i], own, sizeof own) < 0) snprintf(own, sizeof own, "/");
    if (path_join(bases[i], PATH_MAX, mnt, own) < 0) {
      snprintf(err, errlen, "cgroup path too long under %s", mnt);
      return -ENAMETOOLONG;
    }
  }
  s->version = CG_V1;
  return 0;
}

static int mkdirs(const char *base, const char *rel, char *out, size_t cap, bool v2,
                  char *err, size_t errlen) {
  if (path_join(out, cap, base, rel) < 0) {
    snprintf(err, errlen, "cgroup path too long: %s/%s", base, rel);
    return -ENAMETOOLONG;
  }
  size_t blen = strlen(base);
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", out);
  for (char *p = tmp + blen + 1; ; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (v2) {
      /* the parent must hand the controllers down before the child can use them */
      char parent[PATH_MAX], ctl[PATH_MAX + 32];
      snprintf(parent, sizeof parent, "%s", tmp);
      char *sl = strrchr(parent, '/');
      if (sl) *sl = '\0';
      snprintf(ctl, sizeof ctl, "%s/cgroup.subtree_control", parent);
      write_str(ctl, "+cpu +memory");
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
      int e = errno;
      snprintf(err, errlen, "cannot create cgroup %s: %s. Creating cgroups needs root (or a "
               "delegated cgroup): run as root, or pass --no-limits to run without limits "
               "(the results then say so)", tmp, strerror(e));
      return -e;
    }
    if (!saved) break;
    *p = saved;
  }
  return 0;
}

int cg_create(const struct cg_sys *s, const char *rel, struct cgroup *cg, char *err, size_t errlen) {
  memset(cg, 0, sizeof *cg);
  cg->version = s->version;
  snprintf(cg->rel, sizeof cg->rel, "%s", rel);
  int rc;
  if (s->version == CG_V2) {
    if ((rc = mkdirs(s->v2_base, rel, cg->cpu, sizeof cg->cpu, true, err, errlen)) < 0) return rc;
    snprintf(cg->cpuacct, sizeof cg->cpuacct, "%s", cg->cpu);
    snprintf(cg->mem, sizeof cg->mem, "%s", cg->cpu);
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/cpu.max", cg->cpu);
    if (access(probe, F_OK) < 0) {
      snprintf(err, errlen, "cgroup %s has no cpu controller (its parent does not delegate "
               "cpu and memory in cgroup.subtree_control); run as root on the host, or pass "
               "--no-limits", cg->cpu);
      return -ENOTSUP;
    }
    return 0;
  }
  if ((rc = mkdirs(s->cpu_base, rel, cg->cpu, sizeof cg->cpu, false, err, errlen)) < 0) return rc;
  if ((rc = mkdirs(s->cpuacct_base, rel, cg->cpuacct, sizeof cg->cpuacct, false, err, errlen)) < 0)
    return rc;
  return mkdirs(s->mem_base, rel, cg->mem, sizeof cg->mem, false, err, errlen);
}

static int write_file(const char *dir, const char *file, const char *val, char *err, size_t errlen) {
  char p[PATH_MAX + 64];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  int rc = write_str(p, val);
  if (rc < 0 && err)
    snprintf(err, errlen, "cannot write '%s' to %s: %s (run as root, or pass --no-limits)",
             val, p, strerror(-rc));
  return rc;
}

int cg_set_limits(const struct cgroup *cg, int64_t cpu_millicores, uint64_t mem_bytes,
                  char *err, size_t errlen) {
  char v[64];
  int rc;
  const int64_t period_us = 100000;
  if (cg->version == CG_V2) {
    if (cpu_millicores > 0) snprintf(v, sizeof v, "%lld %lld", (long long)(cpu_millicores * 100), (long long)period_us);
    else snprintf(v, sizeof v, "max %lld", (long long)period_us);
    if ((rc = write_file(cg->cpu, "cpu.max", v, err, errlen)) < 0) return rc;
    if (mem_bytes) snprintf(v, sizeof v, "%llu", (unsigned long long)mem_bytes);
    else snprintf(v, sizeof v, "max");
    if ((rc = write_file(cg->mem, "memory.max", v, err, errlen)) < 0) return rc;
    write_file(cg->mem, "memory.swap.max", mem_bytes ? "0" : "max", NULL, 0);
    return 0;
  }
  snprintf(v, sizeof v, "%lld", (long long)period_us);
  if ((rc = write_file(cg->cpu, "cpu.cfs_period_us", v, err, errlen)) < 0) return rc;
  snprintf(v, sizeof v, "%lld", cpu_millicores > 0 ? (long long)(cpu_millicores * 100) : -1LL);
  if ((rc = write_file(cg->cpu, "cpu.cfs_quota_us", v, err, errlen)) < 0) return rc;
  if (mem_bytes) snprintf(v, sizeof v, "%llu", (unsigned long long)mem_bytes);
  else snprintf(v, sizeof v, "-1");
  /* memsw must stay >= the memory limit: raise it first when lowering is not the case */
  if (!mem_bytes) write_file(cg->mem, "memory.memsw.limit_in_bytes", "-1", NULL, 0);
  if ((rc = write_file(cg->mem, "memory.limit_in_bytes", v, err, errlen)) < 0) return rc;
  if (mem_bytes) {
    /* Kubernetes nodes run without swap: the limit must end in the OOM killer, not in swap */
    write_file(cg->mem, "memory.memsw.limit_in_bytes", v, NULL, 0);
    write_file(cg->mem, "memory.swappiness", "0", NULL, 0);
  }
  return 0;
}

size_t cg_procs_files(const struct cgroup *cg, const char *out[5]) {
  static __thread char buf[3][PATH_MAX + 16];
  const char *dirs[3] = {cg->cpu, cg->cpuacct, cg->mem};
  size_t n = 0;
  for (int i = 0; i < 3; i++) {
    bool dup = false;
    for (int j = 0; j < i; j++) if (!strcmp(dirs[i], dirs[j])) dup = true;
    if (dup || !dirs[i][0]) continue;
    snprintf(buf[n], sizeof buf[n], "%s/cgroup.procs", dirs[i]);
    out[n] = buf[n];
    n++;
  }
  out[n] = NULL;
  return n;
}

int cg_attach(const struct cgroup *cg, int pid) {
  const char *files[5];
  cg_procs_files(cg, files);
  char v[32];
  snprintf(v, sizeof v, "%d", pid);
  for (size_t i = 0; files[i]; i++) {
    int rc = write_str(files[i], v);
    if (rc < 0) return rc;
  }
  return 0;
}

int cg_read(const struct cgroup *cg, struct cg_stats *st) {
  memset(st, 0, sizeof *st);
  char p[PATH_MAX + 64];
  uint64_t v;
  if (cg->version == CG_V2) {
    snprintf(p, sizeof p, "%s/cpu.stat", cg->cpu);
    if (read_keyed(p, "usage_usec", &v) == -ENOENT && access(cg->cpu, F_OK) < 0) return -ENOENT;
    st->cpu_usage_ns = v * 1000;
    if (read_keyed(p, "nr_periods", &v) == 0) st->nr_periods = v;
    if (read_keyed(p, "nr_throttled", &v) == 0) st->nr_throttled = v;
    if (read_keyed(p, "throttled_usec", &v) == 0) st->throttled_ns = v * 1000;
    snprintf(p, sizeof p, "%s/memory.current", cg->mem);
    if (read_u64(p, &v) == 0) st->mem_current = v;
    snprintf(p, sizeof p, "%s/memory.peak", cg->mem);
    if (read_u64(p, &v) == 0) { st->mem_peak = v; st->has_peak = true; }
    snprintf(p, sizeof p, "%s/memory.events", cg->mem);
    if (read_keyed(p, "oom_kill", &v) == 0) st->oom_kills = v;
    return 0;
  }
  snprintf(p, sizeof p, "%s/cpuacct.usage", cg->cpuacct);
  int rc = read_u64(p, &v);
  if (rc == -ENOENT) return rc;
  if (rc == 0) st->cpu_usage_ns = v;
  snprintf(p, sizeof p, "%s/cpu.stat", cg->cpu);
  if (read_keyed(p, "nr_periods", &v) == 0) st->nr_periods = v;
  if (read_keyed(p, "nr_throttled", &v) == 0) st->nr_throttled = v;
  if (read_keyed(p, "throttled_time", &v) == 0) st->throttled_ns = v;
  snprintf(p, sizeof p, "%s/memory.usage_in_bytes", cg->mem);
  if (read_u64(p, &v) == 0) st->mem_current = v;
  snprintf(p, sizeof p, "%s/memory.max_usage_in_bytes", cg->mem);
  if (read_u64(p, &v) == 0) { st->mem_peak = v; st->has_peak = true; }
  snprintf(p, sizeof p, "%s/memory.oom_control", cg->mem);
  if (read_keyed(p, "oom_kill", &v) == 0) st->oom_kills = v;
  return 0;
}

/* Calls fn(pid) for each pid listed in dir/cgroup.procs; returns how many, or -errno. */
static int for_each_proc(const char *dir, void (*fn)(int)) {
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s/cgroup.procs", dir);
  FILE *f = fopen(p, "re");
  if (!f) return -errno;
  int n = 0, pid;
  while (fscanf(f, "%d", &pid) == 1) {
    if (fn) fn(pid);
    n++;
  }
  fclose(f);
  return n;
}

static void kill_one(int pid) { kill(pid, SIGKILL); }

int cg_nprocs(const struct cgroup *cg) {
  int total = 0;
  const char *dirs[3] = {cg->mem, cg->cpu, cg->cpuacct};
  for (int i = 0; i < 3; i++) {
    int n = for_each_proc(dirs[i], NULL);
    if (n < 0 && i == 0) return n;
    if (n > total) total = n;
  }
  return total;
}

int cg_kill_all(const struct cgroup *cg, int64_t timeout_ns) {
  int64_t deadline = now_ns() + timeout_ns;
  const char *dirs[3] = {cg->mem, cg->cpu, cg->cpuacct};
  for (;;) {
    int left = 0;
    for (int i = 0; i < 3; i++) {
      int n = for_each_proc(dirs[i], kill_one);
      if (n > 0) left += n;
    }
    if (!left) return 0;
    if (now_ns() > deadline) return -EBUSY;
    usleep(10000);
  }
}

static int rmdir_retry(const char *dir) {
  /* a killed task leaves the group a moment after SIGKILL is delivered */
  for (int i = 0; i < 200; i++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) return -errno;
    usleep(10000);
  }
  return -EBUSY;
}

int cg_remove(const struct cgroup *cg) {
  const char *dirs[3] = {cg->cpu, cg->cpuacct, cg->mem};
  int first = 0;
  for (int i = 0; i < 3; i++) {
    bool dup = false;
    for (int j = 0; j < i; j++) if (!strcmp(dirs[i], dirs[j])) dup = true;
    if (dup || !dirs[i][0]) continue;
    int rc = rmdir_retry(dirs[i]);
    if (rc < 0 && !first) first = rc;
  }
  return first;
}

/* Depth-first: kill members, remove children, then the directory itself. */
static int remove_dir_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -errno;
  int first = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
    char sub[PATH_MAX];
    if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub) continue;
    int rc = remove_dir_tree(sub);
    if (rc < 0 && !first) first = rc;
  }
  closedir(d);
  for (int i = 0; i < 100 && for_each_proc(dir, kill_one) > 0; i++) usleep(10000);
  int rc = rmdir_retry(dir);
  return first ? first : rc;
}

int cg_remove_tree(const struct cg_sys *s, const char *rel) {
  const char *bases[3] = {s->v2_base, s->cpu_base, s->mem_base};
  const char *b4 = s->cpuacct_base;
  int first = 0;
  char p[PATH_MAX];
  for (int i = 0; i < 4; i++) {
    const char *b = i < 3 ? bases[i] : b4;
    if (!b[0]) continue;
    if (path_join(p, sizeof p, b, rel) < 0) continue;
    int rc = remove_dir_tree(p);
    if (rc < 0 && !first) first = rc;
  }
  return first;
}

bool cg_exists(const struct cg_sys *s, const char *rel) {
  const char *bases[4] = {s->v2_base, s->cpu_base, s->cpuacct_base, s->mem_base};
  char p[PATH_MAX];
  for (int i = 0; i < 4; i++) {
    if (!bases[i][0] || path_join(p, sizeof p, bases[i], rel) < 0) continue;
    if (access(p, F_OK) == 0) return true;
  }
  return false;
}
