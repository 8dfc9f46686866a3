/*
 * drift -- window tests and sequential change detectors (drift.h has the
 * contract, docs/drift.md the formulas and what each is compared with).
 *
 * The KS p-value follows scipy 1.10's ks_2samp path by path, so that it
 * agrees with it to rounding: the exact regime counts lattice paths
 * (Hodges 1958; for n1 != n2 the "inside" recursion for 1 - p of Viehmann
 * 2021, which keeps the numbers in [0, 1]); the other evaluates
 * Kolmogorov's finite-n distribution as Simard and L'Ecuyer (2011) choose:
 * Ruben-Gambino at the ends, the Durbin matrix (Marsaglia, Tsang and Wang
 * 2003) for small n x^2, Pelz-Good for large n, and twice the one-sided
 * Smirnov tail (Birnbaum and Tingey 1951) in the upper tail.  Where scipy
 * uses Pomeranz's recursion (n <= 140, 0.75 < n x^2 <= 4) we use the Durbin
 * matrix too: both are exact.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

uint32_t
drift_bin(const double *e, uint32_t nbins, double x)
{
	uint32_t lo = 1, hi = nbins;	/* inner edges e[1..nbins-1] */

	/* number of inner edges <= x: numpy searchsorted(e[1:-1], 'right') */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

double
drift_psi(const double *ref, const uint32_t *count, uint32_t nbins,
    double eps)
{
	double n = 0, s = 0, p, q;
	uint32_t i;

	for (i = 0; i < nbins; i++)
		n += count[i];
	if (n == 0)
		return NAN;
	for (i = 0; i < nbins; i++) {
		p = ref[i] < eps ? eps : ref[i];
		q = count[i] / n;
		if (q < eps)
			q = eps;
		s += (q - p) * log(q / p);
	}
	return s;
}

double
drift_ks_stat(const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0;
	double d = 0, t, diff;

	/* at each pooled value t: counts of a and b that are <= t */
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i] <= b[j]))
			t = a[i];
		else
			t = b[j];
		while (i < na && a[i] <= t)
			i++;
		while (j < nb && b[j] <= t)
			j++;
		diff = (double)i / na - (double)j / nb;
		if (fabs(diff) > d)
			d = fabs(diff);
	}
	return d > 1 ? 1 : d;
}

/* ---- exact regime --------------------------------------------------- */

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* P(D_{n,n} >= h/n), Horner form of the alternating binomial sum */
static double
prob_outside_square(uint64_t n, uint64_t h)
{
	double p = 0, p1;
	int64_t k;
	uint64_t j;

	for (k = (int64_t)(n / h); k >= 0; k--) {
		p1 = 1.0;
		for (j = 0; j < h; j++)
			p1 = ((double)n - (double)k * h - j) * p1 /
			    ((double)n + (double)k * h + j + 1);
		p = p1 * (1.0 - p);
	}
	return 2 * p;
}

/*
 * 1 - P(all lattice paths stay strictly inside |x/m - y/n| < h/lcm), the
 * column recursion of scipy's _compute_outer_prob_inside_method.  -1 on
 * ENOMEM.
 */
