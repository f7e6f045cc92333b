/* cgroup.c: CPU quota and memory limit for a contender, the way Kubernetes applies
 * "resources.limits" (CFS quota, memory limit, OOM killer), on cgroup v2 and v1.
 *
 * Detection: a unified hierarchy is a cgroup2 mount whose root lists cpu and memory in
 * cgroup.controllers (a hybrid system's empty /sys/fs/cgroup/unified does not count); otherwise
 * the v1 mounts are read from /proc/self/mountinfo (cpu and cpuacct may be separate hierarchies
 * or co-mounted as "cpu,cpuacct"). New groups go under the caller's OWN cgroup (from
 * /proc/self/cgroup, made relative to the mount's root), not the hierarchy root: a runner that
 * is itself confined (a container, a CI job) keeps its children inside its own accounting. The
 * rejected alternative, creating at the root, escapes the caller's limits and fails without
 * privilege.
 *
 * v2 "no internal processes": a non-root cgroup that holds processes cannot enable cpu or memory
 * in its cgroup.subtree_control. Our own cgroup holds us (and usually make, a shell, a container's
 * init), so before enabling the controllers there cg_create moves every process of that cgroup
 * into a leaf of its own, <own>/poc-compare-runner, the way nested container runtimes do. The
 * rejected alternative, creating beside us under our parent, leaves our own accounting and is
 * usually not delegated to us. The hierarchy root is exempt and is left as it is.
 *
 * Teardown kills by cgroup membership (cgroup.kill on v2 5.14+, then SIGKILL to every pid listed
 * in cgroup.procs), so a service that forked workers or double-forked cannot leave a stray process
 * behind; rmdir then removes the empty group. We never signal ourselves or pid 0. */
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
#include "clock.h"
#include "cgroup.h"

#define V2_CTRLS "cpu memory"

/* O_TRUNC: harmless on cgroupfs (it is what "echo x > file" does) and keeps a laid-out test
 * tree holding exactly what was written. */
