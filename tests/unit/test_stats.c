/*
 * Unit tests for libstream/stats.c.  Oracles computed here, independently of
 * the code under test: the moments by a two-pass sum in long double, the
 * quantiles by sorting a full copy of the stream.  The sketch is checked on
 * streams of 10^6 values, random and adversarial (sorted, reversed, zigzag,
 * few distinct values, all equal, heavy-tailed), at 20001 ranks each: every
 * answer must be found in the sorted copy within floor(n/k) positions of the
 * rank asked for, and the summary must stay within Greenwald and Khanna's
 * space bound.  Short streams must be answered exactly.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testrand.h"

#include "stats.h"

#define BIG	1000000



/* |a - b| <= rel * max(|a|, |b|) (or both zero / both NaN) */
static void
near(double a, double b, double rel, const char *what)
{
	double m = fmax(fabs(a), fabs(b));

	if (isnan(a) && isnan(b))
		return;
	if (!(fabs(a - b) <= rel * m)) {
		print_error("%s: %.17g vs %.17g (rel %.3g > %.3g)\n", what,
		    a, b, fabs(a - b) / m, rel);
		fail();
	}
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- moments ---------------------------------------------------------- */

/* Mean by a Kahan-compensated sum in long double (a plain long double sum
 * loses 1e-13 relative on the small-mean stream below), then the sum of
 * squared deviations from it. */
static void
two_pass(const double *x, size_t n, long double *mean, long double *var)
{
	long double s = 0, c = 0, y, t, ss = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		y = x[i] - c;
		t = s + y;
		c = (t - s) - y;
		s = t;
	}
	*mean = s / n;
	for (i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*var = ss / n;
}

static void
test_moments_offset(void **state)
{
	/* a C-MAPSS-like channel: 2388.06 +- 0.07, where naive sums fail */
	static double x[200000];
	struct stats_moments m, a, b;
	long double mean, var;
	double mn = INFINITY, mx = -INFINITY;
	size_t i, n = sizeof(x) / sizeof(x[0]);

	(void)state;
	rng = 42;
	for (i = 0; i < n; i++) {
		x[i] = 2388.06 + 0.07 * gauss() + 1e-3 * (double)(i % 7);
		mn = fmin(mn, x[i]);
		mx = fmax(mx, x[i]);
	}
	two_pass(x, n, &mean, &var);
	stats_moments_init(&m);
	for (i = 0; i < n; i++)
		stats_moments_add(&m, x[i]);
	assert_true(m.n == n);
	near(stats_mean(&m), (double)mean, 1e-15, "mean");
	near(stats_var(&m, 0), (double)var, 1e-13, "var");
	near(stats_std(&m, 0), (double)sqrtl(var), 1e-13, "std");
	near(stats_var(&m, 1), (double)(var * n / (n - 1)), 1e-13, "var1");
	assert_true(m.min == mn && m.max == mx);

	/* merging two halves gives the whole */
	stats_moments_init(&a);
	stats_moments_init(&b);
	for (i = 0; i < n / 3; i++)
		stats_moments_add(&a, x[i]);
	for (; i < n; i++)
		stats_moments_add(&b, x[i] - 1000);	/* another shift */
	for (i = n / 3; i < n; i++)
		x[i] -= 1000;
	two_pass(x, n, &mean, &var);
	stats_moments_merge(&a, &b);
	assert_true(a.n == n);
	near(stats_mean(&a), (double)mean, 1e-14, "merged mean");
	near(stats_var(&a, 0), (double)var, 1e-12, "merged var");
	mn = INFINITY;
	mx = -INFINITY;
	for (i = 0; i < n; i++) {
		mn = fmin(mn, x[i]);
		mx = fmax(mx, x[i]);
	}
	assert_true(a.min == mn && a.max == mx);
}

static void
test_moments_small_mean(void **state)
{
	/* a setting-like channel of an engine that changes half way: values
	 * +-3e-4 in steps of 1e-4, mean -4.8e-9.  Welford's running mean is
	 * off by 3e-10 relative here (numpy's pairwise sum by 2e-12); the
	 * compensated sum is exact (math.fsum agrees to the last bit). */
	static double x[20631];
	struct stats_moments m;
	long double mean, var;
	size_t i, n = sizeof(x) / sizeof(x[0]);

	(void)state;
	rng = 43;
	for (i = 0; i < n; i++)
		x[i] = round(((i < n / 2 ? 3e-4 : -3e-4) +
		    (double)((long)(next() % 5) - 2) * 1e-4) * 1e4) / 1e4;
	x[0] = -4e-4;		/* the shift, far from the mean */
	two_pass(x, n, &mean, &var);
	stats_moments_init(&m);
	for (i = 0; i < n; i++)
		stats_moments_add(&m, x[i]);
	print_message("  small mean %.3g: relative error of mean %.3g\n",
	    (double)mean, fabs(stats_mean(&m) - (double)mean) /
	    fabs((double)mean));
	near(stats_mean(&m), (double)mean, 1e-15, "small mean");
	near(stats_var(&m, 0), (double)var, 1e-13, "var");
}

static void
test_moments_edges(void **state)
{
	struct stats_moments m, e;

	(void)state;
	stats_moments_init(&m);
	assert_true(isnan(stats_mean(&m)));
	assert_true(isnan(stats_var(&m, 0)));
	stats_moments_add(&m, 5);
	assert_true(stats_mean(&m) == 5);
	assert_true(stats_var(&m, 0) == 0);
	assert_true(isnan(stats_var(&m, 1)));
	assert_true(m.min == 5 && m.max == 5);
	/* a constant channel has variance exactly 0 */
	stats_moments_add(&m, 5);
	stats_moments_add(&m, 5);
	assert_true(stats_var(&m, 1) == 0);
	/* merging an empty summary changes nothing; into one, copies */
	stats_moments_init(&e);
	stats_moments_merge(&m, &e);
	assert_true(m.n == 3 && stats_mean(&m) == 5);
	stats_moments_merge(&e, &m);
	assert_true(e.n == 3 && stats_mean(&e) == 5 && e.min == 5);
	/* -1, 1: mean 0, population variance 1 */
	stats_moments_init(&m);
	stats_moments_add(&m, -1);
	stats_moments_add(&m, 1);
	assert_true(stats_mean(&m) == 0 && stats_var(&m, 0) == 1 &&
	    stats_var(&m, 1) == 2);
}

/* ---- quantile sketch -------------------------------------------------- */

/* numpy.quantile(s, phi), method "linear", written out from its definition */
static double
np_quantile(const double *s, size_t n, double phi)
{
	double h = (double)(n - 1) * phi, lo = floor(h), t = h - lo;
	size_t i = (size_t)lo;

	if (i + 1 >= n)
		return s[n - 1];
	if (t >= 0.5)
		return s[i + 1] - (s[i + 1] - s[i]) * (1 - t);
	return s[i] + (s[i + 1] - s[i]) * t;
}

static void
test_quant_small_exact(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 10, 99, 100, 101, 1000,
	    4095, 4096 };
	static double x[4096], s[4096];
	struct stats_quant q;
	size_t si, i, n;
	double v, phi;
	uint64_t r;

	(void)state;
	rng = 7;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		n = sizes[si];
		assert_int_equal(stats_quant_init(&q, STATS_QUANT_K,
		    STATS_QUANT_EXACT), 0);
		for (i = 0; i < n; i++) {
			/* duplicates on purpose: a coarse grid */
			x[i] = floor(gauss() * 20) / 4;
			assert_int_equal(stats_quant_add(&q, x[i]), 0);
		}
		memcpy(s, x, n * sizeof(double));
		qsort(s, n, sizeof(double), cmpd);
		assert_true(stats_quant_exact(&q));
		assert_true(stats_quant_count(&q) == n);
		for (r = 1; r <= n; r++) {
			assert_int_equal(stats_quant_rank(&q, r, &v), 0);
			assert_true(v == s[r - 1]);
		}
		for (i = 0; i <= 1000; i++) {
			phi = (double)i / 1000;
			assert_int_equal(stats_quant_query(&q, phi, &v), 0);
			if (v != np_quantile(s, n, phi)) {
				print_error("n=%zu phi=%g: %.17g vs %.17g\n",
				    n, phi, v, np_quantile(s, n, phi));
				fail();
			}
		}
		/* adding after a query goes on from the same state */
		assert_int_equal(stats_quant_add(&q, -1e9), 0);
		assert_int_equal(stats_quant_query(&q, 0, &v), 0);
		assert_true(v == -1e9);
		stats_quant_free(&q);
	}
	/* the first value past exact_max ends exactness */
	assert_int_equal(stats_quant_init(&q, 200, 8), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(stats_quant_add(&q, (double)i), 0);
	assert_true(stats_quant_exact(&q));
	assert_int_equal(stats_quant_add(&q, 8), 0);
	assert_false(stats_quant_exact(&q));
	/* with n < k/2 the band is 0: nothing may be folded, still exact */
	for (r = 1; r <= 9; r++) {
		assert_int_equal(stats_quant_rank(&q, r, &v), 0);
		assert_true(v == (double)(r - 1));
	}
	assert_true(stats_quant_size(&q) == 9);
	stats_quant_free(&q);
}

