/*
 * watch -- per-device windows, tests and the drift state machine (see
 * watch.h; docs/drift.md has the rules in prose).
 *
 * A device's state is one block (devmap allocates it when the device is
 * first seen): a header with the sequential detectors, then the window of
 * each feature as float32 (4 bytes a value: 12 features x W = 1,000 fit in
 * 48 KB) and each value's code (1 byte: where its slot in the reference's
 * grid lies within its coarse bucket), the predicted categories of the
 * window (2 bytes each, when js is on), the time at which each block of H
 * frames began, and per test the runs above and below its limits.  Per
 * frame the values and their codes are stored and the sequential detectors
 * updated.  Every H frames, once W frames are in, each feature's window is
 * counted into the slots of the grid (the sorted reference sample and bin
 * edges) and the grid walked once: KS statistic, Wasserstein-1 and PSI
 * counts in O(W + reference), without sorting or searching.  The KS
 * p-value is computed only for an event.  calibrate() and its helpers, at
 * the end, set thresholds from a false-alarm rate.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "watch.h"

const char *const test_name[T_COUNT] = {
	"ks", "psi", "w1", "js", "ph", "cusum", "adwin"
};

struct dev {
	uint64_t	 frames;
	uint32_t	 pos;		/* next window slot */
	uint8_t		 state;		/* enum dstate */
	uint8_t		 seqhit[T_COUNT];	/* alarm since last eval */
	double		 seqstat[T_COUNT];
	double		 retrain_after;	/* no retrain before (seconds) */
	struct drift_ph	 ph;
	struct drift_cusum cu;
	struct drift_adwin ad;
	/* followed by: float val[nfeat * W]; uint8 code[nfeat * W] (each
	   value's code, watch_code(), set by the first evaluation that sees
	   the value, when its feature's grid is in the cache anyway);
	   int16 cat[W] (js);
	   int64 tsec[nblk]; uint32 tnsec[nblk];
	   uint16 up[NL], down[NL]; double last[NL]; uint8 seen[NL],
	   NL = (nfeat + 1) * T_COUNT (row nfeat: the signal) */
};

static void
layout(const struct watch *w, struct watch_layout *l)
{
	size_t o = sizeof(struct dev);

#define PLACE(f, bytes, align)	do {				\
		o = (o + (align) - 1) & ~(size_t)((align) - 1);	\
		l->f = o;					\
		o += (bytes);					\
	} while (0)
	l->nblk = w->W / w->H + 1;
	l->nl = (w->nfeat + 1) * T_COUNT;
	PLACE(val, sizeof(float) * w->nfeat * w->W, 8);
	PLACE(code, (size_t)w->nfeat * w->W, 8);
	PLACE(cat, w->ncat > 0 ? sizeof(int16_t) * w->W : 0, 8);
	PLACE(tsec, sizeof(int64_t) * l->nblk, 8);
	PLACE(tnsec, sizeof(uint32_t) * l->nblk, 8);
	PLACE(up, sizeof(uint16_t) * l->nl, 8);
	PLACE(down, sizeof(uint16_t) * l->nl, 8);
	PLACE(last, sizeof(double) * l->nl, 8);
	PLACE(seen, l->nl, 8);
	l->size = (o + 15) & ~(size_t)15;
#undef PLACE
}

#define AT(d, l, f, T)	((T *)((char *)(d) + (l).f))

