/*
 * devices -- per-device windows: the table of devices, the reorder buffer
 * that places out-of-order samples within the allowed lateness, the
 * scheduler that opens and closes count, time and session windows, and the
 * features frames it emits (window(1), docs/features.md).
 *
 * Samples reach a device's scheduler in event-time order: with lateness 0
 * straight away, else through a min-heap that releases a sample once the
 * newest time seen, less the lateness, has passed it (the watermark).  A
 * sample older than the watermark is late and rejected.  The scheduler keeps
 * the open windows' samples in one sliding struct fwin: a window's features
 * are computed when it closes, and the window then slides by its hop, so
 * hop 1 costs O(1) per sample for the moments.
 *
 * The devices are held in libstream's devmap, at most --max-devices: a new
 * device when it is full evicts the one seen least recently, whose windows
 * are flushed first (dev_gone()); the new device then takes over its memory,
 * and, if it has the same channels, its window too (dev_setup()), so a
 * stream of new devices allocates nothing once the map is full.  What
 * depends only on the channels (their features, the output names, the
 * frame template) is one struct chset shared by every device with those
 * channels, found by its names in a second devmap: a device's own memory is
 * its state and window, and a device that takes an evicted one's place
 * reads little that is not already in cache.
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "devmap.h"
#include "enc.h"
#include "timeparse.h"
#include "window.h"

const char *const xf_name[XF_COUNT] = {
	"dom_freq", "centroid", "entropy", "spec_kurtosis", "spec_power",
	"bands", "env_power", "env_bpfo", "env_bpfi", "env_bsf", "env_ftf"
};

/* A channel of a device: its name and what is computed of it. */
struct dchan {
	const char	*name;		/* in chset->names */
	uint32_t	 len, hint;	/* hint: record_find()'s */
	uint32_t	 tf, xf;	/* features: bit i = enum tf / xf i */
	const struct spec_conf *sc;	/* bands, envelope, bearing lines */
};

/* A sample waiting in the reorder buffer; its values are at vals[slot]. */
struct hent {
	int64_t		 t;
	uint64_t	 order;		/* arrival, to keep ties in order */
	uint32_t	 slot;
};

/* The channels of devices, shared: the value of devtab's second map,
 * keyed by the channel names (chset_key()). */
struct chset {
	unsigned	 refs;		/* devices on it */
	unsigned	 nch;
	struct dchan	*c;		/* owned: nch channels */
	char		*names;		/* owned: channel names, then keys */
	const char	**keys;		/* owned: output names, in order */
	unsigned	 nkeys;
	struct fenc	 enc;		/* features frames, by template */
};

/* A device: the value devmap holds for it. */
struct dev {
	const char	*id;		/* the map's, NUL-terminated */
	uint32_t	 idlen;
	unsigned	 nch;		/* cs->nch */
	struct dchan	*c;		/* cs->c */
	struct chset	*cs;		/* one reference */
	struct fwin	*w;		/* owned */

	/* reorder buffer (lateness > 0) */
	struct hent	*heap;
	double		*hval;
	uint32_t	*hfree;
	size_t		 hlen, hcap, nfree;
	/* from here on: what a new device starts with zeroed (dev_setup()) */
	uint64_t	 order;
	int64_t		 maxt;		/* newest accepted arrival */
	int64_t		 floor;		/* earlier samples are late */
	int		 any;

	/* scheduler, over released samples */
	int		 started;	/* origin set (time windows) */
	int64_t		 origin;
	int64_t		 k;		/* oldest window not emitted */
	int64_t		 kmin;		/* clock: first window after a close */
	int64_t		 prev;		/* last released time */
	int		 have_prev;
	uint64_t	 idx;		/* count: samples since the reset */
	uint64_t	 nnew;		/* samples in no emitted window */
	uint64_t	 seq;		/* features frames sent */
};

struct devtab {
	struct devmap	*map;		/* id -> struct dev */
	struct devmap	*sets;		/* chset_key() -> struct chset */
	struct buf	 key;		/* chset_key()'s */
	struct run	*run;		/* for dev_gone() */
	struct dev	*cache;		/* the last device looked up */
	int64_t		 gmax;		/* newest arrival of any device */
	int64_t		 next_sweep;
	int		 swept;
	int		 err;		/* an evicted device's flush failed */
};

static int	 on_sample(struct run *, struct dev *, int64_t,
		    const double *, const struct record *);
static int	 advance(struct run *, struct dev *, int64_t);
static int	 reject_frame(struct run *, const struct record *,
		    const char *, const char *, size_t, const struct value *,
		    const struct value *, const char *);

#define CNT(run, c)	FILTER_COUNT((run)->f, (run)->ci[c])

