/*
 * rules -- apply a schema to frames, keeping a little state per device.
 * check() judges a frame against the device's last accepted frame and its
 * channels' state, changing nothing: the first reject or drop settles it,
 * other broken rules are noted.  Only an accepted frame changes anything:
 * take() edits it, emits gap events or added frames, commits the state and
 * sends it on, or holds it while a value waits for a linear fill.  Lookups
 * are O(1) on a steady stream: each device remembers its body layout.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "devmap.h"
#include "reject.h"
#include "record.h"
#include "rules.h"
#include "schema.h"
#include "timeparse.h"

enum out {
	OUT_REJECTED, OUT_DROPPED, OUT_CLAMPED, OUT_FILLED, OUT_FLAGGED,
	OUT_EVENTS, OUT_REMOVED, OUT_COUNT
};

static const char *const out_names[OUT_COUNT] = {
	"rejected", "dropped", "clamped", "filled", "flagged", "events",
	"removed"
};

enum verdict { V_ACCEPT, V_REJECT, V_DROP, V_ERROR };

/* What one rule did, over the run. */
struct rcount {
	uint64_t	 n[OUT_COUNT];
	uint64_t	 first, last;	/* source lines of rejects, 0: none */
};

/* One per distinct channel name seen in the stream. */
struct chandef {
	char			*name;
	uint32_t		 nlen, hash;
	const struct chanrule	*rule;		/* NULL: unknown channel */
	struct chandef		*next;		/* hash chain */
	struct rcount		*cnt;		/* [RULE_COUNT], on first use */
};

/* Sliding window for the variance floor: N values, mean and sum of squared
 * deviations updated as one value replaces another, recomputed exactly
 * every N updates so rounding cannot pile up. */
struct flatwin {
	uint32_t	 n, pos, age;
	double		 mean, m2;
	double		 v[];
};

/* A channel of one device. */
struct slot {
	/* what the hot path reads, in one place: the key (its first 16
	 * bytes: longer keys are compared through def) and the rules */
	uint32_t	 nlen;
	uint8_t		 simple;	/* rule->simple */
	char		 key[16];
	const struct chanrule *rule;	/* NULL: unknown channel */
	double		 lo, hi;	/* rule's range */
	struct chandef	*def;
	double		 last;		/* last accepted value */
	int64_t		 last_t;	/* its time (ns) */
	uint64_t	 seen;		/* device frame number it was in */
	uint32_t	 run;		/* readings equal to last, in a row */
	uint32_t	 npend;		/* holes waiting for a linear fill */
	uint8_t		 has_last;
	struct flatwin	*win;
};

struct hole {
	uint32_t	 slot, field;
	uint32_t	 look;		/* frames it may wait */
};

struct hitem {
	struct record	*r;
	uint64_t	 arrival;	/* device frame number */
	uint8_t		 what;		/* enum emit */
	struct hole	*h;
	uint32_t	 nh, hcap;
};

struct holdq {
	struct hitem	*it;		/* ring */
	uint32_t	 head, n, cap;
};

/*
 * A device: the value the map holds for it (devmap.h).  When the map is
 * full its memory goes to the next new device: device_gone() sends on what
 * it holds and keeps its arrays, whose capacity the next device takes over,
 * its slots as spares (slot_at()), so a stream of new devices allocates
 * nothing once the map is full.
 */
struct device {
	const char	*name;		/* the map's id, NUL-terminated */
	uint32_t	 nlen;
	int64_t		 last_t;	/* last accepted frame */
	uint64_t	 last_line;	/* ... its source line, 0: unknown */
	uint8_t		 has_last;
	struct slot	*slot;
	uint32_t	 nslot, slotcap;
	uint32_t	 nspare;	/* slot[nslot..nspare): an evicted
					 * device's, for this one to take */
	uint32_t	*lay;		/* body position -> slot */
	uint32_t	 nlay, laycap;
	uint32_t	 fastn;		/* 0, or the body length of a layout
					 * that fast_frame() may take */
	uint64_t	 nframe;
	uint32_t	 npend;		/* holes, all channels */
	struct holdq	*q;
	struct vcount	 c;
};


/* Per body field: what take() does. */
enum op { OP_KEEP, OP_SET, OP_DEL, OP_HOLE };

struct fop {
	uint32_t	 slot;
	uint8_t		 op;
	uint8_t		 update;	/* commit x to the channel state */
	uint32_t	 look;		/* OP_HOLE: lookahead */
	double		 x;
	uint32_t	 run;		/* stuck: run with x */
	uint32_t	 wn;		/* flat: window after x */
	double		 wmean, wm2;
};

/* A missing required channel that take() adds. */
struct addop {
	uint32_t	 slot;
	uint8_t		 hole;
	uint32_t	 look;
	double		 x;
};

struct hit {
	uint8_t		 rule, out;
	struct chandef	*def;		/* NULL: device rule */
};

struct vstate {
	const struct schema	*s;
	vemit_fn		 emit;
	void			*arg;

	struct chandef		**ctab;		/* channel names, hashed */
	uint32_t		 cmask, ncdef;
	struct chandef		**cdefs;	/* in order of appearance */
	struct chandef		**req;		/* required channels */
	uint32_t		 nreq;

	struct devmap		*dm;		/* name -> struct device */
	uint64_t		 ndev;		/* devices first seen */
	struct device		*lastdev;
	int			 evict_err;	/* an evicted device's flush
						 * failed */

	struct rcount		 dcnt[RULE_COUNT];	/* device rules */
	struct vcount		 c;
	uint64_t		 held;
	int			 asis;	/* emitting the frame read, unchanged */
	int64_t			 fgap, frlo, frhi;	/* fast_frame()'s dt */

	/* scratch for one frame */
	struct fop		*fop;
	uint32_t		 fopcap;
	struct hit		*hit;
	uint32_t		 nhit, hitcap;
	struct addop		*add;
	uint32_t		 nadd, addcap;
	double			*snew;		/* per slot: accepted value */
	uint8_t			*shas;
	uint32_t		 scap;
	int			 gap;		/* a gap ends at this frame */
	int			 allsimple;	/* each field a distinct simple
						 * channel, good value */
	uint32_t		 line_hint;	/* meta "line" was there */
	int64_t			 gapdt;

	/* the verdict of a reject */
	int			 vrule;
	struct chandef		*vdef;
	struct value		 vval, vlim;
	char			 reason[512];

	struct record		*out;		/* reject, event, added */
	struct buf		 raw;		/* the original frame */
	struct buf		 text;		/* flags, fixed */
};

static inline int fast_frame(struct vstate *, struct device *,
		    const struct record *, int64_t);
static int	 check(struct vstate *, struct device *, struct record *,
		    int64_t);
static int	 take(struct vstate *, struct device *, struct record *,
		    int64_t);
static int	 reject(struct vstate *, struct device *,
		    const struct record *);

/* ---- small helpers ---------------------------------------------------- */

/*
 * Names (device ids, channel keys) are short and compared on every frame:
 * compare and hash them 8 bytes at a time, inline, rather than through
 * memcmp() and a byte loop.
 */
static inline uint64_t
ld8(const char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

static inline uint32_t
ld4(const char *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return x;
}

/* a[0..n) == b[0..n): whole words, the last one overlapping. */
static inline int
name_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n > 16) {
		for (i = 0; i + 8 < n; i += 8)
			if (ld8(a + i) != ld8(b + i))
				return 0;
		return ld8(a + n - 8) == ld8(b + n - 8);
	}
	if (n >= 8)		/* most channel names: two words */
		return ld8(a) == ld8(b) && ld8(a + n - 8) == ld8(b + n - 8);
	if (n >= 4)
		return ld4(a) == ld4(b) && ld4(a + n - 4) == ld4(b + n - 4);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static inline uint32_t
name_hash(const char *p, size_t n)
{
	return (uint32_t)devmap_hash_(p, n);	/* the device map's */
}

/*
 * Grow the array *pp (of size-byte items, capacity *cap) to hold need.
 * The pointer is read and written through memcpy: pp may point to any
 * object pointer type.  0, or -1 on ENOMEM (the array is unchanged).
 */