static int write_str(const char *path, const char *s) {
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
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

/* Value of "key N" in the text of a flat keyed file; the whole first word must match, so
 * "oom_kill" never reads "oom_group_kill". */
static int keyed_value(const char *buf, const char *key, uint64_t *v) {
  size_t kl = strlen(key);
  for (const char *line = buf; line && *line; ) {
    const char *nl = strchr(line, '\n');
    if (!strncmp(line, key, kl) && line[kl] == ' ') {
      char *end;
      errno = 0;
      unsigned long long x = strtoull(line + kl + 1, &end, 10);
      if (end == line + kl + 1 || errno) return -EINVAL;
      *v = x;
      return 0;
    }
    line = nl ? nl + 1 : NULL;
  }
  return -ENOENT;
}

/* Value of "key N" in a flat keyed file (cpu.stat, memory.events, memory.oom_control). */
static int read_keyed(const char *path, const char *key, uint64_t *v) {
  char buf[4096];
  int rc = read_small(path, buf, sizeof buf);
  if (rc < 0) return rc;
  return keyed_value(buf, key, v);
}

/* true when tok is one of the words of list (cgroup.controllers, cgroup.subtree_control). */
static bool has_word(const char *list, const char *tok, size_t tl) {
  for (const char *p = list; *p; ) {
    p += strspn(p, " \t\n");
    size_t n = strcspn(p, " \t\n");
    if (n == tl && !strncmp(p, tok, tl)) return true;
    p += n;
  }
  return false;
}

/* true when every word of need is a word of have. */
static bool has_all_words(const char *have, const char *need) {
  for (const char *p = need; *p; ) {
    p += strspn(p, " ");
    size_t n = strcspn(p, " ");
    if (n && !has_word(have, p, n)) return false;
    p += n;
  }
  return true;
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

/* own (from /proc/self/cgroup) as a path below a mount whose root (mountinfo field 4) is root:
 * a bind mount of a sub-tree shows only what lies below its root. -ENOENT when own is outside
 * (another cgroup namespace shows it as "/.."). */
static int rebase(const char *own, const char *root, char *out, size_t cap) {
  if (!strncmp(own, "/..", 3) && (own[3] == '/' || !own[3])) return -ENOENT;
  size_t rl = strlen(root);
  while (rl > 0 && root[rl - 1] == '/') rl--;
  if (rl) {
    if (strncmp(own, root, rl) || (own[rl] != '/' && own[rl])) return -ENOENT;
    own += rl;
  }
  int n = snprintf(out, cap, "%s", *own ? own : "/");
  return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

/* Mount point (and mount root) of the v1 hierarchy carrying ctrl, from /proc/self/mountinfo. */
static int v1_mount(const char *ctrl, char *out, size_t cap, char *root_out, size_t rcap) {
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
    snprintf(root_out, rcap, "%s", root);
    rc = 0;
  }
  fclose(f);
  return rc;
}

/* The cgroup2 mount whose root offers every controller in ctrls. */
static int v2_mount(const char *ctrls, char *out, size_t cap, char *root_out, size_t rcap) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -errno;
  char line[2048];
  int rc = -ENOENT;
  while (rc && fgets(line, sizeof line, f)) {
    char *sep = strstr(line, " - ");
    char fstype[32], root[512], mnt[1024], probe[1100];
    if (!sep || sscanf(sep + 3, "%31s", fstype) != 1 || strcmp(fstype, "cgroup2")) continue;
    if (sscanf(line, "%*s %*s %*s %511s %1023s", root, mnt) != 2) continue;
    /* a hybrid system's /sys/fs/cgroup/unified has no controllers to give: not usable */
    snprintf(probe, sizeof probe, "%s/cgroup.controllers", mnt);
    char ctl[512];
    if (read_small(probe, ctl, sizeof ctl) > 0 && has_all_words(ctl, ctrls)) {
      snprintf(out, cap, "%s", mnt);
      snprintf(root_out, rcap, "%s", root);
      rc = 0;
    }
  }
  fclose(f);
  return rc;
}

#define V2_REMEDY "run as root, or from a delegated cgroup v2 subtree (write access to the " \
  "directory, its cgroup.procs and cgroup.subtree_control, with the controllers listed in its " \
  "cgroup.controllers; with systemd: systemd-run --user --scope -p Delegate=yes ..., and cpu " \
  "must be among the controllers user@.service delegates), or pass --no-limits to run without " \
  "limits (the results then say so)"

static int v2_setup(struct cg_sys *s, const char *mnt, const char *root, const char *own,
                    const char *ctrls, char *err, size_t errlen) {
  char ownbuf[PATH_MAX], rel[PATH_MAX];
  if (!own) {
    if (own_path("", ownbuf, sizeof ownbuf) < 0) {
      snprintf(err, errlen, "/proc/self/cgroup has no cgroup v2 line (\"0::/path\")");
      return -ENOENT;
    }
    own = ownbuf;
  }
  if (rebase(own, root, rel, sizeof rel) < 0) {
    snprintf(err, errlen, "this process's cgroup %s lies outside the cgroup2 mount %s (mount "
             "root %s), so no group can be created under it; run pocbench inside the cgroup "
             "namespace that owns the mount, or pass --no-limits", own, mnt, root);
    return -ENOENT;
  }
  /* already in the runner leaf of an earlier run: its parent is where groups go */
  size_t ll = strlen(CG_RUNNER_LEAF), rl = strlen(rel);
  if (rl > ll && rel[rl - ll - 1] == '/' && !strcmp(rel + rl - ll, CG_RUNNER_LEAF)) {
    size_t cut = rl - ll - 1;               /* the slash before the leaf; keep "/" itself */
    rel[cut ? cut : 1] = '\0';
  }
  s->version = CG_V2;
  snprintf(s->v2_ctrls, sizeof s->v2_ctrls, "%s", ctrls);
  if (path_join(s->v2_base, sizeof s->v2_base, mnt, rel) < 0) {
    snprintf(err, errlen, "cgroup path too long under %s", mnt);
    return -ENAMETOOLONG;
  }
  char p[PATH_MAX + 32], have[512];
  snprintf(p, sizeof p, "%s/cgroup.controllers", s->v2_base);
  int rc = read_small(p, have, sizeof have);
  if (rc < 0) {
    snprintf(err, errlen, "cannot read %s: %s (is %s a cgroup2 directory?)", p, strerror(-rc),
             s->v2_base);
    return rc;
  }
  if (!has_all_words(have, ctrls)) {
    have[strcspn(have, "\n")] = '\0';
    snprintf(err, errlen, "cgroup v2: %s lists \"%s\", not every one of \"%s\": the cgroup above "
             "%s does not delegate them to it. To apply limits, " V2_REMEDY, p, have, ctrls,
             s->v2_base);
    return -ENOTSUP;
  }
  return 0;
}

int cg_detect_v2_at(struct cg_sys *s, const char *mount, const char *own, const char *ctrls,
                    char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  if (!ctrls) ctrls = V2_CTRLS;
  char mnt[PATH_MAX], root[PATH_MAX] = "/";
  if (mount) snprintf(mnt, sizeof mnt, "%s", mount);
  else if (v2_mount(ctrls, mnt, sizeof mnt, root, sizeof root) < 0) {
    snprintf(err, errlen, "no cgroup2 mount offers \"%s\" (see /proc/self/mountinfo)", ctrls);
    return -ENOENT;
  }
  return v2_setup(s, mnt, root, own, ctrls, err, errlen);
}

int cg_detect(struct cg_sys *s, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  char mnt[PATH_MAX], root[PATH_MAX], own[PATH_MAX], rel[PATH_MAX];
  if (v2_mount(V2_CTRLS, mnt, sizeof mnt, root, sizeof root) == 0)
    return v2_setup(s, mnt, root, NULL, V2_CTRLS, err, errlen);
  static const char *ctrls[] = {"cpu", "cpuacct", "memory"};
  char *bases[] = {s->cpu_base, s->cpuacct_base, s->mem_base};
  for (int i = 0; i < 3; i++) {
    if (v1_mount(ctrls[i], mnt, sizeof mnt, root, sizeof root) < 0) {
      snprintf(err, errlen, "no cgroup v1 hierarchy with the '%s' controller is mounted and no "
               "cgroup v2 hierarchy offers cpu and memory (see /proc/self/mountinfo); run with "
               "--no-limits to measure without limits", ctrls[i]);
      return -ENOENT;
    }
    if (own_path(ctrls[i], own, sizeof own) < 0) snprintf(own, sizeof own, "/");
    if (rebase(own, root, rel, sizeof rel) < 0) {
      snprintf(err, errlen, "this process's %s cgroup %s lies outside the mount %s (root %s); "
               "run with --no-limits", ctrls[i], own, mnt, root);
      return -ENOENT;
    }
    if (path_join(bases[i], PATH_MAX, mnt, rel) < 0) {
      snprintf(err, errlen, "cgroup path too long under %s", mnt);
      return -ENAMETOOLONG;
    }
  }
  s->version = CG_V1;
  return 0;
}

/* Reads every pid listed in dir/cgroup.procs into a new array (caller frees). Count or -errno. */
static int list_procs(const char *dir, int **out) {
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s/cgroup.procs", dir);
  *out = NULL;
  FILE *f = fopen(p, "re");
  if (!f) return -errno;
  int n = 0, cap = 0, pid;
  int *v = NULL;
  while (fscanf(f, "%d", &pid) == 1) {
    if (n == cap) {
      int *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *v);
      if (!nv) { free(v); fclose(f); return -ENOMEM; }
      v = nv;
    }
    v[n++] = pid;
  }
  fclose(f);
  *out = v;
  return n;
}