/* floor(a / b), b > 0 */
static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int	 dev_flush(struct run *, struct dev *);

/* Let a channel set go when no device is on it (the map's gone). */
static void
chset_gone(void *val, int why, void *arg)
{
	struct chset *cs = val;

	(void)why;
	(void)arg;
	fenc_free(&cs->enc);
	free(cs->keys);
	free(cs->names);
	free(cs->c);
}

/* A device's buffers freed, its channel set let go, its value zeroed. */
static void
dev_release(struct devtab *t, struct dev *d)
{
	fwin_free(&d->w);
	free(d->heap);
	free(d->hval);
	free(d->hfree);
	if (d->cs != NULL && --d->cs->refs == 0)
		devmap_remove(t->sets, d->cs);
	memset(d, 0, sizeof *d);
}

/*
 * The map lets a device go.  Evicted for room: its windows are flushed and
 * its buffers left for the device that takes its memory (dev_setup());
 * otherwise (idle, or the end: flushed by the caller if at all) freed.
 */
static void
dev_gone(void *val, int why, void *arg)
{
	struct devtab *t = arg;
	struct dev *d = val;

	if (t->cache == d)
		t->cache = NULL;
	if (why != DEVMAP_EVICTED) {
		dev_release(t, d);
		return;
	}
	if (dev_flush(t->run, d) == -1)
		t->err = 1;
	FILTER_COUNT(t->run->f, t->run->ci[C_EVICTED])++;
}

struct devtab *
devtab_new(struct run *run)
{
	struct devtab *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->run = run;
	/* a set is held by a device: never more than the devices, and a
	 * device lets its set go before it takes another */
	if ((t->map = devmap_new(run->cf->max_devices, sizeof(struct dev),
	    NULL, dev_gone, t)) == NULL ||
	    (t->sets = devmap_new(run->cf->max_devices + 1,
	    sizeof(struct chset), NULL, chset_gone, t)) == NULL) {
		devmap_free(&t->map);
		free(t);
		return NULL;
	}
	return t;
}

static const struct fsel *
fsel_for(const struct conf *cf, const char *name, size_t len)
{
	unsigned i;

	for (i = 1; i < cf->nfsel; i++)
		if (strlen(cf->fsel[i].name) == len &&
		    memcmp(cf->fsel[i].name, name, len) == 0)
			return &cf->fsel[i];
	return &cf->fsel[0];
}

static const struct spec_conf *
sc_for(const struct conf *cf, const char *name, size_t len)
{
	const struct spec_conf *all = &cf->sc;
	unsigned i;

	for (i = 0; i < cf->nbrg; i++) {
		if (cf->brg[i].channel == NULL)
			all = &cf->brg[i].sc;
		else if (strlen(cf->brg[i].channel) == len &&
		    memcmp(cf->brg[i].channel, name, len) == 0)
			return &cf->brg[i].sc;
	}
	return all;
}

/* Output names of channel c's features, in output order, into keys[]
 * (strings in buf at *off); returns how many. */
static unsigned
make_keys(const struct conf *cf, const struct chset *d, unsigned c,
    const char **keys, char *buf, size_t *off)
{
	const char *nm[TF_COUNT + XF_COUNT + 2 * SPEC_MAXBANDS];
	unsigned n = 0, i, k;

	for (i = 0; i < TF_COUNT; i++)
		if (d->c[c].tf & (1u << i))
			nm[n++] = tf_name[i];
	for (i = 0; i < XF_COUNT; i++) {
		if (!(d->c[c].xf & (1u << i)))
			continue;
		if (i != XF_BANDS) {
			nm[n++] = xf_name[i];
			continue;
		}
		for (k = 0; k < cf->sc.neq + cf->sc.nbands; k++)
			nm[n++] = cf->bandname[k];
	}
	for (i = 0; i < n; i++) {
		if (buf != NULL) {
			keys[i] = buf + *off;
			memcpy(buf + *off, d->c[c].name, d->c[c].len);
			buf[*off + d->c[c].len] = '.';
			strcpy(buf + *off + d->c[c].len + 1, nm[i]);
		}
		*off += d->c[c].len + 1 + strlen(nm[i]) + 1;
	}
	return n;
}

/*
 * The channels a new device for r has: from -c, or every number in r's
 * body, names into nm[] and nl[] (borrowed from r or cf); how many, or 0
 * with *why set if r cannot start a device.
 */