static int
grow(void *pp, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n;
	void *p, *np;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 1;	/* per-device arrays: as small as they can be */
	while (n < need)
		n *= 2;
	memcpy(&p, pp, sizeof(p));
	if ((np = realloc(p, (size_t)n * size)) == NULL)
		return -1;
	memcpy(pp, &np, sizeof(np));
	*cap = n;
	return 0;
}

static int64_t
rtime(const struct record *r)
{
	if (r->sec > 9000000000LL)
		return INT64_MAX;
	if (r->sec < -9000000000LL)
		return INT64_MIN;
	return r->sec * 1000000000LL + r->nsec;
}

static void
set_time(struct record *r, int64_t ns)
{
	int64_t s = ns / 1000000000LL, n = ns % 1000000000LL;

	if (n < 0) {
		n += 1000000000LL;
		s--;
	}
	record_set_time(r, s, (uint32_t)n);
}

static struct value
val_ns(int64_t ns)
{
	int64_t s = ns / 1000000000LL, n = ns % 1000000000LL;

	if (n < 0) {
		n += 1000000000LL;
		s--;
	}
	return val_time(s, (uint32_t)n);
}

/* "2014-01-07T02:00:00Z", with ".5" etc. when there are nanoseconds. */
static const char *
fmt_time(char *buf, size_t size, int64_t ns)
{
	time_format_ns(buf, size, ns, TIME_SHORT);
	return buf;
}

/*
 * The source line in meta, 0 if none.  *hint is where "line" was last time:
 * a stream keeps its meta layout, so this is one comparison per frame.
 */
static inline uint64_t
meta_line(const struct record *r, uint32_t *hint)
{
	const struct value *v = NULL;
	uint32_t i;

	if (*hint < r->nmeta && r->meta[*hint].klen == 4 &&
	    name_eq(r->meta[*hint].key, "line", 4))
		v = &r->meta[*hint].v;
	else
		for (i = 0; i < r->nmeta; i++)
			if (r->meta[i].klen == 4 &&
			    name_eq(r->meta[i].key, "line", 4)) {
				v = &r->meta[i].v;
				*hint = i;
				break;
			}
	if (v == NULL)
		return 0;
	if (v->type == VAL_INT && v->i > 0)
		return (uint64_t)v->i;
	if (v->type == VAL_UINT)
		return v->u;
	return 0;
}

/* ---- channel names and devices ---------------------------------------- */

static struct chandef *
intern(struct vstate *vs, const char *name, uint32_t nlen)
{
	struct chandef *c, **tab;
	uint32_t h = name_hash(name, nlen), i, m;

	for (c = vs->ctab[h & vs->cmask]; c != NULL; c = c->next)
		if (c->hash == h && c->nlen == nlen &&
		    name_eq(c->name, name, nlen))
			return c;
	if (vs->ncdef + 1 > (vs->cmask + 1) / 2) {	/* rehash */
		m = vs->cmask * 2 + 1;
		if ((tab = calloc((size_t)m + 1, sizeof(*tab))) == NULL)
			return NULL;
		for (i = 0; i < vs->ncdef; i++) {
			c = vs->cdefs[i];
			c->next = tab[c->hash & m];
			tab[c->hash & m] = c;
		}
		free(vs->ctab);
		vs->ctab = tab;
		vs->cmask = m;
	}
	if ((tab = realloc(vs->cdefs, (vs->ncdef + 1) * sizeof(*tab))) ==
	    NULL)
		return NULL;
	vs->cdefs = tab;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->name = malloc(nlen + 1)) == NULL) {
		free(c);
		return NULL;
	}
	memcpy(c->name, name, nlen);
	c->name[nlen] = '\0';
	c->nlen = nlen;
	c->hash = h;
	c->rule = schema_match(vs->s, name, nlen);
	c->next = vs->ctab[h & vs->cmask];
	vs->ctab[h & vs->cmask] = c;
	vs->cdefs[vs->ncdef++] = c;
	return c;
}

static struct device	*device_new(struct vstate *, struct device *,
			    uint32_t);

/* The device named name[0..nlen), added if new; NULL on ENOMEM or when an
 * evicted device's frames could not be written.  Inline: it runs once a
 * frame, and a device seen before is the usual case. */
static inline __attribute__((always_inline)) struct device *
device_get(struct vstate *vs, const char *name, uint32_t nlen)
{
	struct device *d;
	int created;

	d = vs->lastdev;
	if (d != NULL && d->nlen == nlen && name_eq(d->name, name, nlen))
		return d;
	if ((d = devmap_get(vs->dm, name, nlen, 0, &created)) == NULL)
		return NULL;
	if (created)
		return device_new(vs, d, nlen);
	return vs->lastdev = d;
}

/* A device new to the map: d zeroed, or as device_gone() left it. */
static struct device *
device_new(struct vstate *vs, struct device *d, uint32_t nlen)
{
	if (vs->evict_err) {
		devmap_remove(vs->dm, d);
		return NULL;
	}
	d->name = devmap_id(d, NULL);
	d->nlen = nlen;
	vs->ndev++;
	return vs->lastdev = d;
}

static int
slot_find(const struct device *d, const struct chandef *def)
{
	uint32_t i;

	for (i = 0; i < d->nslot; i++)
		if (d->slot[i].def == def)
			return (int)i;
	return -1;
}

static int
slot_add(struct vstate *vs, struct device *d, struct chandef *def)
{
	struct slot *s;
	uint32_t n;

	if (grow(&d->slot, &d->slotcap, d->nslot + 1, sizeof(*d->slot)) ==
	    -1)
		return -1;
	s = &d->slot[d->nslot];
	memset(s, 0, sizeof(*s));
	s->def = def;
	s->nlen = def->nlen;
	memcpy(s->key, def->name, def->nlen < sizeof(s->key) ? def->nlen :
	    sizeof(s->key));
	if ((s->rule = def->rule) != NULL) {
		s->simple = def->rule->simple;
		/* finite bounds: one test passes a finite value in range */
		s->lo = def->rule->lo < -DBL_MAX ? -DBL_MAX : def->rule->lo;
		s->hi = def->rule->hi > DBL_MAX ? DBL_MAX : def->rule->hi;
	}
	if (def->rule != NULL && def->rule->on[RULE_FLAT].act != ACT_NONE) {
		n = def->rule->flatn;
		if ((s->win = calloc(1, sizeof(*s->win) + n *
		    sizeof(double))) == NULL)
			return -1;
	}
	if (d->nslot + 1 > vs->scap) {
		if (grow(&vs->snew, &vs->scap, d->nslot + 1, sizeof(double)) ==
		    -1)
			return -1;
		if ((vs->shas = realloc(vs->shas, vs->scap)) == NULL)
			return -1;
	}
	return (int)d->nslot++;
}

static inline int
slot_is(const struct slot *s, const struct field *f)
{
	return s->nlen == f->klen && name_eq(f->klen <= sizeof(s->key) ?
	    s->key : s->def->name, f->key, f->klen);
}

/* The spare slots go (their flat windows freed). */
static void
spares_drop(struct device *d)
{
	uint32_t j;

	for (j = d->nslot; j < d->nspare; j++) {
		free(d->slot[j].win);
		d->slot[j].win = NULL;
	}
	d->nspare = d->nslot;
}

/*
 * The slot of body field i (key k), through the layout cache.  A device
 * that took an evicted one's memory takes its slots over in order while
 * its fields name them in that order: spare slot i is what slot_add()
 * would make for field i (the slots before it are fields 0..i-1, and the
 * spares are distinct channels), without the name lookup and allocation;
 * at the first field that differs the spares go.
 */