/* Moves every process of the (non-root) base into base/CG_RUNNER_LEAF, so that base may hand
 * controllers to its children. A process that exits meanwhile is no error. */
static int v2_evacuate(const struct cg_sys *s, char *err, size_t errlen) {
  char leaf[PATH_MAX + 64], p[PATH_MAX + 128];
  snprintf(p, sizeof p, "%s/cgroup.type", s->v2_base);
  if (access(p, F_OK) < 0) return 0;            /* the root: exempt from the rule */
  int *pids;
  int n = list_procs(s->v2_base, &pids);
  if (n <= 0) {
    free(pids);
    if (n < 0) snprintf(err, errlen, "cannot read %s/cgroup.procs: %s", s->v2_base, strerror(-n));
    return n;
  }
  snprintf(leaf, sizeof leaf, "%s/%s", s->v2_base, CG_RUNNER_LEAF);
  int rc = 0;
  if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
    rc = -errno;
    snprintf(err, errlen, "cannot create cgroup %s for the processes of %s: %s. To apply limits, "
             V2_REMEDY, leaf, s->v2_base, strerror(-rc));
    free(pids);
    return rc;
  }
  snprintf(p, sizeof p, "%s/cgroup.procs", leaf);
  int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) rc = -errno;
  /* one pid per write(): cgroupfs migrates one process per write call */
  for (int i = 0; fd >= 0 && i < n; i++) {
    if (pids[i] <= 0) continue;
    char num[24];
    int len = snprintf(num, sizeof num, "%d\n", pids[i]);
    if (write(fd, num, (size_t)len) == len || errno == ESRCH) continue;
    rc = -errno;
    snprintf(err, errlen, "cannot move process %d from %s into %s: %s. A cgroup v2 cgroup that "
             "holds processes cannot give cpu and memory to sub-groups, so pocbench moves the "
             "processes of its own cgroup into a leaf first. Run pocbench from a cgroup of its "
             "own, or " V2_REMEDY, pids[i], s->v2_base, leaf, strerror(-rc));
    break;
  }
  if (fd >= 0) close(fd);
  else snprintf(err, errlen, "cannot open %s: %s. To apply limits, " V2_REMEDY, p, strerror(-rc));
  free(pids);
  return rc;
}