static void
test_quant_special_values(void **state)
{
	/* the sort must order the whole range: signs, zeros, subnormals,
	 * infinities, in any arrival order */
	static const double sorted[] = { -INFINITY, -1.7976931348623157e308,
	    -1, -2.2250738585072014e-308, -4.9406564584124654e-324, -0.0,
	    0.0, 4.9406564584124654e-324, 2.2250738585072014e-308, 0.5, 1,
	    3, 1.7976931348623157e308, INFINITY };
	enum { N = sizeof(sorted) / sizeof(sorted[0]) };
	struct stats_quant q;
	double v, x[N];
	size_t i, j, t;
	int trial;

	(void)state;
	rng = 5;
	for (trial = 0; trial < 200; trial++) {
		memcpy(x, sorted, sizeof(x));
		for (i = N - 1; i > 0; i--) {	/* Fisher-Yates */
			j = (size_t)(next() % (i + 1));
			v = x[i]; x[i] = x[j]; x[j] = v;
		}
		assert_int_equal(stats_quant_init(&q, 200, 64), 0);
		for (t = 0; t < 3; t++)		/* each value three times */
			for (i = 0; i < N; i++)
				assert_int_equal(stats_quant_add(&q, x[i]), 0);
		for (i = 0; i < 3 * N; i++) {
			assert_int_equal(stats_quant_rank(&q, i + 1, &v), 0);
			assert_true(v == sorted[i / 3]);
			if (sorted[i / 3] == 0)	/* -0 before +0 */
				assert_true(signbit(v) == signbit(sorted[i / 3]));
		}
		stats_quant_free(&q);
	}
}