static unsigned
dev_chans(const struct conf *cf, const struct record *r, const char **nm,
    uint32_t *nl, const char **why)
{
	unsigned n = 0, c;
	size_t i;

	if (cf->nchannels > 0) {
		for (c = 0; c < cf->nchannels; c++) {
			nm[c] = cf->channels[c];
			nl[c] = (uint32_t)strlen(nm[c]);
		}
		n = cf->nchannels;
	} else {
		for (i = 0; i < r->nbody; i++) {
			uint8_t ty = r->body[i].v.type;

			if (ty != VAL_F64 && ty != VAL_F32 && ty != VAL_INT &&
			    ty != VAL_UINT)
				continue;
			if (n == CH_MAX) {
				*why = "more than 64 numeric fields: name the "
				    "channels to window with -c";
				return 0;
			}
			nm[n] = r->body[i].key;
			nl[n++] = r->body[i].klen;
		}
		if (n == 0)
			*why = "no numeric field: a device's first sample "
			    "frame sets its channels (or use -c)";
	}
	return n;
}

/* The key of the channel set nm[], nl[] (n of them) into t->key: each
 * name's length in 4 bytes, then its bytes.  Exits on ENOMEM. */
static void
chset_key(struct devtab *t, const char *const *nm, const uint32_t *nl,
    unsigned n)
{
	unsigned c;

	buf_reset(&t->key);
	for (c = 0; c < n; c++)
		if (buf_append(&t->key, &nl[c], sizeof nl[c]) == -1 ||
		    buf_append(&t->key, nm[c], nl[c]) == -1)
			err(EX_OSERR, NULL);
}

/*
 * The set of the n channels nm[], nl[] (borrowed for the call), made if no
 * device has it (the features of each, the output names, the template),
 * with one more reference.  Exits on ENOMEM.
 */
static struct chset *
chset_get(struct devtab *t, const char *const *nm, const uint32_t *nl,
    unsigned n)
{
	const struct conf *cf = t->run->cf;
	struct chset *cs;
	unsigned c, nk = 0;
	size_t off = 0;
	int created;
	char *p;

	chset_key(t, nm, nl, n);
	if ((cs = devmap_get(t->sets, t->key.p, t->key.len, 0, &created)) ==
	    NULL)
		err(EX_OSERR, NULL);
	cs->refs++;
	if (!created)
		return cs;
	if ((cs->c = calloc(n, sizeof *cs->c)) == NULL)
		err(EX_OSERR, NULL);
	cs->nch = n;
	for (c = 0; c < n; c++) {
		const struct fsel *fs = fsel_for(cf, nm[c], nl[c]);

		cs->c[c].len = nl[c];
		cs->c[c].tf = fs->tf;
		cs->c[c].xf = fs->xf;
		cs->c[c].sc = sc_for(cf, nm[c], nl[c]);
		off += nl[c] + 1;
	}
	/* names first, then keys: size the keys with a dry run */
	for (c = 0; c < n; c++) {
		cs->c[c].name = nm[c];	/* borrowed until copied below */
		nk += make_keys(cf, cs, c, NULL, NULL, &off);
	}
	if ((cs->names = malloc(off)) == NULL ||
	    (cs->keys = calloc(nk + 1, sizeof *cs->keys)) == NULL)
		err(EX_OSERR, NULL);
	p = cs->names;
	for (c = 0; c < n; c++) {
		memcpy(p, nm[c], nl[c]);
		p[nl[c]] = '\0';
		cs->c[c].name = p;
		p += nl[c] + 1;
	}
	off = (size_t)(p - cs->names);
	for (c = 0; c < n; c++)
		cs->nkeys += make_keys(cf, cs, c, cs->keys + cs->nkeys,
		    cs->names, &off);
	if (fenc_init(&cs->enc, cs->keys, cs->nkeys) == -1)
		err(EX_OSERR, NULL);
	return cs;
}

/*
 * Set up the new device d (zeroed, or as the device it evicted left it)
 * with the n channels nm[], nl[].  An evicted device's window is kept when
 * its channels are the same (its windows and reorder buffer are empty after
 * its flush), else freed.  Exits on ENOMEM.
 */
static void
dev_setup(struct devtab *t, struct dev *d, const char *const *nm,
    const uint32_t *nl, unsigned n)
{
	const struct conf *cf = t->run->cf;
	unsigned need[CH_MAX], c;
	size_t idlen;
	const char *id = devmap_id(d, &idlen);

	if (d->cs != NULL && d->nch == n) {
		for (c = 0; c < n; c++)
			if (d->c[c].len != nl[c] || memcmp(d->c[c].name, nm[c],
			    nl[c]) != 0)
				break;
		if (c == n) {
			/* the same channels: only the state starts again */
			memset(&d->order, 0, sizeof *d - offsetof(struct dev,
			    order));
			d->id = id;
			d->idlen = (uint32_t)idlen;
			return;
		}
	}
	dev_release(t, d);
	d->cs = chset_get(t, nm, nl, n);
	d->c = d->cs->c;
	d->nch = n;
	d->id = id;
	d->idlen = (uint32_t)idlen;
	for (c = 0; c < n; c++)
		need[c] = tf_needs(d->c[c].tf);
	/* sums kept while sliding pay when a sample is in many windows;
	 * with hops of a quarter window or more, passes at the end cost less */
	d->w = fwin_new(n, need, cf->unit == U_COUNT && cf->size > 0 ?
	    (size_t)cf->size : 16, cf->max_samples, cf->type == W_SESSION ||
	    cf->hop >= cf->size / 4);
	if (d->w == NULL)
		err(EX_OSERR, NULL);
}

