/*
 * fitter -- accumulate per-channel statistics and fit scaling parameters
 *
 * A frame's fields are matched to channels through the layout last seen at
 * each body position (one memcmp when the layout repeats, as it does), and
 * through a hash table of names otherwise.  Only finite numbers are fitted;
 * NaN, Inf and non-numbers are counted per channel instead.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fitter.h"

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static int
rehash(struct fitter *f, size_t cap)
{
	uint32_t *h;
	size_t i, j;

	if ((h = calloc(cap, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < f->nchan; i++) {
		j = hash(f->chan[i].name, f->chan[i].len) & (cap - 1);
		while (h[j] != 0)
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(f->hash);
	f->hash = h;
	f->hcap = cap;
	return 0;
}

/* Index of the channel key[0..len), or -1 if none. */
static long
lookup(const struct fitter *f, const char *key, size_t len)
{
	const struct fitchan *c;
	size_t j = hash(key, len) & (f->hcap - 1);

	for (; f->hash[j] != 0; j = (j + 1) & (f->hcap - 1)) {
		c = &f->chan[f->hash[j] - 1];
		if (c->len == len && memcmp(c->name, key, len) == 0)
			return (long)f->hash[j] - 1;
	}
	return -1;
}

static long
newchan(struct fitter *f, const char *key, size_t len, int named)
{
	struct fitchan *nc, *c;
	size_t cap, j;

	if (f->nchan == f->cap) {
		cap = f->cap ? f->cap * 2 : 32;
		if ((nc = realloc(f->chan, cap * sizeof(*nc))) == NULL)
			return -1;
		f->chan = nc;
		f->cap = cap;
	}
	if ((f->nchan + 1) * 2 > f->hcap && rehash(f, f->hcap * 2) == -1)
		return -1;
	c = &f->chan[f->nchan];
	memset(c, 0, sizeof(*c));
	if ((c->name = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c->name, key, len);
	c->name[len] = '\0';
	c->len = len;
	c->named = named;
	stats_moments_init(&c->m);
	if (stats_quant_init(&c->q, STATS_QUANT_K, STATS_QUANT_EXACT) == -1) {
		free(c->name);
		return -1;
	}
	j = hash(key, len) & (f->hcap - 1);
	while (f->hash[j] != 0)
		j = (j + 1) & (f->hcap - 1);
	f->hash[j] = (uint32_t)++f->nchan;
	return (long)f->nchan - 1;
}

int
fitter_init(struct fitter *f, char *const *names, size_t n)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	if (rehash(f, 64) == -1)
		return -1;
	f->fixed = n > 0;
	for (i = 0; i < n; i++)
		if (lookup(f, names[i], strlen(names[i])) == -1 &&
		    newchan(f, names[i], strlen(names[i]), 1) == -1) {
			fitter_free(f);
			return -1;
		}
	return 0;
}

void
fitter_free(struct fitter *f)
{
	size_t i;

	for (i = 0; i < f->nchan; i++) {
		free(f->chan[i].name);
		stats_quant_free(&f->chan[i].q);
	}
	free(f->chan);
	free(f->hash);
	free(f->slot);
	memset(f, 0, sizeof(*f));
}

static int
numeric(const struct value *v)
{
	return v->type == VAL_F64 || v->type == VAL_F32 ||
	    v->type == VAL_INT || v->type == VAL_UINT;
}

