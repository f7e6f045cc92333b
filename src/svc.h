/* svc.h: contenders as the runner and verify see them: the service.conf descriptor
 * (DESIGN.md section 3) and the service process (start on HOST:PORT, wait for health, stop).
 * Owner: verify work (src/svc.c); the runner and capacity use it unchanged.
 *
 * service.conf: `key = value` lines, `#` comments, blank lines ignored. Keys:
 *   name, language, description      one line each
 *   build                            shell command run in the folder by `make` (sh -c)
 *   test                             shell command running the contender's own tests
 *   start                            shell command (exec'd via sh -c) serving on $HOST:$PORT
 *   env = KEY=VALUE                  repeatable; added to the start environment
 *   health = /health
 *   version.<what> = <value>         repeatable; recorded in results (pinned versions)
 *   versions_cmd = <command>         optional; prints more `key=value` lines to record
 *   [variant NAME]                   following start/env lines override/add for that variant
 * Unknown keys are an error naming the file and line. */
#ifndef SVC_H
#define SVC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kv {
  char *key;
  char *value;
};

struct svc_variant {
  char *name;
  char *start;           /* NULL: the default's */
  struct kv *env;        /* added after (and overriding) the default's env */
  size_t nenv;
};

struct svc_conf {
  char *dir;             /* absolute path of apps/<name> */
  char *name, *language, *description, *build, *test, *start, *health, *versions_cmd;
  struct kv *env;
  size_t nenv;
  struct kv *versions;   /* version.<key> = value, key without the prefix */
  size_t nversions;
  struct svc_variant *variants;
  size_t nvariants;
};

/* Parses path. 0, or -EINVAL with "file:line: message" in err. */
int svc_conf_load(const char *path, struct svc_conf *c, char *err, size_t errlen);
void svc_conf_free(struct svc_conf *c);
/* Loads every <apps_dir>/<name>/service.conf, sorted by name. *out is an array of *n. */
int svc_conf_discover(const char *apps_dir, struct svc_conf **out, size_t *n, char *err, size_t errlen);
void svc_conf_free_all(struct svc_conf *arr, size_t n);

struct svc_proc {
  pid_t pid;              /* process group leader (setsid); 0 when not running */
  char host[64];
  int port;
  char stderr_path[512];  /* the service's stdout+stderr go here (tail shown on failure) */
  /* private to svc.c: the leader was reaped (its wait status kept) while pid still names the
   * process group, so svc_stop can still signal what the service left behind */
  bool reaped_;
  int wstatus_;
};

/* A free TCP port on host (bind to port 0, read it back, close). >0, or -errno. */
int svc_free_port(const char *host);

/* Starts conf (variant NULL = default) in its folder with HOST/PORT set, in a new session so the
 * whole process tree can be signalled. cgroup_procs: NULL, or a NULL-terminated list of
 * cgroup.procs files the child writes its own pid into before exec (so the service is born
 * inside its limits). stderr goes to p->stderr_path (a temp file $TMPDIR/pocbench-<name>-XXXXXX,
 * or log_path when given; the caller removes a temp file when done: svc_stop leaves it, so its
 * tail can still be read. When svc_start fails it removes a temp file itself). The child gets SIGKILL if the calling thread exits (PR_SET_PDEATHSIG),
 * so call this from a thread that lives as long as the service.
 * 0 / -errno (+ message in err). */
int svc_start(const struct svc_conf *conf, const char *variant, const char *host, int port,
              const char *const *cgroup_procs, const char *log_path, struct svc_proc *p,
              char *err, size_t errlen);

/* Polls GET <health> until 200 or timeout. 0, -ETIMEDOUT, or -ECHILD if the process exited
 * (err then holds its exit status and the last lines of its stderr); -EINTR as soon as a
 * signal handler (installed without SA_RESTART) interrupts it. */
int svc_wait_healthy(struct svc_proc *p, const char *health_path, int64_t timeout_ns,
                     char *err, size_t errlen);

/* true while the process is alive (reaps it if it exited; *status gets the wait status). */
bool svc_alive(struct svc_proc *p, int *status);

/* SIGTERM to the process group, wait up to grace_ns, then SIGKILL. Returns the wait status
 * (or -errno). Safe to call twice. */
int svc_stop(struct svc_proc *p, int64_t grace_ns);

/* The last max bytes of the service's log, into buf (NUL-terminated). */
void svc_log_tail(const struct svc_proc *p, char *buf, size_t max);

/* Runs conf's versions_cmd (sh -c, in its folder) with the environment the service of that
 * variant (NULL = default) gets, without HOST/PORT: the descriptor's env, then the variant's.
 * So GOMAXPROCS or an event-loop setting is reported as the service will run with it. The CPU
 * affinity is the calling thread's (set the service's before calling). Its stdout goes into
 * out (at most cap-1 bytes, NUL-terminated), stderr is dropped; killed after timeout_ns.
 * 0 (also without a versions_cmd: out empty); -ETIMEDOUT, -ECHILD (non-zero exit; out holds
 * what it printed) or -errno, with a message in err. */
int svc_versions_output(const struct svc_conf *conf, const char *variant, int64_t timeout_ns,
                        char *out, size_t cap, char *err, size_t errlen);

#endif