/* A time as EventTime, or float seconds outside the years it holds. */
static struct value
time_value(int64_t t)
{
	int64_t sec = floordiv(t, NS);

	if (sec < 0 || sec > 0xffffffffLL)
		return val_f64((double)sec + (double)(t - sec * NS) * 1e-9);
	return val_time(sec, (uint32_t)(t - sec * NS));
}

/* The features frame through a record and frame_encode(): for times the
 * template does not take. */
static int
emit_record(struct run *run, struct dev *d, int64_t start, int64_t end,
    int shrt, const double *vals)
{
	struct record *o = run->rec;
	struct value v;
	unsigned k;

	record_clear(o);
	record_set_time(o, floordiv(start, NS), (uint32_t)(start -
	    floordiv(start, NS) * NS));
	if (record_set_kind(o, KIND_FEATURES) == -1 ||
	    record_set_dev(o, d->id, d->idlen) == -1 ||
	    record_set_seq(o, d->seq) == -1)
		err(EX_OSERR, NULL);
	v = time_value(start);
	if (record_meta_set(o, "start", &v) == -1)
		err(EX_OSERR, NULL);
	v = time_value(end);
	if (record_meta_set(o, "end", &v) == -1)
		err(EX_OSERR, NULL);
	v = val_u64(d->w->len);
	if (record_meta_set(o, "n", &v) == -1)
		err(EX_OSERR, NULL);
	v = val_bool(1);
	if (shrt && record_meta_set(o, "short", &v) == -1)
		err(EX_OSERR, NULL);
	for (k = 0; k < d->cs->nkeys; k++)
		if (record_add_f64(o, d->cs->keys[k], vals[k]) == -1)
			err(EX_OSERR, NULL);
	return filter_emit(run->f, o);
}

/* Spectral features of channel c into vals at *k. */
static void
spectral(struct run *run, struct dev *d, unsigned c, double *vals,
    unsigned *k)
{
	const struct conf *cf = run->cf;
	struct fwin *w = d->w;
	struct spec_conf sc;
	struct spec_out so;
	uint32_t x = d->c[c].xf;
	unsigned i, l;
	double fs;

	if (run->scratch_len < w->len) {
		free(run->scratch);
		run->scratch_len = w->len;
		if ((run->scratch = malloc(w->len * sizeof *run->scratch)) ==
		    NULL)
			err(EX_OSERR, NULL);
	}
	fwin_values(w, c, run->scratch);
	fs = cf->rate;
	if (fs <= 0.0) {
		int64_t span = fwin_time(w, w->len - 1) - fwin_time(w, 0);

		fs = span > 0 ? (double)(w->len - 1) * 1e9 / (double)span :
		    NAN;
	}
	sc = *d->c[c].sc;
	sc.want = 0;
	if (x & ((1u << XF_DOM) | (1u << XF_CENTROID) | (1u << XF_ENTROPY) |
	    (1u << XF_SKURT) | (1u << XF_SPOWER)))
		sc.want |= SF_SPECTRUM;
	if (x & (1u << XF_BANDS))
		sc.want |= SF_BANDS;
	if (x >> XF_ENVPOWER)
		sc.want |= SF_ENVELOPE;
	if (spec_compute(run->spec, &sc, run->scratch, w->len, fs, &so) == -1)
		err(EX_OSERR, NULL);
	for (i = 0; i < XF_COUNT; i++) {
		if (!(x & (1u << i)))
			continue;
		switch (i) {
		case XF_DOM:
			vals[(*k)++] = so.dom;
			break;
		case XF_CENTROID:
			vals[(*k)++] = so.centroid;
			break;
		case XF_ENTROPY:
			vals[(*k)++] = so.entropy;
			break;
		case XF_SKURT:
			vals[(*k)++] = so.kurt;
			break;
		case XF_SPOWER:
			vals[(*k)++] = so.power;
			break;
		case XF_BANDS:
			for (l = 0; l < cf->sc.neq + cf->sc.nbands; l++)
				vals[(*k)++] = so.band[l];
			break;
		case XF_ENVPOWER:
			vals[(*k)++] = so.env_power;
			break;
		default:
			vals[(*k)++] = so.share[i - XF_LINE0];
			break;
		}
	}
}

