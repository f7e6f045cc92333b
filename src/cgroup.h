/* cgroup.h: Kubernetes-equivalent limits for one process tree, on cgroup v2 (unified) or v1
 * (cpu, cpuacct and memory as separate or co-mounted hierarchies).
 * Owner: runner work (src/cgroup.c). Not thread-safe per object; distinct objects may be used
 * from different threads. Paths are absolute; all figures are raw counters (ns, bytes), the
 * caller takes deltas.
 *
 * Typical use: cg_detect once, cg_create a leaf ("poc-compare/<run-id>/<scenario>"),
 * cg_set_limits, start the process with cg_procs_files (the child writes its pid there before
 * exec), cg_read every second, cg_kill_all + cg_remove at the end, cg_remove_tree for the run.
 *
 * cgroup v2 needs, below the calling process's own cgroup <own>: write access to <own> (root, or
 * a delegated subtree) and cpu and memory in <own>/cgroup.controllers. Because a non-root cgroup
 * with processes cannot give controllers to its children, the first cg_create moves every
 * process of <own> (the caller included) into <own>/CG_RUNNER_LEAF; they stay there. */
#ifndef CGROUP_H
#define CGROUP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CG_V1 = 1, CG_V2 = 2 };

/* v2: the leaf under the caller's own cgroup that its processes are moved into (see above). A
 * caller already in such a leaf creates its groups beside it, under the leaf's parent. */
#define CG_RUNNER_LEAF "poc-compare-runner"

/* The machine's layout, with the calling process's own cgroup as the base for new groups
 * (so a runner that is itself confined, e.g. in a non-root memory cgroup, stays confined). */
struct cg_sys {
  int version;                 /* CG_V1 or CG_V2 */
  char v2_base[PATH_MAX];      /* v2: <mount>/<own path> where groups are created */
  char v2_ctrls[64];           /* v2: controllers enabled on the way down ("cpu memory") */
  char cpu_base[PATH_MAX];     /* v1: <cpu mount>/<own cpu path> */
  char cpuacct_base[PATH_MAX]; /* v1: may equal cpu_base (co-mounted "cpu,cpuacct") */
  char mem_base[PATH_MAX];     /* v1: <memory mount>/<own memory path> */
};

/* One group. In v2 the three paths are the same directory. */
struct cgroup {
  int version;
  char rel[256];               /* relative name given to cg_create */
  char cpu[PATH_MAX];
  char cpuacct[PATH_MAX];
  char mem[PATH_MAX];
};

struct cg_stats {
  uint64_t cpu_usage_ns;       /* CPU time used by every process in the group */
  uint64_t nr_periods;         /* CFS enforcement periods that had runnable tasks */
  uint64_t nr_throttled;       /* of which the group was throttled */
  uint64_t throttled_ns;       /* total time throttled */
  uint64_t mem_current;        /* bytes charged now */
  uint64_t mem_peak;           /* high-water mark; 0 when the kernel does not keep one (v2
                                * memory.peak is Linux 5.19+): callers then use the highest
                                * mem_current they sampled */
  bool has_peak;
  uint64_t oom_kills;          /* processes killed by the OOM killer in this group (v2:
                                * memory.events oom_kill, which counts every process of a
                                * group kill too) */
};

/* Finds the hierarchy and this process's place in it. 0, or -ENOENT/-errno with a message
 * saying what is missing in err. */
int cg_detect(struct cg_sys *s, char *err, size_t errlen);

/* The v2 half of cg_detect with its inputs given: mount (NULL: the cgroup2 mount from
 * /proc/self/mountinfo whose root offers ctrls), own, the caller's cgroup path as in
 * /proc/self/cgroup "0::<own>" (NULL: read from there), ctrls, the controllers to require and
 * enable, space-separated (NULL: "cpu memory"). For tests (a laid-out tree; a cgroup2 mount
 * with other controllers); programs call cg_detect. 0, or -errno with the reason in err. */
int cg_detect_v2_at(struct cg_sys *s, const char *mount, const char *own, const char *ctrls,
                    char *err, size_t errlen);

/* Creates rel (mkdir -p, e.g. "poc-compare/20261203T184500Z/load-golang-health") under every
 * needed hierarchy; on v2 enables the cpu and memory controllers on the way down (after moving
 * the processes of a non-root base into CG_RUNNER_LEAF) and checks the leaf received them. An
 * existing group is reused. 0, or -errno with a message naming the path and the remedy (run as
 * root, a delegated subtree, or --no-limits) in err. */
int cg_create(const struct cg_sys *s, const char *rel, struct cgroup *cg, char *err, size_t errlen);

/* CPU as a CFS quota: millicores * 100 us per 100,000 us period (<= 0: unlimited; 1..9 is
 * -EINVAL, under the kernel's 1 ms minimum); memory in bytes (0: unlimited); swap is disabled
 * where the kernel keeps swap accounting. v2 leaves memory.oom.group at 0 (one process killed,
 * as on v1). 0 / -errno + err. */
int cg_set_limits(const struct cgroup *cg, int64_t cpu_millicores, uint64_t mem_bytes,
                  char *err, size_t errlen);

/* The distinct cgroup.procs files a process must write its pid into to join the group, as a
 * NULL-terminated list in out (at most 4 entries + NULL; pointers into cg). Returns the count. */
size_t cg_procs_files(const struct cgroup *cg, const char *out[5]);

/* Moves pid into the group. 0 / -errno. */
int cg_attach(const struct cgroup *cg, int pid);

/* Reads every figure; missing files leave their field 0. 0, or -errno if the group is gone. */
int cg_read(const struct cgroup *cg, struct cg_stats *st);

/* Number of processes in the group (memory hierarchy on v1), or -errno. */
int cg_nprocs(const struct cgroup *cg);

/* SIGKILLs every process in the group (v2: cgroup.kill first, where the kernel has it) until
 * it is empty or timeout_ns passes. Never signals the caller or pid 0. 0, or -EBUSY if
 * processes remain. */
int cg_kill_all(const struct cgroup *cg, int64_t timeout_ns);

/* rmdir of the group in every hierarchy (must be empty). 0 / -errno (first error). */
int cg_remove(const struct cgroup *cg);

/* Kills everything in and removes rel and every group beneath it, deepest first. Absent is 0;
 * an empty rel (the base itself) is -EINVAL. */
int cg_remove_tree(const struct cg_sys *s, const char *rel);

/* true when rel exists in any hierarchy. */
bool cg_exists(const struct cg_sys *s, const char *rel);

#endif