int
fitter_add(struct fitter *f, const struct record *r)
{
	const struct field *fl;
	struct fitchan *c;
	uint32_t *ns, s;
	uint32_t i;
	long ci;
	double x;

	if (r->nbody > f->nslot) {
		if ((ns = realloc(f->slot, r->nbody * sizeof(*ns))) == NULL)
			return -1;
		memset(ns + f->nslot, 0, (r->nbody - f->nslot) * sizeof(*ns));
		f->slot = ns;
		f->nslot = r->nbody;
	}
	f->frames++;
	f->kframes[r->kind == KIND_FEATURES]++;
	for (i = 0; i < r->nbody; i++) {
		fl = &r->body[i];
		s = f->slot[i];
		if (s != 0 && f->chan[s - 1].len == fl->klen &&
		    memcmp(f->chan[s - 1].name, fl->key, fl->klen) == 0)
			ci = (long)s - 1;
		else if ((ci = lookup(f, fl->key, fl->klen)) == -1) {
			if (f->fixed || !numeric(&fl->v))
				continue;
			if (f->nchan == FIT_MAXCHAN) {
				errno = E2BIG;
				return -1;
			}
			if ((ci = newchan(f, fl->key, fl->klen, 0)) == -1)
				return -1;
		}
		f->slot[i] = (uint32_t)ci + 1;
		c = &f->chan[ci];
		c->kinds |= r->kind == KIND_FEATURES ? SCALER_FEATURES :
		    SCALER_SAMPLE;
		c->seen[r->kind == KIND_FEATURES] += c->stamp != f->frames;
		c->stamp = f->frames;
		if (!numeric(&fl->v) || value_f64(&fl->v, &x) == -1) {
			c->nonnumber++;
			continue;
		}
		if (!isfinite(x)) {
			c->nonfinite++;
			continue;
		}
		stats_moments_add(&c->m, x);
		if (stats_quant_add(&c->q, x) == -1)
			return -1;
	}
	return 0;
}

uint64_t
fitter_missing(const struct fitter *f, const struct fitchan *c)
{
	uint64_t n = 0;

	if (c->kinds & SCALER_SAMPLE)
		n += f->kframes[0] - c->seen[0];
	if (c->kinds & SCALER_FEATURES)
		n += f->kframes[1] - c->seen[1];
	return n;
}

/* Why a channel cannot be scaled by method (scale 0), in buf. */
static void
why_zero(const struct fitchan *c, const struct scaler_chan *e,
    enum scale_method method, char *buf, size_t size)
{
	char v[48];

	scaler_fmt_double(v, sizeof(v), method == SCALE_ROBUST &&
	    e->min != e->max ? e->q25 : e->min);
	if (e->min == e->max)
		snprintf(buf, size, "%s: constant (every one of %llu values "
		    "is %s): left out", c->name, (unsigned long long)e->n, v);
	else if (method == SCALE_ROBUST)
		snprintf(buf, size, "%s: interquartile range 0 (q25 = q75 = "
		    "%s), robust cannot scale it: left out", c->name, v);
	else
		snprintf(buf, size, "%s: %s scale is 0: left out", c->name,
		    scale_method_name(method));
}

struct scaler *
fitter_result(struct fitter *f, enum scale_method method, const char *name)
{
	struct scaler *s;
	struct scaler_chan e;
	struct fitchan *c;
	char note[512];
	size_t i;
	int ret = 0;

	if ((s = scaler_new(name)) == NULL)
		return NULL;
	for (i = 0; i < f->nchan; i++) {
		c = &f->chan[i];
		if (c->m.n == 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.name = c->name;
		e.len = c->len;
		e.n = c->m.n;
		e.nonfinite = c->nonfinite;
		e.mean = stats_mean(&c->m);
		e.std = stats_std(&c->m, 0);
		e.min = c->m.min;
		e.max = c->m.max;
		ret |= stats_quant_query(&c->q, 0.25, &e.q25);
		ret |= stats_quant_query(&c->q, 0.50, &e.q50);
		ret |= stats_quant_query(&c->q, 0.75, &e.q75);
		if (ret != 0)
			goto fail;
		e.qerr = stats_quant_exact(&c->q) ? 0 : 1.0 / c->q.k;
		e.have = (1u << ST_NSTATS) - 1;
		e.kinds = c->kinds == SCALER_BOTH ? 0 : (uint8_t)c->kinds;
		e.method = (uint8_t)method;
		scaler_derive(&e, method, &e.center, &e.scale);
		if (!(e.scale > 0) || e.min == e.max) {
			why_zero(c, &e, method, note, sizeof(note));
			e.method = SCALE_NONE;
			e.center = e.scale = NAN;
			e.note = note;
		}
		if (scaler_add(s, &e) == NULL)
			goto fail;
	}
	return s;
fail:
	scaler_free(&s);
	errno = ENOMEM;
	return NULL;
}