/* The features frame of d's window as it is now: [start, end). */
static int
emit(struct run *run, struct dev *d, int64_t start, int64_t end)
{
	const struct conf *cf = run->cf;
	struct fwin *w = d->w;
	double tv[TF_COUNT], *vals;
	uint32_t m;
	unsigned c, k = 0;
	int shrt = w->len < cf->min_n, rc;

	if (w->len == 0)
		return 0;
	d->nnew = 0;
	if (shrt && cf->short_drop) {
		CNT(run, C_SHORT_DROPPED)++;
		return 0;
	}
	if (run->nvals < d->cs->nkeys) {
		free(run->vals);
		run->nvals = d->cs->nkeys;
		if ((run->vals = malloc(run->nvals * sizeof *run->vals)) ==
		    NULL)
			err(EX_OSERR, NULL);
	}
	vals = run->vals;
	for (c = 0; c < d->nch; c++) {
		if (d->c[c].tf != 0) {
			fwin_features(w, c, cf->excess, d->c[c].tf, tv);
			/* the features asked for, lowest bit first */
			for (m = d->c[c].tf; m != 0; m &= m - 1)
				vals[k++] = tv[__builtin_ctz(m)];
		}
		if (d->c[c].xf != 0)
			spectral(run, d, c, vals, &k);
	}
	buf_reset(&run->obuf);
	rc = fenc_frame(&run->obuf, &d->cs->enc, d->id, d->idlen, start, end,
	    d->seq, w->len, shrt, vals);
	if (rc == -1)
		err(EX_OSERR, NULL);
	if (rc == 0)
		rc = filter_emit_frames(run->f, run->obuf.p,
		    run->obuf.len, 1);
	else
		rc = emit_record(run, d, start, end, shrt, vals);
	d->seq++;
	if (shrt)
		CNT(run, C_SHORT)++;
	CNT(run, C_FEATURES)++;
	return rc;
}

static int64_t
wstart(const struct conf *cf, const struct dev *d, int64_t k)
{
	return d->origin + k * cf->hop;
}

/* The first time window ending after t. */
static int64_t
first_after(const struct conf *cf, const struct dev *d, int64_t t)
{
	int64_t k = floordiv(t - d->origin - cf->size, cf->hop) + 1;

	if (!cf->clock && k < 0)
		k = 0;
	return k;
}

/*
 * Close d's open windows: the oldest is emitted if it holds a sample that
 * no emitted window holds (it holds every such sample), and the window
 * state starts again with the next sample.
 */
static int
close_open(struct run *run, struct dev *d)
{
	const struct conf *cf = run->cf;
	struct fwin *w = d->w;
	int rc = 0, wrote = 0;

	if (w->len > 0 && d->nnew > 0) {
		wrote = 1;
		if (cf->type == W_SLIDE && cf->unit == U_TIME)
			rc = emit(run, d, wstart(cf, d, d->k),
			    wstart(cf, d, d->k) + cf->size);
		else
			rc = emit(run, d, fwin_time(w, 0),
			    fwin_time(w, w->len - 1) + 1);
	}
	fwin_clear(w);
	d->nnew = 0;
	d->idx = 0;
	/* clock windows: never one written twice */
	if (cf->type == W_SLIDE && cf->unit == U_TIME && d->started)
		d->kmin = d->k + wrote;
	d->started = 0;
	d->k = 0;
	return rc;
}

/* Emit the windows that end at or before lim: no sample can join them. */
static int
advance(struct run *run, struct dev *d, int64_t lim)
{
	const struct conf *cf = run->cf;
	struct fwin *w = d->w;

	if (cf->type == W_SESSION) {
		if (w->len > 0 && cf->gap > 0 && lim - d->prev > cf->gap)
			return close_open(run, d);
		return 0;
	}
	if (cf->unit != U_TIME || !d->started)
		return 0;
	while (wstart(cf, d, d->k) + cf->size <= lim) {
		if (w->len > 0 && emit(run, d, wstart(cf, d, d->k),
		    wstart(cf, d, d->k) + cf->size) == -1)
			return -1;
		d->k++;
		while (w->len > 0 && fwin_time(w, 0) < wstart(cf, d, d->k))
			fwin_pop(w);
		if (w->len == 0) {
			int64_t k = first_after(cf, d, lim);

			if (k > d->k)
				d->k = k;
		}
	}
	return 0;
}

