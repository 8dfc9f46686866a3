/*
 * stats -- Welford moments and a Greenwald-Khanna quantile sketch.
 *
 * The sketch takes values into a buffer; a full buffer is sorted and merged
 * into the summary in one pass (each new value gets g = 1 and d = g + d - 1
 * of the tuple after it, or 0 if none), then the summary is compressed in
 * one pass that folds a tuple into its right neighbour whenever the merged
 * tuple keeps g + d <= floor(2n/k).  Folding never touches the first tuple,
 * and the last is never folded, so min and max stay exact.  The invariant
 * alone gives the rank bound (Greenwald and Khanna 2001, Prop. 1); see
 * docs/normalize.md for the argument in terms of these functions.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int	 grow(struct stats_tuple **, size_t *, size_t);

void
stats_moments_init(struct stats_moments *m)
{
	m->n = 0;
	m->shift = m->mean = m->m2 = m->sum = m->comp = 0;
	m->min = INFINITY;
	m->max = -INFINITY;
}

/* Neumaier's compensated s += y: the lost low part goes to *c. */
static void
ksum(double *s, double *c, double y)
{
	double t = *s + y;

	if (fabs(*s) >= fabs(y))
		*c += (*s - t) + y;
	else
		*c += (y - t) + *s;
	*s = t;
}

void
stats_moments_add(struct stats_moments *m, double x)
{
	double d, y;

	if (m->n == 0)
		m->shift = x;
	y = x - m->shift;
	m->n++;
	d = y - m->mean;
	m->mean += d / (double)m->n;
	m->m2 += d * (y - m->mean);
	ksum(&m->sum, &m->comp, x);
	if (x < m->min)
		m->min = x;
	if (x > m->max)
		m->max = x;
}

