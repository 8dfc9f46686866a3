/*
 * fit -- one model kind fitted on chosen rows into a bundle, and any bundle
 * applied to rows.  Scoring reads only the bundle (its scaler and arrays),
 * never the fit's memory, so the metrics train stores and prints are those
 * of the bundle exactly as infer and `train --eval` will see it.
 *
 * Thresholds of the detectors (pca, mahalanobis) are at the false-alarm
 * rate a: empirical (the 1 - a quantile of the training scores) when the
 * training rows put at least 10 of them above it (n a >= 10), parametric
 * otherwise: F distribution for T^2 and D^2, Jackson-Mudholkar for Q.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
kind_type(const char *k)
{
	if (!strcmp(k, "logistic") || !strcmp(k, "softmax") ||
	    !strcmp(k, "mlp_classifier"))
		return KIND_CLASSIFIER;
	if (!strcmp(k, "ridge") || !strcmp(k, "mlp_regressor"))
		return KIND_REGRESSOR;
	if (!strcmp(k, "pca") || !strcmp(k, "mahalanobis"))
		return KIND_DETECTOR;
	return 0;
}

/* Label order: numerically when every label is a number, else by bytes. */
static int
labcmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	char *ex, *ey;
	double u = strtod(x, &ex), v = strtod(y, &ey);

	if (*x && *y && *ex == '\0' && *ey == '\0' && u != v)
		return u < v ? -1 : 1;
	return strcmp(x, y);
}

static int
all_numeric(char **s, size_t n)
{
	size_t i;
	char *e;

	for (i = 0; i < n; i++) {
		(void)strtod(s[i], &e);
		if (*s[i] == '\0' || *e != '\0')
			return 0;
	}
	return 1;
}