/* A sample the scheduler could not take (its window is full). */
static int
reject_full(struct run *run, struct dev *d, int64_t t, const double *x,
    const struct record *r)
{
	struct record *rb = NULL;
	struct value lim = val_u64(run->cf->max_samples);
	char why[256];
	unsigned c;
	int rc;

	snprintf(why, sizeof why, "device %s: its window already holds "
	    "%zu samples (--max-samples)", d->id, run->cf->max_samples);
	if (r == NULL) {
		/* released from the reorder buffer: rebuild the sample */
		if ((rb = record_new()) == NULL)
			err(EX_OSERR, NULL);
		record_set_time(rb, floordiv(t, NS), (uint32_t)(t -
		    floordiv(t, NS) * NS));
		if (record_set_dev(rb, d->id, d->idlen) == -1)
			err(EX_OSERR, NULL);
		for (c = 0; c < d->nch; c++) {
			struct value v = val_f64(x[c]);

			if (record_add(rb, d->c[c].name, d->c[c].len, &v) == -1)
				err(EX_OSERR, NULL);
		}
		r = rb;
	}
	rc = reject_frame(run, r, "limit", NULL, 0, NULL, &lim, why);
	record_free(&rb);
	return rc;
}

static int
push(struct run *run, struct dev *d, int64_t t, const double *x,
    const struct record *r)
{
	if (fwin_push(d->w, t, x) == -1) {
		if (errno != ENOBUFS)
			err(EX_OSERR, NULL);
		return reject_full(run, d, t, x, r) == -1 ? -1 : 1;
	}
	CNT(run, C_USED)++;
	d->nnew++;
	return 0;
}

/* One sample, in event-time order, into d's windows. */
static int
on_sample(struct run *run, struct dev *d, int64_t t, const double *x,
    const struct record *r)
{
	const struct conf *cf = run->cf;
	struct fwin *w = d->w;
	int rc;

	if (d->have_prev && cf->gap > 0 && t - d->prev > cf->gap) {
		CNT(run, C_GAPS)++;
		if ((cf->type == W_SESSION || cf->gap_close) &&
		    close_open(run, d) == -1)
			return -1;
	}
	d->prev = t;
	d->have_prev = 1;
	if (cf->type == W_SESSION) {
		if (w->len > 0 && cf->size > 0 && cf->unit == U_TIME &&
		    t - fwin_time(w, 0) >= cf->size && close_open(run,
		    d) == -1)
			return -1;
		if ((rc = push(run, d, t, x, r)) != 0)
			return rc < 0 ? -1 : 0;
		if (cf->size > 0 && cf->unit == U_COUNT &&
		    w->len >= (uint64_t)cf->size)
			return close_open(run, d);
		return 0;
	}
	if (cf->unit == U_COUNT) {
		uint64_t k0 = (uint64_t)d->k * (uint64_t)cf->hop;

		if (d->idx < k0) {
			d->idx++;
			CNT(run, C_SKIPPED)++;
			return 0;
		}
		if ((rc = push(run, d, t, x, r)) != 0)
			return rc < 0 ? -1 : 0;
		d->idx++;
		if (d->idx == k0 + (uint64_t)cf->size) {
			if (emit(run, d, fwin_time(w, 0),
			    fwin_time(w, w->len - 1) + 1) == -1)
				return -1;
			d->k++;
			k0 = (uint64_t)d->k * (uint64_t)cf->hop;
			while (w->len > 0 && d->idx - w->len < k0)
				fwin_pop(w);
		}
		return 0;
	}
	if (!d->started) {
		d->origin = cf->clock ? 0 : t;
		d->started = 1;
		d->k = first_after(cf, d, t);
		if (cf->clock && d->k < d->kmin)
			d->k = d->kmin;
	}
	if (advance(run, d, t) == -1)
		return -1;
	if (t < wstart(cf, d, d->k)) {
		CNT(run, C_SKIPPED)++;
		return 0;
	}
	rc = push(run, d, t, x, r);
	return rc < 0 ? -1 : 0;
}

