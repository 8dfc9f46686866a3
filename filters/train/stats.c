/*
 * stats -- the alarm thresholds (normal and F quantiles, Hotelling's T^2
 * limit, Jackson and Mudholkar's Q limit, the empirical quantile), the
 * metrics, and a seeded generator.
 *
 * The F distribution function is the regularised incomplete beta function
 * (continued fraction, modified Lentz); quantiles are found by bisection on
 * the distribution function to the last bit, which is slow next to a
 * rational approximation but runs once per training.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

double
norm_quantile(double prob)
{
	double lo = -40, hi = 40, mid;
	int i;

	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (0.5 * erfc(-mid / sqrt(2)) < prob)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* continued fraction of I_x(a, b) (x < (a+1)/(a+b+2)) */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d, h, del, aa;
	int m;

	d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 10000; m++) {
		aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m +
		    1));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

static double
ibeta(double x, double a, double b)
{
	double lbt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	    b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double
f_cdf(double x, double d1, double d2)
{
	if (x <= 0)
		return 0;
	return ibeta(d1 * x / (d1 * x + d2), d1 / 2, d2 / 2);
}

double
f_quantile(double prob, double d1, double d2)
{
	double lo = 0, hi = 1, u;
	int i;

	/* bisection on u = d1 x / (d1 x + d2), monotone in x */
	for (i = 0; i < 200; i++) {
		u = (lo + hi) / 2;
		if (ibeta(u, d1 / 2, d2 / 2) < prob)
			lo = u;
		else
			hi = u;
	}
	u = (lo + hi) / 2;
	return d2 * u / (d1 * (1 - u));
}

double
t2_limit(size_t n, size_t k, double a)
{
	double N = (double)n, K = (double)k;

	if (n <= k || k == 0)
		return NAN;
	return K * (N - 1) * (N + 1) / (N * (N - K)) *
	    f_quantile(1 - a, K, N - K);
}

double
q_limit(const double *ev, size_t m, double a)
{
	double t1 = 0, t2 = 0, t3 = 0, h0, c;
	size_t i;

	for (i = 0; i < m; i++) {
		t1 += ev[i];
		t2 += ev[i] * ev[i];
		t3 += ev[i] * ev[i] * ev[i];
	}
	if (m == 0 || t1 <= 0)
		return NAN;
	h0 = 1 - 2 * t1 * t3 / (3 * t2 * t2);
	c = norm_quantile(1 - a);
	return t1 * pow(c * sqrt(2 * t2 * h0 * h0) / t1 + 1 +
	    t2 * h0 * (h0 - 1) / (t1 * t1), 1 / h0);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
quantile(double *v, size_t n, double prob)
{
	double h;
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), dcmp);
	h = (double)(n - 1) * prob;
	i = (size_t)floor(h);
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

/* ---- metrics ------------------------------------------------------------- */

double
m_accuracy(const int *y, const int *yhat, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += y[i] == yhat[i];
	return n ? (double)k / (double)n : NAN;
}

double
m_f1_macro(const int *y, const int *yhat, size_t n, int K)
{
	double s = 0;
	size_t i;
	int c, present = 0;

	for (c = 0; c < K; c++) {
		size_t tp = 0, fp = 0, fn = 0;

		for (i = 0; i < n; i++) {
			tp += y[i] == c && yhat[i] == c;
			fp += y[i] != c && yhat[i] == c;
			fn += y[i] == c && yhat[i] != c;
		}
		if (tp + fp + fn == 0)
			continue;	/* in neither: not a label here */
		present++;
		s += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
	}
	return present ? s / present : NAN;
}

struct sidx {
	double	 s;
	int	 y;
};

static int
scmp(const void *a, const void *b)
{
	double x = ((const struct sidx *)a)->s, y = ((const struct sidx *)b)->s;

	return x < y ? -1 : x > y;
}

double
m_auc(const int *y, const double *s, size_t n)
{
	struct sidx *v;
	double rsum = 0;
	size_t i, j, npos = 0;

	if ((v = malloc((n ? n : 1) * sizeof(*v))) == NULL)
		return NAN;
	for (i = 0; i < n; i++) {
		v[i].s = s[i];
		v[i].y = y[i] > 0;
		npos += y[i] > 0;
	}
	qsort(v, n, sizeof(*v), scmp);
	for (i = 0; i < n; i = j) {
		double r;
		size_t pos = 0;

		for (j = i; j < n && v[j].s == v[i].s; j++)
			pos += v[j].y > 0;
		r = (double)(i + 1 + j) / 2;	/* average rank, from 1 */
		rsum += r * (double)pos;
	}
	free(v);
	if (npos == 0 || npos == n)
		return NAN;
	return (rsum - (double)npos * (double)(npos + 1) / 2) /
	    ((double)npos * (double)(n - npos));
}

double
m_auc_ovr(const int *y, const double *P, size_t n, int K)
{
	double *s, sum = 0, a;
	int *b, c, m = 0;
	size_t i;

	s = malloc((n ? n : 1) * sizeof(double));
	b = malloc((n ? n : 1) * sizeof(int));
	if (s == NULL || b == NULL) {
		free(s);
		free(b);
		return NAN;
	}
	for (c = 0; c < K; c++) {
		for (i = 0; i < n; i++) {
			s[i] = P[i * (size_t)K + (size_t)c];
			b[i] = y[i] == c;
		}
		a = m_auc(b, s, n);
		if (!isnan(a)) {
			sum += a;
			m++;
		}
	}
	free(s);
	free(b);
	return m ? sum / m : NAN;
}

void
m_confusion(const int *y, const int *yhat, size_t n, int K, uint64_t *cm)
{
	size_t i;

	memset(cm, 0, (size_t)K * (size_t)K * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		if (y[i] >= 0 && y[i] < K && yhat[i] >= 0 && yhat[i] < K)
			cm[(size_t)y[i] * (size_t)K + (size_t)yhat[i]]++;
}

double
m_rmse(const double *y, const double *yhat, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (yhat[i] - y[i]) * (yhat[i] - y[i]);
	return n ? sqrt(s / (double)n) : NAN;
}

double
m_mae(const double *y, const double *yhat, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += fabs(yhat[i] - y[i]);
	return n ? s / (double)n : NAN;
}

double
m_cmapss(const double *y, const double *yhat, size_t n)
{
	double s = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = yhat[i] - y[i];
		s += d < 0 ? exp(-d / 13) - 1 : exp(d / 10) - 1;
	}
	return s;
}

/* ---- splitmix64 ---------------------------------------------------------- */

uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
rng_unif(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

void
rng_shuffle(size_t *v, size_t n, uint64_t *s)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = (size_t)(rng_next(s) % i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}
