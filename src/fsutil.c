/* fsutil.c: atomic file writes (temp file, fsync, rename), mkdir -p, whole-file reads and
 * the removal of a work directory.
 * Results are only ever made visible by rename(2), which is atomic within a filesystem, so a
 * reader (or a --resume) sees either the old file or the complete new one. The temp name
 * carries the pid so two writers never share a temp file. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsutil.h"

int fs_commit_tmp(const char *tmp_path, const char *path) {
  int fd = open(tmp_path, O_RDONLY);
  if (fd < 0) return -errno;
  int rc = fsync(fd) < 0 ? -errno : 0;
  close(fd);
  if (rc < 0) return rc;
  if (rename(tmp_path, path) < 0) return -errno;
  return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= sizeof tmp)
    return -ENAMETOOLONG;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -errno;
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = -errno;
      close(fd);
      unlink(tmp);
      return e;
    }
    p += n;
    left -= (size_t)n;
  }
  if (fsync(fd) < 0 || close(fd) < 0) {
    int e = -errno;
    unlink(tmp);
    return e;
  }
  if (rename(tmp, path) < 0) {
    int e = -errno;
    unlink(tmp);
    return e;
  }
  return 0;
}

int fs_mkdirs(const char *path) {
  char buf[4096];
  if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return -ENAMETOOLONG;
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
  return 0;
}

int fs_read_all(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -errno;
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  if (!buf) { fclose(f); return -ENOMEM; }
  for (;;) {
    if (cap - n < 4096) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); fclose(f); return -ENOMEM; }
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + n, 1, cap - n - 1, f);
    n += r;
    if (r == 0) break;
  }
  int err = ferror(f) ? -EIO : 0;
  fclose(f);
  if (err) { free(buf); return err; }
  buf[n] = '\0';
  *out = buf;
  if (len) *len = n;
  return 0;
}

void fs_remove_work_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[PATH_MAX + 300];
  while ((e = readdir(d)))
    if (e->d_type == DT_REG) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
  closedir(d);
  rmdir(dir);
}
