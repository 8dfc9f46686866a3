/*
 * feed -- ingest -i: frames from a pipe, file or ZeroMQ endpoint (a live
 * sensor feed), checked and passed on.
 *
 * stream_read() has already checked each frame's structure and shape.  Here
 * a sample must also name its device (or get --device), carry a body of
 * distinct, non-empty channel names mapped to numbers, and get a sequence
 * number if it has none (counted per device, as ingest does for CSV).  A
 * frame that fails becomes a reject carrying the original; frames of other
 * kinds pass unchanged.  in = out + rejected.
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
	struct buf	 orig;		/* the original frame, re-encoded */
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

/* A reject for frame r (or for undecodable bytes raw[0..rawlen)). */
static void
reject(struct ingest *g, struct stream *in, const struct record *r,
    const char *raw, size_t rawlen, const char *rule,
    const struct field *f, struct buf *orig, const char *fmt, ...)
{
	struct record *x = g->rr;
	const struct value *v;
	struct timespec now;
	char reason[512];
	va_list ap;
	int bad = 0;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	(*g->n_rej)++;
	if (!g->quiet && (*g->n_rej <= 10 || g->strict)) {
		if (stream_is_zmq(in))
			warnx("%s: frame %llu (message %llu): %s",
			    stream_name(in), (unsigned long long)*g->n_in,
			    (unsigned long long)stream_msgno(in), reason);
		else
			warnx("%s: frame %llu: %s", stream_name(in),
			    (unsigned long long)*g->n_in, reason);
	}

	record_clear(x);
	if (r != NULL) {
		record_set_time(x, r->sec, r->nsec);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		record_set_time(x, now.tv_sec, (uint32_t)now.tv_nsec);
	}
	bad |= record_meta_set(x, "v", &(struct value){ .type = VAL_INT,
	    .i = 1 }) == -1;
	bad |= record_set_kind(x, KIND_REJECT) == -1;
	if (r != NULL && r->dev != NULL)
		bad |= record_set_dev(x, r->dev, r->dev_len) == -1;
	if (r != NULL && (v = record_meta_get(r, "src")) != NULL)
		bad |= record_meta_set(x, "src", v) == -1;
	if (r != NULL && (v = record_meta_get(r, "line")) != NULL)
		bad |= record_meta_set(x, "line", v) == -1;
	bad |= record_meta_set(x, "stage", &(struct value){ .type = VAL_STR,
	    .len = (uint32_t)strlen(PROG), .p = PROG }) == -1;
	bad |= record_add_str(x, "reason", reason, strlen(reason)) == -1;
	bad |= record_add_str(x, "rule", rule, strlen(rule)) == -1;
	if (f != NULL) {
		bad |= record_add_str(x, "field", f->key, f->klen) == -1;
		bad |= record_add(x, "value", 5, &f->v) == -1;
	}
	if (r != NULL) {
		buf_reset(orig);
		if (frame_encode(orig, r) == -1)
			err(EX_OSERR, NULL);
		bad |= record_add(x, "frame", 5, &(struct value){
		    .type = VAL_RAW, .len = (uint32_t)orig->len,
		    .p = orig->p }) == -1;
	} else if (raw != NULL)
		bad |= record_add(x, "raw", 3, &(struct value){
		    .type = VAL_BIN, .len = (uint32_t)rawlen,
		    .p = raw }) == -1;
	if (bad)
		err(EX_OSERR, "reject");

	if (stream_write(g->rej != NULL ? g->rej : g->out, x) == -1)
		errx(EX_IOERR, "%s", stream_error(g->rej ? g->rej : g->out));
	if (g->strict) {
		g->status = EX_STRICT;
		g->stop = 1;
	}
}

/* 0 if r may pass (dev and seq filled in), or -1 after a reject. */
static int
check(struct ingest *g, struct stream *in, struct record *r,
    struct check *c)
{
	struct tmpl_dev *d;
	uint32_t i;
	long k;

	if (r->kind != KIND_SAMPLE)
		return 0;
	if (r->dev == NULL || r->dev_len == 0) {
		if (g->device == NULL) {
			reject(g, in, r, NULL, 0, "meta", NULL, &c->orig,
			    "sample without a device id (\"dev\"); --device "
			    "supplies one");
			return -1;
		}
		record_set_dev(r, g->device, strlen(g->device));
	}
	if (!utf8_valid(r->dev, r->dev_len)) {
		reject(g, in, r, NULL, 0, "meta", NULL, &c->orig,
		    "device id is not UTF-8");
		return -1;
	}
	if (r->nbody == 0) {
		reject(g, in, r, NULL, 0, "fields", NULL, &c->orig,
		    "sample without channels");
		return -1;
	}
	for (i = 0; i < r->nbody; i++) {
		switch (r->body[i].v.type) {
		case VAL_INT: case VAL_UINT: case VAL_F64: case VAL_F32:
			break;
		default:
			reject(g, in, r, NULL, 0, "number", &r->body[i],
			    &c->orig, "channel \"%.*s\" is not a number",
			    (int)r->body[i].klen, r->body[i].key);
			return -1;
		}
		if (r->body[i].klen == 0) {
			reject(g, in, r, NULL, 0, "fields", &r->body[i],
			    &c->orig, "empty channel name");
			return -1;
		}
	}
	if ((k = duplicate(c, r)) != -1) {
		reject(g, in, r, NULL, 0, "fields", &r->body[k], &c->orig,
		    "channel \"%.*s\" appears twice", (int)r->body[k].klen,
		    r->body[k].key);
		return -1;
	}
	if (!r->has_seq) {
		if ((d = devtab_get(&g->devs, r->dev, r->dev_len)) == NULL) {
			reject(g, in, r, NULL, 0, "device", NULL, &c->orig,
			    "more than %zu devices (--max-devices)",
			    g->max_devices);
			return -1;
		}
		if (record_set_seq(r, d->seq++) == -1)
			err(EX_OSERR, NULL);
	}
	return 0;
}

void
ingest_feed(struct ingest *g)
{
	struct check c = { NULL, 0, BUF_INIT };
	struct stream *in;
	struct record *r;
	const char *raw, *why;
	size_t rawlen, nl;
	int st;

	if ((in = stream_open(g->in_uri, "r")) == NULL)
		errx(EX_NOINPUT, "%s: %s", g->in_uri, stream_open_error());
	while (!g->stop) {
		st = stream_read(in, &r);
		if (st == STREAM_EOF)
			break;
		if (st == STREAM_ERR) {
			g->status = EX_DATAERR;
			warnx("%s", stream_error(in));
			break;
		}
		(*g->n_in)++;
		if (st == STREAM_BAD) {
			if (stream_bad_frame(in, &raw, &rawlen) == -1) {
				raw = NULL;
				rawlen = 0;
			}
		/* the stream's error names the stream: once is enough */
			why = stream_error(in);
			nl = strlen(stream_name(in));
			if (strncmp(why, stream_name(in), nl) == 0 &&
			    strncmp(why + nl, ": ", 2) == 0)
				why += nl + 2;
			reject(g, in, NULL, raw, rawlen, "frame", NULL,
			    &c.orig, "%s", why);
			continue;
		}
		if (check(g, in, r, &c) == -1)
			continue;
		if (stream_write(g->out, r) == -1)
			errx(EX_IOERR, "%s", stream_error(g->out));
		(*g->n_out)++;
		if (stream_report_requested())
			ingest_report(g);
	}
	stream_close(&in);
	free(c.set);
	buf_free(&c.orig);
}
