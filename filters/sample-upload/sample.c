/*
 * sample -- the sampling policies of sample.h.  Devices sit in an open-
 * addressing table keyed by dev; each holds its frame count, its ring of
 * the last N data frames (for events) and its reservoir for the current
 * interval.  A slot keeps its frame's index in the device's data frames
 * and whether the frame was sent already, so that a frame both in the ring
 * and in the reservoir, or chosen by every-N and later by an event, is
 * sent once.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "opt.h"
#include "sample.h"

struct slot {
	struct buf	 b;
	int64_t		 sec;
	uint32_t	 nsec;
	uint64_t	 idx;
	uint8_t		 taken;
};

struct device {
	char		*name;		/* owned; NULL: the frames without dev */
	size_t		 len;
	int		 used;
	uint64_t	 n;		/* data frames seen */
	struct slot	*ring;		/* rcap slots */
	uint32_t	 rhead, rcount;	/* next slot to write, slots held */
	uint32_t	 after_left;
	struct slot	*res;		/* res_k slots */
	uint64_t	 seen;		/* data frames in this interval */
	int64_t		 iv;		/* the interval's number */
	int		 has_iv;
};

struct sampler {
	struct sample_conf	 c;
	uint32_t		 rcap;	/* largest "before" */
	struct device		*dev;
	size_t			 ndev, cap;	/* cap: a power of 2 */
	uint64_t		 rng;
	uint32_t		 hscore, htype;	/* record_find() hints */
};

#define DATA_KINDS	((1u << KIND_SAMPLE) | (1u << KIND_FEATURES) | \
			    (1u << KIND_PREDICTION))

