/*
 * Unit tests for libstream/drift.c.  The oracle is Debian's python3:
 * tests/py/drift_ref.py prints cases with what scipy 1.10 and numpy answer
 * (ks_2samp, kstwo.sf, special.smirnov, wasserstein_distance,
 * jensenshannon, PSI in numpy) and the detection indices of Page-Hinkley,
 * CUSUM and ADWIN as reference classes written there from the papers
 * compute them.  Each line is checked here: KS within 1e-9 absolute or
 * 1e-6 relative (the bar), the statistics within 1e-12 relative,
 * detection indices exactly.  Also checked without an oracle: the critical
 * value is the least d whose p-value is <= alpha, bins as numpy.histogram.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drift.h"

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
close_to(double got, double want, double abs_tol, double rel_tol)
{
	if (isnan(got) || isnan(want))
		return isnan(got) && isnan(want);
	return fabs(got - want) <= abs_tol ||
	    fabs(got - want) <= rel_tol * fabs(want);
}

/* parse "N v1 .. vN" from *sp into a fresh array */
static double *
arr(char **sp, size_t *n)
{
	double *a;
	size_t i;

	*n = strtoul(*sp, sp, 10);
	a = malloc((*n + 1) * sizeof(*a));
	assert_non_null(a);
	for (i = 0; i < *n; i++)
		a[i] = strtod(*sp, sp);
	return a;
}

static int
run_detector(const char *kind, const double *x, size_t n, long *det,
    size_t maxdet)
{
	struct drift_ph ph;
	struct drift_cusum cu;
	static struct drift_adwin ad;
	size_t i, nd = 0;
	int hit;

	if (strcmp(kind, "ph") == 0)
		drift_ph_init(&ph, 0.005, 50, 1 - 1e-4, 30, 1);
	else if (strcmp(kind, "ph20") == 0)
		drift_ph_init(&ph, 0.005, 20, 1 - 1e-4, 30, 1);
	else if (strcmp(kind, "cusum") == 0)
		drift_cusum_init(&cu, 0.5, 5, 0, 0, 1);
	else if (strcmp(kind, "cusum8") == 0)
		drift_cusum_init(&cu, 0.25, 8, 0, 0, 1);
	else if (strcmp(kind, "adwin") == 0)
		drift_adwin_init(&ad, 0.002, 32, 5, 10);
	else
		drift_adwin_init(&ad, 0.1, 32, 5, 10);
	for (i = 0; i < n; i++) {
		if (kind[0] == 'p')
			hit = drift_ph_update(&ph, x[i]);
		else if (kind[0] == 'c')
			hit = drift_cusum_update(&cu, x[i]);
		else
			hit = drift_adwin_update(&ad, x[i]);
		if (hit && nd < maxdet)
			det[nd++] = (long)i;
	}
	if (nd == 0)
		det[nd++] = -1;
	return (int)nd;
}