/* Enables the controllers in dir/cgroup.subtree_control unless they already are; at the base,
 * first moves its processes out of the way (see the file comment). */
static int v2_enable(const struct cg_sys *s, const char *dir, bool is_base, char *err, size_t errlen) {
  char sc[PATH_MAX + 32], cur[512], want[128] = "";
  snprintf(sc, sizeof sc, "%s/cgroup.subtree_control", dir);
  if (read_small(sc, cur, sizeof cur) >= 0 && has_all_words(cur, s->v2_ctrls)) return 0;
  for (const char *w = s->v2_ctrls; *w; ) {
    w += strspn(w, " ");
    size_t n = strcspn(w, " ");
    if (n) snprintf(want + strlen(want), sizeof want - strlen(want), "%s+%.*s", want[0] ? " " : "", (int)n, w);
    w += n;
  }
  int rc = 0;
  /* a process that forked inside the base while we moved the others makes the write EBUSY */
  for (int attempt = 0; attempt < 5; attempt++) {
    if (is_base && (rc = v2_evacuate(s, err, errlen)) < 0) return rc;
    if ((rc = write_str(sc, want)) != -EBUSY || !is_base) break;
  }
  if (rc == 0) return 0;
  char ctl[PATH_MAX + 32], have[512] = "";
  snprintf(ctl, sizeof ctl, "%s/cgroup.controllers", dir);
  read_small(ctl, have, sizeof have);
  have[strcspn(have, "\n")] = '\0';
  if (rc == -EBUSY)
    snprintf(err, errlen, "cannot write '%s' to %s: %s. The cgroup holds processes, and a cgroup "
             "v2 cgroup with processes cannot give controllers to sub-groups (the \"no internal "
             "processes\" rule); remove them, or pass --no-limits", want, sc, strerror(-rc));
  else if (rc == -ENOENT || rc == -EINVAL)
    snprintf(err, errlen, "cannot write '%s' to %s: %s. %s lists only \"%s\": the cgroup above "
             "does not delegate the controllers. To apply limits, " V2_REMEDY, want, sc,
             strerror(-rc), ctl, have);
  else
    snprintf(err, errlen, "cannot write '%s' to %s: %s. To apply limits, " V2_REMEDY, want, sc,
             strerror(-rc));
  return rc;
}