static void
test_quant_errors(void **state)
{
	struct stats_quant q;
	double v = 7;

	(void)state;
	errno = 0;
	assert_int_equal(stats_quant_init(&q, 0, 10), -1);
	assert_int_equal(errno, EINVAL);
	stats_quant_free(&q);			/* after a failed init */
	assert_int_equal(stats_quant_init(&q, 200, 0), -1);
	stats_quant_free(&q);
	assert_int_equal(stats_quant_init(&q, 200, 10), 0);
	errno = 0;
	assert_int_equal(stats_quant_query(&q, 0.5, &v), -1);	/* empty */
	assert_int_equal(errno, EDOM);
	assert_true(v == 7);
	errno = 0;
	assert_int_equal(stats_quant_add(&q, NAN), -1);
	assert_int_equal(errno, EDOM);
	assert_true(stats_quant_count(&q) == 0);
	assert_int_equal(stats_quant_add(&q, INFINITY), 0);
	assert_int_equal(stats_quant_add(&q, -INFINITY), 0);
	assert_int_equal(stats_quant_add(&q, 1), 0);
	assert_int_equal(stats_quant_query(&q, -0.1, &v), -1);
	assert_int_equal(stats_quant_query(&q, 1.1, &v), -1);
	assert_int_equal(stats_quant_query(&q, NAN, &v), -1);
	assert_int_equal(stats_quant_rank(&q, 0, &v), -1);
	assert_int_equal(stats_quant_rank(&q, 4, &v), -1);
	assert_int_equal(stats_quant_rank(&q, 1, &v), 0);
	assert_true(v == -INFINITY);
	assert_int_equal(stats_quant_query(&q, 1, &v), 0);
	assert_true(v == INFINITY);
	assert_int_equal(stats_quant_query(&q, 0.5, &v), 0);
	assert_true(v == 1);
	stats_quant_free(&q);
	stats_quant_free(&q);			/* twice is harmless */
}

enum shape { UNIFORM, SORTED, REVERSED, ZIGZAG, FEW, CONSTANT, HEAVY,
    BLOCKS, NSHAPES };
static const char *shape_name[] = { "uniform", "sorted", "reversed",
    "zigzag", "few-distinct", "constant", "heavy-tailed", "sorted-blocks" };

static double
gen(enum shape sh, size_t i, size_t n)
{
	switch (sh) {
	case UNIFORM:
		return unif();
	case SORTED:
		return (double)i;
	case REVERSED:
		return (double)(n - i);
	case ZIGZAG:		/* 0, n-1, 1, n-2, ...: extremes alternate */
		return i % 2 ? (double)(n - 1 - i / 2) : (double)(i / 2);
	case FEW:
		return (double)(next() % 10);
	case CONSTANT:
		return 3.25;
	case HEAVY:		/* Cauchy: huge outliers both ways */
		return tan(M_PI * (unif() - 0.5));
	case BLOCKS:		/* 100 sorted runs that each span the range */
		return (double)((i % 10000) * 100 + i / 10000);
	default:
		return 0;
	}
}

