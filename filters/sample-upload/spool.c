/*
 * spool -- the device side's store of sealed batches (spool.h).  Entries
 * are kept oldest first in an array: a spool holds tens to thousands of
 * batches, and removal is rare next to the frames that made them.  Removing
 * a file is not followed by an fsync of the directory: a removal that a
 * power cut undoes only means the batch is sent again, and collect
 * acknowledges a batch it holds without storing it twice.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable.h"
#include "spool.h"

#define NAME_LEN	(16 + 1 + BATCH_HEX_LEN + 6)	/* SEQ-ID.batch */

static void
ent_name(const struct spool_ent *e, char name[NAME_LEN + 1])
{
	char hex[BATCH_HEX_LEN + 1];

	batch_hex(e->id, hex);
	snprintf(name, NAME_LEN + 1, "%016" PRIx64 "-%s.batch", e->seq, hex);
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct spool_ent *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
add(struct spool *s, const struct spool_ent *e)
{
	struct spool_ent *p;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		if ((p = realloc(s->e, cap * sizeof(*p))) == NULL)
			return -1;
		s->e = p;
		s->cap = cap;
	}
	s->e[s->n++] = *e;
	s->bytes += e->bytes;
	return 0;
}

static int
move_bad(struct spool *s, const char *name, char *err, size_t errlen)
{
	char from[4096], to[4096];

	snprintf(from, sizeof(from), "%s/%s", s->dir, name);
	snprintf(to, sizeof(to), "%s/%s", s->bad, name);
	if (rename(from, to) == -1) {
		snprintf(err, errlen, "%s: rename to %s: %s", from, to,
		    strerror(errno));
		return -1;
	}
	if (durable_sync_dir(s->bad, err, errlen) == -1 ||
	    durable_sync_dir(s->dir, err, errlen) == -1)
		return -1;
	return 0;
}

/* One file of the directory at open: resume it or set it aside. */
static int
resume(struct spool *s, const char *name, spool_warn_fn warn, void *arg,
    uint64_t *set_aside, char *err, size_t errlen)
{
	struct spool_ent e;
	struct batch_info bi;
	char path[4096], msg[5120], why[512], *p = NULL;
	size_t n;
	int r;

	memset(&e, 0, sizeof(e));
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (strlen(name) != NAME_LEN || name[16] != '-' ||
	    sscanf(name, "%16" SCNx64, &e.seq) != 1 ||
	    batch_unhex(name + 17, e.id) == -1) {
		snprintf(why, sizeof(why), "not a spool file name");
		goto bad;
	}
	if (durable_read(path, (size_t)1 << 31, &p, &n, why,
	    sizeof(why)) == -1)
		goto bad;
	if (batch_check(p, n, &bi, why, sizeof(why)) == -1)
		goto bad;
	if (memcmp(bi.id, e.id, BATCH_ID_LEN) != 0) {
		snprintf(why, sizeof(why), "the header's id is not the name's");
		goto bad;
	}
	free(p);
	e.frames = bi.count;
	e.bytes = n;
	if (e.seq >= s->next_seq)
		s->next_seq = e.seq + 1;
	return add(s, &e) == -1 ? -1 : 0;
bad:
	free(p);
	r = move_bad(s, name, err, errlen);
	snprintf(msg, sizeof(msg), "%s: %s: set aside in %s/", path, why,
	    s->bad);
	if (r == 0) {
		(*set_aside)++;
		warn(arg, msg);
	}
	return r;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, spool_warn_fn warn,
    void *arg, uint64_t *set_aside, char *err, size_t errlen)
{
	struct spool *s;
	struct dirent *de;
	DIR *d = NULL;
	char path[4096];
	size_t len;

	len = strlen(dir);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->dir = strdup(dir)) == NULL ||
	    (s->bad = malloc(len + 5)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		goto fail;
	}
	memcpy(s->bad, dir, len);
	memcpy(s->bad + len, "/bad", 5);
	s->max_bytes = max_bytes;
	if (durable_mkdirs(s->bad, err, errlen) == -1)
		goto fail;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' && len > 5 &&
		    strcmp(de->d_name + len - 4, ".tmp") == 0) {
			/* a write a crash interrupted: never renamed, so never
			 * counted as spooled */
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
			continue;
		}
		if (len < 6 || strcmp(de->d_name + len - 6, ".batch") != 0)
			continue;
		if (resume(s, de->d_name, warn, arg, set_aside, err,
		    errlen) == -1)
			goto fail;
	}
	closedir(d);
	if (s->n > 1)
		qsort(s->e, s->n, sizeof(*s->e), ent_cmp);
	return s;
fail:
	if (d != NULL)
		closedir(d);
	spool_close(&s);
	return NULL;
}

void
spool_close(struct spool **sp)
{
	struct spool *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	free(s->dir);
	free(s->bad);
	free(s->e);
	free(s);
	*sp = NULL;
}

int
spool_full(const struct spool *s, size_t n)
{
	return s->bytes + n > s->max_bytes;
}

int
spool_put(struct spool *s, const uint8_t id[BATCH_ID_LEN], const char *p,
    size_t n, uint64_t frames, char *err, size_t errlen)
{
	struct spool_ent e;
	char name[NAME_LEN + 1];

	memset(&e, 0, sizeof(e));
	e.seq = s->next_seq++;
	memcpy(e.id, id, BATCH_ID_LEN);
	e.frames = frames;
	e.bytes = n;
	ent_name(&e, name);
	if (durable_write(s->dir, name, p, n, err, errlen) == -1)
		return -1;
	if (add(s, &e) == -1) {
		snprintf(err, errlen, "%s: out of memory", s->dir);
		return -1;
	}
	return 0;
}

long
spool_find(const struct spool *s, const uint8_t id[BATCH_ID_LEN])
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (memcmp(s->e[i].id, id, BATCH_ID_LEN) == 0)
			return (long)i;
	return -1;
}

int
spool_load(struct spool *s, size_t i, struct buf *out, char *err,
    size_t errlen)
{
	struct batch_info bi;
	char name[NAME_LEN + 1], path[4096], why[512], *p;
	size_t n;

	ent_name(&s->e[i], name);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (durable_read(path, (size_t)1 << 31, &p, &n, err, errlen) == -1)
		return -1;
	buf_reset(out);
	if (batch_check(p, n, &bi, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		free(p);
		return -1;
	}
	if (buf_append(out, p, n) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static void
forget(struct spool *s, size_t i)
{
	s->bytes -= s->e[i].bytes;
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
}

int
spool_remove(struct spool *s, size_t i, char *err, size_t errlen)
{
	char name[NAME_LEN + 1], path[4096];

	ent_name(&s->e[i], name);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	forget(s, i);
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
spool_set_aside(struct spool *s, size_t i, char *err, size_t errlen)
{
	char name[NAME_LEN + 1];

	ent_name(&s->e[i], name);
	forget(s, i);
	return move_bad(s, name, err, errlen);
}