static double
prob_outer_inside(uint64_t m, uint64_t n, uint64_t g, uint64_t h)
{
	uint64_t mg, ng, i;
	int64_t minj, maxj, lastminj, curlen, lastlen, lena, jj, j;
	double *a, val, res;

	if (m < n) {
		uint64_t t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	minj = 0;
	maxj = (int64_t)ceil((double)h / mg);
	if (maxj > (int64_t)n + 1)
		maxj = n + 1;
	curlen = maxj - minj;
	lena = 2 * maxj + 2;
	if (lena > (int64_t)n + 1)
		lena = n + 1;
	if ((a = malloc((size_t)(lena + 1) * sizeof(*a))) == NULL)
		return -1;
	for (j = 0; j < lena; j++)
		a[j] = 1.0;
	for (j = minj; j < maxj; j++)
		a[j] = 0.0;
	for (i = 1; i <= m; i++) {
		lastminj = minj;
		lastlen = curlen;
		minj = (int64_t)floor(((double)ng * i - (double)h) / mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > (int64_t)n)
			minj = n;
		maxj = (int64_t)ceil(((double)ng * i + (double)h) / mg);
		if (maxj > (int64_t)n + 1)
			maxj = n + 1;
		if (maxj <= minj) {
			free(a);
			return 1.0;
		}
		val = minj == 0 ? 0.0 : 1.0;
		for (jj = 0; jj < maxj - minj; jj++) {
			j = jj + minj;
			val = (a[jj + minj - lastminj] * i + val * j) /
			    ((double)i + j);
			a[jj] = val;
		}
		curlen = maxj - minj;
		if (lastlen > curlen)
			for (jj = maxj - minj; jj < maxj - minj +
			    (lastlen - curlen) && jj < lena; jj++)
				a[jj] = 1;
	}
	res = a[maxj - minj - 1];
	free(a);
	return res;
}

/* 1 and *p, or 0 when the exact computation fails (scipy: go asymptotic) */
static int
ks_exact_h(uint64_t n1, uint64_t n2, uint64_t g, uint64_t h, double *p)
{
	double pr;

	if (h == 0) {
		*p = 1.0;
		return 1;
	}
	if (n1 == n2)
		pr = prob_outside_square(n1, h);
	else
		pr = prob_outer_inside(n1, n2, g, h);
	if (!(pr >= 0 && pr <= 1) || !isfinite(pr))
		return 0;
	*p = pr;
	return 1;
}

static double
clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* ---- Kolmogorov's distribution of D_n (scipy.stats._ksstats) -------- */

#define E128	0x1p128
#define EM128	0x1p-128

static double
log_nfact_div_npown(double n)
{
	static const double c[] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2
	};
	double rn = 1.0 / n, x = rn / n, p = 0;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		p = p * x + c[i];
	return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * p;
}

/* c = a b, m x m */
static void
matmul(const double *a, const double *b, double *c, int m)
{
	int i, j, k;

	for (i = 0; i < m; i++) {
		for (j = 0; j < m; j++)
			c[i * m + j] = 0;
		for (k = 0; k < m; k++) {
			double aik = a[i * m + k];

			for (j = 0; j < m; j++)
				c[i * m + j] += aik * b[k * m + j];
		}
	}
}

/* P(D_n <= d), Durbin's matrix as Marsaglia, Tsang and Wang compute it */
static double
kolmogn_dmtw(uint64_t n, double d)
{
	double nd = n * d, h, *hm, *hp, *tmp, *v, *w, fac, tt, p;
	int k, m, i, j;
	long expnt = 0, hexpnt = 0;
	uint64_t nn, ii;

	if (d >= 1.0)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (int)ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	if ((hm = calloc((size_t)m * m * 3 + 2 * m, sizeof(double))) == NULL)
		return NAN;
	hp = hm + m * m;
	tmp = hp + m * m;
	v = tmp + m * m;
	w = v + m;
	fac = 1.0;
	for (j = 1; j <= m; j++) {
		v[j - 1] = 1.0 - pow(h, j);
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] *= fac;
	}
	tt = pow(fmax(2 * h - 1.0, 0), m) - 2 * pow(h, m);
	v[m - 1] = (1.0 + tt) * fac;
	for (i = 1; i < m; i++)
		for (j = i - 1; j < m; j++)
			hm[j * m + i] = w[j - (i - 1)];
	for (j = 0; j < m; j++)
		hm[j * m] = v[j];
	for (j = 0; j < m; j++)
		hm[(m - 1) * m + j] = v[m - 1 - j];
	for (i = 0; i < m; i++)
		hp[i * m + i] = 1.0;
	nn = n;
	while (nn > 0) {
		if (nn % 2) {
			matmul(hp, hm, tmp, m);
			memcpy(hp, tmp, sizeof(double) * m * m);
			expnt += hexpnt;
		}
		matmul(hm, hm, tmp, m);
		memcpy(hm, tmp, sizeof(double) * m * m);
		hexpnt *= 2;
		if (fabs(hm[(k - 1) * m + k - 1]) > E128) {
			for (i = 0; i < m * m; i++)
				hm[i] /= E128;
			hexpnt += 128;
		}
		nn /= 2;
	}
	p = hp[(k - 1) * m + k - 1];
	for (ii = 1; ii <= n; ii++) {
		p = ii * p / n;
		if (fabs(p) < EM128) {
			p *= E128;
			expnt -= 128;
		}
	}
	if (expnt != 0)
		p = ldexp(p, (int)expnt);
	free(hm);
	return clip01(p);
}