static void
test_oracle(void **state)
{
	const char *py = getenv("PY");
	char cmd[512], *line = NULL, *s;
	size_t cap = 0, na, nb, nc, cases = 0, bad = 0;
	double *a, *b, *c, got, got2, want, want2;
	long det[4096];
	FILE *p;
	int nd, i;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s tests/py/drift_ref.py",
	    py ? py : "/usr/bin/python3");
	p = popen(cmd, "r");
	assert_non_null(p);
	while (getline(&line, &cap, p) > 0) {
		char kind[16];
		int exact;

		if (sscanf(line, "%15s", kind) != 1)
			continue;
		s = line + strlen(kind);
		cases++;
		if (strcmp(kind, "ks") == 0) {
			a = arr(&s, &na);
			b = arr(&s, &nb);
			s = strchr(s, '|') + 1;
			want = strtod(s, &s);
			want2 = strtod(s, &s);
			qsort(a, na, sizeof(*a), cmpd);
			qsort(b, nb, sizeof(*b), cmpd);
			got = drift_ks_stat(a, na, b, nb);
			got2 = drift_ks_pvalue(got, na, nb, &exact);
			got = drift_ks_report(got, na, nb);
			if (got != want || !close_to(got2, want2, 1e-9, 1e-6)) {
				bad++;
				print_error("ks %zu %zu: D %.17g vs %.17g, p "
				    "%.17g vs %.17g (%s)\n", na, nb, got, want,
				    got2, want2, exact ? "exact" : "asymp");
			}
			free(a);
			free(b);
		} else if (strcmp(kind, "kolmogn") == 0 ||
		    strcmp(kind, "smirnov") == 0) {
			uint64_t n = strtoull(s, &s, 10);
			double x = strtod(s, &s);

			s = strchr(s, '|') + 1;
			want = strtod(s, &s);
			got = kind[0] == 'k' ? drift_kolmogn_sf(n, x) :
			    drift_smirnov(n, x);
			if (!close_to(got, want, 1e-9, 1e-6)) {
				bad++;
				print_error("%s(%llu, %.17g): %.17g vs %.17g\n",
				    kind, (unsigned long long)n, x, got, want);
			}
		} else if (strcmp(kind, "psi") == 0) {
			uint32_t cnt[64] = { 0 };
			size_t k;

			a = arr(&s, &na);	/* edges */
			b = arr(&s, &nb);	/* freq */
			c = arr(&s, &nc);	/* values */
			s = strchr(s, '|') + 1;
			want = strtod(s, &s);
			for (k = 0; k < nc; k++)
				cnt[drift_bin(a, (uint32_t)nb, c[k])]++;
			got = drift_psi(b, cnt, (uint32_t)nb, DRIFT_PSI_EPS);
			if (!close_to(got, want, 0, 1e-12)) {
				bad++;
				print_error("psi: %.17g vs %.17g\n", got, want);
			}
			free(a);
			free(b);
			free(c);
		} else if (strcmp(kind, "w1") == 0 || strcmp(kind, "js") == 0) {
			a = arr(&s, &na);
			b = arr(&s, &nb);
			s = strchr(s, '|') + 1;
			want = strtod(s, &s);
			if (kind[0] == 'w') {
				qsort(a, na, sizeof(*a), cmpd);
				qsort(b, nb, sizeof(*b), cmpd);
				got = drift_w1(a, na, b, nb);
			} else
				got = drift_js(a, b, na);
			if (!close_to(got, want, 0, 1e-12)) {
				bad++;
				print_error("%s: %.17g vs %.17g\n", kind, got,
				    want);
			}
			free(a);
			free(b);
		} else {
			long want_det[4096];
			int nw = 0;
			char *e;

			a = arr(&s, &na);
			s = strchr(s, '|') + 1;
			for (;;) {
				long w = strtol(s, &e, 10);

				if (e == s || nw == 4096)
					break;
				want_det[nw++] = w;
				s = e;
			}
			nd = run_detector(kind, a, na, det, 4096);
			for (i = 0; i < nd && i < nw; i++)
				if (want_det[i] != det[i])
					break;
			if (nd != nw || i < nd) {
				bad++;
				print_error("%s: %d detections, reference %d; "
				    "first difference at %d (%ld vs %ld)\n",
				    kind, nd, nw, i, i < nd ? det[i] : -2,
				    i < nw ? want_det[i] : -2);
			}
			free(a);
		}
	}
	free(line);
	assert_int_equal(pclose(p), 0);
	print_message("%zu oracle cases, %zu wrong\n", cases, bad);
	assert_true(cases > 300);
	assert_int_equal(bad, 0);
}

static void
test_critical(void **state)
{
	static const uint64_t sz[][2] = {
		{ 10, 10 }, { 50, 40 }, { 1000, 1000 }, { 1000, 500 },
		{ 200, 12000 }, { 15000, 11000 }
	};
	static const double alphas[] = { 0.05, 1e-3, 1e-6 };
	size_t i, j;
	double d, p, below;

	(void)state;
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		for (j = 0; j < 3; j++) {
			uint64_t n1 = sz[i][0], n2 = sz[i][1];
			int exact;

			d = drift_ks_critical(alphas[j], n1, n2);
			if (isinf(d)) {	/* only 10 x 10 at 1e-6: 2/C(20,10) */
				assert_true(n1 == 10 && alphas[j] < 1e-5);
				assert_true(drift_ks_pvalue(1, n1, n2, NULL) >
				    alphas[j]);
				continue;
			}
			p = drift_ks_pvalue(d, n1, n2, &exact);
			assert_true(p <= alphas[j]);
			if (exact) {
				uint64_t a = n1, b = n2, t, lcm;

				while (b) {
					t = a % b;
					a = b;
					b = t;
				}
				lcm = n1 / a * n2;
				below = d - 1.0 / lcm;
			} else
				below = d - 1e-9;
			assert_true(drift_ks_pvalue(below, n1, n2, NULL) >
			    alphas[j]);
		}
}

static void
test_bins(void **state)
{
	const double e[] = { 0, 1, 2, 3 };

	(void)state;
	assert_int_equal(drift_bin(e, 3, -5), 0);
	assert_int_equal(drift_bin(e, 3, 0), 0);
	assert_int_equal(drift_bin(e, 3, 0.999), 0);
	assert_int_equal(drift_bin(e, 3, 1), 1);
	assert_int_equal(drift_bin(e, 3, 2.5), 2);
	assert_int_equal(drift_bin(e, 3, 3), 2);
	assert_int_equal(drift_bin(e, 3, 99), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_critical),
		cmocka_unit_test(test_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