void
stats_moments_merge(struct stats_moments *dst, const struct stats_moments *src)
{
	double na, nb, n, mb, d;

	if (src->n == 0)
		return;
	if (dst->n == 0) {
		*dst = *src;
		return;
	}
	na = (double)dst->n;
	nb = (double)src->n;
	n = na + nb;
	mb = src->mean + (src->shift - dst->shift);	/* in dst's frame */
	d = mb - dst->mean;
	dst->mean += d * (nb / n);
	dst->m2 += src->m2 + d * d * (na * nb / n);
	ksum(&dst->sum, &dst->comp, src->sum);
	ksum(&dst->sum, &dst->comp, src->comp);
	dst->n += src->n;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

double
stats_mean(const struct stats_moments *m)
{
	if (m->n == 0)
		return NAN;
	return (m->sum + m->comp) / (double)m->n;
}

double
stats_var(const struct stats_moments *m, unsigned ddof)
{
	if (m->n <= ddof)
		return NAN;
	return m->m2 / (double)(m->n - ddof);
}

double
stats_std(const struct stats_moments *m, unsigned ddof)
{
	return sqrt(stats_var(m, ddof));
}

/* ---- quantile sketch -------------------------------------------------- */

int
stats_quant_init(struct stats_quant *q, unsigned k, size_t exact_max)
{
	memset(q, 0, sizeof(*q));
	if (k == 0 || exact_max == 0 || exact_max > SIZE_MAX / sizeof(double)) {
		errno = EINVAL;
		return -1;
	}
	if ((q->buf = malloc(exact_max * sizeof(double))) == NULL)
		return -1;
	q->k = k;
	q->bufcap = exact_max;
	q->exact = 1;
	q->sorted = 1;
	return 0;
}

void
stats_quant_free(struct stats_quant *q)
{
	free(q->buf);
	free(q->t);
	free(q->keys);
	memset(q, 0, sizeof(*q));
}

/*
 * Doubles as unsigned keys in the same order: flip the sign bit of a
 * positive number, every bit of a negative one.
 */
static uint64_t
key_of(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | (1ULL << 63);
}

static double
double_of(uint64_t k)
{
	double x;

	k = k >> 63 ? k & ~(1ULL << 63) : ~k;
	memcpy(&x, &k, sizeof(x));
	return x;
}

/*
 * Sort a[0..n) (no NaN) by least-significant-digit radix sort on 8-bit
 * digits, skipping the digits all keys share: linear time whatever the
 * order, and several times faster than qsort() with a comparison function
 * on the 4096-value batches of the sketch.  tmp holds n keys.
 */
static void
radix_sort(double *a, uint64_t *tmp, size_t n)
{
	uint32_t count[8][256];
	uint64_t *k = (uint64_t *)(void *)a, *src, *dst, *sw;
	size_t i, sum, c;
	int d;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		k[i] = key_of(a[i]);	/* in place: same size, same slot */
		for (d = 0; d < 8; d++)
			count[d][(k[i] >> (8 * d)) & 0xff]++;
	}
	src = k;
	dst = tmp;
	for (d = 0; d < 8; d++) {
		if (count[d][(src[0] >> (8 * d)) & 0xff] == n)
			continue;	/* one digit for all: order unchanged */
		for (i = 0, sum = 0; i < 256; i++) {
			c = count[d][i];
			count[d][i] = (uint32_t)sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[d][(src[i] >> (8 * d)) & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	for (i = 0; i < n; i++)
		a[i] = double_of(src[i]);	/* src is k or tmp */
}

static int
sort_buf(struct stats_quant *q)
{
	if (q->sorted || q->nbuf < 2) {
		q->sorted = 1;
		return 0;
	}
	if (q->keys == NULL &&
	    (q->keys = malloc(q->bufcap * sizeof(*q->keys))) == NULL)
		return -1;
	radix_sort(q->buf, q->keys, q->nbuf);
	q->sorted = 1;
	return 0;
}

/* floor(2n/k): the most g + d any tuple may have. */
static uint64_t
band(const struct stats_quant *q)
{
	return 2 * q->n / q->k;
}

/*
 * Fold tuples into their right neighbours where the result keeps
 * g + d <= band.  t[0] (the minimum) is never folded into anything, and the
 * last tuple only ever absorbs.
 */
static void
compress(struct stats_quant *q)
{
	struct stats_tuple *t = q->t;
	uint64_t cap = band(q);
	size_t i, o;

	if (q->nt < 3)
		return;
	o = 1;			/* t[1..o) are kept; t[o] is free */
	for (i = 1; i + 1 < q->nt; i++) {
		if (t[i].g + t[i + 1].g + t[i + 1].d <= cap)
			t[i + 1].g += t[i].g;	/* fold i into i + 1 */
		else
			t[o++] = t[i];
	}
	t[o++] = t[q->nt - 1];
	q->nt = o;
}

static int
grow(struct stats_tuple **p, size_t *cap, size_t need)
{
	struct stats_tuple *np;
	size_t nc;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 256;
	while (nc < need)
		nc *= 2;
	if (nc > SIZE_MAX / sizeof(**p)) {
		errno = ENOMEM;
		return -1;
	}
	if ((np = realloc(*p, nc * sizeof(**p))) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

/*
 * Merge the sorted values x[0..m) into the summary, in place, from the
 * largest down: each new value's successor is then the old tuple placed
 * last, if any.  Then compress.
 */
static int
merge(struct stats_quant *q, const double *x, size_t m)
{
	struct stats_tuple *t;
	size_t i, j, o;
	uint64_t succ = 0;	/* g + d of the successor; 0: none */

	if (grow(&q->t, &q->tcap, q->nt + m) == -1)
		return -1;
	t = q->t;
	i = q->nt;
	j = m;
	o = q->nt + m;
	while (j > 0) {
		if (i > 0 && t[i - 1].v > x[j - 1]) {
			t[--o] = t[--i];
			succ = t[o].g + t[o].d;
		} else {		/* new values after equal old ones */
			o--;
			t[o].v = x[--j];
			t[o].g = 1;
			t[o].d = succ > 0 ? succ - 1 : 0;
		}
	}
	/* t[0..i) are old tuples below every new value: where they were */
	q->nt += m;
	compress(q);
	return 0;
}

/*
 * Merge the buffer (its values are already counted in n) into the summary,
 * MERGE_CHUNK values at a time, so that the tuple array never holds more
 * than the summary plus one chunk.  Merging part of the buffer while n
 * already counts all of it only widens the band early, which the invariant
 * allows: every tuple's g + d stays within floor(2n/k) for the n it ends
 * with.
 */
#define MERGE_CHUNK	512

static int
flush(struct stats_quant *q)
{
	size_t at, m;

	if (q->nbuf == 0)
		return 0;
	if (sort_buf(q) == -1)
		return -1;
	for (at = 0; at < q->nbuf; at += m) {
		m = q->nbuf - at < MERGE_CHUNK ? q->nbuf - at : MERGE_CHUNK;
		if (merge(q, q->buf + at, m) == -1) {
			/* keep the unmerged rest, at the front */
			memmove(q->buf, q->buf + at,
			    (q->nbuf - at) * sizeof(double));
			q->nbuf -= at;
			q->exact = 0;
			return -1;
		}
	}
	q->nbuf = 0;
	q->sorted = 1;
	q->exact = 0;
	return 0;
}

int
stats_quant_add(struct stats_quant *q, double x)
{
	if (isnan(x)) {
		errno = EDOM;
		return -1;
	}
	if (q->nbuf == q->bufcap && flush(q) == -1)
		return -1;
	if (q->nbuf > 0 && x < q->buf[q->nbuf - 1])
		q->sorted = 0;
	q->buf[q->nbuf++] = x;
	q->n++;
	return 0;
}

uint64_t
stats_quant_count(const struct stats_quant *q)
{
	return q->n;
}

int
stats_quant_exact(const struct stats_quant *q)
{
	return q->exact;
}

size_t
stats_quant_size(const struct stats_quant *q)
{
	return q->nt;
}

int
stats_quant_rank(struct stats_quant *q, uint64_t r, double *out)
{
	uint64_t rmin = 0, rmax, e, best;
	size_t i, bi;

	if (r < 1 || r > q->n) {
		errno = EDOM;
		return -1;
	}
	if (q->exact) {
		if (sort_buf(q) == -1)
			return -1;
		*out = q->buf[r - 1];
		return 0;
	}
	if (flush(q) == -1)
		return -1;
	if (r == 1 || r == q->n) {	/* the exact minimum and maximum */
		*out = q->t[r == 1 ? 0 : q->nt - 1].v;
		return 0;
	}
	/*
	 * Each tuple's true rank lies in [rmin, rmin + d], so it is at most
	 * max(r - rmin, rmin + d - r) from r: take the tuple for which that
	 * is least.  Greenwald and Khanna's argument shows some tuple has it
	 * <= n/k (the last one whose greatest rank is <= r + n/k has least
	 * rank > r - n/k, since its successor's least rank is its own plus
	 * g, and g + d <= 2n/k), so the least is too; and it is usually
	 * well under the bound, where taking that last tuple sits on it.
	 * Least ranks only grow along the list: stop once one passes r by
	 * more than the best so far.
	 */
	best = UINT64_MAX;
	bi = 0;
	for (i = 0; i < q->nt; i++) {
		rmin += q->t[i].g;
		rmax = rmin + q->t[i].d;
		if (rmin > r && rmin - r >= best)
			break;
		e = r > rmin ? r - rmin : rmin - r;
		if (rmax > r && rmax - r > e)
			e = rmax - r;
		if (e < best) {
			best = e;
			bi = i;
		}
	}
	*out = q->t[bi].v;
	return 0;
}

/*
 * numpy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) for t >= 0.5.  For
 * finite a and b the first test changes nothing; it keeps an infinite a
 * from turning into NaN (inf - inf) where numpy would give NaN.
 */
static double
lerp(double a, double b, double t)
{
	double d = b - a;

	if (t == 0 || a == b)
		return a;
	return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

int
stats_quant_query(struct stats_quant *q, double phi, double *out)
{
	double h, lo, a, b;
	uint64_t r;

	if (!(phi >= 0 && phi <= 1) || q->n == 0) {
		errno = EDOM;
		return -1;
	}
	h = (double)(q->n - 1) * phi;
	lo = floor(h);
	if (h >= (double)(q->n - 1))
		return stats_quant_rank(q, q->n, out);
	r = (uint64_t)lo + 1;		/* 1-based rank of the value below */
	if (stats_quant_rank(q, r, &a) == -1 ||
	    stats_quant_rank(q, r + 1, &b) == -1)
		return -1;
	*out = lerp(a, b, h - lo);
	return 0;
}