static int
cmpd(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* x's coarse bucket, 0 .. nbk + 1 (monotone in x; NaN: 0) */
static inline uint32_t
bucket(const struct ref *r, double x)
{
	double t = (x - r->bk_lo) * r->bk_scale, top = r->nbk + 1;

	t = t > 0 ? t : 0;
	t = t < top ? t : top;
	return (uint32_t)t;
}

/* A reference's grid arrays (grid_build()'s), freed and NULLed. */
static void
ref_free(struct ref *r)
{
	free(r->g);
	free(r->cref);
	free(r->sbin);
	free(r->base);
	free(r->bend);
	free(r->gap);
	r->g = NULL;
	r->cref = NULL;
	r->sbin = NULL;
	r->base = NULL;
	r->bend = NULL;
	r->gap = NULL;
}

/* the grid of r: sample and edges merged, its counts, bins and index */
static int
grid_build(struct ref *r)
{
	uint32_t i, j, n = r->nsample + r->nbins + 1, k;
	double *v;

	ref_free(r);
	r->g = malloc(sizeof(double) * (n + 4));
	r->cref = malloc(sizeof(uint32_t) * (n + 1));
	r->sbin = malloc(2 * (size_t)n + 2);
	r->base = malloc(sizeof(uint16_t) * (4 * (size_t)n + 4));
	r->bend = malloc(sizeof(uint32_t) * (r->nbins + 1));
	r->gap = malloc(sizeof(struct gap) * (n + 1));
	if ((v = r->g) == NULL || r->cref == NULL || r->sbin == NULL ||
	    r->base == NULL ||
	    r->bend == NULL || r->gap == NULL)
		return -1;
	memcpy(v, r->sorted, sizeof(double) * r->nsample);
	memcpy(v + r->nsample, r->edges, sizeof(double) * (r->nbins + 1));
	qsort(v, n, sizeof(double), cmpd);
	for (i = j = 0; i < n; i++)
		if (j == 0 || v[i] != v[j - 1])
			v[j++] = v[i];
	r->ng = j;
	for (i = 0; i < 4; i++)
		r->g[r->ng + i] = INFINITY;	/* slot_of() reads past */
	for (i = k = 0; i < r->ng; i++) {
		while (k < r->nsample && r->sorted[k] <= r->g[i])
			k++;
		r->cref[i] = k;
	}
	/* slot 0: below g[0] <= edges[0]; 2i-1: equal to g[i-1]; 2i: inside
	   (g[i-1], g[i]), where no edge is, so the bin of g[i-1] */
	r->sbin[0] = 0;
	for (i = 1; i <= r->ng; i++) {
		r->sbin[2 * i - 1] = (uint8_t)drift_bin(r->edges, r->nbins,
		    r->g[i - 1]);
		r->sbin[2 * i] = i == r->ng ? (uint8_t)(r->nbins - 1) :
		    r->sbin[2 * i - 1];
	}
	/* the PSI bins are runs of slots (drift_bin is monotone) */
	for (i = 0; i < r->nbins; i++)
		r->bend[i] = 0;
	for (i = 0; i <= 2 * r->ng; i++) {
		if (i > 0 && r->sbin[i] < r->sbin[i - 1]) {
			errno = EINVAL;
			return -1;
		}
		r->bend[r->sbin[i]] = i + 1;
	}
	for (i = 1; i < r->nbins; i++)
		if (r->bend[i] < r->bend[i - 1])
			r->bend[i] = r->bend[i - 1];
	for (i = 0; i + 1 < r->ng; i++) {
		r->gap[i].dg = (r->g[i + 1] - r->g[i]) / r->nsample;
		r->gap[i].ia = r->cref[i];
	}
	/* the coarse buckets: 4 a grid value, 2 bytes each */
	r->nbk = 4 * r->ng;
	r->bk_lo = r->g[0];
	r->bk_scale = r->g[r->ng - 1] > r->g[0] ? r->nbk / (r->g[r->ng - 1] -
	    r->g[0]) : 0;
	if (!isfinite(r->bk_scale))
		r->bk_scale = 0;
	for (i = 0; i <= r->nbk + 2; i++)
		r->base[i] = 0;
	for (i = 0; i < r->ng; i++)
		r->base[bucket(r, r->g[i]) + 1] += 2;
	for (i = 1; i <= r->nbk + 2; i++)
		r->base[i] += r->base[i - 1];
	return 0;
}

/*
 * x's slot in r's grid (x not NaN): the grid values below x's bucket are
 * below x, those above it above x, so the count of grid values <= x is
 * found among the bucket's own: up to 4 compared without a branch (g is
 * padded with 4 infinities), more (a grid crowded there) by binary search.
 */
static inline uint32_t
slot_at(const struct ref *r, double x, uint32_t b)
{
	const double *g = r->g;
	uint32_t lo = r->base[b] / 2, hi = r->base[b + 1] / 2, mid, i;

	if (hi - lo <= 4)
		i = lo + ((lo < hi) & (g[lo] <= x)) +
		    ((lo + 1 < hi) & (g[lo + 1] <= x)) +
		    ((lo + 2 < hi) & (g[lo + 2] <= x)) +
		    ((lo + 3 < hi) & (g[lo + 3] <= x));
	else {
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (g[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	return i > 0 && g[i - 1] == x ? 2 * i - 1 : 2 * i;
}

static inline uint32_t
slot_of(const struct ref *r, double x)
{
	return slot_at(r, x, bucket(r, x));
}

/* The evaluation's scratch buffers, freed and NULLed (watch_ready() sizes
 * them again). */
static void
scratch_free(struct watch *w)
{
	free(w->scratch);
	free(w->counts);
	free(w->hist);
	free(w->sums);
	free(w->slots);
	free(w->cum);
	free(w->head);
	free(w->xslot);
	free(w->cand);
	w->scratch = NULL;
	w->counts = NULL;
	w->hist = NULL;
	w->sums = NULL;
	w->slots = NULL;
	w->cum = NULL;
	w->head = NULL;
	w->xslot = NULL;
	w->cand = NULL;
}

int
watch_ready(struct watch *w)
{
	uint32_t i, nmax = 0;

	layout(w, &w->lay);
	w->devsize = w->lay.size;
	for (i = 0; i < w->nfeat; i++) {
		/* slots are uint16_t: 2 (nsample + nbins + 1) + 1 of them */
		if (w->ref[i].nbins > 255 || w->ref[i].nsample == 0 ||
		    w->ref[i].nsample > 30000) {
			errno = EINVAL;
			return -1;
		}
		if (grid_build(&w->ref[i]) == -1)
			return -1;
		if (w->ref[i].ng > nmax)
			nmax = w->ref[i].ng;
	}
	scratch_free(w);
	w->scratch = malloc(sizeof(double) * (2 * (size_t)w->W + 16));
	w->counts = calloc(1024 + (size_t)w->ncat + 64, sizeof(uint32_t));
	w->hist = calloc(2 * (size_t)nmax + 2, sizeof(uint32_t));
	w->sums = calloc(2 * (size_t)nmax + 2, sizeof(double));
	w->slots = malloc(sizeof(uint16_t) * w->W + 1);
	w->cum = malloc(sizeof(uint32_t) * (2 * (size_t)nmax + 2));
	w->head = malloc(sizeof(uint16_t) * (2 * (size_t)nmax + 2));
	w->xslot = malloc(sizeof(uint32_t) * ((size_t)nmax + 2));
	w->cand = malloc(sizeof(uint32_t) * ((size_t)nmax + 2));
	if (w->scratch == NULL || w->counts == NULL || w->hist == NULL ||
	    w->sums == NULL || w->slots == NULL ||
	    w->cum == NULL || w->head == NULL || w->xslot == NULL ||
	    w->cand == NULL)
		return -1;
	return 0;
}

void
watch_free(struct watch *w)
{
	uint32_t i;

	for (i = 0; w->ref != NULL && i < w->nfeat; i++)
		ref_free(&w->ref[i]);
	scratch_free(w);
}

void
watch_dev_init(void *dp, void *arg)
{
	struct watch *w = arg;
	struct dev *d = dp;
	struct watch_layout l;
	uint32_t i;

	layout(w, &l);
	for (i = 0; i < w->nfeat * w->W; i++)
		AT(d, l, val, float)[i] = NAN;
	memset(AT(d, l, code, uint8_t), 255, (size_t)w->nfeat * w->W);
	if (w->ncat > 0)
		for (i = 0; i < w->W; i++)
			AT(d, l, cat, int16_t)[i] = -1;
	d->retrain_after = -INFINITY;
	if (w->sig >= 0) {
		const struct ref *s = w->sig < (int)w->nfeat ? &w->ref[w->sig] :
		    &w->sigref;

		drift_ph_init(&d->ph, w->ph_delta, w->slim[T_PH].thr,
		    w->ph_alpha, w->ph_min, 1);
		drift_cusum_init(&d->cu, w->cu_k, w->slim[T_CUSUM].thr, 0,
		    s->mean, s->std > 0 ? s->std : 1);
		drift_adwin_init(&d->ad, w->slim[T_ADWIN].thr, w->ad_clock, 5,
		    10);
	}
}

/* ---- evaluation ---------------------------------------------------- */

static uint32_t
fkey(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

/*
 * The finite values of v[0..n) sorted ascending into out (as doubles);
 * how many.  LSD radix sort, 4 passes of 8 bits on the order-preserving
 * transform of the float bits.
 */
static uint32_t
sort_window(const float *v, uint32_t n, double *out)
{
	uint32_t *a = (uint32_t *)out, *b = a + n, *t, cnt[256], i, m = 0;
	int pass;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			a[m++] = fkey(v[i]);
	for (pass = 0; pass < 4; pass++) {
		uint32_t sum = 0, c, sh = 8 * pass;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < m; i++)
			cnt[(a[i] >> sh) & 255]++;
		for (i = 0; i < 256; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < m; i++)
			b[cnt[(a[i] >> sh) & 255]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* a holds the keys (a is out's first half after 4 passes); back to
	   floats, widened, from the top down so nothing is overwritten */
	for (i = m; i-- > 0;) {
		uint32_t u = a[i];
		float f;

		u = (u & 0x80000000u) ? u & 0x7fffffffu : ~u;
		memcpy(&f, &u, 4);
		out[i] = f;
	}
	return m;
}

/*
 * One pass over sorted window x[0..n) and the sorted reference sample:
 * the KS statistic, Wasserstein-1, and the PSI bin counts.
 */
static void
window_stats(const struct ref *r, const double *x, uint32_t n,
    uint32_t *bins, double *ks, double *w1)
{
	const double *a = r->sorted;
	uint32_t na = r->nsample, i = 0, j = 0, b = 0;
	double d = 0, s = 0, t, next, diff;

	/* PSI counts: walk the edges along x (drift_bin's rule) */
	memset(bins, 0, sizeof(uint32_t) * r->nbins);
	for (j = 0; j < n; j++) {
		while (b + 1 < r->nbins && r->edges[b + 1] <= x[j])
			b++;
		bins[b]++;
	}
	j = 0;
	if (na == 0 || n == 0) {
		*ks = *w1 = NAN;
		return;
	}
	t = a[0] < x[0] ? a[0] : x[0];
	for (;;) {
		while (i < na && a[i] <= t)
			i++;
		while (j < n && x[j] <= t)
			j++;
		diff = (double)i / na - (double)j / n;
		if (fabs(diff) > d)
			d = fabs(diff);
		if (i == na && j == n)
			break;
		if (j >= n || (i < na && a[i] < x[j]))
			next = a[i];
		else
			next = x[j];
		s += fabs(diff) * (next - t);
		t = next;
	}
	*ks = d;
	*w1 = s;
}

/* Values outside [g[0], g[ng-1]] are coded 255 (searched for at every
   evaluation; few), so that the evaluation finds the bucket of a coded
   value without clamping it. */
static inline uint8_t
code_of(const struct ref *r, double x)
{
	const double *g;
	uint32_t s, b, lo, hi;

	if (!(x >= r->g[0] && x <= r->g[r->ng - 1]))
		return 255;
	b = (uint32_t)((x - r->bk_lo) * r->bk_scale);	/* no clamp needed */
	lo = r->base[b] / 2;
	hi = r->base[b + 1] / 2;
	if (hi - lo > 4) {
		s = slot_at(r, x, b) - r->base[b];
		return s < 255 ? (uint8_t)s : 255;
	}
	/* the slot is 2 lo plus the grid values <= x plus those < x (one
	   more for x equal to one): among the bucket's 4 or fewer, as the
	   values after them, in higher buckets or the padding, are > x.
	   slot_at()'s short case, without its masks and its dependent load
	   of the grid value below: 3-4% of drift's time */
	g = r->g + lo;
	return (uint8_t)((g[0] <= x) + (g[0] < x) + (g[1] <= x) + (g[1] < x) +
	    (g[2] <= x) + (g[2] < x) + (g[3] <= x) + (g[3] < x));
}

uint8_t
watch_code(const struct ref *r, float f)
{
	return code_of(r, f);
}

/* the KS statistic so far: the largest |ia n - j na| and, among the pairs
   that reach it, the largest |ia / na - j / n| */
struct ksmax {
	int64_t		 best;
	double		 d;
	uint32_t	 na, n;
};

/* a KS candidate: the two ECDFs at ia of na and j of n (out of line: the
   walk calls it only when a pair may reach the largest) */
static __attribute__((noinline)) void
ks_at(struct ksmax *k, uint32_t ia, uint32_t j)
{
	int64_t e = (int64_t)ia * k->n - (int64_t)j * k->na;
	double diff;

	e = e < 0 ? -e : e;
	if (e < k->best)
		return;
	diff = fabs((double)ia / k->na - (double)j / k->n);
	if (e > k->best || diff > k->d)
		k->d = diff;
	k->best = e;
}

/*
 * watch_grid_stats()'s walk over the grid points g[0] .. g[ng-2] and the
 * gaps above them, from j window values at or below g[0]'s slot: the
 * cumulative counts into cum, n times the area of the gaps where the ECDFs
 * do not cross into *area, those where they do into xslot (their window
 * values below into below), and the grid points where the largest |e| so
 * far (starting from ks->best) is reached into cand (*ncand): their
 * max(|e1|, |e2|) do not decrease, so those that reach the largest are
 * the last ones.  No call and no branch on the KS candidates, so that the
 * loop has the registers to itself.  The window values after the last
 * gap.
 */
static __attribute__((noinline)) uint32_t
walk(const struct ref *r, const uint32_t *restrict hist,
    const double *restrict sums, uint32_t *restrict cum,
    uint32_t *restrict xslot, uint32_t *nc, uint32_t *restrict cand,
    uint32_t *ncand, const struct ksmax *ks, double *area, uint32_t j)
{
	const struct gap *gp = r->gap, *ge = r->gap + r->ng - 1;
	const double *hi = r->g + 1;
	const int64_t na = ks->na, n = ks->n;
	uint32_t k = *nc, q = 0;
	size_t x = 0;		/* 2 i for the gap g[i], g[i+1] */
	int64_t best = ks->best;
	double a = *area;

	for (; gp < ge; gp++, x += 2) {
		uint32_t ja, h = hist[x + 2];
		int64_t e1, e2, m;

		j += hist[x + 1];
		cum[x + 2] = ja = j;
		j += h;
		cum[x + 3] = j;
		e1 = gp->ia * n - ja * na;
		e2 = e1 - h * na;
		/* |e1| and |e2| are max(e1, -e2) at most (e1 >= e2) */
		m = e1 > -e2 ? e1 : -e2;
		cand[q] = (uint32_t)(x / 2);
		q += m >= best;
		best = m >= best ? m : best;
		if (__builtin_expect(e1 > 0 && e2 < 0, 0))
			/* crossing: value by value, later (the window
			   values below it are cum[2 i + 2]) */
			xslot[k++] = (uint32_t)x + 2;
		else
			/* one side: n times the integral of F_win - c
			   over the gap, (F_win - c) at its start being
			   -e1 / (na n), dg being the gap's width over
			   na */
			a += fabs((double)-e1 * gp->dg + (h * hi[x / 2] -
			    sums[x + 2]));
	}
	*nc = k;
	*ncand = q;
	*area = a;
	return j;
}

/*
 * The window v[0..W) (float32, NaN: absent) against r without sorting it:
 * each value's slot in r's grid from its code (stored with the value, so
 * no search here; a code of 255 means search), the count and sum of the
 * values in each slot, then one walk over every grid point, without a
 * branch that depends on the data but for the rare ones below.  At a
 * grid point and just below the next one the two ECDFs are known exactly,
 * which is where the KS supremum is reached (as scipy evaluates it); the
 * Wasserstein integral over a gap where the window's ECDF stays on one side
 * of the reference's is linear in the sum of the gap's values (for an
 * empty gap, |F_win - F_ref| times its width), and the few gaps where the
 * two cross are integrated value by value at the end.  PSI counts come
 * from the window's cumulative count at the end of each bin's slots.  The
 * same results as window_stats() on the sorted window (W1 to rounding).
 * Returns the number of values.
 */
uint32_t
watch_grid_stats(struct watch *w, const struct ref *r, const float *v,
    const uint8_t *code, uint32_t *bins, double *ksp, double *w1)
{
	uint32_t *hist = w->hist, *cum = w->cum, ng = r->ng, i, n = 0, s, j,
	    h, nc = 0, na = r->nsample, k, nk;
	double *sums = w->sums, d = 0, area = 0, c, *vals = w->scratch,
	    fw, t, x;
	const double *g = r->g;
	struct ksmax ks;
	uint16_t *next = w->slots, *head = w->head;
	uint32_t *xslot = w->xslot, W = w->W;
	const uint16_t *base = r->base;
	const double bk_lo = r->bk_lo, bk_scale = r->bk_scale;

	/* hist and sums are all zero here: each walk zeroes them.  The
	   values of a slot are a list (head, next) for the crossing gaps,
	   followed for hist[s] values (its last next is left as it was) */
	for (i = 0; i < W; i++) {
		uint32_t cd = code[i];

		x = v[i];
		if (__builtin_expect(cd == 255, 0)) {
			if (!isfinite(x))
				continue;
			s = slot_of(r, x);
		} else	/* g[0] <= x <= g[ng-1]: bucket() needs no clamp */
			s = base[(uint32_t)((x - bk_lo) * bk_scale)] + cd;
		next[i] = head[s];
		head[s] = (uint16_t)i;
		hist[s]++;
		sums[s] += x;
		n++;
	}
	if (n == 0) {
		memset(bins, 0, sizeof(uint32_t) * r->nbins);
		*ksp = *w1 = NAN;
		return 0;
	}
	/*
	 * The walk: j = window values so far, ia = reference values so far.
	 * The differences are compared exactly as integers, ia n - j na (no
	 * division per slot); the statistic is then computed as scipy does,
	 * ia / na - j / n, for the pairs that reach the largest (distinct
	 * pairs can tie exactly and round apart: the larger float wins),
	 * which does not depend on the order the pairs are seen in.  Slot
	 * 2i + 1: the values equal to g[i]; 2i + 2: the open gap (g[i],
	 * g[i+1]), where the reference stays at cref[i].  At a grid
	 * point the candidates are the pairs after its slot (e1) and after
	 * the gap above it (e2 = e1 - h na <= e1): the larger |e| is
	 * max(e1, -e2); walk() lists the grid points where it reaches the
	 * largest so far, and the last of them are looked at after it.  The
	 * area is summed times n (divided once at the end), its terms in
	 * slot order, the crossing gaps' after the walk.  hist and sums are
	 * zeroed at the end.
	 */
	ks.best = -1;
	ks.d = 0;
	ks.na = na;
	ks.n = n;
	/* below g[0]: F_ref = 0 */
	h = hist[0];
	j = h;
	cum[0] = 0;
	cum[1] = j;
	ks_at(&ks, 0, j);
	area += h * g[0] - sums[0];
	j = walk(r, hist, sums, cum, xslot, &nc, w->cand, &nk, &ks, &area, j);
	/* the walk's KS candidates that reach the largest: the last */
	while (nk > 0) {
		uint32_t q = w->cand[--nk], ia = (uint32_t)r->gap[q].ia,
		    ja = cum[2 * q + 2], jb = cum[2 * q + 3];
		int64_t e1 = (int64_t)ia * n - (int64_t)ja * na,
		    e2 = (int64_t)ia * n - (int64_t)jb * na;

		if ((e1 < 0 ? -e1 : e1) < ks.best &&
		    (e2 < 0 ? -e2 : e2) < ks.best)
			break;
		ks_at(&ks, ia, ja);
		ks_at(&ks, ia, jb);
	}
	/* equal to g[ng-1], then above it: F_ref = 1 */
	s = 2 * ng - 1;
	j += hist[s];
	cum[s + 1] = j;
	ks_at(&ks, na, j);
	s++;
	h = hist[s];
	j += h;
	cum[s + 1] = j;
	ks_at(&ks, na, j);
	area += sums[s] - h * g[ng - 1];
	for (k = 0; k < r->nbins; k++)
		bins[k] = cum[r->bend[k]] - (k > 0 ? cum[r->bend[k - 1]] : 0);
	/* the crossing gaps: each one's values sorted (few), then
	   integrated value by value (F_win - c, times n, is the count
	   below minus c n) */
	for (k = 0; k < nc; k++) {
		uint32_t q, below, gn;

		s = xslot[k];
		gn = hist[s];
		for (q = 0, i = head[s]; q < gn; q++, i = next[i])
			vals[q] = v[i];
		if (gn > 32)
			qsort(vals, gn, sizeof(double), cmpd);
		else
			for (q = 1; q < gn; q++) {
				double y = vals[q];
				uint32_t p = q;

				for (; p > 0 && vals[p - 1] > y; p--)
					vals[p] = vals[p - 1];
				vals[p] = y;
			}
		below = cum[s];
		i = s / 2;
		c = (double)r->cref[i - 1] * n / na;
		t = g[i - 1];
		fw = below;
		for (q = 0; q < gn; q++) {
			x = vals[q];
			area += fabs(fw - c) * (x - t);
			fw = below + q + 1;
			t = x;
		}
		area += fabs(fw - c) * (g[i] - t);
	}
	area /= n;
	memset(hist, 0, sizeof(uint32_t) * (2 * ng + 1));
	memset(sums, 0, sizeof(double) * (2 * ng + 1));
	d = ks.d;
	*ksp = d > 1 ? 1 : d;
	*w1 = area;
	return n;
}

static void
runs(uint16_t *up, uint16_t *down, int above, int below)
{
	if (above) {
		if (*up < UINT16_MAX)
			(*up)++;
	} else
		*up = 0;
	if (below) {
		if (*down < UINT16_MAX)
			(*down)++;
	} else
		*down = 0;
}

static void
add_ev(struct watch *w, struct report *rep, uint32_t f, enum test t,
    double stat, const struct limit *lim, uint32_t up, int confirmed)
{
	struct evidence *e;

	if (rep->nev >= (w->nfeat + 1) * T_COUNT)
		return;
	e = &rep->ev[rep->nev++];
	e->feat = f;
	e->test = t;
	e->stat = stat;
	e->thr = lim->thr;
	e->clr = lim->clr;
	e->rate = lim->rate;
	e->p = NAN;
	e->runs = up;
	e->confirmed = confirmed;
}

static int
evaluate(struct watch *w, struct dev *d, const struct watch_layout *l,
    double now, struct report *rep)
{
	uint16_t *up = AT(d, *l, up, uint16_t), *down = AT(d, *l, down,
	    uint16_t);
	double *last = AT(d, *l, last, double);
	uint8_t *seen = AT(d, *l, seen, uint8_t);
	uint32_t f, n, k, *bins = w->counts, nnew;
	int any_up = 0, confirm = 0, all_clear = 1;
	double stat[T_COUNT], ks, w1;
	enum test t;
	uint32_t row;

	/* the values not yet coded: those since the last evaluation, H
	   frames ago, or the whole window at the first */
	nnew = d->frames >= (uint64_t)w->W + w->H ? (w->H < w->W ? w->H : w->W) :
	    w->W;
	for (f = 0; f < w->nfeat; f++) {
		const struct ref *r = &w->ref[f];
		const float *vf = AT(d, *l, val, float) + (size_t)f * w->W;
		uint8_t *cf = AT(d, *l, code, uint8_t) + (size_t)f * w->W;
		uint32_t p, q;

		if (!(w->tests & ((1u << T_KS) | (1u << T_PSI) |
		    (1u << T_W1))))
			break;
		for (q = 0, p = (d->pos + w->W - nnew) % w->W; q < nnew; q++) {
			cf[p] = code_of(r, vf[p]);
			if (++p == w->W)
				p = 0;
		}
		n = watch_grid_stats(w, r, vf, cf, bins, &ks, &w1);
		if (n < w->W / 2) {
			/* too few values: no evidence either way */
			for (t = T_KS; t <= T_W1; t++)
				all_clear &= down[f * T_COUNT + t] >= w->M ||
				    !seen[f * T_COUNT + t];
			continue;
		}
		stat[T_KS] = ks;
		stat[T_W1] = r->std > 0 ? w1 / r->std : w1;
		stat[T_PSI] = drift_psi(r->freq, bins, r->nbins,
		    DRIFT_PSI_EPS);
		for (t = T_KS; t <= T_W1; t++) {
			const struct limit *lim = &w->lim[f * T_COUNT + t];

			k = f * T_COUNT + t;
			if (!(w->tests & (1u << t)))
				continue;
			last[k] = stat[t];
			runs(&up[k], &down[k], stat[t] > lim->thr,
			    stat[t] <= lim->clr);
			if (up[k] > 0) {
				any_up = 1;
				seen[k] = 1;
			}
			if (up[k] >= w->M)
				confirm = 1;
			if (seen[k] && down[k] < w->M)
				all_clear = 0;
		}
	}
	if ((w->tests & (1u << T_JS)) && w->ncat > 0) {
		const int16_t *c = AT(d, *l, cat, int16_t);
		double q[256], js;
		uint32_t i, m = 0;

		memset(q, 0, sizeof(double) * w->ncat);
		for (i = 0; i < w->W; i++)
			if (c[i] >= 0) {
				q[c[i]]++;
				m++;
			}
		k = w->nfeat * T_COUNT + T_JS;
		if (m >= w->W / 2) {
			js = drift_js(w->catref, q, w->ncat);
			last[k] = js;
			runs(&up[k], &down[k], js > w->slim[T_JS].thr,
			    js <= w->slim[T_JS].clr);
			if (up[k] > 0) {
				any_up = 1;
				seen[k] = 1;
			}
			if (up[k] >= w->M)
				confirm = 1;
		}
		if (seen[k] && down[k] < w->M)
			all_clear = 0;
	}
	row = w->nfeat * T_COUNT;
	for (t = T_PH; t <= T_ADWIN; t++) {
		if (!(w->tests & (1u << t)) || w->sig < 0)
			continue;
		k = row + t;
		runs(&up[k], &down[k], d->seqhit[t], !d->seqhit[t]);
		if (d->seqhit[t]) {
			last[k] = d->seqstat[t];
			any_up = confirm = 1;
			seen[k] = 1;
		}
		if (seen[k] && down[k] < w->M)
			all_clear = 0;
	}

	/* the state machine */
	rep->nev = 0;
	rep->state_changed = rep->retrain = rep->cleared = 0;
	switch (d->state) {
	case D_OK:
		if (confirm)
			d->state = D_CONFIRMED;
		else if (any_up)
			d->state = D_SUSPECTED;
		else
			break;
		rep->state_changed = 1;
		break;
	case D_SUSPECTED:
		if (confirm) {
			d->state = D_CONFIRMED;
			rep->state_changed = 1;
		} else if (all_clear) {
			d->state = D_OK;
			rep->state_changed = rep->cleared = 1;
		}
		break;
	case D_CONFIRMED:
		if (all_clear) {
			d->state = D_OK;
			rep->state_changed = rep->cleared = 1;
		}
		break;
	}
	if (rep->state_changed && d->state == D_CONFIRMED &&
	    now >= d->retrain_after) {
		rep->retrain = 1;
		d->retrain_after = now + w->cooldown;
	}
	if (rep->state_changed) {
		for (f = 0; f <= w->nfeat; f++)
			for (t = 0; t < T_COUNT; t++) {
				k = f * T_COUNT + t;
				if (!(w->tests & (1u << t)) || !seen[k])
					continue;
				if (!rep->cleared && up[k] == 0)
					continue;
				add_ev(w, rep, f, t, last[k],
				    f < w->nfeat && T_WINDOW(t) && t != T_JS ?
				    &w->lim[k] : &w->slim[t], up[k],
				    up[k] >= w->M || (!T_WINDOW(t) && up[k]));
			}
		if (rep->cleared)
			memset(seen, 0, l->nl);
	}
	memset(d->seqhit, 0, sizeof(d->seqhit));
	return rep->state_changed;
}

int
watch_frame(struct watch *w, void *dp, const double *x, double sig, int cat,
    int64_t sec, uint32_t nsec, struct report *rep)
{
	struct dev *d = dp;
	const struct watch_layout l = w->lay;
	float *val;
	uint32_t f, b, fb;
	double now = (double)sec + nsec * 1e-9;

	val = AT(d, l, val, float);
	if (d->frames % w->H == 0) {
		b = (uint32_t)((d->frames / w->H) % l.nblk);
		AT(d, l, tsec, int64_t)[b] = sec;
		AT(d, l, tnsec, uint32_t)[b] = nsec;
	}
	for (f = 0; f < w->nfeat; f++)
		val[(size_t)f * w->W + d->pos] = (float)x[f];
	if (w->ncat > 0)
		AT(d, l, cat, int16_t)[d->pos] = (int16_t)cat;
	if (w->sig >= 0 && isfinite(sig)) {
		if ((w->tests & (1u << T_PH)) && drift_ph_update(&d->ph, sig)) {
			d->seqhit[T_PH] = 1;
			d->seqstat[T_PH] = fmax(d->ph.up, d->ph.down);
		}
		if ((w->tests & (1u << T_CUSUM)) &&
		    drift_cusum_update(&d->cu, sig)) {
			d->seqhit[T_CUSUM] = 1;
			d->seqstat[T_CUSUM] = fmax(d->cu.up, d->cu.down) /
			    d->cu.sigma;
		}
		if (w->tests & (1u << T_ADWIN)) {
			double before = d->ad.width;

			if (drift_adwin_update(&d->ad, sig)) {
				d->seqhit[T_ADWIN] = 1;
				d->seqstat[T_ADWIN] = before + 1 - d->ad.width;
			}
		}
	}
	d->pos = (d->pos + 1) % w->W;
	d->frames++;
	if (d->frames % w->H != 0 || d->frames < w->W)
		return 0;
	if (!evaluate(w, d, &l, now, rep))
		return 0;
	fb = (uint32_t)(((d->frames - w->W) / w->H) % l.nblk);
	rep->from_sec = AT(d, l, tsec, int64_t)[fb];
	rep->from_nsec = AT(d, l, tnsec, uint32_t)[fb];
	rep->to_sec = sec;
	rep->to_nsec = nsec;
	rep->frames = d->frames;
	rep->state = d->state;
	return 1;
}

/* ---- calibration ---------------------------------------------------- */

/*
 * Thresholds from a false-alarm rate.  The rate asked for (confirmed drift
 * events per device per 30 days) is split evenly over the K tests that are
 * on (features x window tests, plus each sequential detector): a
 * Bonferroni split, so the device's rate is at most the sum.  Each test's
 * threshold is then set on simulated no-change streams drawn from the
 * reference by smoothed bootstrap (a profile sample value plus Gaussian
 * noise of Silverman's bandwidth, so that the draws are continuous like the
 * data):
 * - window tests: each of R = 16 rounds draws a pseudo-reference (a sample
 *   of the reference sample's size, and PSI frequencies from min(count,
 *   100,000) draws into the profile's edges), because the real reference
 *   is itself a sample of the machine's distribution; then a stream,
 *   evaluated every H frames as drift evaluates.  Events are counted as
 *   the state machine makes them.  The threshold is set where events per
 *   simulated frame equal the rate per frame asked; when that rate is too
 *   small to see in the simulation (fewer than 5 expected), the log of the
 *   rate of runs of M above is extrapolated on a least-squares line in d^2
 *   (ks, w1: Gaussian tails) through the thresholds that give 160, 80,
 *   40, 20, 10 and 5 runs, or in the index (psi, whose chi-square-like
 *   tail bends) through those giving 40 .. 5.
 * - sequential detectors: events per frame, as drift makes them, on a
 *   simulated stream (standardised to the profile's mean and std) of as
 *   many frames as SEQ_EVENTS events take at the rate asked (SEQ_MIN ..
 *   SEQ_MAX, or --calib-frames if larger: a threshold read off the
 *   simulation, not extrapolated from a short one, which for Page-Hinkley
 *   and ADWIN gave 4x and 2.5x the rate asked), found by bisection on
 *   lambda (ph), h (cusum) and log delta (adwin) with the same common
 *   random numbers at every step.  A rate too small for SEQ_MAX frames is
 *   extrapolated (calib_seq()).  bench/drift.sh measures 0.75 to 1.18 of
 *   the rate asked at 100, 10 and 1 per million frames.
 */

#define SEQ_EVENTS	20	/* events a sequential simulation is to see */
#define SEQ_MIN		20000	/* frames simulated, at least */
#define SEQ_MAX		4000000	/* and at most (unless --calib-frames) */

struct rng {
	uint64_t	 s;
	int		 have;
	double		 spare;
};

static uint64_t
rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
runif(struct rng *r)
{
	return ((rnext(r) >> 11) + 0.5) * 0x1p-53;
}

static double
rgauss(struct rng *r)
{
	double u, v;

	if (r->have) {
		r->have = 0;
		return r->spare;
	}
	u = runif(r);
	v = runif(r);
	r->spare = sqrt(-2 * log(u)) * sin(2 * M_PI * v);
	r->have = 1;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Silverman's bandwidth of the sample, 0 if it has no spread */
static double
bandwidth(const struct ref *r)
{
	double s = r->std, iqr;
	uint32_t n = r->nsample;

	if (n < 2)
		return 0;
	iqr = r->sorted[(3 * n) / 4] - r->sorted[n / 4];
	if (iqr > 0 && iqr / 1.34 < s)
		s = iqr / 1.34;
	return 0.9 * s * pow(n, -0.2);
}

static double
draw(const struct ref *r, double h, double a, double b, struct rng *g)
{
	double x = r->sample[rnext(g) % r->nsample];

	return a * (x + h * rgauss(g)) + b;
}

/*
 * Confirmed events in each of R sequences of statistics at threshold tau,
 * as drift's state machine makes them: confirmed at M evaluations in a row
 * above tau, cleared after M in a row at or below 0.8 tau (the clear
 * level), and only then can it confirm again.
 */
static uint64_t
count_runs(const double *s, uint32_t R, uint32_t n, uint32_t M, double tau,
    int raw)
{
	uint64_t k = 0;
	uint32_t i, j, up, down;
	int conf;
	double x;

	for (i = 0; i < R; i++) {
		up = down = 0;
		conf = 0;
		for (j = 0; j < n; j++) {
			x = s[(size_t)i * n + j];
			up = x > tau ? up + 1 : 0;
			down = x <= 0.8 * tau ? down + 1 : 0;
			if (raw) {
				k += up == M;	/* every run of M above */
				continue;
			}
			if (!conf && up >= M) {
				conf = 1;
				k++;
			} else if (conf && down >= M)
				conf = 0;
		}
	}
	return k;
}

/* the least tau with count_runs <= want (bisection on tau) */
static double
tau_for(const double *s, uint32_t R, uint32_t n, uint32_t M, double want,
    int raw)
{
	double lo = INFINITY, hi = -INFINITY, mid;
	size_t i;
	int it;

	for (i = 0; i < (size_t)R * n; i++) {
		if (s[i] < lo)
			lo = s[i];
		if (s[i] > hi)
			hi = s[i];
	}
	if (!(lo < hi))
		return hi;
	lo -= 1e-12;
	for (it = 0; it < 100; it++) {
		mid = (lo + hi) / 2;
		if ((double)count_runs(s, R, n, M, mid, raw) <= want)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* the threshold for per-frame rate `target`, nframes simulated in all */
static double
calib_window(const double *s, uint32_t R, uint32_t n, uint32_t M,
    double nframes, double target, int squared)
{
	double want = target * nframes, g;

	if (want >= 5)
		return tau_for(s, R, n, M, want, 0);
	/* the tail: runs are rare and isolated, count them all; the line is
	   fitted (least squares) through the thresholds that give 160, 80,
	   40, 20, 10 and 5 runs */
	{
		static const double wants[] = { 160, 80, 40, 20, 10, 5 };
		double xs[6], ys[6], mx = 0, my = 0, sxx = 0, sxy = 0, slope;
		int i, np = 0;

		/* psi's tail bends (a chi-square's): its farther part only */
		for (i = squared ? 0 : 2; i < 6; i++) {
			double tau = tau_for(s, R, n, M, wants[i], 1);
			uint64_t c = count_runs(s, R, n, M, tau, 1);

			if (c < 3)
				continue;
			xs[np] = squared ? tau * tau : tau;
			ys[np] = log(c / nframes);
			np++;
		}
		for (i = 0; i < np; i++) {
			mx += xs[i] / np;
			my += ys[i] / np;
		}
		for (i = 0; i < np; i++) {
			sxx += (xs[i] - mx) * (xs[i] - mx);
			sxy += (xs[i] - mx) * (ys[i] - my);
		}
		if (np < 2 || !(sxx > 0) || !(sxy < 0))
			return np > 0 ? (squared ? sqrt(xs[np - 1]) :
			    xs[np - 1]) : tau_for(s, R, n, M, 0, 1);
		slope = sxy / sxx;
		g = mx + (log(target) - my) / slope;
	}
	return squared ? sqrt(g) : g;
}

static int
calib_feature(struct watch *w, uint32_t f, double target, uint64_t nsim,
    struct rng *g)
{
	const uint32_t R = 16;
	struct ref *r = &w->ref[f], pr = *r;
	uint32_t nev = (uint32_t)(nsim / R / w->H), e, i, j, nb, n, *bins;
	uint64_t m, npsi;
	double h = bandwidth(r), *st[3] = { NULL, NULL, NULL }, *psort = NULL,
	    *pfreq = NULL, ks, w1, nframes;
	float *ring = NULL;
	int ret = -1;
	enum test t;

	if (nev < 10)
		nev = 10;
	for (t = 0; t < 3; t++)
		if ((st[t] = malloc(sizeof(double) * R * nev)) == NULL)
			goto out;
	psort = malloc(sizeof(double) * (r->nsample + 1));
	pfreq = malloc(sizeof(double) * (r->nbins + 1));
	ring = malloc(sizeof(float) * w->W);
	if (psort == NULL || pfreq == NULL || ring == NULL)
		goto out;
	bins = w->counts;
	npsi = r->count < 100000 ? r->count : 100000;
	if (npsi < r->nsample)
		npsi = r->nsample;
	for (i = 0; i < R; i++) {
		/* a pseudo-reference */
		for (j = 0; j < r->nsample; j++)
			psort[j] = draw(r, h, 1, 0, g);
		qsort(psort, r->nsample, sizeof(double), cmpd);
		memset(pfreq, 0, sizeof(double) * r->nbins);
		for (m = 0; m < npsi; m++)
			pfreq[drift_bin(r->edges, r->nbins, draw(r, h, 1, 0,
			    g))] += 1.0 / npsi;
		pr.sorted = psort;
		pr.freq = pfreq;
		/* a stream: fill the window, then H new values per eval */
		for (j = 0; j < w->W; j++)
			ring[j] = (float)draw(r, h, 1, 0, g);
		nb = 0;
		for (e = 0; e < nev; e++) {
			for (j = 0; j < w->H; j++) {
				ring[nb] = (float)draw(r, h, 1, 0, g);
				nb = (nb + 1) % w->W;
			}
			n = sort_window(ring, w->W, w->scratch);
			window_stats(&pr, w->scratch, n, bins, &ks, &w1);
			st[0][(size_t)i * nev + e] = ks;
			st[1][(size_t)i * nev + e] = drift_psi(pfreq, bins,
			    r->nbins, DRIFT_PSI_EPS);
			st[2][(size_t)i * nev + e] = r->std > 0 ? w1 / r->std :
			    w1;
		}
	}
	nframes = (double)R * nev * w->H;
	for (t = T_KS; t <= T_W1; t++) {
		struct limit *lim = &w->lim[f * T_COUNT + t];

		if (!(w->tests & (1u << t)))
			continue;
		lim->thr = calib_window(st[t == T_KS ? 0 : t == T_PSI ? 1 : 2],
		    R, nev, w->M, nframes, target, t != T_PSI);
		lim->clr = 0.8 * lim->thr;
	}
	ret = 0;
out:
	for (t = 0; t < 3; t++)
		free(st[t]);
	free(psort);
	free(pfreq);
	free(ring);
	return ret;
}

/*
 * Alarms of one sequential detector at parameter p on the stream xs, at
 * most stop + 1 (the search only asks whether there are more than stop).
 * raw: every alarm; else events as drift makes them: an alarm confirms at
 * the next evaluation (every H frames) unless already confirmed, M
 * evaluations without one clear.
 */
static uint64_t
seq_alarms(const struct watch *w, enum test t, const struct ref *s,
    double p, const float *xs, uint64_t nsim, int raw, double stop)
{
	static struct drift_adwin ad;
	struct drift_ph ph;
	struct drift_cusum cu;
	uint64_t i, k = 0;
	uint32_t quiet = 0;
	int hit = 0, conf = 0;

	drift_ph_init(&ph, w->ph_delta, p, w->ph_alpha, w->ph_min, 1);
	drift_cusum_init(&cu, w->cu_k, p, 0, s->mean, s->std > 0 ? s->std :
	    1);
	drift_adwin_init(&ad, p, w->ad_clock, 5, 10);
	for (i = 0; i < nsim && (double)k <= stop; i++) {
		int a;

		if (t == T_PH)
			a = drift_ph_update(&ph, xs[i]);
		else if (t == T_CUSUM)
			a = drift_cusum_update(&cu, xs[i]);
		else
			a = drift_adwin_update(&ad, xs[i]);
		hit |= a;
		if (raw) {
			k += a;
			continue;
		}
		if ((i + 1) % w->H != 0)
			continue;
		if (hit) {
			if (!conf) {
				conf = 1;
				k++;
			}
			quiet = 0;
		} else if (conf && ++quiet >= w->M) {
			conf = 0;
			quiet = 0;
		}
		hit = 0;
	}
	return k;
}

/*
 * The simulated signal: smoothed bootstrap standardised to the profile's
 * mean and std (the sample's own mean and spread are off by sampling).
 * float: 4 bytes a frame (16 MB at SEQ_MAX), rounding far below the
 * simulation's own error.
 */
static void
seq_stream(const struct ref *s, float *xs, uint64_t nsim, struct rng *g)
{
	double h = bandwidth(s), a, b, sd = s->std > 0 ? s->std : 1,
	    smean = 0, svar = 0;
	uint64_t i;
	uint32_t j;

	for (j = 0; j < s->nsample; j++)
		smean += s->sample[j] / s->nsample;
	for (j = 0; j < s->nsample; j++)
		svar += (s->sample[j] - smean) * (s->sample[j] - smean) /
		    s->nsample;
	svar += h * h;
	a = svar > 0 ? sd / sqrt(svar) : 1;
	b = s->mean - a * smean;
	for (i = 0; i < nsim; i++)
		xs[i] = (float)draw(s, h, a, b, g);
}

/*
 * The parameter value giving at most `want` alarms on the stream: a
 * bracket by factors of 2 (lambda, h) or 10 (delta) from a start, then 8
 * halvings of it (lambda and h to 1/500 of their value, delta to a
 * factor of 1.01).  The alarm count falls with lambda and h and rises
 * with delta; for adwin the search is on log delta, and so is the result.
 */
static double
seq_param_for(const struct watch *w, enum test t, const struct ref *s,
    double want, const float *xs, uint64_t nsim, int raw)
{
	double lo, hi, mid, p, step;
	int it, logs = t == T_ADWIN;

#define FEW(q)	((double)seq_alarms(w, t, s, logs ? exp(q) : (q), xs,	\
		    nsim, raw, want) <= want)
	/* lo: more than want, hi: at most want (in the direction the
	   count falls, which for log delta is downwards) */
	if (t == T_PH)
		p = 50 * (s->std > 0 ? s->std : 1);
	else if (t == T_CUSUM)
		p = 5;
	else
		p = log(0.002);
	if (FEW(p)) {
		hi = p;
		for (;;) {
			lo = logs ? hi + log(10) : hi / 2;
			if (logs ? lo >= log(0.999) : lo < 1e-9) {
				lo = logs ? log(0.999) : 0;
				break;
			}
			if (!FEW(lo))
				break;
			hi = lo;
		}
	} else {
		lo = p;
		for (;;) {
			hi = logs ? lo - log(10) : lo * 2;
			if (logs ? hi < log(1e-300) : hi > 1e12)
				break;
			if (FEW(hi))
				break;
			lo = hi;
		}
	}
	step = hi - lo;
	for (it = 0; it < 8; it++) {
		step /= 2;
		mid = lo + step;
		if (FEW(mid))
			hi = mid;
		else
			lo = mid;
	}
#undef FEW
	return hi;
}

/*
 * The parameter of detector t for `target` events per frame, on nsim
 * simulated frames xs.  nsim is chosen (calibrate()) to hold SEQ_EVENTS
 * events at the target, so the threshold is read off the simulation
 * itself: bisection for the parameter that gives that many.  Only when
 * the target is too small for SEQ_MAX frames is the rate extrapolated,
 * from the parameters that give 160, 40 and 5 alarms there (raw: in the
 * tail alarms are isolated), on a least-squares line of the log rate in
 * lambda^2 for Page-Hinkley (its faded sum is an AR(1) reflected at 0:
 * a Gaussian tail), in h for CUSUM (run lengths growing exponentially)
 * and in log delta for ADWIN.
 */
static double
calib_seq(const struct watch *w, enum test t, const struct ref *s,
    double target, const float *xs_, uint64_t nsim)
{
	static const double wants[] = { 160, 40, 5 };
	double want = target * nsim, p, xs[3], ys[3], mx = 0, my = 0,
	    sxx = 0, sxy = 0, slope;
	int i, np = 0, sq = t == T_PH;

	if (want >= 5) {
		p = seq_param_for(w, t, s, want, xs_, nsim, 0);
		return t == T_ADWIN ? exp(p) : p;
	}
	for (i = 0; i < 3; i++) {
		double q = seq_param_for(w, t, s, wants[i], xs_, nsim, 1);
		uint64_t c = seq_alarms(w, t, s, t == T_ADWIN ? exp(q) : q,
		    xs_, nsim, 1, INFINITY);

		if (c < 3)
			continue;
		xs[np] = sq ? q * q : q;
		ys[np] = log(c / (double)nsim);
		np++;
	}
	for (i = 0; i < np; i++) {
		mx += xs[i] / np;
		my += ys[i] / np;
	}
	for (i = 0; i < np; i++) {
		sxx += (xs[i] - mx) * (xs[i] - mx);
		sxy += (xs[i] - mx) * (ys[i] - my);
	}
	if (np < 2 || !(sxx > 0) || sxy == 0)
		p = seq_param_for(w, t, s, 5, xs_, nsim, 1);
	else {
		slope = sxy / sxx;
		p = mx + (log(target) - my) / slope;
		if (sq)
			p = p > 0 ? sqrt(p) : 0;
	}
	return t == T_ADWIN ? exp(p) : p;
}

int
calibrate(struct watch *w, double rate30d, double fps, uint64_t seed,
    uint64_t nsim)
{
	struct rng g = { seed, 0, 0 };
	uint32_t f, k = 0;
	uint64_t cap;
	double target, need;
	float *xs;
	enum test t;
	const struct ref *s;

	for (t = T_KS; t <= T_W1; t++)
		if (w->tests & (1u << t))
			k += w->nfeat;
	if (w->sig >= 0)
		for (t = T_PH; t <= T_ADWIN; t++)
			if (w->tests & (1u << t))
				k++;
	if (k == 0)
		return 0;
	/* per test, per frame */
	target = rate30d / k / (30.0 * 86400.0 * fps);
	for (f = 0; f < w->nfeat; f++) {
		if (w->ref[f].nsample < 2 || !(w->tests & ((1u << T_KS) |
		    (1u << T_PSI) | (1u << T_W1))))
			continue;
		if (calib_feature(w, f, target, nsim, &g) == -1)
			return -1;
		for (t = T_KS; t <= T_W1; t++)
			w->lim[f * T_COUNT + t].rate = rate30d / k;
	}
	if (w->sig < 0)
		return 0;
	s = w->sig < (int)w->nfeat ? &w->ref[w->sig] : &w->sigref;
	if (s->nsample < 2 || !(w->tests & ((1u << T_PH) | (1u << T_CUSUM) |
	    (1u << T_ADWIN))))
		return 0;
	/* as many frames as it takes to see SEQ_EVENTS events at the
	   target (SEQ_MIN .. SEQ_MAX, or --calib-frames if larger) */
	cap = nsim > SEQ_MAX ? nsim : SEQ_MAX;
	need = SEQ_EVENTS / target;
	nsim = need < SEQ_MIN ? SEQ_MIN : need > (double)cap ? cap :
	    (uint64_t)ceil(need);
	if ((xs = malloc(sizeof(float) * nsim)) == NULL)
		return -1;
	seq_stream(s, xs, nsim, &g);
	for (t = T_PH; t <= T_ADWIN; t++) {
		if (!(w->tests & (1u << t)))
			continue;
		w->slim[t].thr = calib_seq(w, t, s, target, xs, nsim);
		w->slim[t].clr = w->slim[t].thr;
		w->slim[t].rate = rate30d / k;
	}
	free(xs);
	return 0;
}
