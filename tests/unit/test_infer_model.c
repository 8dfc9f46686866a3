/*
 * Unit tests for filters/infer/model.c: each kind on a tiny model worked by
 * hand; the row path and the BLAS batch path agree to 1e-12 relative on
 * random models of every kind for every batch size from 1 to 70;
 * model_score() picks by blas_min (as measured, and forced to 1, 8 and 0)
 * and gives what that path gives.  The comparison with scikit-learn on
 * real rows is tests/e2e/infer_sklearn.sh.
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

// link: filters/infer/model.c

#include "bundle.h"
#include "infer/model.h"

static uint64_t rng = 7;

static double
urand(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0 * 2 - 1;	/* [-1, 1) */
}

static struct bundle *
base(const char *kind, uint32_t n)
{
	struct bundle *b = bundle_new();
	char nm[8];
	const char *f[16];
	static char names[16][8];
	uint32_t i;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(nm), "f%u", i);
		f[i] = names[i];
	}
	bundle_set_str(&b->name, "t");
	bundle_set_str(&b->version, "1");
	bundle_set_str(&b->kind, kind);
	bundle_set_features(b, n, f);
	return b;
}

static void
set(struct bundle *b, const char *name, uint32_t ndim, uint32_t d0,
    uint32_t d1, const double *v)
{
	uint32_t s[2] = { d0, d1 };
	double *r = NULL;
	size_t k, n = ndim == 1 ? d0 : (size_t)d0 * d1;

	if (v == NULL) {
		r = malloc(n * sizeof(double));
		for (k = 0; k < n; k++)
			r[k] = urand();
		v = r;
	}
	assert_int_equal(bundle_set_array(b, name, ndim, s, v), 0);
	free(r);
}

static struct model *
compile(struct bundle *b)
{
	char err[256];
	struct model *m = model_new(b, 128, err, sizeof(err));

	if (m == NULL)
		fail_msg("%s", err);
	return m;
}

/* Hand-worked: x = (1, 2), scaler mean (1, 0), scale (2, 4): xs = (0, .5) */
static void
test_by_hand(void **state)
{
	static const double c[] = { 2, -4 }, i1[] = { 1 };
	static const double c3[] = { 1, 0, 0, 1, -1, -1 }, i3[] = { 0, 0, 0 };
	double x[2] = { 1, 2 }, y[4], e;
	struct bundle *b;
	struct model *m;

	(void)state;
	/* logistic: z = 2*0 - 4*.5 + 1 = -1 */
	b = base("logistic", 2);
	b->scale_mean = malloc(2 * sizeof(double));
	b->scale_scale = malloc(2 * sizeof(double));
	b->scale_mean[0] = 1, b->scale_mean[1] = 0;
	b->scale_scale[0] = 2, b->scale_scale[1] = 4;
	set(b, "coef", 2, 1, 2, c);
	set(b, "intercept", 1, 1, 0, i1);
	m = compile(b);
	model_score_row(m, x, y);
	e = 1 / (1 + exp(1.0));
	assert_true(fabs(y[1] - e) < 1e-15 && fabs(y[0] - (1 - e)) < 1e-15);
	assert_true(model_score_of(m, y) == y[1]);
	model_free(&m);
	bundle_free(&b);

	/* softmax of z = (0, .5, -.5) */
	b = base("softmax", 2);
	set(b, "coef", 2, 3, 2, c3);
	set(b, "intercept", 1, 3, 0, i3);
	m = compile(b);
	x[0] = 0;
	x[1] = 0.5;
	model_score_row(m, x, y);
	e = exp(0) + exp(.5) + exp(-.5);
	assert_true(fabs(y[0] - 1 / e) < 1e-15);
	assert_true(fabs(y[1] - exp(.5) / e) < 1e-15);
	assert_true(fabs(y[2] - exp(-.5) / e) < 1e-15);
	assert_true(model_score_of(m, y) == y[1]);
	model_free(&m);
	bundle_free(&b);

	/* pca: mean 0, one component (0.6, 0.8), variance 2; x = (1, 2):
	 * t = 2.2, T^2 = 2.42, reconstruction (1.32, 1.76), Q = .1024 + .0576 */
	{
		static const double mu[] = { 0, 0 }, comp[] = { 0.6, 0.8 },
		    ev[] = { 2 };

		b = base("pca", 2);
		set(b, "mean", 1, 2, 0, mu);
		set(b, "components", 2, 1, 2, comp);
		set(b, "explained_variance", 1, 1, 0, ev);
		m = compile(b);
		x[0] = 1;
		x[1] = 2;
		model_score_row(m, x, y);
		assert_true(fabs(y[0] - 2.42) < 1e-14);
		assert_true(fabs(y[1] - 0.16) < 1e-14);
		model_free(&m);
		bundle_free(&b);
	}
	/* mahalanobis: mean (1, 1), precision [[2, 1], [1, 3]]; d = (0, 1):
	 * d P d = 3 */
	{
		static const double mu[] = { 1, 1 }, P[] = { 2, 1, 1, 3 };

		b = base("mahalanobis", 2);
		set(b, "mean", 1, 2, 0, mu);
		set(b, "precision", 2, 2, 2, P);
		m = compile(b);
		model_score_row(m, x, y);
		assert_true(y[0] == 3);
		model_free(&m);
		bundle_free(&b);
	}
	/* mlp regressor 2-2-1, relu: h = relu((1, 2) W0 + b0) */
	{
		static const double W0[] = { 1, -1, 1, -1 }, b0[] = { 0, 0 },
		    W1[] = { 2, 5 }, b1[] = { 0.5 };

		b = base("mlp_regressor", 2);
		bundle_set_hyper(b, "activation", 0, "relu");
		bundle_set_hyper(b, "layers", 2, NULL);
		set(b, "W0", 2, 2, 2, W0);
		set(b, "b0", 1, 2, 0, b0);
		set(b, "W1", 2, 2, 1, W1);
		set(b, "b1", 1, 1, 0, b1);
		m = compile(b);
		model_score_row(m, x, y);
		assert_true(y[0] == 3 * 2 + 0 * 5 + 0.5);	/* h = (3, 0) */
		model_free(&m);
		bundle_free(&b);
	}
}