/* Positions [lo, hi) of v in the sorted s (0-based). */
static void
positions(const double *s, size_t n, double v, size_t *lo, size_t *hi)
{
	size_t a = 0, b = n, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (s[m] < v)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	b = n;
	while (a < b) {
		m = a + (b - a) / 2;
		if (s[m] <= v)
			a = m + 1;
		else
			b = m;
	}
	*hi = a;
}

static void
check_stream(enum shape sh, unsigned k, size_t n)
{
	struct stats_quant q;
	double *s, v, phi, h, slo, shi;
	size_t i, lo, hi, a, b, worst = 0, e = n / k;
	uint64_t r;
	double bound = 5.5 * k * log2(2.0 * n / k);

	assert_non_null(s = malloc(n * sizeof(double)));
	assert_int_equal(stats_quant_init(&q, k, STATS_QUANT_EXACT), 0);
	rng = 1000 + sh;
	for (i = 0; i < n; i++) {
		s[i] = gen(sh, i, n);
		assert_int_equal(stats_quant_add(&q, s[i]), 0);
	}
	qsort(s, n, sizeof(double), cmpd);
	assert_false(stats_quant_exact(&q));
	for (i = 0; i <= 20000; i++) {
		r = 1 + (uint64_t)((double)(n - 1) * i / 20000);
		assert_int_equal(stats_quant_rank(&q, r, &v), 0);
		positions(s, n, v, &lo, &hi);	/* 1-based ranks lo+1..hi */
		if (hi == lo || lo + 1 > r + e || hi + e < r) {
			print_error("%s: rank %llu -> %.17g at ranks %zu..%zu, "
			    "allowed %llu +- %zu\n", shape_name[sh],
			    (unsigned long long)r, v, lo + 1, hi,
			    (unsigned long long)r, e);
			fail();
		}
		if (r < lo + 1 && lo + 1 - r > worst)
			worst = lo + 1 - r;
		if (r > hi && r - hi > worst)
			worst = r - hi;
	}
	/* quantiles: between the exact values floor(n/k) ranks either side */
	for (i = 0; i <= 1000; i++) {
		phi = (double)i / 1000;
		assert_int_equal(stats_quant_query(&q, phi, &v), 0);
		h = (double)(n - 1) * phi;
		a = (size_t)floor(h);
		b = (size_t)ceil(h);
		slo = s[a >= e ? a - e : 0];
		shi = s[b + e < n ? b + e : n - 1];
		if (!(v >= slo && v <= shi)) {
			print_error("%s: phi %g -> %.17g not in [%.17g, %.17g]\n",
			    shape_name[sh], phi, v, slo, shi);
			fail();
		}
	}
	/* min and max are exact */
	assert_int_equal(stats_quant_query(&q, 0, &v), 0);
	assert_true(v == s[0]);
	assert_int_equal(stats_quant_query(&q, 1, &v), 0);
	assert_true(v == s[n - 1]);
	print_message("  %-13s n=%zu k=%u: %zu tuples (GK bound %.0f), "
	    "worst rank error %zu of %zu allowed\n", shape_name[sh], n, k,
	    stats_quant_size(&q), bound, worst, e);
	assert_true((double)stats_quant_size(&q) <= bound);
	stats_quant_free(&q);
	free(s);
}

static void
test_quant_big(void **state)
{
	int sh;

	(void)state;
	for (sh = 0; sh < NSHAPES; sh++)
		check_stream(sh, STATS_QUANT_K, BIG);
}

static void
test_quant_other_k(void **state)
{
	(void)state;
	/* a coarser sketch must keep its own (looser) bound, and so must a
	 * finer one; odd sizes exercise the integer rounding of n/k */
	check_stream(UNIFORM, 20, 123457);
	check_stream(ZIGZAG, 20, 123457);
	check_stream(UNIFORM, 1000, 300001);
	check_stream(FEW, 3, 50001);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments_offset),
		cmocka_unit_test(test_moments_small_mean),
		cmocka_unit_test(test_moments_edges),
		cmocka_unit_test(test_quant_small_exact),
		cmocka_unit_test(test_quant_special_values),
		cmocka_unit_test(test_quant_errors),
		cmocka_unit_test(test_quant_big),
		cmocka_unit_test(test_quant_other_k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
