/*
 * Unit tests for bin/drift's evaluation without sorting
 * (filters/drift/watch.c, watch_grid_stats): on random windows, with and
 * without ties, values beyond the reference and missing values, the KS
 * statistic must equal drift_ks_stat() on the sorted window bit for bit,
 * Wasserstein-1 equal drift_w1() to 1e-12 relative, and the PSI counts
 * equal drift_bin() of every value, with short codes and, for a grid
 * crowded by an outlier, with codes of 255 (as values beyond the grid
 * are coded; drift_ks_stat, drift_w1 and drift_bin are checked against
 * scipy and numpy in test_drift).
 */
// link: filters/drift/watch.c
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testrand.h"

#include "drift.h"
#include "drift/watch.h"

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * outlier: the sample's largest value moved to 1e6, which crowds the
 * rest of the grid into the lowest coarse buckets, so that most codes are
 * 255 and the evaluation searches for their slots.
 */
static void
one_case(int ties, double shift, double scale, int missing, uint32_t W,
    int outlier)
{
	struct watch w;
	struct ref r;
	double sample[1000], edges[11], *win, ks, w1, ks2, w12;
	float *v;
	uint8_t *code;
	uint32_t bins[10], bins2[10], i, n, m, esc = 0;

	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 1000; i++) {
		sample[i] = gauss();
		if (ties)
			sample[i] = round(sample[i] * 4) / 4;
	}
	qsort(sample, 1000, sizeof(double), cmpd);
	if (outlier)
		sample[999] = 1e6;
	for (i = 0; i <= 10; i++)
		edges[i] = sample[i * 999 / 10] + (ties ? 0 : 1e-3);
	r.nsample = 1000;
	r.sorted = sample;
	r.sample = sample;
	r.nbins = 10;
	r.edges = edges;
	r.std = 1;
	w.W = W;
	w.H = W;
	w.M = 1;
	w.nfeat = 1;
	w.ref = &r;
	w.lim = calloc(T_COUNT, sizeof(*w.lim));
	w.sig = -1;
	assert_int_equal(watch_ready(&w), 0);
	assert_int_equal(watch_ready(&w), 0);	/* again: frees the first's */
	v = malloc(sizeof(float) * W);
	win = malloc(sizeof(double) * W);
	for (i = m = 0; i < W; i++) {
		double x = shift + scale * gauss();

		if (ties)
			x = round(x * 4) / 4;
		v[i] = (float)x;
		if (missing && i % 7 == 0)
			v[i] = NAN;
		else
			win[m++] = v[i];
	}
	code = malloc(W);
	for (i = 0; i < W; i++) {
		int in = v[i] >= r.g[0] && v[i] <= r.g[r.ng - 1];

		code[i] = watch_code(&r, v[i]);
		/* beyond the grid (or NaN): 255, searched for */
		if (!in)
			assert_int_equal(code[i], 255);
		esc += code[i] == 255 && in;
	}
	/* the codes are short unless the grid is crowded */
	if (outlier && !ties && W == 1000 && scale <= 1 && shift >= 0 &&
	    shift < 3)
		assert_true(esc > W / 2);
	else if (!outlier)
		assert_int_equal(esc, 0);
	n = watch_grid_stats(&w, &r, v, code, bins, &ks, &w1);
	assert_int_equal(n, m);
	qsort(win, m, sizeof(double), cmpd);
	ks2 = drift_ks_stat(sample, 1000, win, m);
	w12 = drift_w1(sample, 1000, win, m);
	memset(bins2, 0, sizeof(bins2));
	for (i = 0; i < m; i++)
		bins2[drift_bin(edges, 10, win[i])]++;
	if (ks != ks2)
		fail_msg("ks %.17g vs %.17g (ties %d shift %g scale %g)", ks,
		    ks2, ties, shift, scale);
	if (fabs(w1 - w12) > 1e-12 * w12)
		fail_msg("w1 %.17g vs %.17g (ties %d shift %g scale %g)", w1,
		    w12, ties, shift, scale);
	assert_memory_equal(bins, bins2, sizeof(bins));
	watch_free(&w);
	free(w.lim);
	free(v);
	free(code);
	free(win);
}

static void
test_grid(void **state)
{
	static const double shifts[] = { 0, 0.1, 0.5, 3, -8 };
	static const double scales[] = { 1, 0.2, 3 };
	int k, ties, missing, s, c;

	(void)state;
	rng = 42;
	for (k = 0; k < 5; k++)
		for (ties = 0; ties < 2; ties++)
			for (missing = 0; missing < 2; missing++)
				for (s = 0; s < 5; s++)
					for (c = 0; c < 3; c++)
						one_case(ties, shifts[s],
						    scales[c], missing,
						    k == 3 ? 37 : 1000, k == 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
