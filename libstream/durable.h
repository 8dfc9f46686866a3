/*
 * durable -- files that are either wholly there or not at all, across
 * kill -9 and power loss: write a temporary file, fsync it, rename it over
 * its name, fsync the directory (the rename is only durable once the
 * directory's own entry is on disk).  The spool, the directory uplink and
 * collect's data set all store through here, so a reader never sees half a
 * file under its final name.
 *
 * Functions return 0, or -1 with errno set and a reason in err (a buffer
 * of the caller's) naming the path; nothing is printed.
 */
#ifndef DURABLE_H
#define DURABLE_H

#include <stddef.h>

/*
 * Store p[0..n) as dir/name: written to dir/.NAME.tmp, fsynced, renamed,
 * and dir fsynced.  An existing dir/name is replaced whole.
 */
int	 durable_write(const char *dir, const char *name, const void *p,
	     size_t n, char *err, size_t errlen);
/*
 * The same for many files at once, with two syncfs() calls in place of two
 * fsync() calls a file: durable_stage() each (written to dir/.NAME.tmp,
 * not synced), durable_syncfs() (their data on disk), durable_commit()
 * each (renamed), durable_syncfs() again (the renames on disk).  A file
 * appears under its name only once its bytes are on disk.
 */
int	 durable_stage(const char *dir, const char *name, const void *p,
	     size_t n, char *err, size_t errlen);
int	 durable_commit(const char *dir, const char *name, char *err,
	     size_t errlen);
/* syncfs() of the file system holding path. */
int	 durable_syncfs(const char *path, char *err, size_t errlen);
/* fsync a directory (after unlink or rename in it). */
int	 durable_sync_dir(const char *dir, char *err, size_t errlen);
/* mkdir -p, each new level fsynced into its parent. */
int	 durable_mkdirs(const char *path, char *err, size_t errlen);
/*
 * Read all of path, a regular file (EINVAL if not), into *p (caller frees)
 * of *n bytes; at most max bytes (EFBIG beyond); EIO if it shrank while
 * being read.
 */
int	 durable_read(const char *path, size_t max, char **p, size_t *n,
	     char *err, size_t errlen);

#endif