static uint64_t
rnd(struct sampler *s)
{
	/* splitmix64 */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct sampler *
sampler_new(const struct sample_conf *c)
{
	struct sampler *s;
	unsigned i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->c = *c;
	s->rng = c->seed;
	for (i = 0; i < c->naround; i++)
		if (c->around[i].before > s->rcap)
			s->rcap = c->around[i].before;
	s->cap = 64;
	if ((s->dev = calloc(s->cap, sizeof(*s->dev))) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
slots_free(struct slot *sl, uint32_t n)
{
	uint32_t i;

	for (i = 0; sl != NULL && i < n; i++)
		buf_free(&sl[i].b);
	free(sl);
}

void
sampler_free(struct sampler **sp)
{
	struct sampler *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->cap; i++) {
		if (!s->dev[i].used)
			continue;
		free(s->dev[i].name);
		slots_free(s->dev[i].ring, s->rcap);
		slots_free(s->dev[i].res, s->c.res_k);
	}
	free(s->dev);
	free(s);
	*sp = NULL;
}

static uint64_t
hash(const char *p, size_t n, int nodev)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)nodev;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static struct device *
lookup(struct sampler *s, const char *name, size_t len);

static int
grow(struct sampler *s)
{
	struct device *old = s->dev, *d;
	size_t i, ocap = s->cap;

	if ((s->dev = calloc(ocap * 2, sizeof(*s->dev))) == NULL) {
		s->dev = old;
		return -1;
	}
	s->cap = ocap * 2;
	s->ndev = 0;
	for (i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		/* lookup() of an absent name takes a fresh slot: reuse it */
		d = &s->dev[hash(old[i].name, old[i].len, old[i].name ==
		    NULL) & (s->cap - 1)];
		while (d->used)
			d = d == &s->dev[s->cap - 1] ? s->dev : d + 1;
		*d = old[i];
		s->ndev++;
	}
	free(old);
	return 0;
}

/* The device named (name NULL: frames without dev), made if new. */
static struct device *
lookup(struct sampler *s, const char *name, size_t len)
{
	struct device *d;
	size_t i;

	if (name == NULL)
		len = 0;
	i = hash(name, len, name == NULL) & (s->cap - 1);
	for (;;) {
		d = &s->dev[i];
		if (!d->used)
			break;
		if ((d->name == NULL) == (name == NULL) && d->len == len &&
		    (len == 0 || memcmp(d->name, name, len) == 0))
			return d;
		i = (i + 1) & (s->cap - 1);
	}
	if ((s->ndev + 1) * 2 > s->cap) {
		if (grow(s) == -1)
			return NULL;
		return lookup(s, name, len);
	}
	memset(d, 0, sizeof(*d));
	if (name != NULL) {
		if ((d->name = malloc(len ? len : 1)) == NULL)
			return NULL;
		memcpy(d->name, name, len);
	}
	d->len = len;
	if ((s->rcap && (d->ring = calloc(s->rcap, sizeof(*d->ring))) ==
	    NULL) || (s->c.res_k && (d->res = calloc(s->c.res_k,
	    sizeof(*d->res))) == NULL)) {
		free(d->name);
		free(d->ring);
		return NULL;
	}
	d->used = 1;
	s->ndev++;
	return d;
}

static int
slot_put(struct slot *sl, const char *p, size_t n, const struct record *r,
    uint64_t idx, int taken)
{
	buf_reset(&sl->b);
	if (buf_append(&sl->b, p, n) == -1)
		return -1;
	sl->sec = r->sec;
	sl->nsec = r->nsec;
	sl->idx = idx;
	sl->taken = (uint8_t)taken;
	return 0;
}

static int
emit_slot(const struct device *d, struct slot *sl, sample_emit_fn fn,
    void *arg)
{
	sl->taken = 1;
	return fn(arg, sl->b.p, sl->b.len, sl->sec, sl->nsec, d->name, d->len);
}

/* Mark frame idx taken in slots sl[0..n) (it was sent by another way). */
static void
mark(struct slot *sl, uint32_t n, uint64_t idx)
{
	uint32_t i;

	for (i = 0; sl != NULL && i < n; i++)
		if (sl[i].b.len && sl[i].idx == idx)
			sl[i].taken = 1;
}

/* The interval ended: send what the reservoir holds, oldest first. */
static int
res_flush(struct sampler *s, struct device *d, sample_emit_fn fn, void *arg)
{
	uint32_t k = s->c.res_k, held, i, best;

	held = d->seen < k ? (uint32_t)d->seen : k;
	for (;;) {
		/* the oldest slot not sent yet: k is small, so a scan */
		best = held;
		for (i = 0; i < held; i++)
			if (!d->res[i].taken && (best == held ||
			    d->res[i].idx < d->res[best].idx))
				best = i;
		if (best == held)
			break;
		mark(d->ring, s->rcap, d->res[best].idx);
		if (emit_slot(d, &d->res[best], fn, arg) == -1)
			return -1;
	}
	for (i = 0; i < held; i++)
		buf_reset(&d->res[i].b);
	d->seen = 0;
	return 0;
}

static int
data_frame(struct sampler *s, struct device *d, const struct record *r,
    const char *p, size_t n, sample_emit_fn fn, void *arg)
{
	const struct sample_conf *c = &s->c;
	uint64_t idx = d->n++, j;
	double score, t;
	int taken = 0, at;
	int64_t iv;

	if (c->every && idx % c->every == 0)
		taken = 1;
	if (!taken && c->band && r->kind == KIND_PREDICTION &&
	    (at = record_find(r, "score", 5, &s->hscore)) >= 0 &&
	    value_f64(&r->body[at].v, &score) == 0 &&
	    score >= c->band_lo && score <= c->band_hi)
		taken = 1;
	if (!taken && (c->kinds & (1u << r->kind)))
		taken = 1;
	if (d->after_left) {
		d->after_left--;
		taken = 1;
	}
	if (taken && fn(arg, p, n, r->sec, r->nsec, d->name, d->len) == -1)
		return -1;
	if (s->rcap) {
		if (slot_put(&d->ring[d->rhead], p, n, r, idx, taken) == -1)
			return -1;
		d->rhead = (d->rhead + 1) % s->rcap;
		if (d->rcount < s->rcap)
			d->rcount++;
	}
	if (c->res_k) {
		t = (double)r->sec + r->nsec / 1e9;
		iv = (int64_t)floor(t / c->res_seconds);
		if (d->has_iv && iv != d->iv && res_flush(s, d, fn, arg) == -1)
			return -1;
		d->iv = iv;
		d->has_iv = 1;
		/* Algorithm R: frame i (from 1) replaces a slot with
		 * probability k / i */
		d->seen++;
		if (d->seen <= c->res_k)
			j = d->seen - 1;
		else
			j = rnd(s) % d->seen;
		if (j < c->res_k &&
		    slot_put(&d->res[j], p, n, r, idx, taken) == -1)
			return -1;
	}
	return 0;
}

/* An event of around-entry a for device d: its last `before` frames. */
static int
event_window(struct sampler *s, struct device *d, const struct sample_around *a,
    sample_emit_fn fn, void *arg)
{
	uint32_t take = a->before < d->rcount ? a->before : d->rcount, i;
	struct slot *sl;

	for (i = 0; i < take; i++) {
		/* oldest of the last `take` first */
		sl = &d->ring[(d->rhead + s->rcap - take + i) % s->rcap];
		if (sl->taken)
			continue;
		mark(d->res, s->c.res_k, sl->idx);
		if (emit_slot(d, sl, fn, arg) == -1)
			return -1;
	}
	if (a->after > d->after_left)
		d->after_left = a->after;
	return 0;
}

static int
event_frame(struct sampler *s, const struct record *r, sample_emit_fn fn,
    void *arg)
{
	const struct sample_around *a;
	const struct value *v;
	struct device *d;
	unsigned i;
	size_t k;
	int at;

	if ((at = record_find(r, "type", 4, &s->htype)) < 0 ||
	    (v = &r->body[at].v)->type != VAL_STR)
		return 0;
	for (i = 0; i < s->c.naround; i++) {
		a = &s->c.around[i];
		if (strlen(a->type) != v->len || memcmp(a->type, v->p,
		    v->len) != 0)
			continue;
		if (r->dev != NULL) {
			if ((d = lookup(s, r->dev, r->dev_len)) == NULL ||
			    event_window(s, d, a, fn, arg) == -1)
				return -1;
			continue;
		}
		for (k = 0; k < s->cap; k++)
			if (s->dev[k].used &&
			    event_window(s, &s->dev[k], a, fn, arg) == -1)
				return -1;
	}
	return 0;
}

int
sampler_frame(struct sampler *s, const struct record *r, const char *p,
    size_t n, sample_emit_fn fn, void *arg)
{
	struct device *d;

	if (r->kind < KIND_OTHER && (DATA_KINDS & (1u << r->kind))) {
		if ((d = lookup(s, r->dev, r->dev_len)) == NULL)
			return -1;
		return data_frame(s, d, r, p, n, fn, arg);
	}
	if (r->kind == KIND_EVENT && s->c.naround &&
	    event_frame(s, r, fn, arg) == -1)
		return -1;
	if (r->kind < KIND_OTHER && (s->c.kinds & (1u << r->kind)))
		return fn(arg, p, n, r->sec, r->nsec, r->dev, r->dev_len);
	return 0;
}

int
sampler_flush(struct sampler *s, sample_emit_fn fn, void *arg)
{
	size_t k;

	if (!s->c.res_k)
		return 0;
	for (k = 0; k < s->cap; k++)
		if (s->dev[k].used && res_flush(s, &s->dev[k], fn, arg) == -1)
			return -1;
	return 0;
}

/*
 * The part of s before sep (sep 0: all of it) copied into buf (n bytes);
 * *rest after the separator.  -1 if sep is not there or the part is too
 * long.  The parts are then read by libstream/opt.c.
 */
static int
part(const char *s, int sep, char *buf, size_t n, const char **rest)
{
	const char *e = sep ? strchr(s, sep) : s + strlen(s);

	if (e == NULL || (size_t)(e - s) >= n)
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*rest = *e ? e + 1 : e;
	return 0;
}

int
sample_parse_reservoir(const char *s, struct sample_conf *c)
{
	char buf[32];
	uint64_t k;
	int64_t ns;

	/* K/SECONDS: the seconds may be a duration (10min) */
	if (part(s, '/', buf, sizeof(buf), &s) == -1 ||
	    opt_u64(buf, 1, 1000000, &k) != NULL ||
	    opt_duration(s, OPT_NS_S, 1, INT64_MAX, &ns) != NULL)
		return -1;
	c->res_k = (uint32_t)k;
	c->res_seconds = (double)ns / 1e9;
	return 0;
}

int
sample_parse_around(const char *s, struct sample_conf *c)
{
	struct sample_around *a;
	char buf[32];
	uint64_t before, after;

	if (c->naround == SAMPLE_AROUND_MAX)
		return -1;
	a = &c->around[c->naround];
	if (part(s, ':', a->type, SAMPLE_TYPE_MAX, &s) == -1 ||
	    a->type[0] == '\0' ||
	    part(s, ':', buf, sizeof(buf), &s) == -1 ||
	    opt_u64(buf, 0, 100000, &before) != NULL ||
	    opt_u64(s, 0, 100000000, &after) != NULL)
		return -1;
	a->before = (uint32_t)before;
	a->after = (uint32_t)after;
	c->naround++;
	return 0;
}

int
sample_parse_band(const char *s, struct sample_conf *c)
{
	char buf[64];
	double lo, hi;

	if (part(s, ':', buf, sizeof(buf), &s) == -1 ||
	    opt_real(buf, -HUGE_VAL, HUGE_VAL, &lo) != NULL ||
	    opt_real(s, lo, HUGE_VAL, &hi) != NULL)
		return -1;
	c->band_lo = lo;
	c->band_hi = hi;
	c->band = 1;
	return 0;
}

int
sample_parse_kinds(const char *s, struct sample_conf *c)
{
	const char *e;
	enum kind k;

	for (;;) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if ((k = kind_from_str(s, (size_t)(e - s))) == KIND_OTHER ||
		    k == KIND_EOS)
			return -1;
		c->kinds |= 1u << k;
		if (*e == '\0')
			return 0;
		s = e + 1;
	}
}