static int
slot_at(struct vstate *vs, struct device *d, uint32_t i, const struct field *f)
{
	struct chandef *def;
	struct slot *s;
	int k;

	if (i < d->nlay && slot_is(&d->slot[d->lay[i]], f))
		return (int)d->lay[i];
	if (d->nspare > d->nslot) {
		s = &d->slot[i];
		if (i == d->nslot && i == d->nlay && slot_is(s, f)) {
			/* the channel stays, its state goes */
			s->last = 0;
			s->last_t = 0;
			s->seen = 0;
			s->run = 0;
			s->npend = 0;
			s->has_last = 0;
			if (s->win != NULL)
				memset(s->win, 0, sizeof(*s->win));
			if (grow(&d->lay, &d->laycap, i + 1, sizeof(*d->lay)) ==
			    -1)
				return -1;
			d->lay[d->nlay++] = i;
			return (int)d->nslot++;
		}
		spares_drop(d);
	}
	if ((def = intern(vs, f->key, f->klen)) == NULL)
		return -1;
	if ((k = slot_find(d, def)) == -1 && (k = slot_add(vs, d, def)) == -1)
		return -1;
	if (i >= d->nlay) {
		if (grow(&d->lay, &d->laycap, i + 1, sizeof(*d->lay)) == -1)
			return -1;
		while (d->nlay <= i)
			d->lay[d->nlay++] = (uint32_t)k;
	}
	d->lay[i] = (uint32_t)k;
	return k;
}

/* ---- the variance window ---------------------------------------------- */

static void
flat_try(const struct flatwin *w, uint32_t cap, double x, struct fop *o)
{
	double old, d;

	if (w->n < cap) {
		o->wn = w->n + 1;
		d = x - w->mean;
		o->wmean = w->mean + d / o->wn;
		o->wm2 = w->m2 + d * (x - o->wmean);
	} else {
		old = w->v[w->pos];
		o->wn = cap;
		o->wmean = w->mean + (x - old) / cap;
		o->wm2 = w->m2 + (x - old) * (x - o->wmean + old - w->mean);
	}
	if (o->wm2 < 0)
		o->wm2 = 0;
}

static void
flat_commit(struct flatwin *w, uint32_t cap, const struct fop *o)
{
	double m = 0, s = 0, d;
	uint32_t i;

	w->v[w->pos] = o->x;
	w->pos = w->pos + 1 == cap ? 0 : w->pos + 1;
	w->n = o->wn;
	w->mean = o->wmean;
	w->m2 = o->wm2;
	if (++w->age < cap)
		return;
	w->age = 0;
	for (i = 0; i < w->n; i++)
		m += w->v[i];
	m /= w->n;
	for (i = 0; i < w->n; i++) {
		d = w->v[i] - m;
		s += d * d;
	}
	w->mean = m;
	w->m2 = s;
}

/* ---- counting --------------------------------------------------------- */

static struct rcount *
rc_of(struct vstate *vs, struct chandef *def, int rule)
{
	if (def == NULL)
		return &vs->dcnt[rule];
	if (def->cnt == NULL &&
	    (def->cnt = calloc(RULE_COUNT, sizeof(*def->cnt))) == NULL)
		return NULL;
	return &def->cnt[rule];
}

static int
count(struct vstate *vs, struct chandef *def, int rule, int out, uint64_t n,
    uint64_t line)
{
	struct rcount *rc;

	if ((rc = rc_of(vs, def, rule)) == NULL)
		return -1;
	rc->n[out] += n;
	if (out == OUT_REJECTED && line > 0) {
		if (rc->first == 0)
			rc->first = line;
		rc->last = line;
	}
	return 0;
}

static int
emit(struct vstate *vs, struct device *d, enum emit what,
    const struct record *r)
{
	if (vs->emit(vs->arg, what, r) == -1)
		return -1;
	switch (what) {	/* out: every frame that went to the output */
	case EMIT_OUT:
		vs->c.out++;
		d->c.out++;
		break;
	case EMIT_FILLED:
		vs->c.filled++;
		d->c.filled++;
		vs->c.out++;
		d->c.out++;
		break;
	case EMIT_EVENT:
		vs->c.events++;
		d->c.events++;
		vs->c.out++;
		d->c.out++;
		break;
	case EMIT_REJECT:
		vs->c.rejected++;
		d->c.rejected++;
		break;
	}
	return 0;
}

/* ---- the lookahead queue ---------------------------------------------- */

static struct hitem *
q_at(struct holdq *q, uint32_t i)
{
	return &q->it[(q->head + i) % q->cap];
}

/* Append a copy of r; its holes are added by the caller. */
static struct hitem *
q_push(struct vstate *vs, struct device *d, const struct record *r,
    enum emit what)
{
	struct holdq *q;
	struct hitem *it, *nit;
	uint32_t i, ncap;

	if (d->q == NULL && (d->q = calloc(1, sizeof(*d->q))) == NULL)
		return NULL;
	q = d->q;
	if (q->n == q->cap) {
		ncap = q->cap ? q->cap * 2 : 8;
		if ((nit = calloc(ncap, sizeof(*nit))) == NULL)
			return NULL;
		for (i = 0; i < q->n; i++)
			nit[i] = *q_at(q, i);
		/* keep the records of unused entries for reuse */
		for (i = q->n; i < q->cap; i++)
			nit[i] = *q_at(q, i);
		free(q->it);
		q->it = nit;
		q->head = 0;
		q->cap = ncap;
	}
	it = q_at(q, q->n);
	if (it->r == NULL && (it->r = record_new()) == NULL)
		return NULL;
	if (record_copy(it->r, r) == -1)
		return NULL;
	it->arrival = d->nframe;
	it->what = (uint8_t)what;
	it->nh = 0;
	q->n++;
	if (what == EMIT_OUT)
		vs->held++;
	return it;
}

static int
q_hole(struct hitem *it, uint32_t slot, uint32_t field, uint32_t look)
{
	if (grow(&it->h, &it->hcap, it->nh + 1, sizeof(*it->h)) == -1)
		return -1;
	it->h[it->nh].slot = slot;
	it->h[it->nh].field = field;
	it->h[it->nh].look = look;
	it->nh++;
	return 0;
}

/* Fill hole j of it with v; forget the hole. */
static void
fill_hole(struct device *d, struct hitem *it, uint32_t j, double v)
{
	struct hole *h = &it->h[j];

	it->r->body[h->field].v = val_f64(v);
	d->slot[h->slot].npend--;
	d->npend--;
	it->h[j] = it->h[--it->nh];
}

/*
 * Slot k gets the good value x at time t: interpolate its holes in time
 * between the last accepted value and x.
 */
static void
q_resolve(struct device *d, uint32_t k, double x, int64_t t)
{
	struct slot *s = &d->slot[k];
	struct hitem *it;
	double a = s->last, f;
	uint32_t i, j;

	for (i = 0; i < d->q->n && s->npend > 0; i++) {
		it = q_at(d->q, i);
		for (j = 0; j < it->nh; j++) {
			if (it->h[j].slot != k)
				continue;
			f = t > s->last_t ? (double)(rtime(it->r) - s->last_t) /
			    (double)(t - s->last_t) : 0;
			fill_hole(d, it, j, a + (x - a) * f);
			j--;
		}
	}
}

/* Holes that waited longer than their lookahead take the last value. */
static void
q_age(struct device *d)
{
	struct hitem *it;
	uint32_t i, j;

	for (i = 0; i < d->q->n && d->npend > 0; i++) {
		it = q_at(d->q, i);
		for (j = 0; j < it->nh; j++)
			if (d->nframe - it->arrival >= it->h[j].look) {
				fill_hole(d, it, j,
				    d->slot[it->h[j].slot].last);
				j--;
			}
	}
}