static void agree1(struct model *, const char *);

static void
agree(struct model *m, const char *what)
{
	static const size_t forced[] = { 1, 8, 0 };
	size_t i, keep = m->blas_min;

	agree1(m, what);
	for (i = 0; i < 3; i++) {
		m->blas_min = forced[i];
		agree1(m, what);
	}
	m->blas_min = keep;
}

static void
agree1(struct model *m, const char *what)
{
	double x[70 * 16], yr[70 * 8], yb[70 * 8], ys[70 * 8];
	size_t B, r, j;

	for (j = 0; j < 70 * m->n; j++)
		x[j] = urand() * 3;
	for (B = 1; B <= 70; B++) {
		for (r = 0; r < B; r++)
			model_score_row(m, x + r * m->n, yr + r * m->nout);
		model_score_blas(m, x, B, yb);
		model_score(m, x, B, ys);
		for (j = 0; j < B * m->nout; j++) {
			if (fabs(yr[j] - yb[j]) > 1e-12 * fmax(fabs(yr[j]), 1e-3))
				fail_msg("%s batch %zu: value %zu row %.17g "
				    "blas %.17g", what, B, j, yr[j], yb[j]);
			assert_true(ys[j] == (m->blas_min && B >= m->blas_min ?
			    yb[j] : yr[j]));
		}
	}
}

static void
test_paths_agree(void **state)
{
	static const char *const acts[] = { "relu", "tanh", "logistic",
	    "identity" };
	struct bundle *b;
	struct model *m;
	uint32_t n, k, a, i;

	(void)state;
	for (n = 1; n <= 12; n += 11) {
		for (k = 1; k <= 5; k += 2) {		/* linear */
			b = base(k == 1 ? "logistic" : "softmax", n);
			set(b, "coef", 2, k == 1 ? 1 : k, n, NULL);
			set(b, "intercept", 1, k == 1 ? 1 : k, 0, NULL);
			m = compile(b);
			agree(m, b->kind);
			model_free(&m);
			bundle_free(&b);
			b = base("ridge", n);
			set(b, "coef", 2, k, n, NULL);
			set(b, "intercept", 1, k, 0, NULL);
			m = compile(b);
			agree(m, "ridge");
			model_free(&m);
			bundle_free(&b);
		}
		for (a = 0; a < 4; a++)
			for (k = 1; k <= 3; k += 2) {	/* mlp n-7-5-k */
				static const uint32_t h[] = { 7, 5 };
				uint32_t in = n;

				b = base(k == 1 && a % 2 ? "mlp_regressor" :
				    "mlp_classifier", n);
				bundle_set_hyper(b, "activation", 0, acts[a]);
				bundle_set_hyper(b, "layers", 3, NULL);
				b->scale_mean = malloc(n * sizeof(double));
				b->scale_scale = malloc(n * sizeof(double));
				for (i = 0; i < n; i++) {
					b->scale_mean[i] = urand();
					b->scale_scale[i] = 1.5 + urand();
				}
				for (i = 0; i < 3; i++) {
					char w[4], c[4];
					uint32_t out = i < 2 ? h[i] : k;

					snprintf(w, sizeof(w), "W%u", i);
					snprintf(c, sizeof(c), "b%u", i);
					set(b, w, 2, in, out, NULL);
					set(b, c, 1, out, 0, NULL);
					in = out;
				}
				m = compile(b);
				agree(m, b->kind);
				model_free(&m);
				bundle_free(&b);
			}
		b = base("pca", n);
		set(b, "mean", 1, n, 0, NULL);
		set(b, "components", 2, 1, n, NULL);
		{
			double ev = 1.7;

			set(b, "explained_variance", 1, 1, 0, &ev);
		}
		m = compile(b);
		agree(m, "pca");
		model_free(&m);
		bundle_free(&b);
		b = base("mahalanobis", n);
		set(b, "mean", 1, n, 0, NULL);
		set(b, "precision", 2, n, n, NULL);
		m = compile(b);
		agree(m, "mahalanobis");
		model_free(&m);
		bundle_free(&b);
	}
}

int
main(void)
{
	if (!model_blas_available())
		fprintf(stderr, "test_infer_model: no OpenBLAS: the batch path "
		    "runs row by row\n");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_paths_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
