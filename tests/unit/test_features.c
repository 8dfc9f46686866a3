/*
 * Unit tests for filters/window/features.c.  The sliding moments are
 * checked window by window against a two-pass recompute in long double
 * (tf_exact) and against brute-force min and max, on hop-1 runs of 100,000
 * samples: white noise, a 70 C channel with 0.01 C noise that drifts and
 * jumps, an amplitude that falls by 10^6, and impulses.  The spectral part
 * is checked on signals whose answers are known in closed form (a sine on a
 * bin, an amplitude-modulated carrier), bearing orders against CWRU's
 * published multipliers.  Comparisons against numpy/scipy on real data are
 * in tests/e2e/window_features.sh.
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

#include "window/feature.h"

// link: filters/window/features.c
// pkgs: kissfft-float



/* |a - b| <= max(rel * |b|, abs); NaN matches NaN only. */
static int
close_to(double a, double b, double rel, double abs)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= fmax(rel * fabs(b), abs);
}

static void
expect(double a, double b, double rel, double abs, const char *what,
    long i)
{
	if (!close_to(a, b, rel, abs))
		fail_msg("%s at %ld: got %.17g, want %.17g (diff %.3g)", what,
		    i, a, b, a - b);
}

#define ALLTF	((1u << TF_COUNT) - 1)

/*
 * Slide a window of w rows with hop 1 over x[n] (times t[n]) and compare
 * every window's features with a recompute from scratch.
 */
static void
slide_check_mode(const double *x, const int64_t *t, size_t n, size_t w,
    double rel, int lazy)
{
	unsigned need = tf_needs(ALLTF);
	struct fwin *fw;
	double got[TF_COUNT], want[TF_COUNT];
	size_t i;
	int f;

	assert_non_null(fw = fwin_new(1, &need, 16, w, lazy));
	for (i = 0; i < n; i++) {
		if (fw->len == w)
			fwin_pop(fw);
		assert_int_equal(fwin_push(fw, t[i], &x[i]), 0);
		if (fw->len < 2 && i > 0)
			continue;
		fwin_features(fw, 0, 1, ALLTF, got);
		tf_exact(x + i + 1 - fw->len, t + i + 1 - fw->len, fw->len,
		    1, want);
		for (f = 0; f < TF_COUNT; f++) {
			/* near zero, an absolute floor: 1e-12 of the rms, of
			 * 1 for the shape statistics, of rms / duration for
			 * the slope */
			double floor = 1e-12 * want[TF_RMS], dur;

			dur = (double)(t[i] - t[i + 1 - fw->len]) * 1e-9;
			if (f == TF_SKEW || f == TF_KURT)
				floor = 1e-12;
			if (f == TF_SLOPE)
				floor = 1e-12 * want[TF_RMS] / dur;
			expect(got[f], want[f], rel, floor, tf_name[f],
			    (long)i);
		}
	}
	fwin_free(&fw);
	assert_null(fw);
}

/* Both ways: sums kept while sliding, and passes over the ring (lazy). */
static void
slide_check(const double *x, const int64_t *t, size_t n, size_t w,
    double rel)
{
	slide_check_mode(x, t, n, w, rel, 0);
	/* no state carried between windows: fewer of them do */
	slide_check_mode(x, t, n < 20000 ? n : 20000, w, rel, 1);
}

static void
fill_times(int64_t *t, size_t n, int64_t t0, int64_t dt)
{
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = t0 + (int64_t)i * dt;
}

#define N	100000

static void
test_white_noise(void **state)
{
	double *x = malloc(N * sizeof *x);
	int64_t *t = malloc(N * sizeof *t);
	size_t i;

	(void)state;
	rng = 1;
	for (i = 0; i < N; i++)
		x[i] = gauss();
	fill_times(t, N, 1700000000LL * 1000000000LL, 83333);
	slide_check(x, t, N, 256, 1e-9);
	free(x);
	free(t);
}

/* 70 C with 0.01 C noise, a slow drift, a 5 C jump and a ramp. */
static void
test_temperature(void **state)
{
	double *x = malloc(N * sizeof *x);
	int64_t *t = malloc(N * sizeof *t);
	size_t i;

	(void)state;
	rng = 2;
	for (i = 0; i < N; i++) {
		x[i] = 70.0 + 0.01 * gauss() + 1e-5 * (double)i;
		if (i > N / 3)
			x[i] += 5.0;
		if (i > 2 * N / 3)
			x[i] += 1e-3 * (double)(i - 2 * N / 3);
	}
	fill_times(t, N, 1700000000LL * 1000000000LL, 300000000000LL);
	slide_check(x, t, N, 256, 1e-9);
	slide_check(x, t, 12000, 5000, 1e-9);
	free(x);
	free(t);
}

