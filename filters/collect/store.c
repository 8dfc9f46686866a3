/*
 * store -- collect's data set (store.h).  A batch is decoded once, frame
 * by frame, to find each frame's device and day; frames are copied into
 * one buffer per (device, day) group, in batch order, and each group is
 * written as one file.  Groups and their buffers are kept for the next
 * batch, so a steady stream of batches allocates nothing new.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "durable.h"
#include "store.h"
#include "timeparse.h"

struct store_group {
	const char	*dev;		/* into the batch; NULL: none */
	size_t		 dlen;
	int64_t		 day;		/* days since 1970-01-01 */
	struct buf	 b;
};

int
store_open(struct store *s, const char *root, char *err, size_t errlen)
{
	char path[4096];

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/.batches", root);
	if (durable_mkdirs(path, err, errlen) == -1)
		return -1;
	if ((s->root = strdup(root)) == NULL || (s->r = record_new()) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		store_close(s);
		return -1;
	}
	return 0;
}

void
store_close(struct store *s)
{
	size_t i;

	for (i = 0; i < s->capg; i++)
		buf_free(&s->g[i].b);
	free(s->g);
	free(s->root);
	record_free(&s->r);
	memset(s, 0, sizeof(*s));
}

int
store_has(const struct store *s, const uint8_t id[BATCH_ID_LEN])
{
	char path[4096], hex[BATCH_HEX_LEN + 1];

	batch_hex(id, hex);
	snprintf(path, sizeof(path), "%s/.batches/%s", s->root, hex);
	return access(path, F_OK) == 0;
}

void
store_dev_dir(const char *dev, size_t len, char *out, size_t size)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i, o = 0;
	unsigned char c;

	if (dev == NULL) {
		snprintf(out, size, "%%");
		return;
	}
	for (i = 0; i < len && o + 4 < size; i++) {
		c = (unsigned char)dev[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (c == '.' && i > 0))
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hx[c >> 4];
			out[o++] = hx[c & 15];
		}
	}
	if (len == 0 && size >= 3) {		/* "", not none */
		memcpy(out, "%%", 2);
		o = 2;
	}
	out[o] = '\0';
}

static int64_t
day_of(int64_t sec)
{
	return sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
}

static struct store_group *
group(struct store *s, const struct record *r)
{
	struct store_group *g;
	int64_t day = day_of(r->sec);
	size_t i, cap;

	for (i = 0; i < s->ng; i++) {
		g = &s->g[i];
		if (g->day == day && (g->dev == NULL) == (r->dev == NULL) &&
		    g->dlen == r->dev_len && (g->dlen == 0 ||
		    memcmp(g->dev, r->dev, g->dlen) == 0))
			return g;
	}
	if (s->ng == s->capg) {
		cap = s->capg ? 2 * s->capg : 16;
		if ((g = realloc(s->g, cap * sizeof(*g))) == NULL)
			return NULL;
		memset(g + s->capg, 0, (cap - s->capg) * sizeof(*g));
		s->g = g;
		s->capg = cap;
	}
	g = &s->g[s->ng++];
	g->dev = r->dev;
	g->dlen = r->dev ? r->dev_len : 0;
	g->day = day;
	buf_reset(&g->b);
	return g;
}

static int
named(const struct batch_info *bi, const struct record *r)
{
	const char *d;
	size_t dl, want = r->dev ? r->dev_len : 0;
	uint32_t i;

	for (i = 0; batch_dev(bi, i, &d, &dl) == 0; i++)
		if (dl == want && memcmp(d, r->dev ? r->dev : "", dl) == 0)
			return 1;
	return 0;
}

static int
before(int64_t as, uint32_t ans, int64_t bs, uint32_t bns)
{
	return as < bs || (as == bs && ans < bns);
}

/* ROOT/DEV/YYYY-MM-DD of group g. */
static int
group_dir(const struct store *s, const struct store_group *g, char *dir,
    size_t size)
{
	char dd[1024], day[48];

	store_dev_dir(g->dev, g->dlen, dd, sizeof(dd));
	time_format(day, sizeof(day), g->day * 86400, 0, 0);
	snprintf(dir, size, "%s/%s/%.10s", s->root, dd, day);	/* the date */
	return 0;
}

int
store_batch(struct store *s, const struct batch_info *bi, const char *p,
    size_t n, uint64_t *frames, uint64_t *files, char *err, size_t errlen)
{
	struct store_group *g;
	char hex[BATCH_HEX_LEN + 1], name[BATCH_HEX_LEN + 4], dir[4096];
	const char *why;
	size_t off, len;
	uint64_t k = 0, nf;

	batch_hex(bi->id, hex);
	snprintf(name, sizeof(name), "%s.mp", hex);
	s->ng = 0;
	for (off = bi->hdr_len; off < n; off += len, k++) {
		if (frame_scan(p + off, n - off, n - off, &len, &why) !=
		    SCAN_OK || frame_decode(s->r, p + off, len, &why) == -1) {
			snprintf(err, errlen, "frame %llu: %s",
			    (unsigned long long)k + 1, why);
			return -2;
		}
		if (!named(bi, s->r)) {
			snprintf(err, errlen, "frame %llu: dev '%.*s' is not "
			    "in the header's devs", (unsigned long long)k + 1,
			    (int)s->r->dev_len, s->r->dev ? s->r->dev : "");
			return -2;
		}
		if (before(s->r->sec, s->r->nsec, bi->from_s, bi->from_ns) ||
		    before(bi->to_s, bi->to_ns, s->r->sec, s->r->nsec)) {
			snprintf(err, errlen, "frame %llu: its time is outside "
			    "the header's from..to", (unsigned long long)k + 1);
			return -2;
		}
		if ((g = group(s, s->r)) == NULL ||
		    buf_append(&g->b, p + off, len) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	nf = k;		/* every frame is in a group's file */
	/* every file staged, their data synced, renamed, the renames
	 * synced: two syncfs() a batch, not two fsync() a file */
	for (k = 0; k < s->ng; k++)
		if (group_dir(s, &s->g[k], dir, sizeof(dir)) == -1 ||
		    durable_mkdirs(dir, err, errlen) == -1 ||
		    durable_stage(dir, name, s->g[k].b.p, s->g[k].b.len, err,
		    errlen) == -1)
			return -1;
	if (durable_syncfs(s->root, err, errlen) == -1)
		return -1;
	for (k = 0; k < s->ng; k++)
		if (group_dir(s, &s->g[k], dir, sizeof(dir)) == -1 ||
		    durable_commit(dir, name, err, errlen) == -1)
			return -1;
	if (durable_syncfs(s->root, err, errlen) == -1)
		return -1;
	snprintf(dir, sizeof(dir), "%s/.batches", s->root);
	if (durable_write(dir, hex, p, bi->hdr_len, err, errlen) == -1)
		return -1;
	*frames = nf;
	*files = s->ng;
	return 0;
}
