/*
 * feed -- ingest -i: frames from a pipe, file or ZeroMQ endpoint (a live
 * sensor feed), checked and passed on.
 *
 * stream_read() has already checked each frame's structure and shape.  Here
 * a sample must also name its device (or get --device), carry a body of
 * distinct, non-empty channel names mapped to numbers, and get a sequence
 * number if it has none (counted per device, as ingest does for CSV).  A
 * frame that fails becomes a reject carrying the original; frames of other
 * kinds pass unchanged, as their original bytes.  in = out + rejected +
 * unwritten (libstream/filter.h).
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "codec.h"
#include "ingest.h"

struct check {
	uint32_t	*set;		/* hash set of body indexes + 1 */
	size_t		 cap;
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* Index of a body key that repeats an earlier one, or -1. */
static long
duplicate(struct check *c, const struct record *r)
{
	const struct field *a, *b;
	size_t cap = 16, i, k;
	uint32_t *s;

	while (cap < 2 * (size_t)r->nbody)
		cap *= 2;
	if (cap > c->cap) {
		if ((s = realloc(c->set, cap * sizeof(*s))) == NULL)
			err(EX_OSERR, NULL);
		c->set = s;
		c->cap = cap;
	}
	memset(c->set, 0, cap * sizeof(*c->set));
	for (i = 0; i < r->nbody; i++) {
		a = &r->body[i];
		k = hash(a->key, a->klen) & (cap - 1);
		for (; c->set[k] != 0; k = (k + 1) & (cap - 1)) {
			b = &r->body[c->set[k] - 1];
			if (a->klen == b->klen &&
			    memcmp(a->key, b->key, a->klen) == 0)
				return (long)i;
		}
		c->set[k] = (uint32_t)i + 1;
	}
	return -1;
}

/* A reject for frame r: 1, or -1 if it could not be written. */
static int
reject(struct ingest *g, const struct record *r, const char *rule,
    const struct field *f, const char *fmt, ...)
{
	struct reject why = { .rule = rule };
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	why.reason = reason;
	if (f != NULL) {
		why.field = f->key;
		why.flen = f->klen;
		why.value = &f->v;
	}
	if (filter_reject(g->flt, r, &why) == -1)
		return -1;
	if (g->strict) {
		filter_fail(g->flt, EX_STRICT, "%s: frame %llu: %s (--strict)",
		    g->in_uri, (unsigned long long)*g->n_in, reason);
		g->stop = 1;
	}
	return 1;
}

/*
 * 0 if r may pass unchanged, 2 if it may with dev or seq filled in, 1
 * after a reject, -1 if that could not be written.
 */
static int
check(struct ingest *g, struct record *r, struct check *c)
{
	struct sample_dev *d;
	uint32_t i;
	long k;
	int changed = 0;

	if (r->kind != KIND_SAMPLE)
		return 0;
	if (r->dev == NULL || r->dev_len == 0) {
		if (g->device == NULL)
			return reject(g, r, "meta", NULL, "sample without a "
			    "device id (\"dev\"); --device supplies one");
		record_set_dev(r, g->device, strlen(g->device));
		changed = 2;
	}
	if (!utf8_valid(r->dev, r->dev_len))
		return reject(g, r, "meta", NULL, "device id is not UTF-8");
	if (r->nbody == 0)
		return reject(g, r, "fields", NULL, "sample without channels");
	for (i = 0; i < r->nbody; i++) {
		switch (r->body[i].v.type) {
		case VAL_INT: case VAL_UINT: case VAL_F64: case VAL_F32:
			break;
		default:
			return reject(g, r, "number", &r->body[i], "channel "
			    "\"%.*s\" is not a number", (int)r->body[i].klen,
			    r->body[i].key);
		}
		if (r->body[i].klen == 0)
			return reject(g, r, "fields", &r->body[i], "empty "
			    "channel name");
	}
	if ((k = duplicate(c, r)) != -1)
		return reject(g, r, "fields", &r->body[k], "channel \"%.*s\" "
		    "appears twice", (int)r->body[k].klen, r->body[k].key);
	if (!r->has_seq) {
		if ((d = devtab_get(&g->devs, r->dev, r->dev_len)) == NULL)
			return reject(g, r, "device", NULL, "more than %zu "
			    "devices (--max-devices)", g->max_devices);
		if (record_set_seq(r, d->seq++) == -1)
			err(EX_OSERR, NULL);
		changed = 2;
	}
	return changed;
}

void
ingest_feed(struct ingest *g)
{
	struct check c = { NULL, 0 };
	struct record *r;
	int k;

	while (!g->stop && filter_read(g->flt, &r) == FILTER_FRAME) {
		if ((k = check(g, r, &c)) == 1)
			continue;
		if (k == -1 || (k == 0 ? filter_pass(g->flt, r) :
		    filter_emit(g->flt, r)) == -1)
			break;
	}
	free(c.set);
}