/* P(D_n <= x) by Pelz and Good's approximation */
static double
kolmogn_pelzgood(uint64_t n, double x)
{
	double z, z2, z3, z4, z6, qlog, q, k1a, k1b, k2a, k2b, k2c, k3a, k3b,
	    k3c, k3d, kk[4] = { 0, 0, 0, 0 }, c[4], qp, k2x, k3x, s3z, sum;
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sq2pi = sqrt(2 * M_PI);
	long maxk, k;
	int i;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = z * z;
	z3 = z2 * z;
	z4 = z2 * z2;
	z6 = z4 * z2;
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	q = exp(qlog);
	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * pow(z, 8);
	maxk = (long)ceil(16 * z / M_PI);
	for (k = maxk; k > 0; k--) {
		double mm = 2 * k - 1, m2 = mm * mm, m4 = m2 * m2,
		    m6 = m4 * m2;

		qp = pow(q, 8.0 * k);
		c[0] = 1.0;
		c[1] = k1a + k1b * m2;
		c[2] = k2a + k2b * m2 + k2c * m4;
		c[3] = k3a + k3b * m2 + k3c * m4 + k3d * m6;
		for (i = 0; i < 4; i++)
			kk[i] = kk[i] * qp + c[i];
	}
	for (i = 0; i < 4; i++)
		kk[i] *= q * sq2pi;
	kk[0] /= z;
	kk[1] /= 6 * z4;
	kk[2] /= 72 * pow(z, 7);
	kk[3] /= 6480 * pow(z, 10);
	q = exp(-pi2 / 2 / z2);
	k2x = k3x = 0;
	s3z = sqrt(3.0) * z;
	for (k = maxk; k > 0; k--) {
		double ks2 = (double)k * k, qk = pow(q, ks2),
		    kp = M_PI * k;

		k2x += ks2 * qk;
		k3x += (s3z + kp) * (s3z - kp) * ks2 * qk;
	}
	kk[2] += k2x * pi2 * sq2pi / (-36 * z3);
	kk[3] += k3x * pi2 * sq2pi / (216 * z6);
	sum = 0;
	for (i = 0; i < 4; i++)
		sum += kk[i] / pow((double)n, i / 2.0);
	return sum;
}

double
drift_smirnov(uint64_t n, double e)
{
	double lg, p = 0, evn, omevn, t;
	uint64_t v, nn;

	if (n == 0 || !(e >= 0 && e <= 1))
		return NAN;
	if (e == 0)
		return 1.0;
	nn = (uint64_t)floor((double)n * (1.0 - e));
	lg = lgamma((double)n + 1);
	for (v = 0; v <= nn; v++) {
		evn = e + (double)v / n;
		omevn = 1.0 - evn;
		if (omevn <= 0) {
			if (v == n)	/* 0^0 */
				p += exp(lg - lgamma(v + 1.0) + (v - 1.0) *
				    log(evn));
			continue;
		}
		t = lg - lgamma(v + 1.0) - lgamma((double)(n - v) + 1) +
		    (v - 1.0) * log(evn) + (double)(n - v) * log(omevn);
		if (t > -745)
			p += exp(t);
	}
	return p * e;
}