static int
strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows idx of d, scaled by b's scaler, into a new n x p matrix. */
static double *
gather(const struct data *d, const size_t *idx, size_t n,
    const struct bundle *b)
{
	double *X;
	size_t i, p = d->p;

	if ((X = malloc((n ? n : 1) * p * sizeof(double))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		memcpy(X + i * p, d->X + idx[i] * p, p * sizeof(double));
	if (b->scale_mean != NULL)
		sc_apply(X, n, p, b->scale_mean, b->scale_scale);
	return X;
}

/* Class index of each row under labels lab[0..K): -1 if not among them. */
static int *
classes_of(const struct data *d, const size_t *idx, size_t n, char **lab,
    uint32_t K)
{
	int *y;
	size_t i;
	uint32_t k;

	if ((y = malloc((n ? n : 1) * sizeof(int))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = d->labs.s[d->lab[idx[i]]];

		y[i] = -1;
		for (k = 0; k < K; k++)
			if (strcmp(s, lab[k]) == 0) {
				y[i] = (int)k;
				break;
			}
	}
	return y;
}

static int
set_arr(struct bundle *b, const char *name, uint32_t ndim, uint32_t s0,
    uint32_t s1, const double *v)
{
	uint32_t shape[2] = { s0, s1 };

	return bundle_set_array(b, name, ndim, shape, v);
}

static int
fit_classifier(struct bundle *b, const struct data *d, const double *X,
    const size_t *idx, size_t n, const double *Xv, const size_t *vidx,
    size_t nv, const struct fitopt *o, char *err, size_t errlen)
{
	char **lab = NULL;
	uint32_t K = 0, k;
	size_t i, p = d->p, nout = 0;
	int *y = NULL, *yv = NULL, rc = -1, it;
	double *coef = NULL, *icpt = NULL, *Y = NULL, *Yv = NULL;
	struct mlp m = { 0 };

	/* the classes: the distinct labels of the training rows, sorted */
	if ((lab = calloc(d->labs.n ? d->labs.n : 1, sizeof(char *))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		const char *s = d->labs.s[d->lab[idx[i]]];

		for (k = 0; k < K && strcmp(lab[k], s) != 0; k++)
			;
		if (k == K)
			lab[K++] = (char *)(uintptr_t)s;
	}
	qsort(lab, K, sizeof(char *), all_numeric(lab, K) ? labcmp :
	    strcmp_p);
	if (K < 2) {
		rc = fail(err, errlen, "%s needs two classes in the training "
		    "rows, found %u", o->kind, K);
		goto out;
	}
	if (!strcmp(o->kind, "logistic") && K != 2) {
		rc = fail(err, errlen, "logistic is binary: %u classes (use "
		    "softmax)", K);
		goto out;
	}
	if (bundle_set_labels(b, K, (const char *const *)lab) == -1 ||
	    (y = classes_of(d, idx, n, lab, K)) == NULL ||
	    (yv = classes_of(d, vidx, nv, lab, K)) == NULL)
		goto nomem;
	if (!strcmp(o->kind, "logistic") || !strcmp(o->kind, "softmax")) {
		int bin = K == 2 && !strcmp(o->kind, "logistic");
		uint32_t rows = bin ? 1 : K;

		coef = malloc(rows * p * sizeof(double));
		icpt = malloc(rows * sizeof(double));
		if (coef == NULL || icpt == NULL)
			goto nomem;
		it = bin ? logit_fit(X, y, n, p, o->C, o->tol, o->maxit, coef,
		    icpt) : softmax_fit(X, y, n, p, (int)K, o->C, o->tol,
		    o->maxit, coef, icpt);
		if (it == -1 && errno == ENOMEM)
			goto nomem;
		if (it == -1)
			fprintf(stderr, "train: %s: no convergence in %d "
			    "iterations (--max-iter)\n", o->kind, o->maxit);
		if (set_arr(b, "coef", 2, rows, (uint32_t)p, coef) == -1 ||
		    set_arr(b, "intercept", 1, rows, 0, icpt) == -1 ||
		    bundle_set_hyper(b, "C", o->C, NULL) == -1 ||
		    bundle_set_hyper(b, "tol", o->tol, NULL) == -1 ||
		    bundle_set_hyper(b, "iterations", it, NULL) == -1)
			goto nomem;
		if (bin) {
			b->has_threshold = 1;
			b->threshold = 0.5;
		}
		rc = bundle_set_str(&b->score_name, bin ? "p1" : "p");
		goto out;
	}
	/* mlp_classifier: one logistic unit for two classes */
	nout = K == 2 ? 1 : K;
	if ((Y = calloc(n * nout, sizeof(double))) == NULL ||
	    (Yv = calloc((nv ? nv : 1) * nout, sizeof(double))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		Y[i * nout + (nout == 1 ? 0 : (size_t)y[i])] = nout == 1 ?
		    y[i] : 1;
	for (i = 0; i < nv; i++)
		if (yv[i] >= 0)
			Yv[i * nout + (nout == 1 ? 0 : (size_t)yv[i])] =
			    nout == 1 ? yv[i] : 1;
	it = mlp_fit(&m, o->mo, X, Y, n, p, nout, nout == 1 ? OUT_LOGISTIC :
	    OUT_SOFTMAX, Xv, Yv, nv);
	if (it == -1)
		goto nomem;
	if (nout == 1) {
		b->has_threshold = 1;
		b->threshold = 0.5;
	}
	rc = bundle_set_hyper(b, "epochs", it, NULL);
	goto out;
nomem:
	rc = fail(err, errlen, "out of memory");
out:
	if (rc == 0 && m.nlayer > 0) {
		char name[16];
		int l;

		for (l = 0; l < m.nlayer && rc == 0; l++) {
			snprintf(name, sizeof(name), "W%d", l);
			rc = set_arr(b, name, 2, (uint32_t)m.size[l],
			    (uint32_t)m.size[l + 1], m.W[l]);
			snprintf(name, sizeof(name), "b%d", l);
			if (rc == 0)
				rc = set_arr(b, name, 1, (uint32_t)m.size[l +
				    1], 0, m.b[l]);
		}
		if (rc == 0)
			rc = bundle_set_str(&b->score_name, nout == 1 ? "p1" :
			    "p");
		if (rc == -1)
			fail(err, errlen, "out of memory");
	}
	mlp_free(&m);
	free(lab);
	free(y);
	free(yv);
	free(coef);
	free(icpt);
	free(Y);
	free(Yv);
	return rc;
}

static int
fit_regressor(struct bundle *b, const struct data *d, const double *X,
    const size_t *idx, size_t n, const double *Xv, const size_t *vidx,
    size_t nv, const struct fitopt *o, char *err, size_t errlen)
{
	double *y, *yv, *coef = NULL, icpt;
	size_t i, p = d->p;
	struct mlp m = { 0 };
	int rc = -1, it, l;

	y = malloc((n ? n : 1) * sizeof(double));
	yv = malloc((nv ? nv : 1) * sizeof(double));
	if (y == NULL || yv == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (isnan(y[i] = d->y[idx[i]])) {
			rc = fail(err, errlen, "%s: label \"%s\" is not a "
			    "number", o->kind, d->labs.s[d->lab[idx[i]]]);
			goto out;
		}
	for (i = 0; i < nv; i++)
		yv[i] = d->y[vidx[i]];
	if (bundle_set_str(&b->score_name, o->rul ? "rul" : "value") == -1)
		goto nomem;
	if (!strcmp(o->kind, "ridge")) {
		if ((coef = malloc(p * sizeof(double))) == NULL)
			goto nomem;
		if (ridge_fit(X, y, n, p, 1, o->alpha, coef, &icpt) == -1) {
			rc = fail(err, errlen, "ridge: %s", errno == ENOMEM ?
			    "out of memory" : "the normal equations are "
			    "singular (--alpha)");
			goto out;
		}
		if (set_arr(b, "coef", 1, (uint32_t)p, 0, coef) == -1 ||
		    set_arr(b, "intercept", 1, 1, 0, &icpt) == -1 ||
		    bundle_set_hyper(b, "alpha", o->alpha, NULL) == -1)
			goto nomem;
		rc = 0;
		goto out;
	}
	if ((it = mlp_fit(&m, o->mo, X, y, n, p, 1, OUT_IDENTITY, Xv, yv,
	    nv)) == -1)
		goto nomem;
	if (bundle_set_hyper(b, "epochs", it, NULL) == -1)
		goto nomem;
	for (l = 0; l < m.nlayer; l++) {
		char name[16];

		snprintf(name, sizeof(name), "W%d", l);
		if (set_arr(b, name, 2, (uint32_t)m.size[l],
		    (uint32_t)m.size[l + 1], m.W[l]) == -1)
			goto nomem;
		snprintf(name, sizeof(name), "b%d", l);
		if (set_arr(b, name, 1, (uint32_t)m.size[l + 1], 0,
		    m.b[l]) == -1)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	rc = fail(err, errlen, "out of memory");
out:
	mlp_free(&m);
	free(y);
	free(yv);
	free(coef);
	return rc;
}

/* The threshold of scores s[0..n) (sorted on return) at rate a. */
static double
threshold(double *s, size_t n, double a, int method, double parametric,
    int *empirical)
{
	*empirical = method == 2 || (method == 0 && (double)n * a >= 10);
	if (*empirical || isnan(parametric))
		return quantile(s, n, 1 - a);
	return parametric;
}

static int
fit_detector(struct bundle *b, const struct data *d, const double *X,
    size_t n, const struct fitopt *o, char *err, size_t errlen)
{
	double *mean = NULL, *A = NULL, *ev = NULL, *s = NULL, *q = NULL;
	double *w = NULL, t2thr, qthr, tot = 0, acc = 0;
	size_t p = d->p, k = o->ncomp, i;
	int rc = -1, e1, e2;

	if (n < 2)
		return fail(err, errlen, "%s needs two training rows at least",
		    o->kind);
	mean = malloc(p * sizeof(double));
	A = malloc(p * p * sizeof(double));
	ev = malloc(p * sizeof(double));
	s = malloc((n ? n : 1) * sizeof(double));
	q = malloc((n ? n : 1) * sizeof(double));
	w = malloc(2 * p * sizeof(double));
	if (!mean || !A || !ev || !s || !q || !w)
		goto nomem;
	if (!strcmp(o->kind, "mahalanobis")) {
		if (mahal_fit(X, n, p, o->ridge_cov, mean, A) == -1) {
			rc = fail(err, errlen, "mahalanobis: the covariance "
			    "is singular (--ridge)");
			goto out;
		}
		for (i = 0; i < n; i++)
			s[i] = mahal_score(X + i * p, p, mean, A, w);
		b->threshold = threshold(s, n, o->far, o->thr_method,
		    t2_limit(n, p, o->far), &e1);
		b->has_threshold = 1;
		if (set_arr(b, "mean", 1, (uint32_t)p, 0, mean) == -1 ||
		    set_arr(b, "precision", 2, (uint32_t)p, (uint32_t)p,
		    A) == -1 ||
		    bundle_set_hyper(b, "far", o->far, NULL) == -1 ||
		    bundle_set_hyper(b, "ridge", o->ridge_cov, NULL) == -1 ||
		    bundle_set_hyper(b, "threshold_method", 0, e1 ?
		    "empirical" : "parametric") == -1 ||
		    bundle_set_str(&b->score_name, "mahalanobis") == -1)
			goto nomem;
		rc = 0;
		goto out;
	}
	/* pca: all components first, then k */
	if (pca_fit(X, n, p, 0, mean, A, ev) == -1) {
		rc = fail(err, errlen, "pca: %s", errno == ENOMEM ?
		    "out of memory" : "eigensolver failed");
		goto out;
	}
	for (i = 0; i < p; i++)
		tot += ev[i];
	if (k == 0)
		for (k = 0; k < p && (k == 0 || acc < o->variance * tot); k++)
			acc += ev[k];
	if (k > p)
		k = p;
	if (pca_fit(X, n, p, k, mean, A, ev) == -1)
		goto nomem;
	for (acc = 0, i = 0; i < k; i++)
		acc += ev[i];
	for (i = 0; i < n; i++)
		pca_score(X + i * p, p, k, mean, A, ev, &s[i], &q[i], w);
	t2thr = threshold(s, n, o->far, o->thr_method, t2_limit(n, k, o->far),
	    &e1);
	qthr = threshold(q, n, o->far, o->thr_method, q_limit(ev + k, p - k,
	    o->far), &e2);
	if (isnan(qthr))
		qthr = 0;	/* k = p: no residual */
	b->threshold = t2thr;
	b->has_threshold = 1;
	if (set_arr(b, "mean", 1, (uint32_t)p, 0, mean) == -1 ||
	    set_arr(b, "components", 2, (uint32_t)k, (uint32_t)p, A) == -1 ||
	    set_arr(b, "explained_variance", 1, (uint32_t)k, 0, ev) == -1 ||
	    bundle_set_hyper(b, "t2_threshold", t2thr, NULL) == -1 ||
	    bundle_set_hyper(b, "q_threshold", qthr, NULL) == -1 ||
	    bundle_set_hyper(b, "components", (double)k, NULL) == -1 ||
	    bundle_set_hyper(b, "explained", tot > 0 ? acc / tot : 0,
	    NULL) == -1 ||
	    bundle_set_hyper(b, "far", o->far, NULL) == -1 ||
	    bundle_set_hyper(b, "threshold_method", 0, e1 ? "empirical" :
	    "parametric") == -1 ||
	    bundle_set_str(&b->score_name, "t2") == -1)
		goto nomem;
	(void)e2;
	rc = 0;
	goto out;
nomem:
	rc = fail(err, errlen, "out of memory");
out:
	free(mean);
	free(A);
	free(ev);
	free(s);
	free(q);
	free(w);
	return rc;
}

struct bundle *
fit_model(const struct data *d, const size_t *idx, size_t n,
    const size_t *vidx, size_t nv, const struct fitopt *o, char *err,
    size_t errlen)
{
	struct bundle *b;
	double *X = NULL, *Xv = NULL;
	size_t p = d->p, i;
	int type = kind_type(o->kind), rc = -1;

	if ((b = bundle_new()) == NULL ||
	    bundle_set_features(b, (uint32_t)p,
	    (const char *const *)d->feat) == -1 ||
	    bundle_set_str(&b->kind, o->kind) == -1)
		goto nomem;
	if (o->scale) {
		double *mu = malloc(p * sizeof(double));
		double *sd = malloc(p * sizeof(double));

		if (mu == NULL || sd == NULL ||
		    (X = gather(d, idx, n, b)) == NULL) {	/* unscaled */
			free(mu);
			free(sd);
			goto nomem;
		}
		sc_fit(X, n, p, mu, sd);
		free(X);
		X = NULL;
		b->scale_mean = mu;
		b->scale_scale = sd;
	}
	if ((X = gather(d, idx, n, b)) == NULL ||
	    (Xv = gather(d, vidx, nv, b)) == NULL)
		goto nomem;
	if (type == KIND_CLASSIFIER)
		rc = fit_classifier(b, d, X, idx, n, Xv, vidx, nv, o, err,
		    errlen);
	else if (type == KIND_REGRESSOR)
		rc = fit_regressor(b, d, X, idx, n, Xv, vidx, nv, o, err,
		    errlen);
	else
		rc = fit_detector(b, d, X, n, o, err, errlen);
	if (rc == 0 && (!strcmp(o->kind, "mlp_classifier") ||
	    !strcmp(o->kind, "mlp_regressor"))) {
		struct mlp_opts *m = o->mo;

		if (bundle_set_hyper(b, "activation", 0,
		    act_name[m->act]) == -1 ||
		    bundle_set_hyper(b, "layers", m->nhidden + 1, NULL) == -1 ||
		    bundle_set_hyper(b, "hidden1", (double)m->hidden[0],
		    NULL) == -1 ||
		    (m->nhidden > 1 && bundle_set_hyper(b, "hidden2",
		    (double)m->hidden[1], NULL) == -1) ||
		    bundle_set_hyper(b, "alpha", m->alpha, NULL) == -1 ||
		    bundle_set_hyper(b, "learning_rate", m->lr, NULL) == -1 ||
		    bundle_set_hyper(b, "batch", (double)m->batch, NULL) == -1 ||
		    bundle_set_hyper(b, "max_iter", m->max_iter, NULL) == -1 ||
		    bundle_set_hyper(b, "patience", m->patience, NULL) == -1 ||
		    bundle_set_hyper(b, "seed", (double)m->seed, NULL) == -1)
			goto nomem;
	}
	(void)i;
	free(X);
	free(Xv);
	if (rc == -1)
		bundle_free(&b);
	return b;
nomem:
	fail(err, errlen, "out of memory");
	free(X);
	free(Xv);
	bundle_free(&b);
	return NULL;
}

static int
is_mlp(const struct bundle *b)
{
	return !strncmp(b->kind, "mlp_", 4);
}

size_t
bundle_outputs(const struct bundle *b)
{
	if (!strcmp(b->kind, "pca"))
		return 2;
	if (kind_type(b->kind) == KIND_CLASSIFIER)
		return b->nlabels;
	return 1;
}

/* An MLP from the bundle's arrays (borrowed: mlp_free() not to be
 * called). */
static int
mlp_of(const struct bundle *b, struct mlp *m, char *err, size_t errlen)
{
	const struct bundle_array *W, *B;
	const char *act = bundle_hyper_str(b, "activation");
	char name[16];
	int l, L = (int)bundle_hyper(b, "layers", 0);

	memset(m, 0, sizeof(*m));
	if (L < 1 || L > 3)
		return fail(err, errlen, "%s: hyper layers %d", b->kind, L);
	m->nlayer = L;
	m->act = ACT_RELU;
	for (l = 0; l < 4; l++)
		if (act != NULL && !strcmp(act, act_name[l]))
			m->act = l;
	for (l = 0; l < L; l++) {
		snprintf(name, sizeof(name), "W%d", l);
		W = bundle_array(b, name);
		snprintf(name, sizeof(name), "b%d", l);
		B = bundle_array(b, name);
		if (W == NULL || B == NULL || W->ndim != 2 ||
		    (l > 0 && W->shape[0] != m->size[l]) ||
		    B->n != W->shape[1])
			return fail(err, errlen, "%s: arrays W%d/b%d",
			    b->kind, l, l);
		m->size[l] = W->shape[0];
		m->size[l + 1] = W->shape[1];
		m->W[l] = W->data;
		m->b[l] = B->data;
	}
	if (m->size[0] != b->nfeat)
		return fail(err, errlen, "%s: W0 takes %zu inputs, %u features",
		    b->kind, m->size[0], b->nfeat);
	m->out = !strcmp(b->kind, "mlp_regressor") ? OUT_IDENTITY :
	    m->size[L] == 1 ? OUT_LOGISTIC : OUT_SOFTMAX;
	return 0;
}

#define NEED(a, name)	do {						\
	if (((a) = bundle_array(b, (name))) == NULL) {			\
		rc = fail(err, errlen, "%s: no array %s", b->kind, (name)); \
		goto out;						\
	}								\
} while (0)

int
bundle_score(const struct bundle *b, const double *X, size_t n, double *O,
    char *err, size_t errlen)
{
	const struct bundle_array *c, *ic, *mu, *A, *ev;
	double *Z, *w = NULL;
	size_t p = b->nfeat, i, K = bundle_outputs(b);
	int rc = -1;

	if ((Z = malloc((n ? n : 1) * p * sizeof(double))) == NULL)
		return fail(err, errlen, "out of memory");
	memcpy(Z, X, n * p * sizeof(double));
	if (b->scale_mean != NULL)
		sc_apply(Z, n, p, b->scale_mean, b->scale_scale);
	if (is_mlp(b)) {
		struct mlp m;

		if (mlp_of(b, &m, err, errlen) == -1)
			goto out;
		if (m.out == OUT_LOGISTIC && K != 2) {
			rc = fail(err, errlen, "%s: one output, %zu labels",
			    b->kind, K);
			goto out;
		}
		if (m.out == OUT_LOGISTIC) {
			double *o1 = malloc((n ? n : 1) * sizeof(double));

			if (o1 == NULL || mlp_predict(&m, Z, n, o1) == -1) {
				free(o1);
				rc = fail(err, errlen, "out of memory");
				goto out;
			}
			for (i = 0; i < n; i++) {
				O[2 * i + 1] = o1[i];
				O[2 * i] = 1 - o1[i];
			}
			free(o1);
		} else if (mlp_predict(&m, Z, n, O) == -1) {
			rc = fail(err, errlen, "out of memory");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (!strcmp(b->kind, "logistic") || !strcmp(b->kind, "softmax")) {
		NEED(c, "coef");
		NEED(ic, "intercept");
		if (c->n != (K == 2 && c->shape[0] == 1 ? 1 : K) * p) {
			rc = fail(err, errlen, "%s: coef shape", b->kind);
			goto out;
		}
		linear_proba(Z, n, p, (int)K, c->shape[0] == 1, c->data,
		    ic->data, O);
	} else if (!strcmp(b->kind, "ridge")) {
		NEED(c, "coef");
		NEED(ic, "intercept");
		for (i = 0; i < n; i++) {
			size_t j;
			double s = ic->data[0];

			for (j = 0; j < p; j++)
				s += c->data[j] * Z[i * p + j];
			O[i] = s;
		}
	} else if (!strcmp(b->kind, "pca")) {
		NEED(mu, "mean");
		NEED(A, "components");
		NEED(ev, "explained_variance");
		if ((w = malloc(2 * p * sizeof(double))) == NULL) {
			rc = fail(err, errlen, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			pca_score(Z + i * p, p, ev->n, mu->data, A->data,
			    ev->data, &O[2 * i], &O[2 * i + 1], w);
	} else if (!strcmp(b->kind, "mahalanobis")) {
		NEED(mu, "mean");
		NEED(A, "precision");
		if ((w = malloc(p * sizeof(double))) == NULL) {
			rc = fail(err, errlen, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			O[i] = mahal_score(Z + i * p, p, mu->data, A->data, w);
	} else {
		rc = fail(err, errlen, "unknown model kind %s", b->kind);
		goto out;
	}
	rc = 0;
out:
	free(Z);
	free(w);
	return rc;
}

int
alarm_of(const struct bundle *b, const double *o)
{
	if (!strcmp(b->kind, "pca"))
		return o[0] > b->threshold ||
		    o[1] > bundle_hyper(b, "q_threshold", INFINITY);
	return b->has_threshold && o[0] > b->threshold;
}

int
metrics_of(const struct bundle *b, const struct data *d, const size_t *idx,
    size_t n, const double *O, struct metrics *m)
{
	size_t K = bundle_outputs(b), i, k;
	int type = kind_type(b->kind);

	memset(m, 0, sizeof(*m));
	m->n = n;
	if (type == KIND_CLASSIFIER) {
		int *y, *yh;

		y = classes_of(d, idx, n, b->labels, b->nlabels);
		yh = malloc((n ? n : 1) * sizeof(int));
		m->cm = calloc(K * K, sizeof(uint64_t));
		if (y == NULL || yh == NULL || m->cm == NULL) {
			free(y);
			free(yh);
			free(m->cm);
			m->cm = NULL;
			return -1;
		}
		for (i = 0; i < n; i++) {
			const double *o = O + i * K;

			yh[i] = 0;
			if (K == 2 && b->has_threshold)
				yh[i] = o[1] > b->threshold;
			else
				for (k = 1; k < K; k++)
					if (o[k] > o[yh[i]])
						yh[i] = (int)k;
		}
		m->K = (int)K;
		m->accuracy = m_accuracy(y, yh, n);
		/* unknown labels (-1) are wrong, and no class of ours */
		m->f1 = m_f1_macro(y, yh, n, (int)K);
		if (K == 2) {
			double *s = malloc((n ? n : 1) * sizeof(double));

			if (s == NULL)
				return -1;
			for (i = 0; i < n; i++)
				s[i] = O[2 * i + 1];
			m->auc = m_auc(y, s, n);
			free(s);
		} else
			m->auc = m_auc_ovr(y, O, n, (int)K);
		m_confusion(y, yh, n, (int)K, m->cm);
		free(y);
		free(yh);
		return 0;
	}
	if (type == KIND_REGRESSOR) {
		double *y = malloc((n ? n : 1) * sizeof(double));

		if (y == NULL)
			return -1;
		for (i = 0; i < n; i++)
			y[i] = d->y[idx[i]];
		m->rmse = m_rmse(y, O, n);
		m->mae = m_mae(y, O, n);
		m->cmapss = m_cmapss(y, O, n);
		free(y);
		return 0;
	}
	for (i = 0; i < n; i++)
		m->alarms += alarm_of(b, O + i * K);
	m->alarms = n ? m->alarms / (double)n : NAN;
	return 0;
}

void
report_head(FILE *fp, const struct bundle *b)
{
	switch (kind_type(b->kind)) {
	case KIND_CLASSIFIER:
		fprintf(fp, "%-10s %8s %9s %9s %9s\n", "set", "rows",
		    "accuracy", "f1_macro", "auc");
		break;
	case KIND_REGRESSOR:
		fprintf(fp, "%-10s %8s %9s %9s %12s\n", "set", "rows", "rmse",
		    "mae", "cmapss_score");
		break;
	default:
		fprintf(fp, "%-10s %8s %9s\n", "set", "rows", "alarms");
	}
}

void
report_line(FILE *fp, const struct bundle *b, const char *set,
    const struct metrics *m)
{
	switch (kind_type(b->kind)) {
	case KIND_CLASSIFIER:
		fprintf(fp, "%-10s %8zu %9.4f %9.4f %9.4f\n", set, m->n,
		    m->accuracy, m->f1, m->auc);
		break;
	case KIND_REGRESSOR:
		fprintf(fp, "%-10s %8zu %9.4f %9.4f %12.2f\n", set, m->n,
		    m->rmse, m->mae, m->cmapss);
		break;
	default:
		fprintf(fp, "%-10s %8zu %9.4f\n", set, m->n, m->alarms);
	}
}

void
report_confusion(FILE *fp, const struct bundle *b, const struct metrics *m)
{
	int i, j;

	if (m->cm == NULL)
		return;
	fprintf(fp, "confusion (rows: true, columns: predicted)\n%-12s", "");
	for (j = 0; j < m->K; j++)
		fprintf(fp, " %8.8s", b->labels[j]);
	fputc('\n', fp);
	for (i = 0; i < m->K; i++) {
		fprintf(fp, "%-12.12s", b->labels[i]);
		for (j = 0; j < m->K; j++)
			fprintf(fp, " %8llu", (unsigned long long)
			    m->cm[(size_t)i * (size_t)m->K + (size_t)j]);
		fputc('\n', fp);
	}
}