/* Vibration whose amplitude falls by 10^6; then impulses on silence. */
static void
test_amplitude_fall(void **state)
{
	double *x = malloc(N * sizeof *x);
	int64_t *t = malloc(N * sizeof *t);
	size_t i;

	(void)state;
	rng = 3;
	for (i = 0; i < N; i++) {
		x[i] = gauss() * (i < N / 2 ? 1e3 : 1e-3);
		if (i > 3 * N / 4 && i % 977 == 0)
			x[i] = 50.0;
	}
	fill_times(t, N, 0, 48828);
	slide_check(x, t, N, 512, 1e-9);
	free(x);
	free(t);
}

/* A constant window: std exactly 0, skewness and kurtosis NaN (0/0). */
static void
test_constant(void **state)
{
	unsigned need = tf_needs(ALLTF);
	struct fwin *fw;
	double x = 70.1, out[TF_COUNT];
	int i, lazy;

	(void)state;
	for (lazy = 0; lazy < 2; lazy++) {
		assert_non_null(fw = fwin_new(1, &need, 4, 8, lazy));
		for (i = 0; i < 100; i++) {
			if (fw->len == 8)
				fwin_pop(fw);
			assert_int_equal(fwin_push(fw, i, &x), 0);
		}
		fwin_features(fw, 0, 1, ALLTF, out);
		assert_true(out[TF_MEAN] == 70.1);
		assert_true(out[TF_STD] == 0.0);
		assert_true(out[TF_MIN] == 70.1 && out[TF_MAX] == 70.1);
		assert_true(out[TF_RMS] == 70.1);
		assert_true(isnan(out[TF_SKEW]) && isnan(out[TF_KURT]));
		assert_true(out[TF_SLOPE] == 0.0);
		assert_true(out[TF_CREST] == 1.0);
		assert_true(fabs(out[TF_SHAPE] - 1.0) < 1e-15);
		fwin_free(&fw);
	}
}

