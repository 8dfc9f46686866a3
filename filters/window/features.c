/*
 * features -- sliding time-domain moments and whole-window spectral
 * features (see feature.h for the contract, docs/features.md for the
 * formulas and the numerical argument).
 *
 * The sliding state per channel is a ring of values, compensated power sums
 * of the values less a shift K, and two monotonic deques for min and max.
 * Adding or removing a row costs O(1) per channel; an exact recompute from
 * the ring (O(window)) happens only when the mean has drifted more than two
 * standard deviations away from K, or after 1024 window turnovers.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fftr.h>

#include "feature.h"

const char *const tf_name[TF_COUNT] = {
	"mean", "std", "min", "max", "rms", "peak", "p2p", "skew",
	"kurtosis", "crest", "shape", "impulse", "clearance", "slope", "last"
};

const char *const line_name[LINE_COUNT] = { "bpfo", "bpfi", "bsf", "ftf" };

const char *const wfn_name[WFN_COUNT] = {
	"hann", "hamming", "blackman", "rect"
};

int
tf_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < TF_COUNT; i++)
		if (strlen(tf_name[i]) == len && memcmp(tf_name[i], name,
		    len) == 0)
			return i;
	return -1;
}

unsigned
tf_needs(uint32_t m)
{
	unsigned n = 0;

#define HAS(f)	(m & (1u << (f)))
	if (HAS(TF_MEAN))
		n |= NEED_P1;
	if (HAS(TF_STD) || HAS(TF_RMS))
		n |= NEED_P1 | NEED_P2;
	if (HAS(TF_SKEW))
		n |= NEED_P1 | NEED_P2 | NEED_P3;
	if (HAS(TF_KURT))
		n |= NEED_P1 | NEED_P2 | NEED_P3 | NEED_P4;
	if (HAS(TF_MIN) || HAS(TF_MAX) || HAS(TF_PEAK) || HAS(TF_P2P))
		n |= NEED_MINMAX;
	if (HAS(TF_CREST))
		n |= NEED_MINMAX | NEED_P1 | NEED_P2;
	if (HAS(TF_SHAPE))
		n |= NEED_P1 | NEED_P2 | NEED_ABS;
	if (HAS(TF_IMPULSE))
		n |= NEED_MINMAX | NEED_ABS;
	if (HAS(TF_CLEARANCE))
		n |= NEED_MINMAX | NEED_SQRT;
	if (HAS(TF_SLOPE))
		n |= NEED_P1 | NEED_SLOPE;
#undef HAS
	return n;
}

/* Knuth's 2Sum: s + x exactly as (s', err), err gathered in c. */
static inline void
ks_add(struct ksum *k, double x)
{
	double s, bp;

	s = k->s + x;
	bp = s - k->s;
	k->c += (k->s - (s - bp)) + (x - bp);
	k->s = s;
}

static inline double
ks_val(const struct ksum *k)
{
	return k->s + k->c;
}

static const struct ksum ks_zero = { 0.0, 0.0 };

static size_t
pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n && p < ((size_t)1 << 40))
		p <<= 1;
	return p;
}

/* Rings of cap entries in w's block: the times, each channel's values,
 * then the two deques of each channel that keeps them. */
static size_t
nrings(const struct fwin *w)
{
	size_t n = 1 + w->nch;
	unsigned c;

	if (!w->lazy)
		for (c = 0; c < w->nch; c++)
			if (w->ch[c].need & NEED_MINMAX)
				n += 2;
	return n;
}

/* A block for w's rings of cap entries; NULL on ENOMEM. */
static int64_t *
alloc_rings(const struct fwin *w, size_t cap)
{
	size_t n = nrings(w);

	if (cap > SIZE_MAX / sizeof(int64_t) / n) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(cap * n * sizeof(int64_t));
}

/*
 * Point w's rings into block b of cap entries each, copying the rows held
 * from where they were (the old ring of capacity w->cap; none if w->len is
 * 0).  The old block is the caller's to free.
 */
static void
place_rings(struct fwin *w, int64_t *b, size_t cap)
{
	size_t mask = cap - 1, i;
	int64_t *p = b + cap;
	unsigned c;

	for (i = 0; i < w->len; i++) {
		uint64_t s = w->first + i;

		b[s & mask] = w->t[s & w->mask];
	}
	w->t = b;
	for (c = 0; c < w->nch; c++, p += cap) {
		struct fchan *ch = &w->ch[c];
		double *x = (double *)(void *)p;

		for (i = 0; i < w->len; i++) {
			uint64_t s = w->first + i;

			x[s & mask] = ch->x[s & w->mask];
		}
		ch->x = x;
	}
	for (c = 0; c < w->nch && !w->lazy; c++) {
		struct fchan *ch = &w->ch[c];
		uint64_t *mn, *mx;

		if (!(ch->need & NEED_MINMAX)) {
			ch->s->dmin = ch->s->dmax = NULL;
			continue;
		}
		mn = (uint64_t *)p;
		mx = (uint64_t *)(p + cap);
		p += 2 * cap;
		for (i = 0; i < ch->s->nmin; i++)
			mn[i] = ch->s->dmin[(ch->s->hmin + i) & w->mask];
		for (i = 0; i < ch->s->nmax; i++)
			mx[i] = ch->s->dmax[(ch->s->hmax + i) & w->mask];
		ch->s->dmin = mn;
		ch->s->dmax = mx;
		ch->s->hmin = ch->s->hmax = 0;
	}
	w->cap = cap;
	w->mask = mask;
}

