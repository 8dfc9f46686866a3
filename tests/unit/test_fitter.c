/*
 * test_fitter -- libstream's fitter (normalize --fit) against an
 * independent computation in the test: two-pass mean and standard deviation
 * in long double, minimum and maximum by a scan, and quantiles as numpy's
 * default (linear between order statistics) from a sorted copy; channels
 * found in order of appearance, fixed by names, non-finite values and
 * non-numbers counted and not fitted, and the channel cap.
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

#include "fitter.h"
#include "record.h"
#include "testrand.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* numpy.quantile(x, phi), default method, of sorted s[0..n). */
static double
quantile(const double *s, size_t n, double phi)
{
	double h = (double)(n - 1) * phi, lo = floor(h);
	size_t i = (size_t)lo;

	return i + 1 < n ? s[i] + (h - lo) * (s[i + 1] - s[i]) : s[i];
}

static const struct scaler_chan *
chan(const struct scaler *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nchan; i++)
		if (strcmp(sc->chan[i].name, name) == 0)
			return &sc->chan[i];
	return NULL;
}

static int
close_to(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(1, fabs(b));
}

/* Values with a large offset (where a one-pass sum of squares would lose
 * digits), a NaN and an Inf per 100, and a string field now and then. */
static void
test_moments_quantiles(void **state)
{
	enum { N = 4000 };	/* under STATS_QUANT_EXACT: exact quantiles */
	static double x[N], y[N], sx[N];
	struct record *r = record_new();
	struct fitter f;
	struct scaler *sc;
	const struct scaler_chan *cx, *cy;
	long double mx = 0, vx = 0;
	size_t i, nx = 0;

	(void)state;
	assert_non_null(r);
	rng = 7;
	assert_int_equal(fitter_init(&f, NULL, 0), 0);
	for (i = 0; i < N; i++) {
		x[i] = 1e6 + 3 * (unif() - 0.5);
		y[i] = -2 + 4 * unif() * unif();
		record_clear(r);
		assert_int_equal(record_set_kind(r, KIND_SAMPLE), 0);
		record_set_time(r, 1000 + (int64_t)i, 0);
		assert_int_equal(record_add_f64(r, "x", i % 100 == 7 ? NAN :
		    i % 100 == 8 ? INFINITY : x[i]), 0);
		if (i % 250 == 3)
			assert_int_equal(record_add_str(r, "y", "broken", 6),
			    0);
		else
			assert_int_equal(record_add_f64(r, "y", y[i]), 0);
		assert_int_equal(fitter_add(&f, r), 0);
		if (i % 100 != 7 && i % 100 != 8)
			sx[nx++] = x[i];
	}
	assert_int_equal(f.nchan, 2);
	assert_string_equal(f.chan[0].name, "x");
	assert_string_equal(f.chan[1].name, "y");
	assert_int_equal(f.chan[0].nonfinite, 2 * N / 100);
	assert_int_equal(f.chan[1].nonnumber, N / 250);

	for (i = 0; i < nx; i++)
		mx += sx[i];
	mx /= nx;
	for (i = 0; i < nx; i++)
		vx += (sx[i] - mx) * (sx[i] - mx);
	vx /= nx;
	qsort(sx, nx, sizeof(sx[0]), cmp);

	assert_non_null(sc = fitter_result(&f, SCALE_ZSCORE, "t"));
	assert_non_null(cx = chan(sc, "x"));
	assert_int_equal(cx->n, nx);
	assert_int_equal(cx->nonfinite, 2 * N / 100);
	assert_int_equal(cx->method, SCALE_ZSCORE);
	assert_true(close_to(cx->mean, (double)mx, 1e-15));
	assert_true(close_to(cx->std, sqrtl(vx), 1e-9));
	assert_true(cx->center == cx->mean && cx->scale == cx->std);
	assert_true(cx->min == sx[0] && cx->max == sx[nx - 1]);
	/* exact while the sample is small: numpy's quantiles bit for bit */
	assert_true(cx->q25 == quantile(sx, nx, 0.25));
	assert_true(cx->q50 == quantile(sx, nx, 0.50));
	assert_true(cx->q75 == quantile(sx, nx, 0.75));
	assert_non_null(cy = chan(sc, "y"));
	assert_int_equal(cy->n, N - N / 250);
	scaler_free(&sc);

	assert_non_null(sc = fitter_result(&f, SCALE_ROBUST, "t"));
	assert_non_null(cx = chan(sc, "x"));
	assert_true(cx->center == quantile(sx, nx, 0.5));
	assert_true(close_to(cx->scale, quantile(sx, nx, 0.75) -
	    quantile(sx, nx, 0.25), 1e-12));
	scaler_free(&sc);
	assert_non_null(sc = fitter_result(&f, SCALE_MINMAX, "t"));
	assert_non_null(cx = chan(sc, "x"));
	assert_true(cx->center == sx[0]);
	assert_true(close_to(cx->scale, sx[nx - 1] - sx[0], 1e-12));
	scaler_free(&sc);
	fitter_free(&f);
	record_free(&r);
}

/* -c names: only they are channels, in the given order; a constant channel
 * gets method none and a note. */
static void
test_named_constant(void **state)
{
	char *names[] = { "c", "a" };
	struct record *r = record_new();
	struct fitter f;
	struct scaler *sc;
	int i;

	(void)state;
	assert_int_equal(fitter_init(&f, names, 2), 0);
	for (i = 0; i < 100; i++) {
		record_clear(r);
		assert_int_equal(record_set_kind(r, KIND_SAMPLE), 0);
		assert_int_equal(record_add_f64(r, "a", i), 0);
		assert_int_equal(record_add_f64(r, "b", 2 * i), 0);
		assert_int_equal(record_add_f64(r, "c", 7), 0);
		assert_int_equal(fitter_add(&f, r), 0);
	}
	assert_int_equal(f.nchan, 2);
	assert_non_null(sc = fitter_result(&f, SCALE_ZSCORE, "t"));
	assert_int_equal(sc->nchan, 2);
	assert_string_equal(sc->chan[0].name, "c");
	assert_int_equal(sc->chan[0].method, SCALE_NONE);
	assert_non_null(sc->chan[0].note);
	assert_string_equal(sc->chan[1].name, "a");
	assert_true(close_to(sc->chan[1].mean, 49.5, 1e-15));
	assert_true(close_to(sc->chan[1].std, sqrt(833.25), 1e-14));
	assert_null(chan(sc, "b"));
	scaler_free(&sc);
	fitter_free(&f);
	record_free(&r);
}

/* Without names, channels stop at FIT_MAXCHAN: E2BIG, none lost before. */
static void
test_cap(void **state)
{
	struct record *r = record_new();
	struct fitter f;
	char k[16];
	int i;

	(void)state;
	assert_int_equal(fitter_init(&f, NULL, 0), 0);
	assert_int_equal(record_set_kind(r, KIND_SAMPLE), 0);
	for (i = 0; i < FIT_MAXCHAN; i++) {
		snprintf(k, sizeof(k), "c%d", i);
		assert_int_equal(record_add_f64(r, record_strdup(r, k,
		    strlen(k)), i), 0);
	}
	assert_int_equal(fitter_add(&f, r), 0);
	assert_int_equal(f.nchan, FIT_MAXCHAN);
	assert_int_equal(record_add_f64(r, "one-more", 1), 0);
	errno = 0;
	assert_int_equal(fitter_add(&f, r), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(f.nchan, FIT_MAXCHAN);
	fitter_free(&f);
	record_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments_quantiles),
		cmocka_unit_test(test_named_constant),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