static int v2_create(const struct cg_sys *s, const char *rel, char *out, size_t cap,
                     char *err, size_t errlen) {
  if (path_join(out, cap, s->v2_base, rel) < 0) {
    snprintf(err, errlen, "cgroup path too long: %s/%s", s->v2_base, rel);
    return -ENAMETOOLONG;
  }
  size_t blen = strlen(s->v2_base);
  if (strlen(out) <= blen) {
    snprintf(err, errlen, "empty cgroup name under %s", s->v2_base);
    return -EINVAL;
  }
  char tmp[PATH_MAX], parent[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", out);
  snprintf(parent, sizeof parent, "%s", s->v2_base);
  int rc;
  for (char *p = tmp + blen + 1; ; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    /* the parent must hand the controllers down before the child can use them */
    if ((rc = v2_enable(s, parent, !strcmp(parent, s->v2_base), err, errlen)) < 0) return rc;
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
      rc = -errno;
      snprintf(err, errlen, "cannot create cgroup %s: %s. To apply limits, " V2_REMEDY, tmp,
               strerror(-rc));
      return rc;
    }
    snprintf(parent, sizeof parent, "%s", tmp);
    if (!saved) break;
    *p = saved;
  }
  char p[PATH_MAX + 32], have[512] = "";
  snprintf(p, sizeof p, "%s/cgroup.controllers", out);
  if (read_small(p, have, sizeof have) < 0 || !has_all_words(have, s->v2_ctrls)) {
    have[strcspn(have, "\n")] = '\0';
    snprintf(err, errlen, "cgroup %s has controllers \"%s\", not \"%s\" (its parent does not "
             "delegate them in cgroup.subtree_control). To apply limits, " V2_REMEDY, out, have,
             s->v2_ctrls);
    return -ENOTSUP;
  }
  return 0;
}