double
drift_kolmogn_sf(uint64_t n, double x)
{
	double t, nx2, prob, cdf;

	if (n == 0 || isnan(x))
		return NAN;
	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	t = n * x;
	if (t <= 1.0) {
		if (t <= 0.5)
			return 1.0;
		if (n <= 140) {
			uint64_t i;

			prob = 1;
			for (i = 1; i <= n; i++)
				prob *= i * (1.0 / n) * (2 * t - 1);
		} else
			prob = exp(log_nfact_div_npown((double)n) +
			    n * log(2 * t - 1));
		return clip01(1.0 - prob);
	}
	if (t >= n - 1.0)
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5)
		return clip01(2 * drift_smirnov(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 4)
			return clip01(1.0 - kolmogn_dmtw(n, x));
		return clip01(2 * drift_smirnov(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return clip01(2 * drift_smirnov(n, x));
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_dmtw(n, x);
	else
		cdf = kolmogn_pelzgood(n, x);
	return clip01(1.0 - cdf);
}

/* ---- KS p-value and critical value ---------------------------------- */

#define KS_MAX_AUTO_N	10000

static double
ks_asymp(double d, uint64_t n1, uint64_t n2)
{
	double m = n1 > n2 ? n1 : n2, n = n1 > n2 ? n2 : n1;
	double en = m * n / (m + n);

	return clip01(drift_kolmogn_sf((uint64_t)nearbyint(en), d));
}

double
drift_ks_pvalue(double d, uint64_t n1, uint64_t n2, int *exact)
{
	uint64_t g, lcm, h;
	double p;

	if (exact != NULL)
		*exact = 0;
	if (n1 == 0 || n2 == 0 || !(d >= 0 && d <= 1))
		return NAN;
	g = gcd64(n1, n2);
	if ((n1 > n2 ? n1 : n2) <= KS_MAX_AUTO_N) {
		lcm = (n1 / g) * n2;
		h = (uint64_t)nearbyint(d * (double)lcm);	/* half to even */
		d = (double)h / lcm;
		if (ks_exact_h(n1, n2, g, h, &p)) {
			if (exact != NULL)
				*exact = 1;
			return clip01(p);
		}
	}
	return ks_asymp(d, n1, n2);
}

double
drift_ks_report(double d, uint64_t n1, uint64_t n2)
{
	uint64_t g, lcm;

	if (n1 == 0 || n2 == 0 || (n1 > n2 ? n1 : n2) > KS_MAX_AUTO_N)
		return d;
	g = gcd64(n1, n2);
	lcm = (n1 / g) * n2;
	return nearbyint(d * (double)lcm) / (double)lcm;
}

double
drift_ks_critical(double alpha, uint64_t n1, uint64_t n2)
{
	uint64_t g, lcm, lo, hi, mid;
	double p, dlo, dhi, dm;
	int ok = 1;

	if (n1 == 0 || n2 == 0 || !(alpha > 0 && alpha < 1))
		return NAN;
	g = gcd64(n1, n2);
	if ((n1 > n2 ? n1 : n2) <= KS_MAX_AUTO_N) {
		lcm = (n1 / g) * n2;
		/* smallest h in [1, lcm] with p(h) <= alpha; p falls with h */
		lo = 1;
		hi = lcm;
		while (lo < hi && ok) {
			mid = lo + (hi - lo) / 2;
			if (!(ok = ks_exact_h(n1, n2, g, mid, &p)))
				break;
			if (p <= alpha)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (ok && lo == lcm && ks_exact_h(n1, n2, g, lo, &p) &&
		    p > alpha)
			return INFINITY;	/* out of reach */
		if (ok)
			return (double)lo / lcm;
	}
	if (ks_asymp(1.0, n1, n2) > alpha)
		return INFINITY;
	dlo = 0;
	dhi = 1;
	while (dhi - dlo > 1e-12) {
		dm = (dlo + dhi) / 2;
		if (ks_asymp(dm, n1, n2) <= alpha)
			dhi = dm;
		else
			dlo = dm;
	}
	return dhi;
}

/* ---- Wasserstein-1 and Jensen-Shannon ------------------------------- */

double
drift_w1(const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0;
	double s = 0, t, next;

	if (na == 0 || nb == 0)
		return NAN;
	/* walk the pooled sorted values; between t and the next one the
	   ECDFs are i/na and j/nb */
	t = a[0] < b[0] ? a[0] : b[0];
	for (;;) {
		while (i < na && a[i] <= t)
			i++;
		while (j < nb && b[j] <= t)
			j++;
		if (i == na && j == nb)
			break;
		if (j >= nb || (i < na && a[i] < b[j]))
			next = a[i];
		else
			next = b[j];
		s += fabs((double)i / na - (double)j / nb) * (next - t);
		t = next;
	}
	return s;
}

static double
rel_entr(double x, double y)
{
	if (x > 0 && y > 0)
		return x * log(x / y);
	if (x == 0 && y >= 0)
		return 0;
	return INFINITY;
}

double
drift_js(const double *p, const double *q, size_t k)
{
	double sp = 0, sq = 0, js = 0, pi, qi, m;
	size_t i;

	for (i = 0; i < k; i++) {
		sp += p[i];
		sq += q[i];
	}
	if (sp == 0 || sq == 0)
		return NAN;
	for (i = 0; i < k; i++) {
		pi = p[i] / sp;
		qi = q[i] / sq;
		m = (pi + qi) / 2.0;
		js += rel_entr(pi, m) + rel_entr(qi, m);
	}
	js /= log(2.0);
	return sqrt(js / 2.0);
}

/* ---- Page-Hinkley --------------------------------------------------- */

void
drift_ph_init(struct drift_ph *ph, double delta, double lambda,
    double alpha, uint32_t min_n, int both)
{
	memset(ph, 0, sizeof(*ph));
	ph->delta = delta;
	ph->lambda = lambda;
	ph->alpha = alpha;
	ph->min_n = min_n;
	ph->both = both;
	ph->count = 1;
}

int
drift_ph_update(struct drift_ph *ph, double x)
{
	double up, down;

	if (ph->detected) {
		ph->count = 1;
		ph->mean = ph->up = ph->down = 0;
		ph->detected = 0;
	}
	ph->mean += (x - ph->mean) / (double)ph->count;
	up = ph->alpha * ph->up + (x - ph->mean - ph->delta);
	ph->up = up > 0 ? up : 0;
	if (ph->both) {
		down = ph->alpha * ph->down + (ph->mean - x - ph->delta);
		ph->down = down > 0 ? down : 0;
	}
	ph->count++;
	if (ph->count >= ph->min_n && (ph->up >= ph->lambda ||
	    (ph->both && ph->down >= ph->lambda)))
		ph->detected = 1;
	return ph->detected;
}

/* ---- CUSUM ---------------------------------------------------------- */

void
drift_cusum_init(struct drift_cusum *c, double k, double h, uint32_t min_n,
    double mu, double sigma)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->h = h;
	c->min_n = min_n;
	c->mu = mu;
	c->sigma = sigma;
}

int
drift_cusum_update(struct drift_cusum *c, double x)
{
	double dev, up, down;

	if (c->detected) {
		c->up = c->down = 0;
		c->detected = 0;
		if (c->min_n > 0)
			c->n = 0;
	}
	if (c->min_n > 0 && c->n < c->min_n) {
		/* warm-up: Welford; frozen at min_n values (River) */
		double d;

		c->n++;
		d = x - c->wmean;
		c->wmean += d / c->n;
		c->wm2 += d * (x - c->wmean);
		if (c->n < c->min_n)
			return 0;
		c->mu = c->wmean;
		c->sigma = c->n > 1 ? sqrt(c->wm2 / (c->n - 1)) : 0;
		c->wmean = c->wm2 = 0;
	} else
		c->n++;
	dev = x - c->mu;
	up = c->up + dev - c->k * c->sigma;
	down = c->down - dev - c->k * c->sigma;
	c->up = up > 0 ? up : 0;
	c->down = down > 0 ? down : 0;
	c->detected = c->up > c->h * c->sigma || c->down > c->h * c->sigma;
	return c->detected;
}

/* ---- ADWIN ---------------------------------------------------------- */

void
drift_adwin_init(struct drift_adwin *a, double delta, uint32_t clock,
    uint32_t min_len, uint32_t grace)
{
	memset(a, 0, sizeof(*a));
	a->delta = delta;
	a->clock = clock ? clock : 1;
	a->min_len = min_len;
	a->grace = grace;
	a->nrows = 1;
}

/* append a bucket at the newest end of row r */
static void
adwin_push(struct drift_adwin *a, uint32_t r, double tot, double var)
{
	a->tot[r][a->nb[r]] = tot;
	a->var[r][a->nb[r]] = var;
	a->nb[r]++;
}

/* remove the k oldest buckets of row r */
static void
adwin_shift(struct drift_adwin *a, uint32_t r, uint32_t k)
{
	memmove(a->tot[r], a->tot[r] + k, (a->nb[r] - k) * sizeof(double));
	memmove(a->var[r], a->var[r] + k, (a->nb[r] - k) * sizeof(double));
	a->nb[r] -= k;
}

static void
adwin_compress(struct drift_adwin *a)
{
	uint32_t r;
	double n1, mu1, mu2, v12;

	for (r = 0; r < a->nrows; r++) {
		if (a->nb[r] <= DRIFT_ADWIN_M)
			break;
		if (r + 1 == DRIFT_ADWIN_ROWS) {
			/* the oldest row is full: forget its oldest bucket
			   (5 * 2^31 values back) */
			a->width -= (double)((uint64_t)1 << r);
			a->total -= a->tot[r][0];
			adwin_shift(a, r, 1);
			break;
		}
		if (r + 1 == a->nrows)
			a->nb[a->nrows++] = 0;
		n1 = (double)((uint64_t)1 << r);
		mu1 = a->tot[r][0] / n1;
		mu2 = a->tot[r][1] / n1;
		v12 = a->var[r][0] + a->var[r][1] + n1 * n1 * (mu1 - mu2) *
		    (mu1 - mu2) / (2 * n1);
		adwin_push(a, r + 1, a->tot[r][0] + a->tot[r][1], v12);
		adwin_shift(a, r, 2);
	}
}

static void
adwin_delete_oldest(struct drift_adwin *a)
{
	uint32_t r = a->nrows - 1;
	double n = (double)((uint64_t)1 << r), u = a->tot[r][0], mu = u / n,
	    v = a->var[r][0], muw;

	a->width -= n;
	a->total -= u;
	muw = a->width > 0 ? a->total / a->width : 0;
	a->variance -= v + n * a->width * (mu - muw) * (mu - muw) /
	    (n + a->width);
	adwin_shift(a, r, 1);
	if (a->nb[r] == 0 && a->nrows > 1)
		a->nrows--;
}

/* dp: log(2 ln(width) / delta), the same for every cut of one pass */
static int
adwin_cut(const struct drift_adwin *a, double dp, double n0, double n1,
    double dmean)
{
	double m, eps;

	m = 1.0 / (n0 - a->min_len + 1) + 1.0 / (n1 - a->min_len + 1);
	eps = sqrt(2 * m * (a->variance / a->width) * dp) + 2.0 / 3.0 * dp *
	    m;
	return fabs(dmean) > eps;
}

int
drift_adwin_update(struct drift_adwin *a, double x)
{
	double n0, n1, u0, u1, n2, u2;
	int change = 0, reduce;
	int64_t r;
	uint32_t k;

	/* insert x as a bucket of one in row 0 */
	if (a->width > 0) {
		double d = x - a->total / a->width;

		a->variance += a->width * d * d / (a->width + 1);
	}
	a->width += 1;
	a->total += x;
	adwin_push(a, 0, x, 0);
	adwin_compress(a);

	a->tick++;
	if (a->tick % a->clock != 0 || a->width <= a->grace)
		return 0;
	do {
		double dp = log(2 * log(a->width) / a->delta);

		reduce = 0;
		n0 = 0;
		n1 = a->width;
		u0 = 0;
		u1 = a->total;
		/* every cut between buckets, oldest first */
		for (r = a->nrows - 1; r >= 0 && !reduce; r--) {
			for (k = 0; k < a->nb[r]; k++) {
				n2 = (double)((uint64_t)1 << r);
				u2 = a->tot[r][k];
				n0 += n2;
				n1 -= n2;
				u0 += u2;
				u1 -= u2;
				if (r == 0 && k == a->nb[r] - 1u)
					break;
				if (n1 >= a->min_len && n0 >= a->min_len &&
				    adwin_cut(a, dp, n0, n1,
				    u0 / n0 - u1 / n1)) {
					reduce = change = 1;
					if (a->width > 0)
						adwin_delete_oldest(a);
					break;
				}
			}
		}
	} while (reduce);
	return change;
}