/* Send on what no longer waits: the frames at the front without holes. */
static int
q_flush(struct vstate *vs, struct device *d)
{
	struct holdq *q = d->q;
	struct hitem *it;

	while (q != NULL && q->n > 0 && (it = q_at(q, 0))->nh == 0) {
		if (emit(vs, d, it->what, it->r) == -1)
			return -1;
		if (it->what == EMIT_OUT)
			vs->held--;
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return 0;
}

/* Emit r now, or behind the frames that wait. */
static int
put(struct vstate *vs, struct device *d, const struct record *r,
    enum emit what)
{
	if (d->q != NULL && d->q->n > 0)
		return q_push(vs, d, r, what) == NULL ? -1 : 0;
	return emit(vs, d, what, r);
}

/* Send on r, the frame given to vstate_frame(), unchanged: the caller may
 * forward the bytes it read instead of encoding r (vstate_asis()). */
static int
emit_asis(struct vstate *vs, struct device *d, const struct record *r)
{
	int ret;

	if (d->q != NULL && d->q->n > 0)
		return q_push(vs, d, r, EMIT_OUT) == NULL ? -1 : 0;
	vs->asis = 1;
	ret = emit(vs, d, EMIT_OUT, r);
	vs->asis = 0;
	return ret;
}

/* What waits for d: holes filled with last values, sent on. */
static int
device_drain(struct vstate *vs, struct device *d)
{
	struct hitem *it;
	uint32_t j;

	if (d->q == NULL)
		return 0;
	for (j = 0; j < d->q->n && d->npend > 0; j++) {
		it = q_at(d->q, j);
		while (it->nh > 0)
			fill_hole(d, it, 0, d->slot[it->h[0].slot].last);
	}
	return q_flush(vs, d);
}

static void
device_free(struct device *d)
{
	uint32_t j;

	for (j = 0; j < d->nslot || j < d->nspare; j++)
		free(d->slot[j].win);
	if (d->q != NULL) {
		for (j = 0; j < d->q->cap; j++) {
			record_free(&d->q->it[j].r);
			free(d->q->it[j].h);
		}
		free(d->q->it);
		free(d->q);
	}
	free(d->slot);
	free(d->lay);
}

/*
 * The map lets a device go.  Evicted for room: what it holds goes out
 * first, as at the end of input, and its memory is left for the next
 * device (device_new(), slot_at()): the arrays keep their capacity, the
 * slots become spares, the counts start again.  Otherwise (the device
 * could not start, or vstate_free()) its arrays are freed.
 */
static void
device_gone(void *val, int why, void *arg)
{
	struct vstate *vs = arg;
	struct device *d = val;

	if (vs->lastdev == d)
		vs->lastdev = NULL;
	if (why != DEVMAP_EVICTED) {
		device_free(d);
		return;
	}
	if (device_drain(vs, d) == -1)
		vs->evict_err = 1;
	if (d->nslot > d->nspare)
		d->nspare = d->nslot;
	d->nslot = 0;
	d->nlay = 0;
	d->last_t = 0;
	d->last_line = 0;
	d->has_last = 0;
	d->fastn = 0;
	d->nframe = 0;
	d->npend = 0;
	if (d->q != NULL)
		d->q->head = d->q->n = 0;
	memset(&d->c, 0, sizeof(d->c));
}

/* ---- public ------------------------------------------------------------ */

int
vstate_max_devices(struct vstate *vs, size_t max)
{
	struct devmap *m;

	if (max == 0 || vs->ndev > 0)
		return -1;
	if ((m = devmap_new(max, sizeof(struct device), NULL, device_gone,
	    vs)) == NULL)
		return -1;
	devmap_free(&vs->dm);
	vs->dm = m;
	return 0;
}

uint64_t
vstate_evicted(const struct vstate *vs)
{
	return devmap_evicted(vs->dm);
}

struct vstate *
vstate_new(const struct schema *s, vemit_fn fn, void *arg)
{
	struct vstate *vs;
	struct chandef *c;
	size_t i;

	if ((vs = calloc(1, sizeof(*vs))) == NULL)
		return NULL;
	vs->s = s;
	vs->emit = fn;
	vs->arg = arg;
	vs->cmask = 63;
	vs->fgap = s->on[RULE_GAP].act != ACT_NONE ? s->gap_ns : INT64_MAX;
	vs->frlo = s->on[RULE_RATE].act != ACT_NONE ? s->rate_ns - s->tol_ns :
	    INT64_MIN;
	vs->frhi = s->on[RULE_RATE].act != ACT_NONE ? s->rate_ns + s->tol_ns :
	    INT64_MAX;
	if ((vs->ctab = calloc(64, sizeof(*vs->ctab))) == NULL ||
	    (vs->dm = devmap_new(VSTATE_MAX_DEVICES, sizeof(struct device),
	    NULL, device_gone, vs)) == NULL ||
	    (vs->out = record_new()) == NULL)
		goto fail;
	if (s->nrequired > 0 &&
	    (vs->req = calloc(s->nrequired, sizeof(*vs->req))) == NULL)
		goto fail;
	for (i = 0; i < s->nchan; i++) {
		if (!s->chan[i].required)
			continue;
		if ((c = intern(vs, s->chan[i].name,
		    (uint32_t)strlen(s->chan[i].name))) == NULL)
			goto fail;
		vs->req[vs->nreq++] = c;
	}
	return vs;
fail:
	vstate_free(&vs);
	return NULL;
}

void
vstate_free(struct vstate **vp)
{
	struct vstate *vs;
	uint32_t j;

	if (vp == NULL || (vs = *vp) == NULL)
		return;
	devmap_free(&vs->dm);
	for (j = 0; j < vs->ncdef; j++) {
		free(vs->cdefs[j]->name);
		free(vs->cdefs[j]->cnt);
		free(vs->cdefs[j]);
	}
	free(vs->cdefs);
	free(vs->ctab);
	free(vs->req);
	free(vs->fop);
	free(vs->hit);
	free(vs->add);
	free(vs->snew);
	free(vs->shas);
	record_free(&vs->out);
	buf_free(&vs->raw);
	buf_free(&vs->text);
	free(vs);
	*vp = NULL;
}

int
vstate_frame(struct vstate *vs, struct record *r)
{
	struct device *d;
	int64_t t;
	int v;

	if ((d = device_get(vs, r->dev != NULL ? r->dev : "",
	    r->dev != NULL ? r->dev_len : 0)) == NULL)
		return -1;
	vs->c.in++;
	d->c.in++;
	d->nframe++;
	if (r->kind != KIND_SAMPLE)	/* not ours: pass on as it is */
		return emit_asis(vs, d, r);
	t = rtime(r);
	if (fast_frame(vs, d, r, t))
		return emit_asis(vs, d, r);
	switch (v = check(vs, d, r, t)) {
	case V_ACCEPT:
		return take(vs, d, r, t);
	case V_REJECT:
		if (count(vs, vs->vdef, vs->vrule, OUT_REJECTED, 1,
		    meta_line(r, &vs->line_hint)) == -1)
			return -1;
		return reject(vs, d, r);
	case V_DROP:
		vs->c.dropped++;
		d->c.dropped++;
		return count(vs, vs->vdef, vs->vrule, OUT_DROPPED, 1, 0);
	default:
		return -1;
	}
}

int
vstate_undecodable(struct vstate *vs, uint64_t n)
{
	struct device *d;

	if ((d = device_get(vs, "", 0)) == NULL)
		return -1;
	vs->c.in += n;
	d->c.in += n;
	vs->c.rejected += n;
	d->c.rejected += n;
	return count(vs, NULL, RULE_DECODE, OUT_REJECTED, n, 0);
}

static void
finish_one(const char *name, size_t len, void *val, void *arg)
{
	struct vstate *vs = arg;

	(void)name;
	(void)len;
	if (device_drain(vs, val) == -1)
		vs->evict_err = 1;
}

int
vstate_finish(struct vstate *vs)
{
	devmap_foreach(vs->dm, finish_one, vs);
	return vs->evict_err ? -1 : 0;
}

const struct vcount *
vstate_count(const struct vstate *vs)
{
	return &vs->c;
}

uint64_t
vstate_held(const struct vstate *vs)
{
	return vs->held;
}

int
vstate_asis(const struct vstate *vs)
{
	return vs->asis;
}

uint64_t
vstate_devices(const struct vstate *vs)
{
	return vs->ndev;
}

static void
bytes_one(const char *name, size_t len, void *val, void *arg)
{
	const struct device *d = val;
	size_t *n = arg;
	uint32_t j;

	(void)name;
	(void)len;
	/* the map's entry (header, the struct aligned to 16, the id in
	 * 16-byte steps, a bucket), the slots and layout */
	*n += sizeof(struct devmap_dev) + ((sizeof(*d) + 15) & ~(size_t)15) +
	    ((d->nlen + 16) & ~(size_t)15) + sizeof(void *) +
	    d->slotcap * sizeof(*d->slot) + d->laycap * sizeof(*d->lay);
	for (j = 0; j < d->nslot || j < d->nspare; j++)
		if (d->slot[j].win != NULL)
			*n += sizeof(struct flatwin) +
			    d->slot[j].def->rule->flatn * sizeof(double);
	if (d->q != NULL)
		*n += sizeof(*d->q) + d->q->cap * sizeof(struct hitem);
}

size_t
vstate_device_bytes(const struct vstate *vs)
{
	size_t n = 0;

	devmap_foreach(vs->dm, bytes_one, &n);
	return n;
}

/* A name as a report word: quoted when it has blanks, '"' or '='. */
static void
pname(FILE *f, const char *key, const char *s)
{
	if (s[strcspn(s, " \t\"=")] == '\0' && *s != '\0') {
		fprintf(f, " %s=%s", key, s);
		return;
	}
	fprintf(f, " %s=\"", key);
	for (; *s != '\0'; s++)
		fprintf(f, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	fputc('"', f);
}

/* One rule's line; only its rejects if rejects_only. */
static void
report_rc(FILE *f, const char *prog, int rule, const char *chan,
    const struct rcount *rc, int rejects_only)
{
	int o, any = 0;

	for (o = 0; o < OUT_COUNT; o++)
		any |= rc->n[o] != 0 && (!rejects_only || o == OUT_REJECTED);
	if (!any)
		return;
	fprintf(f, "%s: rule=%s", prog, rule_name(rule));
	if (chan != NULL)
		pname(f, "channel", chan);
	for (o = 0; o < OUT_COUNT; o++)
		if (rc->n[o] != 0 && (!rejects_only || o == OUT_REJECTED))
			fprintf(f, " %s=%llu", out_names[o],
			    (unsigned long long)rc->n[o]);
	if (rc->first != 0 && rc->first == rc->last)
		fprintf(f, " line=%llu", (unsigned long long)rc->first);
	else if (rc->first != 0)
		fprintf(f, " lines=%llu-%llu", (unsigned long long)rc->first,
		    (unsigned long long)rc->last);
	fputc('\n', f);
}

static void
report_rules(const struct vstate *vs, FILE *f, const char *prog,
    int rejects_only)
{
	uint32_t j;
	int r;

	for (r = 0; r < RULE_COUNT; r++)
		report_rc(f, prog, r, NULL, &vs->dcnt[r], rejects_only);
	for (j = 0; j < vs->ncdef; j++)
		if (vs->cdefs[j]->cnt != NULL)
			for (r = 0; r < RULE_COUNT; r++)
				report_rc(f, prog, r, vs->cdefs[j]->name,
				    &vs->cdefs[j]->cnt[r], rejects_only);
}

struct report_arg {
	FILE		*f;
	const char	*prog;
};

static void
report_one(const char *name, size_t len, void *val, void *arg)
{
	const struct device *d = val;
	struct report_arg *a = arg;

	(void)name;
	(void)len;
	fprintf(a->f, "%s:", a->prog);
	pname(a->f, "device", d->name);
	fprintf(a->f, " in=%llu out=%llu rejected=%llu dropped=%llu "
	    "filled=%llu events=%llu\n",
	    (unsigned long long)d->c.in, (unsigned long long)d->c.out,
	    (unsigned long long)d->c.rejected,
	    (unsigned long long)d->c.dropped,
	    (unsigned long long)d->c.filled,
	    (unsigned long long)d->c.events);
}

void
vstate_report(const struct vstate *vs, FILE *f, const char *prog)
{
	struct report_arg a = { f, prog };
	size_t held = devmap_count(vs->dm);

	report_rules(vs, f, prog, 0);
	if (vs->ndev > 0)
		fprintf(f, "%s: devices=%llu held=%zu evicted=%llu "
		    "state-bytes=%zu per-device=%zu\n", prog,
		    (unsigned long long)vs->ndev, held,
		    (unsigned long long)devmap_evicted(vs->dm),
		    vstate_device_bytes(vs),
		    held ? vstate_device_bytes(vs) / held : 0);
	devmap_foreach(vs->dm, report_one, &a);
}

/* ---- judging ------------------------------------------------------------ */

static int
note(struct vstate *vs, int rule, struct chandef *def, int out)
{
	if (vs->nhit == vs->hitcap &&
	    grow(&vs->hit, &vs->hitcap, vs->nhit + 1, sizeof(*vs->hit)) == -1)
		return -1;
	vs->hit[vs->nhit].rule = (uint8_t)rule;
	vs->hit[vs->nhit].out = (uint8_t)out;
	vs->hit[vs->nhit].def = def;
	vs->nhit++;
	return 0;
}

/*
 * Rule `rule` broke with action act: a reject or drop ends the judging
 * (returns V_REJECT/V_DROP; the reason is written only for a reject).
 * Otherwise the hit is noted and V_ACCEPT returned.
 */
static int
broke(struct vstate *vs, int rule, struct chandef *def, int act,
    struct value val, struct value lim, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int
broke(struct vstate *vs, int rule, struct chandef *def, int act,
    struct value val, struct value lim, const char *fmt, ...)
{
	va_list ap;
	int out;

	switch (act) {
	case ACT_REJECT:
	case ACT_DROP:
		vs->vrule = rule;
		vs->vdef = def;
		vs->vval = val;
		vs->vlim = lim;
		if (act == ACT_REJECT) {
			va_start(ap, fmt);
			vsnprintf(vs->reason, sizeof(vs->reason), fmt, ap);
			va_end(ap);
			return V_REJECT;
		}
		return V_DROP;
	case ACT_CLAMP:
		out = OUT_CLAMPED;
		break;
	case ACT_FILL:
		out = OUT_FILLED;
		break;
	case ACT_FLAG:
		out = OUT_FLAGGED;
		break;
	case ACT_EVENT:
		out = OUT_EVENTS;
		break;
	default:		/* keep */
		return V_ACCEPT;
	}
	return note(vs, rule, def, out) == -1 ? V_ERROR : V_ACCEPT;
}

#define NOVAL	val_nil()

/*
 * A value broke `rule` whose action is fill: the last value, or a hole for
 * a linear fill.  Without an earlier value there is nothing to fill from:
 * the frame is rejected.  Returns V_*.
 */
static int
fill(struct vstate *vs, struct fop *o, struct slot *s, int rule,
    const struct action *a, struct value val, const char *what)
{
	if (!s->has_last)
		return broke(vs, rule, s->def, ACT_REJECT, val, NOVAL,
		    "channel %s %s, and there is no earlier value to fill "
		    "from", s->def->name, what);
	if (a->linear) {
		o->op = OP_HOLE;
		o->look = a->n;
	} else {
		o->op = OP_SET;
		o->x = s->last;
	}
	o->update = 0;
	return broke(vs, rule, s->def, ACT_FILL, val, NOVAL, "%s", "");
}

/* Judge one number x of channel slot s (rule set c). */
static int
check_number(struct vstate *vs, struct fop *o, struct slot *s,
    const struct chanrule *c, double x, int64_t t)
{
	struct chandef *def = s->def;
	const struct action *on = c->on;
	double lim, dt, rate;
	int v;

	o->update = 1;
	if (isnan(x)) {
		o->update = 0;
		if (on[RULE_NAN].act == ACT_FILL)
			return fill(vs, o, s, RULE_NAN, &on[RULE_NAN],
			    val_f64(x), "is NaN");
		return broke(vs, RULE_NAN, def, on[RULE_NAN].act, val_f64(x),
		    NOVAL, "channel %s is NaN", def->name);
	}
	if (isinf(x)) {
		switch (on[RULE_INF].act) {
		case ACT_KEEP:
			break;		/* the other rules judge it */
		case ACT_FILL:
			o->update = 0;
			return fill(vs, o, s, RULE_INF, &on[RULE_INF],
			    val_f64(x), x > 0 ? "is +Inf" : "is -Inf");
		case ACT_CLAMP:
			x = x > 0 ? c->hi : c->lo;
			o->op = OP_SET;
			o->x = x;
			if ((v = broke(vs, RULE_INF, def, ACT_CLAMP, NOVAL,
			    NOVAL, "%s", "")) != V_ACCEPT)
				return v;
			break;
		default:
			o->update = 0;
			return broke(vs, RULE_INF, def, on[RULE_INF].act,
			    val_f64(x), NOVAL, "channel %s is %s", def->name,
			    x > 0 ? "+Inf" : "-Inf");
		}
	}
	if (on[RULE_TYPE].act != ACT_NONE && c->type == TYPE_INT &&
	    isfinite(x) && x != floor(x)) {
		if (on[RULE_TYPE].act == ACT_FILL)
			return fill(vs, o, s, RULE_TYPE, &on[RULE_TYPE],
			    val_f64(x), "is not an integer");
		if ((v = broke(vs, RULE_TYPE, def, on[RULE_TYPE].act,
		    val_f64(x), val_str("int", 3), "channel %s = %.17g is "
		    "not an integer", def->name, x)) != V_ACCEPT)
			return v;
	}
	if (on[RULE_RANGE].act != ACT_NONE && (x < c->lo || x > c->hi)) {
		lim = x < c->lo ? c->lo : c->hi;
		switch (on[RULE_RANGE].act) {
		case ACT_CLAMP:
			x = lim;
			o->op = OP_SET;
			o->x = x;
			break;
		case ACT_FILL:
			return fill(vs, o, s, RULE_RANGE, &on[RULE_RANGE],
			    val_f64(x), "is out of range");
		}
		if ((v = broke(vs, RULE_RANGE, def, on[RULE_RANGE].act,
		    val_f64(x), val_f64(lim), "channel %s = %.10g is %s the "
		    "%s %.10g", def->name, x, lim == c->lo ? "below" : "above",
		    lim == c->lo ? "minimum" : "maximum", lim)) != V_ACCEPT)
			return v;
	}
	if (on[RULE_STEP].act != ACT_NONE && s->has_last &&
	    fabs(x - s->last) > c->step) {
		switch (on[RULE_STEP].act) {
		case ACT_CLAMP:
			o->x = x = s->last + (x > s->last ? c->step : -c->step);
			o->op = OP_SET;
			break;
		case ACT_FILL:
			return fill(vs, o, s, RULE_STEP, &on[RULE_STEP],
			    val_f64(x), "jumped");
		}
		if ((v = broke(vs, RULE_STEP, def, on[RULE_STEP].act,
		    val_f64(x), val_f64(c->step), "channel %s = %.10g changed "
		    "by %.10g from the last accepted %.10g (more than %.10g)",
		    def->name, x, fabs(x - s->last), s->last, c->step)) !=
		    V_ACCEPT)
			return v;
	}
	if (on[RULE_SLOPE].act != ACT_NONE && s->has_last && t > s->last_t) {
		dt = (double)(t - s->last_t) / 1e9;
		rate = fabs(x - s->last) / dt;
		if (rate > c->slope) {
			switch (on[RULE_SLOPE].act) {
			case ACT_CLAMP:
				o->x = x = s->last + (x > s->last ? 1 : -1) *
				    c->slope * dt;
				o->op = OP_SET;
				break;
			case ACT_FILL:
				return fill(vs, o, s, RULE_SLOPE,
				    &on[RULE_SLOPE], val_f64(x), "jumped");
			}
			if ((v = broke(vs, RULE_SLOPE, def,
			    on[RULE_SLOPE].act, val_f64(x), val_f64(c->slope),
			    "channel %s = %.10g changed at %.10g per second "
			    "since the last accepted %.10g (more than %.10g)",
			    def->name, x, rate, s->last, c->slope)) !=
			    V_ACCEPT)
				return v;
		}
	}
	o->x = x;
	o->run = s->has_last && x == s->last ? s->run + 1 : 1;
	if (on[RULE_STUCK].act != ACT_NONE && o->run >= c->stuck &&
	    (v = broke(vs, RULE_STUCK, def, on[RULE_STUCK].act, val_f64(x),
	    val_i64(c->stuck), "channel %s has been %.10g for %u readings "
	    "in a row (limit %u)", def->name, x, o->run, c->stuck)) !=
	    V_ACCEPT)
		return v;
	if (s->win != NULL) {
		flat_try(s->win, c->flatn, x, o);
		if (o->wn == c->flatn && o->wm2 / o->wn < c->flatvar &&
		    (v = broke(vs, RULE_FLAT, def, on[RULE_FLAT].act,
		    val_f64(o->wm2 / o->wn), val_f64(c->flatvar), "channel "
		    "%s varies by %.3g (variance) over the last %u readings, "
		    "under the floor %.3g", def->name, o->wm2 / o->wn,
		    c->flatn, c->flatvar)) != V_ACCEPT)
			return v;
	}
	return V_ACCEPT;
}

/*
 * The frame has the layout of the device's last frame, whose every field
 * was a distinct channel with no rule but range, NaN and Inf, and was
 * accepted as it came (d->fastn set by take()): if the time moves on within
 * the device rules and every value is a finite number in range, no rule
 * breaks and check() would change nothing.  Commit it here and return 1;
 * else change nothing and return 0 (the frame goes the long way).
 */
static inline int
fast_frame(struct vstate *vs, struct device *d, const struct record *r,
    int64_t t)
{
	const struct field *f;
	struct slot *sl;
	uint32_t i, n = r->nbody;
	int64_t dt;
	double x;

	if (n != d->fastn || d->npend > 0 || t <= d->last_t)
		return 0;
	dt = t - d->last_t;
	if (dt > vs->fgap || dt < vs->frlo || dt > vs->frhi)
		return 0;
	for (i = 0; i < n; i++) {
		f = &r->body[i];
		sl = &d->slot[d->lay[i]];
		if (sl->nlen != f->klen || f->v.type != VAL_F64 ||
		    !name_eq(f->klen <= sizeof(sl->key) ? sl->key :
		    sl->def->name, f->key, f->klen))
			return 0;
		x = f->v.f;
		if (!(x >= sl->lo && x <= sl->hi))
			return 0;
	}
	for (i = 0; i < n; i++) {
		sl = &d->slot[d->lay[i]];
		x = r->body[i].v.f;
		sl->run = x == sl->last ? sl->run + 1 : 1;
		sl->last = x;
		sl->last_t = t;
	}
	d->last_t = t;
	d->last_line = meta_line(r, &vs->line_hint);
	return 1;
}

static int
check(struct vstate *vs, struct device *d, struct record *r, int64_t t)
{
	const struct schema *s = vs->s;
	const struct chanrule *c;
	struct chandef *def;
	struct field *f;
	struct slot *sl;
	struct fop *o;
	char tb[2][48];
	uint32_t i, nreq = 0, nsimple = 0;
	double x;
	int k, v, act;

	vs->nhit = 0;
	vs->nadd = 0;
	vs->gap = 0;
	vs->allsimple = 1;
	d->fastn = 0;

	/* device: time against the last accepted frame */
	if (d->has_last) {
		act = s->on[RULE_ORDER].act;
		if (t < d->last_t && act != ACT_NONE) {
			v = broke(vs, RULE_ORDER, NULL, act, val_ns(t),
			    val_ns(d->last_t), "time %s is before the last "
			    "accepted time %s%s%.0llu%s", fmt_time(tb[0],
			    sizeof(tb[0]), t), fmt_time(tb[1], sizeof(tb[1]),
			    d->last_t), d->last_line ? " (line " : "",
			    (unsigned long long)d->last_line,
			    d->last_line ? ")" : "");
			if (v != V_ACCEPT)
				return v;
		} else if (t == d->last_t && (s->on[RULE_DUPLICATE].act !=
		    ACT_NONE || act != ACT_NONE)) {
			k = s->on[RULE_DUPLICATE].act != ACT_NONE ?
			    RULE_DUPLICATE : RULE_ORDER;
			v = broke(vs, k, NULL, s->on[k].act, val_ns(t),
			    val_ns(d->last_t), "time %s repeats the last "
			    "accepted time%s%.0llu%s", fmt_time(tb[0],
			    sizeof(tb[0]), t), d->last_line ? " (line " : "",
			    (unsigned long long)d->last_line,
			    d->last_line ? ")" : "");
			if (v != V_ACCEPT)
				return v;
		} else if (t > d->last_t) {
			int64_t dt = t - d->last_t;

			if (s->on[RULE_GAP].act != ACT_NONE &&
			    dt > s->gap_ns) {
				vs->gap = 1;
				vs->gapdt = dt;
			} else if (s->on[RULE_RATE].act != ACT_NONE &&
			    (dt < s->rate_ns - s->tol_ns ||
			    dt > s->rate_ns + s->tol_ns)) {
				v = broke(vs, RULE_RATE, NULL,
				    s->on[RULE_RATE].act, val_f64(dt / 1e9),
				    val_f64((dt < s->rate_ns ? s->rate_ns -
				    s->tol_ns : s->rate_ns + s->tol_ns) / 1e9),
				    "%.9g s since the last accepted frame, "
				    "expected %.9g s +- %.9g s", dt / 1e9,
				    s->rate_ns / 1e9, s->tol_ns / 1e9);
				if (v != V_ACCEPT)
					return v;
			}
		}
	}

	/* channels */
	if (r->nbody > vs->fopcap &&
	    grow(&vs->fop, &vs->fopcap, r->nbody, sizeof(*vs->fop)) == -1)
		return V_ERROR;
	for (i = 0; i < r->nbody; i++) {
		f = &r->body[i];
		o = &vs->fop[i];
		o->op = OP_KEEP;
		o->update = 0;
		if ((k = slot_at(vs, d, i, f)) == -1)
			return V_ERROR;
		o->slot = (uint32_t)k;
		sl = &d->slot[k];
		def = sl->def;
		if (sl->seen != d->nframe) {
			sl->seen = d->nframe;
			if (sl->rule != NULL && sl->rule->required)
				nreq++;
		} else
			vs->allsimple = 0;	/* a channel twice */
		if ((c = sl->rule) == NULL) {
			act = s->on[RULE_UNKNOWN].act;
			if (act == ACT_DROP) {
				o->op = OP_DEL;
				if (note(vs, RULE_UNKNOWN, def, OUT_REMOVED) ==
				    -1)
					return V_ERROR;
				continue;
			}
			if ((v = broke(vs, RULE_UNKNOWN, def, act, f->v,
			    NOVAL, "channel %s is not in the schema",
			    def->name)) != V_ACCEPT)
				return v;
			continue;
		}
		if (c->type == TYPE_STRING) {
			if (f->v.type != VAL_STR && (v = broke(vs, RULE_TYPE,
			    def, c->on[RULE_TYPE].act, f->v,
			    val_str("string", 6), "channel %s is not a string",
			    def->name)) != V_ACCEPT)
				return v;
			continue;
		}
		if (f->v.type == VAL_F64)	/* the usual case, inline */
			x = f->v.f;
		else if (value_f64(&f->v, &x) == -1) {
			act = c->on[RULE_TYPE].act;
			if (act == ACT_NONE)
				act = ACT_REJECT;	/* a number it is */
			if (act == ACT_FILL)
				v = fill(vs, o, sl, RULE_TYPE,
				    &c->on[RULE_TYPE], f->v, "is not a number");
			else
				v = broke(vs, RULE_TYPE, def, act, f->v,
				    val_str(ctype_name(c->type),
				    strlen(ctype_name(c->type))), "channel %s "
				    "is not a number", def->name);
			if (v != V_ACCEPT)
				return v;
			continue;
		}
		if (sl->simple && x >= sl->lo && x <= sl->hi) {
			o->update = 1;		/* good: the fast path */
			o->x = x;
			o->run = sl->has_last && x == sl->last ? sl->run + 1 : 1;
			nsimple++;
			continue;
		}
		if ((v = check_number(vs, o, sl, c, x, t)) != V_ACCEPT)
			return v;
	}
	if (nsimple != r->nbody)
		vs->allsimple = 0;

	/* required channels that are missing */
	if (nreq < vs->nreq) {
		for (i = 0; i < vs->nreq; i++) {
			def = vs->req[i];
			k = slot_find(d, def);
			if (k != -1 && d->slot[k].seen == d->nframe)
				continue;
			c = def->rule;
			act = c->on[RULE_REQUIRED].act;
			if (act == ACT_FILL && (k == -1 ||
			    !d->slot[k].has_last))
				return broke(vs, RULE_REQUIRED, def,
				    ACT_REJECT, NOVAL, NOVAL, "required "
				    "channel %s is missing, and there is no "
				    "earlier value to fill from", def->name);
			if ((v = broke(vs, RULE_REQUIRED, def, act, NOVAL,
			    NOVAL, "required channel %s is missing",
			    def->name)) != V_ACCEPT)
				return v;
			if (act != ACT_FILL)
				continue;
			if (grow(&vs->add, &vs->addcap, vs->nadd + 1,
			    sizeof(*vs->add)) == -1)
				return V_ERROR;
			vs->add[vs->nadd].slot = (uint32_t)k;
			vs->add[vs->nadd].hole = c->on[RULE_REQUIRED].linear;
			vs->add[vs->nadd].look = c->on[RULE_REQUIRED].n;
			vs->add[vs->nadd].x = d->slot[k].last;
			vs->nadd++;
		}
	}

	/* a gap is judged last: only an accepted frame ends one */
	if (vs->gap && s->on[RULE_GAP].act == ACT_FLAG &&
	    note(vs, RULE_GAP, NULL, OUT_FLAGGED) == -1)
		return V_ERROR;
	return V_ACCEPT;
}

/* ---- sending on ------------------------------------------------------- */

static int
reject(struct vstate *vs, struct device *d, const struct record *r)
{
	struct reject why = { .stage = "validate",
	    .rule = rule_name(vs->vrule), .reason = vs->reason };

	if (vs->vdef != NULL) {
		why.field = vs->vdef->name;
		why.flen = vs->vdef->nlen;
	}
	if (vs->vval.type != VAL_NIL || vs->vrule == RULE_REQUIRED)
		why.value = &vs->vval;
	if (vs->vlim.type != VAL_NIL)
		why.limit = &vs->vlim;
	if (reject_build(vs->out, &vs->raw, r, NULL, 0, &why) == -1)
		return -1;
	return emit(vs, d, EMIT_REJECT, vs->out);
}

/* The gap event: at the time the gap began, naming where it ended. */
static int
gap_event(struct vstate *vs, struct device *d, const struct record *r,
    int64_t t)
{
	struct record *o = vs->out;
	const struct value *mv;
	struct value v;

	record_clear(o);
	set_time(o, d->last_t);
	if (record_set_kind(o, KIND_EVENT) == -1 ||
	    (r->dev != NULL && record_set_dev(o, r->dev, r->dev_len) == -1))
		return -1;
	if ((mv = record_meta_get(r, "src")) != NULL &&
	    record_meta_set(o, "src", mv) == -1)
		return -1;
	if ((mv = record_meta_get(r, "line")) != NULL &&
	    record_meta_set(o, "line", mv) == -1)
		return -1;
	v = val_str("validate", 8);
	if (record_meta_set(o, "stage", &v) == -1)
		return -1;
	v = val_ns(d->last_t);
	if (record_add_str(o, "type", "gap", 3) == -1 ||
	    record_add_f64(o, "seconds", (double)(t - d->last_t) / 1e9) == -1 ||
	    record_add(o, "from", 4, &v) == -1)
		return -1;
	v = val_ns(t);
	if (record_add(o, "to", 2, &v) == -1 ||
	    record_add_f64(o, "limit", (double)vs->s->gap_ns / 1e9) == -1)
		return -1;
	if (count(vs, NULL, RULE_GAP, OUT_EVENTS, 1, 0) == -1)
		return -1;
	return put(vs, d, o, EMIT_EVENT);
}

/*
 * Fill a gap with k frames, evenly spaced between the last accepted frame
 * and this one, each channel of the last frame linear between its value
 * there and here (held where this frame has no new value).
 */
static int
gap_fill(struct vstate *vs, struct device *d, const struct record *r,
    int64_t t, uint32_t k)
{
	struct record *o = vs->out;
	struct slot *s;
	struct value v;
	double f;
	uint32_t j, i;

	for (j = 1; j <= k; j++) {
		record_clear(o);
		set_time(o, d->last_t + (int64_t)((double)(t - d->last_t) *
		    j / (k + 1)));
		if (r->dev != NULL && record_set_dev(o, r->dev, r->dev_len) ==
		    -1)
			return -1;
		v = val_str("gap", 3);
		if (record_meta_set(o, "fixed", &v) == -1)
			return -1;
		f = (double)j / (k + 1);
		for (i = 0; i < d->nslot; i++) {
			s = &d->slot[i];
			if (!s->has_last || s->last_t != d->last_t)
				continue;
			v = val_f64(vs->shas[i] ? s->last + (vs->snew[i] -
			    s->last) * f : s->last);
			if (record_add(o, s->def->name, s->def->nlen, &v) ==
			    -1)
				return -1;
		}
		if (put(vs, d, o, EMIT_FILLED) == -1)
			return -1;
	}
	return count(vs, NULL, RULE_GAP, OUT_FILLED, k, 0);
}

/*
 * Append to vs->text the marks already in old (a meta string, may be NULL)
 * and "rule[:channel]" for each hit that flagged (fixed == 0) or changed
 * (fixed == 1) the frame, comma-separated.  0, or -1 on ENOMEM.
 */
static int
hits_text(struct vstate *vs, const struct value *old, int fixed)
{
	struct buf *b = &vs->text;
	struct hit *h;
	const char *rn;
	uint32_t i;
	int first = 1, rc = 0;

	if (old != NULL && old->type == VAL_STR && old->len > 0) {
		rc |= buf_append(b, old->p, old->len);
		first = 0;
	}
	for (i = 0; i < vs->nhit; i++) {
		h = &vs->hit[i];
		if ((h->out == OUT_FLAGGED) == fixed || h->out == OUT_EVENTS)
			continue;
		if (!first)
			rc |= buf_putc(b, ',');
		first = 0;
		rn = rule_name(h->rule);
		rc |= buf_append(b, rn, strlen(rn));
		if (h->def != NULL) {
			rc |= buf_putc(b, ':');
			rc |= buf_append(b, h->def->name, h->def->nlen);
		}
	}
	return rc == 0 ? 0 : -1;
}

/*
 * The frame is accepted: its values become the channels' state (good
 * values end the holes waiting for them first), its time the device's.
 */
static inline __attribute__((always_inline)) void
commit(struct vstate *vs, struct device *d, const struct record *r,
    uint32_t nb, int64_t t)
{
	struct fop *o;
	struct slot *sl;
	uint32_t i;

	for (i = 0; i < nb; i++) {
		o = &vs->fop[i];
		if (!o->update)
			continue;
		sl = &d->slot[o->slot];
		if (sl->npend > 0)
			q_resolve(d, o->slot, o->x, t);
		sl->last = o->x;
		sl->last_t = t;
		sl->has_last = 1;
		sl->run = o->run;
		if (sl->win != NULL)
			flat_commit(sl->win, sl->def->rule->flatn, o);
	}
	d->last_t = t;
	d->last_line = meta_line(r, &vs->line_hint);
	d->has_last = 1;
	if (d->npend > 0)
		q_age(d);
}

static int
take(struct vstate *vs, struct device *d, struct record *r, int64_t t)
{
	const struct schema *s = vs->s;
	struct fop *o;
	struct slot *sl;
	struct hitem *it;
	struct value v;
	size_t flen, off;
	uint32_t i, nholes = 0, ndel = 0, k;
	int mark[2] = { 0, 0 }, nb;

	/* the usual case: no rule broke, nothing to edit or add */
	nb = (int)r->nbody;
	if (vs->nhit == 0 && vs->nadd == 0 && !vs->gap) {
		commit(vs, d, r, (uint32_t)nb, t);
		if (vs->allsimple && d->npend == 0 && nb > 0)
			d->fastn = (uint32_t)nb;	/* see fast_frame() */
		if (d->q == NULL || d->q->n == 0)
			return emit_asis(vs, d, r);
		if (q_push(vs, d, r, EMIT_OUT) == NULL)
			return -1;
		return q_flush(vs, d);
	}

	/* count what the rules did, now that it happens */
	for (i = 0; i < vs->nhit; i++) {
		if (vs->hit[i].out != OUT_EVENTS &&
		    count(vs, vs->hit[i].def, vs->hit[i].rule, vs->hit[i].out,
		    1, 0) == -1)
			return -1;
		mark[vs->hit[i].out != OUT_FLAGGED] = 1;
	}

	/* values this frame brings, for gap fills */
	if (vs->gap && s->on[RULE_GAP].act == ACT_FILL) {
		if (d->nslot > 0)
			memset(vs->shas, 0, d->nslot);
		for (i = 0; i < (uint32_t)nb; i++) {
			o = &vs->fop[i];
			if (o->update || o->op == OP_SET) {
				vs->snew[o->slot] = o->x;
				vs->shas[o->slot] = 1;
			}
		}
	}

	/* edit the frame */
	for (i = 0; i < (uint32_t)nb; i++) {
		o = &vs->fop[i];
		if (o->op == OP_SET)
			r->body[i].v = val_f64(o->x);
		else if (o->op == OP_HOLE) {
			r->body[i].v = val_nil();
			nholes++;
		} else if (o->op == OP_DEL)
			ndel++;
	}
	for (i = 0; i < vs->nadd; i++) {
		sl = &d->slot[vs->add[i].slot];
		v = vs->add[i].hole ? val_nil() : val_f64(vs->add[i].x);
		if (record_add(r, sl->def->name, sl->def->nlen, &v) == -1)
			return -1;
		nholes += vs->add[i].hole;
	}
	if (mark[0] || mark[1]) {
		buf_reset(&vs->text);
		if (hits_text(vs, mark[0] ? record_meta_get(r, "flags") : NULL,
		    0) == -1)
			return -1;
		flen = vs->text.len;
		if (hits_text(vs, mark[1] ? record_meta_get(r, "fixed") : NULL,
		    1) == -1 || buf_putc(&vs->text, '\0') == -1)
			return -1;
		if (mark[0]) {
			v = val_str(vs->text.p, flen);
			if (record_meta_set(r, "flags", &v) == -1)
				return -1;
		}
		if (mark[1]) {
			v = val_str(vs->text.p + flen, vs->text.len - 1 - flen);
			if (record_meta_set(r, "fixed", &v) == -1)
				return -1;
		}
	}

	/* what went missing before this frame */
	if (vs->gap) {
		k = 0;
		if (s->on[RULE_GAP].act == ACT_FILL) {
			double n = round((double)vs->gapdt / s->rate_ns) - 1;

			k = n >= 1 && n <= s->on[RULE_GAP].n ? (uint32_t)n : 0;
		}
		if (k > 0 ? gap_fill(vs, d, r, t, k) == -1 :
		    gap_event(vs, d, r, t) == -1)
			return -1;
	}

	commit(vs, d, r, (uint32_t)nb, t);

	/* unknown channels go; holes are counted past them */
	if (ndel > 0)
		for (i = (uint32_t)nb; i-- > 0;)
			if (vs->fop[i].op == OP_DEL)
				record_del_at(r, i);
	if (nholes == 0 && (d->q == NULL || d->q->n == 0))
		return emit(vs, d, EMIT_OUT, r);
	if ((it = q_push(vs, d, r, EMIT_OUT)) == NULL)
		return -1;
	for (i = 0, off = 0; i < (uint32_t)nb; i++) {
		o = &vs->fop[i];
		if (o->op == OP_DEL)
			off++;
		if (o->op != OP_HOLE)
			continue;
		if (q_hole(it, o->slot, (uint32_t)(i - off), o->look) == -1)
			return -1;
		d->slot[o->slot].npend++;
		d->npend++;
	}
	for (i = 0; i < vs->nadd; i++) {
		if (!vs->add[i].hole)
			continue;
		if (q_hole(it, vs->add[i].slot, (uint32_t)(nb - off + i),
		    vs->add[i].look) == -1)
			return -1;
		d->slot[vs->add[i].slot].npend++;
		d->npend++;
	}
	/* the frames in front may have lost their last hole just now */
	return q_flush(vs, d);
}