static int mkdirs(const char *base, const char *rel, char *out, size_t cap, char *err, size_t errlen) {
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
    if ((rc = v2_create(s, rel, cg->cpu, sizeof cg->cpu, err, errlen)) < 0) return rc;
    snprintf(cg->cpuacct, sizeof cg->cpuacct, "%s", cg->cpu);
    snprintf(cg->mem, sizeof cg->mem, "%s", cg->cpu);
    return 0;
  }
  if ((rc = mkdirs(s->cpu_base, rel, cg->cpu, sizeof cg->cpu, err, errlen)) < 0) return rc;
  if ((rc = mkdirs(s->cpuacct_base, rel, cg->cpuacct, sizeof cg->cpuacct, err, errlen)) < 0)
    return rc;
  return mkdirs(s->mem_base, rel, cg->mem, sizeof cg->mem, err, errlen);
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
  if (cpu_millicores > 0 && cpu_millicores < 10) {
    /* the kernel refuses a quota under 1 ms per period */
    snprintf(err, errlen, "CPU limit %lldm is below 10m, the smallest CFS quota (1000 us per "
             "100000 us period) the kernel accepts", (long long)cpu_millicores);
    return -EINVAL;
  }
  if (cg->version == CG_V2) {
    if (cpu_millicores > 0) snprintf(v, sizeof v, "%lld %lld", (long long)(cpu_millicores * 100), (long long)period_us);
    else snprintf(v, sizeof v, "max %lld", (long long)period_us);
    if ((rc = write_file(cg->cpu, "cpu.max", v, err, errlen)) < 0) return rc;
    if (mem_bytes) snprintf(v, sizeof v, "%llu", (unsigned long long)mem_bytes);
    else snprintf(v, sizeof v, "max");
    if ((rc = write_file(cg->mem, "memory.max", v, err, errlen)) < 0) return rc;
    /* absent when the kernel keeps no swap accounting (then there is nothing to forbid) */
    rc = write_file(cg->mem, "memory.swap.max", mem_bytes ? "0" : "max", err, errlen);
    return rc == -ENOENT ? 0 : rc;
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
  char p[PATH_MAX + 64], buf[4096];
  uint64_t v;
  if (cg->version == CG_V2) {
    if (access(cg->cpu, F_OK) < 0) return -errno;
    snprintf(p, sizeof p, "%s/cpu.stat", cg->cpu);
    /* one read, so the four figures are one snapshot; the nr_* lines exist only while the
     * cpu controller is enabled for the group */
    if (read_small(p, buf, sizeof buf) >= 0) {
      if (keyed_value(buf, "usage_usec", &v) == 0) st->cpu_usage_ns = v * 1000;
      if (keyed_value(buf, "nr_periods", &v) == 0) st->nr_periods = v;
      if (keyed_value(buf, "nr_throttled", &v) == 0) st->nr_throttled = v;
      if (keyed_value(buf, "throttled_usec", &v) == 0) st->throttled_ns = v * 1000;
    }
    snprintf(p, sizeof p, "%s/memory.current", cg->mem);
    if (read_u64(p, &v) == 0) st->mem_current = v;
    /* memory.peak appeared in Linux 5.19; before, has_peak stays false */
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

/* A pid outside our pid namespace is listed as 0, and kill(0) would hit our own process group;
 * and we never kill ourselves (a group we are in is counted, so it never reads as empty). */
static void kill_one(int pid) {
  if (pid > 0 && pid != (int)getpid()) kill(pid, SIGKILL);
}

static bool lists_self(const char *dir) {
  int *pids;
  int n = list_procs(dir, &pids);
  bool self = false;
  for (int i = 0; i < n; i++) if (pids[i] == (int)getpid()) self = true;
  free(pids);
  return self;
}

/* cgroup.kill (v2, Linux 5.14+) kills the group atomically, forks in flight included; absent
 * before 5.14, where the per-pid loop does the work alone. Not for a group holding us. */
static void v2_kill(const char *dir) {
  if (lists_self(dir)) return;
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s/cgroup.kill", dir);
  write_str(p, "1");
}

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
  int64_t deadline = clock_now_ns() + timeout_ns;
  const char *dirs[3] = {cg->mem, cg->cpu, cg->cpuacct};
  if (cg->version == CG_V2) v2_kill(cg->cpu);
  for (;;) {
    int left = 0;
    for (int i = 0; i < 3; i++) {
      int n = for_each_proc(dirs[i], kill_one);
      if (n > 0) left += n;
    }
    if (!left) return 0;
    if (clock_now_ns() > deadline) return -EBUSY;
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

/* Depth-first: kill members, remove children, then the directory itself. cgroup.kill only on a
 * leaf: on an inner group it would reach a sub-group that holds us. */
static int remove_dir_tree(const char *dir, bool v2) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -errno;
  int first = 0;
  bool leaf = true;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
    leaf = false;
    char sub[PATH_MAX];
    if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub) continue;
    int rc = remove_dir_tree(sub, v2);
    if (rc < 0 && !first) first = rc;
  }
  closedir(d);
  if (v2 && leaf) v2_kill(dir);
  for (int i = 0; i < 100 && for_each_proc(dir, kill_one) > 0; i++) usleep(10000);
  int rc = rmdir_retry(dir);
  return first ? first : rc;
}

int cg_remove_tree(const struct cg_sys *s, const char *rel) {
  const char *bases[3] = {s->v2_base, s->cpu_base, s->mem_base};
  const char *b4 = s->cpuacct_base;
  int first = 0;
  char p[PATH_MAX];
  if (!rel[0] || !strcmp(rel, "/")) return -EINVAL;   /* never the base itself */
  for (int i = 0; i < 4; i++) {
    const char *b = i < 3 ? bases[i] : b4;
    if (!b[0]) continue;
    if (path_join(p, sizeof p, b, rel) < 0) continue;
    int rc = remove_dir_tree(p, s->version == CG_V2);
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
