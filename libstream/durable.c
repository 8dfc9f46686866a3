/*
 * durable -- atomic, durable file replacement (see durable.h).  The
 * temporary name starts with a dot and ends in .tmp, so directory scans
 * (the spool's resume, collect's inbox) skip it, and a leftover from a
 * crash is recognisable and removed by whoever owns the directory.
 */
#define _GNU_SOURCE		/* syncfs() */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable.h"

static int
fail(char *err, size_t errlen, const char *what, const char *path)
{
	int e = errno;

	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(e));
	errno = e;
	return -1;
}

int
durable_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd, e;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "open", dir);
	if (fsync(fd) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return fail(err, errlen, "fsync", dir);
	}
	close(fd);
	return 0;
}

/* Write p[0..n) to dir/.name.tmp, fsynced if sync; its path into tmp. */
static int
put_tmp(const char *dir, const char *name, const void *p, size_t n,
    int sync, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	const char *q = p;
	ssize_t w;
	int fd, e;

	if ((size_t)snprintf(tmp, tmplen, "%s/.%s.tmp", dir, name) >=
	    tmplen) {
		errno = ENAMETOOLONG;
		return fail(err, errlen, "path", dir);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return fail(err, errlen, "create", tmp);
	while (n > 0) {
		if ((w = write(fd, q, n)) == -1) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		q += w;
		n -= (size_t)w;
	}
	if (sync && fsync(fd) == -1)
		goto bad;
	if (close(fd) == -1) {
		fd = -1;
		goto bad;
	}
	return 0;
bad:
	e = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = e;
	return fail(err, errlen, "write", tmp);
}

static int
commit(const char *dir, const char *name, const char *tmp, char *err,
    size_t errlen)
{
	char dst[4096];
	int e;

	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
	    sizeof(dst)) {
		errno = ENAMETOOLONG;
		return fail(err, errlen, "path", dir);
	}
	if (rename(tmp, dst) == -1) {
		e = errno;
		unlink(tmp);
		errno = e;
		return fail(err, errlen, "rename", dst);
	}
	return 0;
}

int
durable_write(const char *dir, const char *name, const void *p, size_t n,
    char *err, size_t errlen)
{
	char tmp[4096];

	if (put_tmp(dir, name, p, n, 1, tmp, sizeof(tmp), err, errlen) == -1 ||
	    commit(dir, name, tmp, err, errlen) == -1)
		return -1;
	return durable_sync_dir(dir, err, errlen);
}

int
durable_stage(const char *dir, const char *name, const void *p, size_t n,
    char *err, size_t errlen)
{
	char tmp[4096];

	return put_tmp(dir, name, p, n, 0, tmp, sizeof(tmp), err, errlen);
}

int
durable_commit(const char *dir, const char *name, char *err, size_t errlen)
{
	char tmp[4096];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return fail(err, errlen, "path", dir);
	}
	return commit(dir, name, tmp, err, errlen);
}

int
durable_syncfs(const char *path, char *err, size_t errlen)
{
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "open", path);
	if (syncfs(fd) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return fail(err, errlen, "syncfs", path);
	}
	close(fd);
	return 0;
}

int
durable_mkdirs(const char *path, char *err, size_t errlen)
{
	char p[4096], *s, *slash, c;
	size_t n = strlen(path);

	if (n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return fail(err, errlen, "path", path);
	}
	memcpy(p, path, n + 1);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			/* a new directory: its entry in the parent synced */
			if ((slash = strrchr(p, '/')) == NULL) {
				if (durable_sync_dir(".", err, errlen) == -1)
					return -1;
			} else if (slash != p) {
				*slash = '\0';
				if (durable_sync_dir(p, err, errlen) == -1)
					return -1;
				*slash = '/';
			}
		} else if (errno != EEXIST)
			return fail(err, errlen, "mkdir", p);
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int
durable_read(const char *path, size_t max, char **pp, size_t *np, char *err,
    size_t errlen)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "open", path);
	if (fstat(fd, &st) == -1)
		goto bad;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto bad;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL)
		goto bad;
	while (n < (size_t)st.st_size) {
		if ((r = read(fd, p + n, (size_t)st.st_size - n)) == -1) {
			if (errno == EINTR)
				continue;
			goto bad;
		}
		if (r == 0) {
			errno = EIO;	/* it shrank while we read */
			goto bad;
		}
		n += (size_t)r;
	}
	close(fd);
	*pp = p;
	*np = n;
	return 0;
bad:
	e = errno;
	free(p);
	close(fd);
	errno = e;
	return fail(err, errlen, "read", path);
}
