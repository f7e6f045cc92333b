/* fsutil.h: files written so that an interrupted run never leaves a torn file.
 * Everything that writes results uses these. */
#ifndef FSUTIL_H
#define FSUTIL_H
#include <stddef.h>

/* Writes len bytes to path via "<path>.tmp.<pid>" + fsync + rename. 0 or -errno. */
int fs_write_atomic(const char *path, const void *data, size_t len);
/* Renames an already-written temp file into place (fsyncs it first). 0 or -errno. */
int fs_commit_tmp(const char *tmp_path, const char *path);
/* mkdir -p with mode 0755. 0 or -errno. */
int fs_mkdirs(const char *path);
/* Reads a whole file into a NUL-terminated malloc'd buffer (*out, caller frees). 0 or -errno. */
int fs_read_all(const char *path, char **out, size_t *len);
/* Removes a work directory of our own: its regular files (temp files of a generator or a
 * service stopped mid-write), then the directory. Best effort: what cannot go stays. */
void fs_remove_work_dir(const char *dir);

#endif