/* Growth: a window that keeps growing (a time window), then pops. */
static void
test_growth_and_bound(void **state)
{
	unsigned need[2] = { tf_needs(ALLTF), tf_needs(1u << TF_MEAN) };
	struct fwin *fw;
	double *x = malloc(3000 * sizeof *x), got[TF_COUNT], want[TF_COUNT];
	double y[2], *vals = malloc(3000 * sizeof *vals);
	int64_t *t = malloc(3000 * sizeof *t);
	size_t i, k;

	(void)state;
	rng = 4;
	assert_non_null(fw = fwin_new(2, need, 1, 3000, 0));
	for (i = 0; i < 3000; i++) {
		x[i] = gauss() + 3;
		t[i] = (int64_t)i * 1000;
		y[0] = x[i];
		y[1] = -x[i];
		assert_int_equal(fwin_push(fw, t[i], y), 0);
		if (i % 7 == 0) {
			fwin_features(fw, 0, 0, ALLTF, got);
			tf_exact(x, t, i + 1, 0, want);
			for (k = 0; k < TF_COUNT; k++)
				expect(got[k], want[k], 1e-9, 1e-12, tf_name[k],
				    (long)i);
			fwin_features(fw, 1, 0, ALLTF, got);
			expect(got[TF_MEAN], -want[TF_MEAN], 1e-9, 1e-12,
			    "mean of channel 1", (long)i);
			assert_true(isnan(got[TF_STD]) && isnan(got[TF_MAX]));
		}
	}
	/* full: the bound holds */
	errno = 0;
	assert_int_equal(fwin_push(fw, 0, y), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(fwin_time(fw, 0), 0);
	assert_int_equal(fwin_time(fw, 2999), 2999000);
	for (i = 0; i < 1000; i++)
		fwin_pop(fw);
	fwin_values(fw, 0, vals);
	assert_memory_equal(vals, x + 1000, 2000 * sizeof *vals);
	fwin_features(fw, 0, 0, ALLTF, got);
	tf_exact(x + 1000, t + 1000, 2000, 0, want);
	for (k = 0; k < TF_COUNT; k++)
		expect(got[k], want[k], 1e-9, 1e-12, tf_name[k], 3000);
	fwin_clear(fw);
	assert_int_equal(fw->len, 0);
	fwin_features(fw, 0, 0, ALLTF, got);
	assert_true(isnan(got[TF_MEAN]));
	y[0] = 5;
	assert_int_equal(fwin_push(fw, 7, y), 0);
	fwin_features(fw, 0, 0, ALLTF, got);
	assert_true(got[TF_MEAN] == 5 && got[TF_MIN] == 5 &&
	    got[TF_P2P] == 0);
	fwin_free(&fw);
	free(x);
	free(t);
	free(vals);
}

/* A slope over times near 2023 in ns: 0.5 units/s exactly. */
static void
test_slope(void **state)
{
	unsigned need = tf_needs(1u << TF_SLOPE);
	struct fwin *fw;
	double v, out[TF_COUNT];
	int64_t t0 = 1700000000LL * 1000000000LL;
	int i;

	(void)state;
	assert_non_null(fw = fwin_new(1, &need, 16, 100, 0));
	for (i = 0; i < 10000; i++) {
		if (fw->len == 100)
			fwin_pop(fw);
		v = 70.0 + 0.5 * (double)i * 0.25;
		assert_int_equal(fwin_push(fw, t0 + (int64_t)i * 250000000,
		    &v), 0);
	}
	fwin_features(fw, 0, 1, ALLTF, out);
	expect(out[TF_SLOPE], 0.5, 1e-9, 0, "slope", 0);
	fwin_free(&fw);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(tf_lookup("kurtosis", 8), TF_KURT);
	assert_int_equal(tf_lookup("p2p", 3), TF_P2P);
	assert_int_equal(tf_lookup("kurt", 4), -1);
	assert_string_equal(tf_name[TF_CLEARANCE], "clearance");
	assert_true(tf_needs(1u << TF_KURT) & NEED_P4);
	assert_false(tf_needs(1u << TF_MEAN) & NEED_MINMAX);
}

/* CWRU's multipliers for the SKF 6205-2RS; IMS's BPFO at 2000 rpm. */
static void
test_bearing(void **state)
{
	struct bearing cwru = { 9, 0.3126, 1.537, 0.0 };
	struct bearing ims = { 16, 0.331, 2.815, 15.17 };
	double o[LINE_COUNT];

	(void)state;
	bearing_orders(&cwru, o);
	expect(o[LINE_BPFI], 5.4152, 0, 5e-5, "BPFI", 0);
	expect(o[LINE_BPFO], 3.5848, 0, 5e-5, "BPFO", 0);
	expect(o[LINE_FTF], 0.39828, 0, 5e-5, "FTF", 0);
	/* CWRU rounds its figure */
	expect(2 * o[LINE_BSF], 4.7135, 0, 1e-4, "2 BSF", 0);
	bearing_orders(&ims, o);
	expect(o[LINE_BPFO] * 2000 / 60.0, 236.4, 0, 0.05, "IMS BPFO", 0);
}

static void
test_nfft(void **state)
{
	(void)state;
	assert_int_equal(spec_nfft(256), 256);
	assert_int_equal(spec_nfft(20480), 20480);
	assert_int_equal(spec_nfft(12000), 12000);
	assert_int_equal(spec_nfft(257), 270);
	assert_int_equal(spec_nfft(20479), 20480);
	assert_int_equal(spec_nfft(14), 16);
}

/*
 * A sine of amplitude A on bin k0 through a Hann window puts A^2/2 into
 * bins k0-1, k0, k0+1 in the ratio 1:4:1: power A^2/2, centroid f0,
 * entropy of (1/6, 2/3, 1/6), Pearson kurtosis 3 over frequency.
 */
static void
test_sine(void **state)
{
	struct spec *s;
	struct spec_conf cf;
	struct spec_out o;
	double x[1024], fs = 1024.0, A = 3.0, f0 = 100.0, h;
	size_t j;

	(void)state;
	for (j = 0; j < 1024; j++)
		x[j] = 5.0 + A * sin(2 * M_PI * f0 * (double)j / fs);
	memset(&cf, 0, sizeof cf);
	cf.want = SF_SPECTRUM | SF_BANDS;
	cf.wfn = WFN_HANN;
	cf.excess = 0;
	cf.neq = 4;
	cf.nbands = 2;
	cf.lo[0] = 98.0;
	cf.hi[0] = 103.0;
	cf.lo[1] = 0.0;
	cf.hi[1] = 98.0;
	assert_non_null(s = spec_new());
	assert_int_equal(spec_compute(s, &cf, x, 1024, fs, &o), 0);
	h = -(2.0 / 6 * log(1.0 / 6) + 2.0 / 3 * log(2.0 / 3)) / log(513.0);
	expect(o.power, A * A / 2, 1e-6, 0, "power", 0);
	expect(o.dom, f0, 0, 0, "dominant", 0);
	expect(o.centroid, f0, 1e-6, 0, "centroid", 0);
	expect(o.entropy, h, 1e-5, 0, "entropy", 0);
	/* single-precision FFT: the noise floor's bins (~1e-17 of the power)
	 * weigh in with (f - 100 Hz)^4 against m4 = (1 Hz)^4 / 3 */
	expect(o.kurt, 3.0, 1e-3, 0, "kurtosis", 0);
	expect(o.band[0], A * A / 2, 1e-6, 0, "band 0 of 4", 0);
	expect(o.band[1], 0, 0, 1e-9, "band 1 of 4", 0);
	expect(o.band[4], A * A / 2, 1e-6, 0, "band 98-103 Hz", 0);
	expect(o.band[5], 0, 0, 1e-9, "band 0-98 Hz", 0);
	assert_true(isnan(o.env_power));
	/* too short, or no rate */
	assert_int_equal(spec_compute(s, &cf, x, 3, fs, &o), 0);
	assert_true(isnan(o.dom) && isnan(o.band[0]));
	assert_int_equal(spec_compute(s, &cf, x, 1024, 0.0, &o), 0);
	assert_true(isnan(o.power));
	/* more lengths than plans: the cache turns over and stays right */
	for (j = 0; j < 6; j++)
		assert_int_equal(spec_compute(s, &cf, x, 1000 + j, fs, &o), 0);
	assert_int_equal(spec_compute(s, &cf, x, 1024, fs, &o), 0);
	expect(o.dom, f0, 0, 0, "dominant after turnover", 0);
	cf.excess = 1;
	assert_int_equal(spec_compute(s, &cf, x, 1024, fs, &o), 0);
	expect(o.kurt, 0.0, 0, 3e-3, "excess kurtosis", 0);
	spec_free(&s);
	assert_null(s);
}

/*
 * A 3 kHz carrier modulated at 107 Hz (an outer-race-like line): the
 * envelope's power in 5-500 Hz sits at 107 Hz and its harmonics, not at
 * 162 Hz.
 */
static void
test_envelope(void **state)
{
	struct spec *s;
	struct spec_conf cf;
	struct spec_out o;
	size_t n = 12000, j;
	double *x = malloc(n * sizeof *x), fs = 12000.0;

	(void)state;
	rng = 5;
	for (j = 0; j < n; j++) {
		double t = (double)j / fs;

		x[j] = (1.0 + 0.8 * cos(2 * M_PI * 107.0 * t)) *
		    cos(2 * M_PI * 3000.0 * t) + 0.01 * gauss();
	}
	memset(&cf, 0, sizeof cf);
	cf.want = SF_ENVELOPE;
	cf.wfn = WFN_HANN;
	cf.env_lo = 5.0;
	cf.env_hi = 500.0;
	cf.env_tol = 3.0;
	cf.harmonics = 3;
	cf.nlines = 2;
	cf.line_hz[0] = 107.0;
	cf.line_hz[1] = 162.0;
	assert_non_null(s = spec_new());
	assert_int_equal(spec_compute(s, &cf, x, n, fs, &o), 0);
	assert_true(o.share[0] > 0.95);
	assert_true(o.share[1] < 0.01);
	/* the envelope's AC power: 0.8^2 / 2 times Hann's mean square 3/8 */
	expect(o.env_power, 0.32 * 0.375, 0.02, 0, "envelope power", 0);
	assert_true(isnan(o.dom));
	spec_free(&s);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_white_noise),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_amplitude_fall),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_growth_and_bound),
		cmocka_unit_test(test_slope),
		cmocka_unit_test(test_bearing),
		cmocka_unit_test(test_nfft),
		cmocka_unit_test(test_sine),
		cmocka_unit_test(test_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