/* Reorder buffer: a binary min-heap on (t, order). */
static int
hless(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void
heap_insert(struct run *run, struct dev *d, int64_t t, const double *x)
{
	size_t i, cap;
	uint32_t slot;
	struct hent e;

	if (d->hlen == d->hcap) {
		cap = d->hcap ? d->hcap * 2 : 64;
		if (cap > run->cf->max_samples)
			cap = run->cf->max_samples;
		if ((d->heap = realloc(d->heap, cap * sizeof *d->heap)) ==
		    NULL || (d->hfree = realloc(d->hfree, cap *
		    sizeof *d->hfree)) == NULL || (d->hval = realloc(d->hval,
		    cap * d->nch * sizeof *d->hval)) == NULL)
			err(EX_OSERR, NULL);
		for (i = d->hcap; i < cap; i++)
			d->hfree[d->nfree++] = (uint32_t)(cap - 1 - (i -
			    d->hcap));
		d->hcap = cap;
	}
	slot = d->hfree[--d->nfree];
	memcpy(d->hval + (size_t)slot * d->nch, x, d->nch * sizeof *x);
	e.t = t;
	e.order = d->order++;
	e.slot = slot;
	for (i = d->hlen++; i > 0 && hless(&e, &d->heap[(i - 1) / 2]);
	    i = (i - 1) / 2)
		d->heap[i] = d->heap[(i - 1) / 2];
	d->heap[i] = e;
}

/* Take the earliest sample out of the heap into e (values stay at slot
 * until the slot is given back). */
static void
heap_pop(struct dev *d, struct hent *e)
{
	struct hent last;
	size_t i = 0, c;

	*e = d->heap[0];
	last = d->heap[--d->hlen];
	for (;;) {
		c = 2 * i + 1;
		if (c >= d->hlen)
			break;
		if (c + 1 < d->hlen && hless(&d->heap[c + 1], &d->heap[c]))
			c++;
		if (!hless(&d->heap[c], &last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->hlen > 0)
		d->heap[i] = last;
	d->hfree[d->nfree++] = e->slot;
}

/* Release the buffered samples at or before lim, in order. */
static int
release(struct run *run, struct dev *d, int64_t lim)
{
	struct hent e;

	while (d->hlen > 0 && d->heap[0].t <= lim) {
		heap_pop(d, &e);
		if (on_sample(run, d, e.t, d->hval + (size_t)e.slot * d->nch,
		    NULL) == -1)
			return -1;
	}
	return 0;
}

/* Everything d holds goes out: buffered samples, then its open windows. */
static int
dev_flush(struct run *run, struct dev *d)
{
	if (release(run, d, INT64_MAX) == -1)
		return -1;
	return close_open(run, d);
}

/*
 * Devices quiet for --idle (by the newest event time of any device) are
 * flushed and freed; sessions idle for their gap are closed.
 */
static int
sweep(struct devtab *t, struct run *run)
{
	const struct conf *cf = run->cf;
	struct dev *d, *nx;

	for (d = devmap_first(t->map); d != NULL; d = nx) {
		nx = devmap_next(t->map, d);
		if (cf->idle > 0 && t->gmax - d->maxt > cf->idle) {
			if (dev_flush(run, d) == -1)
				return -1;
			devmap_remove(t->map, d);
			CNT(run, C_IDLE)++;
			continue;
		}
		if (cf->type == W_SESSION && d->hlen == 0 && d->have_prev &&
		    advance(run, d, t->gmax - cf->lateness) == -1)
			return -1;
	}
	return 0;
}

static int
reject_sample(struct run *run, const struct record *r, const char *rule,
    const char *field, size_t flen, const struct value *val,
    const struct value *lim, const char *why)
{
	return reject_frame(run, r, rule, field, flen, val, lim, why);
}

/* A time in a message: ISO 8601, as every program writes them. */
static void
fmt_time(char *b, size_t n, int64_t t)
{
	time_format_ns(b, n, t, TIME_SHORT);
}

int
devtab_sample(struct devtab *t, struct run *run, const struct record *r)
{
	const struct conf *cf = run->cf;
	const char *id = r->dev ? r->dev : "", *why = NULL;
	size_t idlen = r->dev ? r->dev_len : 0;
	const char *nm[CH_MAX];
	uint32_t nl[CH_MAX];
	double x[CH_MAX];
	char b[512], t1[40], t2[40];
	struct dev *d;
	int64_t tm, wm;
	unsigned c, n;
	int i, created;

	if (r->sec > 9000000000LL || r->sec < -9000000000LL) {
		struct value v = val_i64(r->sec);

		return reject_sample(run, r, "time", NULL, 0, &v, NULL,
		    "time is outside the years 1685-2255 that window "
		    "handles in nanoseconds");
	}
	tm = r->sec * NS + r->nsec;
	/* the last device again (the newest in the map, nothing to mark),
	 * one held, or a new one if r can start one */
	if ((d = t->cache) == NULL || d->idlen != idlen ||
	    memcmp(d->id, id, idlen) != 0) {
		if ((d = devmap_touch(t->map, id, idlen, 0)) == NULL) {
			if ((n = dev_chans(cf, r, nm, nl, &why)) == 0)
				return reject_sample(run, r, "fields", NULL, 0,
				    NULL, NULL, why);
			if ((d = devmap_get(t->map, id, idlen, 0, &created)) ==
			    NULL)
				err(EX_OSERR, NULL);
			if (t->err)	/* the evicted device's flush */
				return -1;
			dev_setup(t, d, nm, nl, n);
			CNT(run, C_DEVICES)++;
		}
		t->cache = d;
	}
	for (c = 0; c < d->nch; c++) {
		const struct value *v;

		if ((i = record_find(r, d->c[c].name, d->c[c].len,
		    &d->c[c].hint)) < 0) {
			snprintf(b, sizeof b, "channel %s is missing; device "
			    "%s's windows have %u channel%s (set by %s)",
			    d->c[c].name, d->id, d->nch, d->nch == 1 ? "" : "s",
			    cf->nchannels ? "-c" : "its first sample frame");
			return reject_sample(run, r, "fields", d->c[c].name,
			    d->c[c].len, NULL, NULL, b);
		}
		v = &r->body[i].v;
		if (v->type != VAL_F64 && v->type != VAL_F32 &&
		    v->type != VAL_INT && v->type != VAL_UINT) {
			snprintf(b, sizeof b, "channel %s is not a number",
			    d->c[c].name);
			return reject_sample(run, r, "number", d->c[c].name,
			    d->c[c].len, v, NULL, b);
		}
		value_f64(v, &x[c]);
		if (!isfinite(x[c])) {
			snprintf(b, sizeof b, "channel %s is %s: window "
			    "features need finite numbers (validate can drop "
			    "or replace them)", d->c[c].name,
			    isnan(x[c]) ? "NaN" : "infinite");
			return reject_sample(run, r, "number", d->c[c].name,
			    d->c[c].len, v, NULL, b);
		}
	}
	if (d->hlen > 0 && d->hlen == cf->max_samples) {
		/* the reorder buffer is full: its earliest sample goes on
		 * and becomes the floor for what may still arrive */
		int64_t t0 = d->heap[0].t;

		if (release(run, d, t0) == -1)
			return -1;
		if (t0 > d->floor)
			d->floor = t0;
	}
	if (d->any && tm < d->floor) {
		struct value v = val_time(r->sec, r->nsec), l;

		l = val_f64((double)cf->lateness * 1e-9);
		fmt_time(t1, sizeof t1, tm);
		fmt_time(t2, sizeof t2, d->maxt);
		snprintf(b, sizeof b, "late: device %s's sample at %s is "
		    "%.9g s behind its newest at %s; allowed lateness is "
		    "%.9g s (--lateness)", d->id, t1,
		    (double)(d->maxt - tm) * 1e-9, t2,
		    (double)cf->lateness * 1e-9);
		CNT(run, C_LATE)++;
		return reject_sample(run, r, "time-order", NULL, 0, &v, &l, b);
	}
	if (!d->any || tm > d->maxt)
		d->maxt = tm;
	d->any = 1;
	if (!t->swept || tm > t->gmax)
		t->gmax = tm;
	if (cf->lateness == 0) {
		d->floor = d->maxt;
		if (on_sample(run, d, tm, x, r) == -1)
			return -1;
	} else {
		heap_insert(run, d, tm, x);
		wm = d->maxt - cf->lateness;
		if (wm > d->floor)
			d->floor = wm;
		if (release(run, d, d->floor) == -1 ||
		    advance(run, d, d->floor) == -1)
			return -1;
	}
	if (!t->swept || t->gmax >= t->next_sweep) {
		int64_t step = cf->idle > 0 ? cf->idle / 8 : 0;

		if (cf->type == W_SESSION && (step == 0 || cf->gap / 8 < step))
			step = cf->gap / 8;
		if (step <= 0)
			step = INT64_MAX / 4;
		t->swept = 1;
		t->next_sweep = t->gmax + step;
		if (sweep(t, run) == -1)
			return -1;
	}
	return 0;
}

int
devtab_flush(struct devtab *t, struct run *run)
{
	struct dev *d;

	if (t == NULL)
		return 0;
	while ((d = devmap_first(t->map)) != NULL) {	/* oldest first */
		if (dev_flush(run, d) == -1)
			return -1;
		devmap_remove(t->map, d);
	}
	return 0;
}

void
devtab_free(struct devtab **tp)
{
	struct devtab *t;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	devmap_free(&t->map);	/* the devices let their sets go */
	devmap_free(&t->sets);
	buf_free(&t->key);
	free(t);
	*tp = NULL;
}

/*
 * A reject frame for r (docs/protocol.md): the rule, the field, its value
 * and the limit if any, and a reason a person can act on.  0, or -1 on a
 * write error.
 */
static int
reject_frame(struct run *run, const struct record *r, const char *rule,
    const char *field, size_t flen, const struct value *val,
    const struct value *limit, const char *reason)
{
	struct reject why = { .rule = rule, .field = field, .flen = flen,
	    .value = val, .limit = limit, .reason = reason };

	return filter_reject(run->f, r, &why);
}