/* The first rings, in w's own allocation after the channels' sums. */
static int64_t *
own_rings(const struct fwin *w)
{
	return (int64_t *)(void *)((char *)(w->ch + w->nch) +
	    (w->lazy ? 0 : w->nch * sizeof(struct fsum)));
}

struct fwin *
fwin_new(unsigned nch, const unsigned *need, size_t cap0, size_t capmax,
    int lazy)
{
	struct fwin *w;
	size_t head, nr = 1 + nch;
	unsigned c;

	capmax = capmax > 0 ? capmax : 1;
	cap0 = pow2_at_least(cap0 < capmax ? cap0 : capmax);
	for (c = 0; c < nch && !lazy; c++)
		if (need[c] & NEED_MINMAX)
			nr += 2;
	head = sizeof *w + nch * (sizeof w->ch[0] +
	    (lazy ? 0 : sizeof(struct fsum)));
	if (cap0 > (SIZE_MAX - head) / sizeof(int64_t) / nr ||
	    (w = calloc(1, head + cap0 * nr * sizeof(int64_t))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	w->nch = nch;
	w->lazy = lazy;
	w->capmax = capmax;
	for (c = 0; c < nch; c++) {
		unsigned n = need[c];

		if (n & NEED_P4)
			n |= NEED_P3;
		if (n & (NEED_P3 | NEED_P4))
			n |= NEED_P2;
		if (n & (NEED_P2 | NEED_SLOPE))
			n |= NEED_P1;
		w->ch[c].need = n;
		w->need |= n;
		if (!lazy)
			w->ch[c].s = (struct fsum *)(void *)(w->ch + nch) + c;
	}
	w->own = cap0;
	place_rings(w, own_rings(w), cap0);
	return w;
}

void
fwin_free(struct fwin **wp)
{
	struct fwin *w;

	if (wp == NULL || (w = *wp) == NULL)
		return;
	if (w->t != own_rings(w))
		free(w->t);
	free(w);
	*wp = NULL;
}

size_t
fwin_bytes(const struct fwin *w)
{
	size_t b = (size_t)((char *)own_rings(w) - (char *)w) +
	    w->own * nrings(w) * sizeof(int64_t);

	if (w->t != own_rings(w))
		b += w->cap * nrings(w) * sizeof(int64_t);
	return b;
}

/* Double the ring (rows keep their sequence numbers; slots move). */
static int
grow(struct fwin *w)
{
	int64_t *b, *old = w->t;

	if ((b = alloc_rings(w, w->cap * 2)) == NULL)
		return -1;
	place_rings(w, b, w->cap * 2);
	if (old != own_rings(w))
		free(old);
	return 0;
}

/* Add (sign 1) or remove (sign -1) value v at time offset u to the sums s
 * of a channel that keeps n (NEED_*). */
static inline void
chan_sums(struct fsum *s, unsigned n, double v, double u, double sign)
{
	double d, d2;

	d = v - s->k;
	if (n & NEED_P1)
		ks_add(&s->p[0], sign * d);
	if (n & NEED_P2) {
		d2 = d * d;
		ks_add(&s->p[1], sign * d2);
		if (n & NEED_P3)
			ks_add(&s->p[2], sign * d2 * d);
		if (n & NEED_P4)
			ks_add(&s->p[3], sign * d2 * d2);
	}
	if (n & NEED_ABS)
		ks_add(&s->a, sign * fabs(v));
	if (n & NEED_SQRT)
		ks_add(&s->q, sign * sqrt(fabs(v)));
	if (n & NEED_SLOPE)
		ks_add(&s->xu, sign * d * u);
}

static void
chan_zero(struct fchan *ch)
{
	int j;

	for (j = 0; j < 4; j++)
		ch->s->p[j] = ks_zero;
	ch->s->a = ch->s->q = ch->s->xu = ks_zero;
}

static inline double
u_of(const struct fwin *w, int64_t t)
{
	return (double)(t - w->t0) * 1e-9;
}

int
fwin_push(struct fwin *w, int64_t t, const double *x)
{
	uint64_t seq;
	size_t slot;
	unsigned c;
	double u;

	if (w->len >= w->capmax) {
		errno = ENOBUFS;
		return -1;
	}
	if (w->len == w->cap && grow(w) == -1)
		return -1;
	if (w->lazy) {
		slot = (w->first + w->len) & w->mask;
		w->t[slot] = t;
		for (c = 0; c < w->nch; c++)
			w->ch[c].x[slot] = x[c];
		w->len++;
		return 0;
	}
	if (w->len == 0) {
		w->t0 = t;
		w->u = w->uu = ks_zero;
		w->pops = 0;
		for (c = 0; c < w->nch; c++) {
			chan_zero(&w->ch[c]);
			w->ch[c].s->k = x[c];
			w->ch[c].s->nmin = w->ch[c].s->nmax = 0;
		}
	}
	seq = w->first + w->len;
	slot = seq & w->mask;
	w->t[slot] = t;
	u = u_of(w, t);
	if (w->need & NEED_SLOPE) {
		ks_add(&w->u, u);
		ks_add(&w->uu, u * u);
	}
	for (c = 0; c < w->nch; c++) {
		struct fchan *ch = &w->ch[c];
		struct fsum *s = ch->s;
		double v = x[c];

		ch->x[slot] = v;
		chan_sums(s, ch->need, v, u, 1.0);
		if (ch->need & NEED_MINMAX) {
			while (s->nmin > 0 && ch->x[s->dmin[(s->hmin +
			    s->nmin - 1) & w->mask] & w->mask] >= v)
				s->nmin--;
			s->dmin[(s->hmin + s->nmin++) & w->mask] = seq;
			while (s->nmax > 0 && ch->x[s->dmax[(s->hmax +
			    s->nmax - 1) & w->mask] & w->mask] <= v)
				s->nmax--;
			s->dmax[(s->hmax + s->nmax++) & w->mask] = seq;
		}
	}
	w->len++;
	return 0;
}

void
fwin_pop(struct fwin *w)
{
	uint64_t seq = w->first;
	size_t slot = seq & w->mask;
	unsigned c;
	double u;

	if (w->lazy) {
		w->first++;
		w->len--;
		return;
	}
	u = u_of(w, w->t[slot]);
	if (w->need & NEED_SLOPE) {
		ks_add(&w->u, -u);
		ks_add(&w->uu, -u * u);
	}
	for (c = 0; c < w->nch; c++) {
		struct fchan *ch = &w->ch[c];
		struct fsum *s = ch->s;

		chan_sums(s, ch->need, ch->x[slot], u, -1.0);
		if (ch->need & NEED_MINMAX) {
			if (s->nmin > 0 && s->dmin[s->hmin] == seq) {
				s->hmin = (s->hmin + 1) & w->mask;
				s->nmin--;
			}
			if (s->nmax > 0 && s->dmax[s->hmax] == seq) {
				s->hmax = (s->hmax + 1) & w->mask;
				s->nmax--;
			}
		}
	}
	w->first++;
	w->len--;
	w->pops++;
}

void
fwin_clear(struct fwin *w)
{
	/* the deques start again with the next push, as the sums do */
	w->first += w->len;
	w->len = 0;
}

int64_t
fwin_time(const struct fwin *w, size_t i)
{
	return w->t[(w->first + i) & w->mask];
}

void
fwin_values(const struct fwin *w, unsigned c, double *dst)
{
	size_t a = w->first & w->mask, n1;

	n1 = w->cap - a < w->len ? w->cap - a : w->len;
	memcpy(dst, w->ch[c].x + a, n1 * sizeof *dst);
	memcpy(dst + n1, w->ch[c].x, (w->len - n1) * sizeof *dst);
}

/* Recompute channel ch's sums exactly around K = the sample nearest the
 * mean (then |mean - K| <= std, so the trigger below cannot fire again). */
static void
chan_recompute(struct fwin *w, struct fchan *ch)
{
	double m = 0.0, k, best;
	size_t i;

	for (i = 0; i < w->len; i++)
		m += ch->x[(w->first + i) & w->mask];
	m /= (double)w->len;
	k = ch->x[w->first & w->mask];
	best = fabs(k - m);
	for (i = 1; i < w->len; i++) {
		double v = ch->x[(w->first + i) & w->mask];

		if (fabs(v - m) < best) {
			best = fabs(v - m);
			k = v;
		}
	}
	ch->s->k = k;
	chan_zero(ch);
	for (i = 0; i < w->len; i++) {
		size_t s = (w->first + i) & w->mask;

		chan_sums(ch->s, ch->need, ch->x[s], u_of(w, w->t[s]),
		    1.0);
	}
}

/* The same for the time shift t0; the channels' sums of d*u follow. */
static void
time_recompute(struct fwin *w)
{
	double m = 0.0, best;
	int64_t base = w->t[w->first & w->mask], t0;
	size_t i;
	unsigned c;

	for (i = 0; i < w->len; i++)
		m += (double)(w->t[(w->first + i) & w->mask] - base);
	m /= (double)w->len;
	t0 = base;
	best = fabs(m);
	for (i = 1; i < w->len; i++) {
		int64_t t = w->t[(w->first + i) & w->mask];

		if (fabs((double)(t - base) - m) < best) {
			best = fabs((double)(t - base) - m);
			t0 = t;
		}
	}
	w->t0 = t0;
	w->u = w->uu = ks_zero;
	for (c = 0; c < w->nch; c++)
		w->ch[c].s->xu = ks_zero;
	for (i = 0; i < w->len; i++) {
		size_t s = (w->first + i) & w->mask;
		double u = u_of(w, w->t[s]);

		ks_add(&w->u, u);
		ks_add(&w->uu, u * u);
		for (c = 0; c < w->nch; c++) {
			struct fchan *ch = &w->ch[c];

			if (ch->need & NEED_SLOPE)
				ks_add(&ch->s->xu, (ch->x[s] - ch->s->k) * u);
		}
	}
}

static int
chan_finite(const struct fchan *ch)
{
	const struct fsum *s = ch->s;

	return isfinite(s->p[3].s + s->p[3].c + s->p[1].s + s->p[0].s +
	    s->xu.s + s->xu.c + s->a.s + s->q.s);
}

/* Central moments M2..M4 (sums, not divided by n) from power sums about
 * K; mu = S1 / n.  Only those up to order 'upto' are computed. */
static inline void
central(const double *S, double n, int upto, double *mu, double *M2,
    double *M3, double *M4)
{
	double m = S[0] * (1.0 / n);

	*mu = m;
	*M2 = upto >= 2 ? S[1] - m * S[0] : 0.0;
	*M3 = upto >= 3 ? S[2] - 3.0 * m * S[1] + 2.0 * m * m * S[0] : 0.0;
	*M4 = upto >= 4 ? S[3] - 4.0 * m * S[2] + 6.0 * m * m * S[1] -
	    3.0 * m * m * m * S[0] : 0.0;
}

static int
order(unsigned need)
{
	return need & NEED_P4 ? 4 : need & NEED_P3 ? 3 : need & NEED_P2 ? 2 :
	    1;
}

/* Every feature from the moments; what need lacks the inputs for is NaN
 * (and costs nothing). */
static void
finish(unsigned need, uint32_t want, double n, double mean, double m2,
    double m3, double m4, double mn, double mx, double sabs, double ssqrt,
    double slope, int excess, double *out)
{
	double rms = NAN, peak = NAN, mabs = NAN, msq;
	unsigned has;

#define WANT(f)	(want & (1u << (f)))

	if (m2 < 0.0)
		m2 = 0.0;
	out[TF_MEAN] = need & NEED_P1 ? mean : NAN;
	out[TF_STD] = out[TF_RMS] = out[TF_SKEW] = out[TF_KURT] = NAN;
	out[TF_MIN] = out[TF_MAX] = out[TF_PEAK] = out[TF_P2P] = NAN;
	out[TF_CREST] = out[TF_SHAPE] = out[TF_IMPULSE] = NAN;
	out[TF_CLEARANCE] = NAN;
	if (need & NEED_P2) {
		rms = sqrt(mean * mean + m2);
		out[TF_STD] = sqrt(m2);
		out[TF_RMS] = rms;
	}
	if ((need & NEED_P3) && WANT(TF_SKEW))
		out[TF_SKEW] = m3 / (m2 * sqrt(m2));
	if ((need & NEED_P4) && WANT(TF_KURT))
		out[TF_KURT] = m4 / (m2 * m2) - (excess ? 3.0 : 0.0);
	if (need & NEED_MINMAX) {
		peak = fmax(fabs(mn), fabs(mx));
		out[TF_MIN] = mn;
		out[TF_MAX] = mx;
		out[TF_PEAK] = peak;
		out[TF_P2P] = mx - mn;
	}
	if (need & NEED_ABS)
		mabs = sabs / n;
	has = need & (NEED_P2 | NEED_MINMAX | NEED_ABS | NEED_SQRT);
	if ((has & (NEED_P2 | NEED_MINMAX)) == (NEED_P2 | NEED_MINMAX) &&
	    WANT(TF_CREST))
		out[TF_CREST] = peak / rms;
	if ((has & (NEED_P2 | NEED_ABS)) == (NEED_P2 | NEED_ABS) &&
	    WANT(TF_SHAPE))
		out[TF_SHAPE] = rms / mabs;
	if ((has & (NEED_MINMAX | NEED_ABS)) == (NEED_MINMAX | NEED_ABS) &&
	    WANT(TF_IMPULSE))
		out[TF_IMPULSE] = peak / mabs;
	if ((has & (NEED_MINMAX | NEED_SQRT)) == (NEED_MINMAX | NEED_SQRT) &&
	    WANT(TF_CLEARANCE)) {
		msq = ssqrt / n;
		out[TF_CLEARANCE] = peak / (msq * msq);
	}
	out[TF_SLOPE] = slope;
#undef WANT
}

/*
 * Lazy windows: the features by passes over the ring.  Pass 1 sums x and
 * the times; pass 2 sums the powers of e = x - m0 around that first mean
 * m0, whose own rounding error the mean of e then corrects (the corrected
 * two-pass algorithm of Chan, Golub and LeVeque), so a 70 C channel with
 * 0.01 C noise keeps its digits here too.
 */
static void
scan(const struct fwin *w, const struct fchan *ch, int excess, uint32_t want,
    double *out)
{
	unsigned need = ch->need;
	double n = (double)w->len, m0 = 0.0, S[4] = { 0, 0, 0, 0 };
	double sa = 0.0, sq = 0.0, mn, mx, ub = 0.0, su2 = 0.0, sue = 0.0;
	double mu, M2, M3, M4, slope = NAN;
	int64_t tb = w->t[w->first & w->mask];
	size_t i, s;
	int same = 1;

	mn = mx = ch->x[w->first & w->mask];
	for (i = 0; i < w->len; i++) {
		double v = ch->x[(w->first + i) & w->mask];

		m0 += v;
		same &= v == mn;
	}
	/* a constant window: e = 0 exactly, so std 0, skewness NaN */
	m0 = same ? mn : m0 / n;
	if (need & NEED_SLOPE) {
		for (i = 0; i < w->len; i++)
			ub += (double)(w->t[(w->first + i) & w->mask] - tb);
		ub /= n;
	}
	for (i = 0; i < w->len; i++) {
		double v, e, e2;

		s = (w->first + i) & w->mask;
		v = ch->x[s];
		e = v - m0;
		e2 = e * e;
		S[0] += e;
		S[1] += e2;
		S[2] += e2 * e;
		S[3] += e2 * e2;
		if (need & NEED_MINMAX) {
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
		}
		if (need & NEED_ABS)
			sa += fabs(v);
		if (need & NEED_SQRT)
			sq += sqrt(fabs(v));
		if (need & NEED_SLOPE) {
			double u = (double)(w->t[s] - tb) - ub;

			su2 += u * u;
			sue += u * e;
		}
	}
	central(S, n, order(need), &mu, &M2, &M3, &M4);
	if (need & NEED_SLOPE)
		slope = sue / su2 * 1e9;	/* u in ns */
	finish(need, want, n, m0 + mu, M2 / n, M3 / n, M4 / n, mn, mx, sa,
	    sq, slope, excess, out);
}

void
fwin_features(struct fwin *w, unsigned c, int excess, uint32_t want,
    double *out)
{
	struct fchan *ch = &w->ch[c];
	double n = (double)w->len, S[4], mu, M2, M3, M4, slope = NAN;
	double mn = NAN, mx = NAN, su, suu, inv;
	unsigned need = ch->need;
	int i;

	if (w->len == 0) {
		for (i = 0; i < TF_COUNT; i++)
			out[i] = NAN;
		return;
	}
	if (w->lazy) {
		scan(w, ch, excess, want, out);
		out[TF_LAST] = ch->x[(w->first + w->len - 1) & w->mask];
		return;
	}
	if (w->pops > 1024 * (uint64_t)w->len + 65536 || !chan_finite(ch)) {
		unsigned k;

		if (w->need & NEED_SLOPE)
			time_recompute(w);
		for (k = 0; k < w->nch; k++)
			chan_recompute(w, &w->ch[k]);
		w->pops = 0;
	}
	if (need & NEED_SLOPE) {
		su = ks_val(&w->u);
		suu = ks_val(&w->uu);
		if (5.0 * su * su > 4.0 * n * suu)
			time_recompute(w);
	}
	if (need & NEED_P2) {
		double s1 = ks_val(&ch->s->p[0]), s2 = ks_val(&ch->s->p[1]);

		if (5.0 * s1 * s1 > 4.0 * n * s2)
			chan_recompute(w, ch);
	}
	for (i = 0; i < 4; i++)
		S[i] = ks_val(&ch->s->p[i]);
	central(S, n, order(need), &mu, &M2, &M3, &M4);
	if (need & NEED_MINMAX) {
		mn = ch->x[ch->s->dmin[ch->s->hmin] & w->mask];
		mx = ch->x[ch->s->dmax[ch->s->hmax] & w->mask];
	}
	if (need & NEED_SLOPE) {
		su = ks_val(&w->u);
		suu = ks_val(&w->uu);
		slope = (ks_val(&ch->s->xu) - S[0] * su / n) /
		    (suu - su * su / n);
	}
	inv = 1.0 / n;
	finish(need, want, n, ch->s->k + mu, M2 * inv, M3 * inv, M4 * inv, mn,
	    mx,
	    ks_val(&ch->s->a), ks_val(&ch->s->q), slope, excess, out);
	out[TF_LAST] = ch->x[(w->first + w->len - 1) & w->mask];
}

void
tf_exact(const double *x, const int64_t *t, size_t n, int excess,
    double *out)
{
	long double s = 0, m, d, m2 = 0, m3 = 0, m4 = 0, sa = 0, sq = 0;
	long double tm = 0, su = 0, sxu = 0, u;
	double mn, mx, slope = NAN;
	size_t i;

	for (i = 0; i < TF_COUNT; i++)
		out[i] = NAN;
	if (n == 0)
		return;
	mn = mx = x[0];
	for (i = 0; i < n; i++) {
		s += x[i];
		sa += fabsl((long double)x[i]);
		sq += sqrtl(fabsl((long double)x[i]));
		mn = fmin(mn, x[i]);
		mx = fmax(mx, x[i]);
	}
	m = s / n;
	for (i = 0; i < n; i++) {
		d = x[i] - m;
		m2 += d * d;
		m3 += d * d * d;
		m4 += d * d * d * d;
	}
	if (t != NULL) {
		for (i = 0; i < n; i++)
			tm += (long double)(t[i] - t[0]) * 1e-9L;
		tm /= n;
		for (i = 0; i < n; i++) {
			u = (long double)(t[i] - t[0]) * 1e-9L - tm;
			su += u * u;
			sxu += u * (x[i] - m);
		}
		slope = (double)(sxu / su);
	}
	finish(~0u, ~0u, (double)n, (double)m, (double)(m2 / n),
	    (double)(m3 / n),
	    (double)(m4 / n), mn, mx, (double)sa, (double)sq, slope, excess,
	    out);
	out[TF_LAST] = x[n - 1];
}

void
bearing_orders(const struct bearing *b, double ord[LINE_COUNT])
{
	double r = b->ball / b->pitch * cos(b->angle * M_PI / 180.0);

	ord[LINE_BPFO] = b->balls / 2.0 * (1.0 - r);
	ord[LINE_BPFI] = b->balls / 2.0 * (1.0 + r);
	ord[LINE_BSF] = b->pitch / (2.0 * b->ball) * (1.0 - r * r);
	ord[LINE_FTF] = (1.0 - r) / 2.0;
}

/*
 * Spectral features.  One plan per (window length, window function):
 * kissfft forward and inverse real transforms of length nfft, the window
 * and every buffer a computation needs, so spec_compute() allocates only
 * when it meets a new length.
 */
#define SPEC_PLANS	4

struct plan {
	size_t		 n, nfft;
	enum wfn	 wfn;
	uint64_t	 used;
	double		 w2;		/* sum of w^2 */
	double		*w;		/* window, n */
	double		*xw;		/* windowed signal, nfft */
	double		*env;		/* envelope, nfft */
	float		*fin;		/* FFT input, nfft */
	kiss_fft_cpx	*X, *Y;		/* nfft / 2 + 1 */
	double		*P;		/* power spectrum, nfft / 2 + 1 */
	kiss_fftr_cfg	 fwd, inv;
};

struct spec {
	struct plan	*p[SPEC_PLANS];
	uint64_t	 tick;
};

static int
smooth(size_t n)
{
	if (n == 0)
		return 0;
	while (n % 2 == 0)
		n /= 2;
	while (n % 3 == 0)
		n /= 3;
	while (n % 5 == 0)
		n /= 5;
	return n == 1;
}

size_t
spec_nfft(size_t n)
{
	size_t m = n + (n & 1);

	while (!smooth(m))
		m += 2;
	return m;
}

static void
plan_free(struct plan **pp)
{
	struct plan *p = *pp;

	if (p == NULL)
		return;
	free(p->w);
	free(p->xw);
	free(p->env);
	free(p->fin);
	free(p->X);
	free(p->Y);
	free(p->P);
	kiss_fftr_free(p->fwd);
	kiss_fftr_free(p->inv);
	free(p);
	*pp = NULL;
}

static double
window_at(enum wfn f, size_t j, size_t n)
{
	double a = 2.0 * M_PI * (double)j / (double)n;

	switch (f) {
	case WFN_HANN:
		return 0.5 - 0.5 * cos(a);
	case WFN_HAMMING:
		return 0.54 - 0.46 * cos(a);
	case WFN_BLACKMAN:
		return 0.42 - 0.5 * cos(a) + 0.08 * cos(2.0 * a);
	default:
		return 1.0;
	}
}

static struct plan *
plan_new(size_t n, enum wfn f)
{
	struct plan *p;
	size_t nf = spec_nfft(n), nb = nf / 2 + 1, j;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->n = n;
	p->nfft = nf;
	p->wfn = f;
	p->w = malloc(n * sizeof *p->w);
	p->xw = malloc(nf * sizeof *p->xw);
	p->env = malloc(nf * sizeof *p->env);
	p->fin = malloc(nf * sizeof *p->fin);
	p->X = malloc(nb * sizeof *p->X);
	p->Y = malloc(nb * sizeof *p->Y);
	p->P = malloc(nb * sizeof *p->P);
	p->fwd = kiss_fftr_alloc((int)nf, 0, NULL, NULL);
	p->inv = kiss_fftr_alloc((int)nf, 1, NULL, NULL);
	if (p->w == NULL || p->xw == NULL || p->env == NULL ||
	    p->fin == NULL || p->X == NULL || p->Y == NULL || p->P == NULL ||
	    p->fwd == NULL || p->inv == NULL) {
		plan_free(&p);
		errno = ENOMEM;
		return NULL;
	}
	for (j = 0; j < n; j++) {
		p->w[j] = window_at(f, j, n);
		p->w2 += p->w[j] * p->w[j];
	}
	return p;
}

struct spec *
spec_new(void)
{
	return calloc(1, sizeof(struct spec));
}

void
spec_free(struct spec **sp)
{
	int i;

	if (sp == NULL || *sp == NULL)
		return;
	for (i = 0; i < SPEC_PLANS; i++)
		plan_free(&(*sp)->p[i]);
	free(*sp);
	*sp = NULL;
}

size_t
spec_bytes(const struct spec *s)
{
	size_t b = sizeof *s, nf, nb;
	int i;

	for (i = 0; i < SPEC_PLANS; i++) {
		if (s->p[i] == NULL)
			continue;
		nf = s->p[i]->nfft;
		nb = nf / 2 + 1;
		/* kissfft's real plans: about nfft complex twiddles each */
		b += sizeof *s->p[i] + s->p[i]->n * 8 + nf * (8 + 8 + 4) +
		    nb * (8 + 8 + 8) + 2 * nf * sizeof(kiss_fft_cpx);
	}
	return b;
}

static struct plan *
plan_get(struct spec *s, size_t n, enum wfn f)
{
	int i, lru = 0;

	for (i = 0; i < SPEC_PLANS; i++) {
		if (s->p[i] != NULL && s->p[i]->n == n && s->p[i]->wfn == f) {
			s->p[i]->used = ++s->tick;
			return s->p[i];
		}
	}
	for (i = 0; i < SPEC_PLANS; i++) {
		if (s->p[i] == NULL) {
			lru = i;
			break;
		}
		if (s->p[i]->used < s->p[lru]->used)
			lru = i;
	}
	plan_free(&s->p[lru]);
	if ((s->p[lru] = plan_new(n, f)) == NULL)
		return NULL;
	s->p[lru]->used = ++s->tick;
	return s->p[lru];
}

static void
spec_nan(const struct spec_conf *cf, struct spec_out *o)
{
	unsigned i;

	o->dom = o->centroid = o->entropy = o->kurt = o->power = NAN;
	for (i = 0; i < cf->neq + cf->nbands && i < 2 * SPEC_MAXBANDS; i++)
		o->band[i] = NAN;
	o->env_power = NAN;
	for (i = 0; i < cf->nlines && i < SPEC_MAXLINES; i++)
		o->share[i] = NAN;
}

static inline double
freq(size_t k, double fs, size_t nfft)
{
	return (double)k * fs / (double)nfft;
}

/* Sum of P[k] over bins lo <= f_k < hi (or <= hi if incl). */
static double
band_sum(const double *P, size_t nb, size_t nfft, double fs, double lo,
    double hi, int incl)
{
	double s = 0.0, k0;
	size_t k;

	k0 = floor(lo * (double)nfft / fs) - 1.0;
	k = k0 < 0.0 ? 0 : (size_t)k0;
	while (k < nb && freq(k, fs, nfft) < lo)
		k++;
	for (; k < nb; k++) {
		double f = freq(k, fs, nfft);

		if (f > hi || (f == hi && !incl))
			break;
		s += P[k];
	}
	return s;
}

static void
spectrum_features(const struct plan *p, const struct spec_conf *cf,
    double fs, struct spec_out *o)
{
	size_t nf = p->nfft, nb = nf / 2 + 1, k, kmax = 1;
	double tot = 0.0, fc = 0.0, h = 0.0, m2 = 0.0, m4 = 0.0;
	double df = fs / (double)nf;	/* moments; band edges: freq() */

	for (k = 0; k < nb; k++) {
		tot += p->P[k];
		fc += (double)k * df * p->P[k];
		if (k > 0 && p->P[k] > p->P[kmax])
			kmax = k;
	}
	o->power = tot;
	if (!(tot > 0.0)) {
		o->dom = o->centroid = o->entropy = o->kurt = NAN;
		return;
	}
	fc /= tot;
	for (k = 0; k < nb; k++) {
		double q = p->P[k] / tot, d = (double)k * df - fc;

		if (q > 0.0)
			h -= q * log(q);
		m2 += d * d * q;
		m4 += d * d * d * d * q;
	}
	o->dom = freq(kmax, fs, nf);
	o->centroid = fc;
	o->entropy = h / log((double)nb);
	o->kurt = m4 / (m2 * m2) - (cf->excess ? 3.0 : 0.0);
}

static void
envelope(struct plan *p, const struct spec_conf *cf, double fs,
    struct spec_out *o)
{
	size_t nf = p->nfft, nb = nf / 2 + 1, k, j;
	double em = 0.0, sc, tot;
	unsigned l, hh, g;

	/* Hilbert transform: -i X for 0 < f < fs/2, 0 at DC and Nyquist */
	p->Y[0].r = p->Y[0].i = 0;
	p->Y[nb - 1].r = p->Y[nb - 1].i = 0;
	for (k = 1; k < nb - 1; k++) {
		p->Y[k].r = p->X[k].i;
		p->Y[k].i = -p->X[k].r;
	}
	kiss_fftri(p->inv, p->Y, p->fin);
	for (j = 0; j < nf; j++) {
		double hj = (double)p->fin[j] / (double)nf;

		p->env[j] = sqrt(p->xw[j] * p->xw[j] + hj * hj);
		em += p->env[j];
	}
	em /= (double)nf;
	for (j = 0; j < nf; j++)
		p->fin[j] = (float)(p->env[j] - em);
	kiss_fftr(p->fwd, p->fin, p->Y);
	sc = 1.0 / ((double)nf * (double)nf);
	for (k = 0; k < nb; k++) {
		double re = p->Y[k].r, im = p->Y[k].i;

		p->P[k] = (re * re + im * im) * sc *
		    (k == 0 || k == nb - 1 ? 1.0 : 2.0);
	}
	tot = band_sum(p->P, nb, nf, fs, cf->env_lo, cf->env_hi, 1);
	o->env_power = tot;
	for (l = 0; l < cf->nlines && l < SPEC_MAXLINES; l++) {
		double e = 0.0, fl = cf->line_hz[l], tol = cf->env_tol;

		for (hh = 1; hh <= cf->harmonics; hh++) {
			double c = hh * fl, k0;

			k0 = floor((c - tol) * (double)nf / fs) - 1.0;
			k = k0 < 0.0 ? 0 : (size_t)k0;
			for (; k < nb; k++) {
				double f = freq(k, fs, nf);
				int dup = 0;

				if (f > c + tol)
					break;
				if (fabs(f - c) > tol)
					continue;
				/* a bin near two harmonics counts once */
				for (g = 1; g < hh; g++)
					if (fabs(f - g * fl) <= tol)
						dup = 1;
				if (!dup)
					e += p->P[k];
			}
		}
		o->share[l] = e / tot;
	}
}

int
spec_compute(struct spec *s, const struct spec_conf *cf, const double *x,
    size_t n, double fs, struct spec_out *o)
{
	struct plan *p;
	size_t nf, nb, j, k;
	double m = 0.0, sc;
	unsigned i;

	spec_nan(cf, o);
	if (n < 4 || !(fs > 0.0) || !isfinite(fs) || cf->want == 0)
		return 0;
	if ((p = plan_get(s, n, cf->wfn)) == NULL)
		return -1;
	nf = p->nfft;
	nb = nf / 2 + 1;
	for (j = 0; j < n; j++)
		m += x[j];
	m /= (double)n;
	for (j = 0; j < n; j++) {
		p->xw[j] = p->w[j] * (x[j] - m);
		p->fin[j] = (float)p->xw[j];
	}
	for (; j < nf; j++) {
		p->xw[j] = 0.0;
		p->fin[j] = 0.0f;
	}
	kiss_fftr(p->fwd, p->fin, p->X);
	sc = 1.0 / ((double)nf * p->w2);
	for (k = 0; k < nb; k++) {
		double re = p->X[k].r, im = p->X[k].i;

		p->P[k] = (re * re + im * im) * sc *
		    (k == 0 || k == nb - 1 ? 1.0 : 2.0);
	}
	if (cf->want & SF_SPECTRUM)
		spectrum_features(p, cf, fs, o);
	if (cf->want & SF_BANDS) {
		for (i = 0; i < cf->neq && i < SPEC_MAXBANDS; i++)
			o->band[i] = 0.0;
		for (k = 0; k < nb && cf->neq > 0; k++) {
			size_t b = k * 2 * cf->neq / nf;

			if (b >= cf->neq)
				b = cf->neq - 1;
			o->band[b] += p->P[k];
		}
		for (i = 0; i < cf->nbands && i < SPEC_MAXBANDS; i++)
			o->band[cf->neq + i] = band_sum(p->P, nb, nf, fs,
			    cf->lo[i], cf->hi[i], 0);
	}
	if (cf->want & SF_ENVELOPE)
		envelope(p, cf, fs, o);
	return 0;
}
