/*
 * model -- score rows with a bundle's model (model.h).
 *
 * Every kind is stored as layers y = x W + b with W [in, out] row-major,
 * scikit-learn's own layout for an MLP (coefs_): a linear model is one layer
 * (its coef [K, n] transposed), pca two without bias (components transposed,
 * then components, for the reconstruction), mahalanobis one (the precision).
 * The row path walks W row by row so that the inner loop runs over
 * contiguous outputs (the compiler vectorizes it); the batch path hands the
 * same W to dgemm.  Both in float64: scikit-learn computes in float64, and
 * parity with it is to 1e-5 relative at worst, which float32 weights would
 * not give for every model (bench/infer.sh measures what float64 costs).
 * The output functions are scikit-learn's: expit 1 / (1 + exp(-z)), softmax
 * after subtracting the row's maximum.
 *
 * OpenBLAS is opened at run time (dlopen), the first time a model is big
 * enough to gain from it: loading it costs 2.3 MiB of resident memory
 * (docs/infer.md), which a logistic regression on 12 features never earns
 * back.  model_new() then times both paths on the model itself and sets
 * blas_min, the batch size from which the BLAS path is faster (1 if it wins
 * even for a lone row, 0 if it never does): the choice is measured, not
 * guessed.
 */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "model.h"

static __typeof__(cblas_dgemm) *p_dgemm;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static int blas_never;		/* model_blas_never(): never opened */

static void
blas_open(void)
{
	void *h;
	void (*threads)(int);

	if (blas_never ||
	    (h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
	/* one thread: the machine's cores run the rest of the pipeline */
	if ((threads = (void (*)(int))dlsym(h, "openblas_set_num_threads")) !=
	    NULL)
		threads(1);
	p_dgemm = (__typeof__(cblas_dgemm) *)dlsym(h, "cblas_dgemm");
}

void
model_blas_never(void)
{
	blas_never = 1;
}

int
model_blas_available(void)
{
	pthread_once(&blas_once, blas_open);
	return p_dgemm != NULL;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * The smallest batch size (1 to 64, at most maxbatch) at which the BLAS
 * path scores a row in under 0.8 times the row path's time, on rows near
 * the training mean; 0 if none (or BLAS is not there).  A few ms.
 */
static size_t
calibrate(struct model *m)
{
	double *x, *y, t0, tr, tb, best_r, best_b;
	size_t B, r, k, reps, nmax = m->maxbatch < 64 ? m->maxbatch : 64;
	uint32_t i, rep;

	if (!model_blas_available() || nmax == 0)
		return 0;
	if ((x = malloc(nmax * m->n * sizeof(double))) == NULL ||
	    (y = malloc(nmax * m->nout * sizeof(double))) == NULL) {
		free(x);
		return 0;
	}
	for (r = 0; r < nmax; r++)
		for (i = 0; i < m->n; i++)
			x[r * m->n + i] = (m->mean ? m->mean[i] : 0) +
			    (m->scale ? m->scale[i] : 1) * 0.01 * (double)(r % 7);
	for (B = 1; B <= nmax; B *= 2) {
		reps = 256 / B + 1;
		best_r = best_b = INFINITY;
		for (rep = 0; rep < 3; rep++) {
			t0 = cpu_now();
			for (k = 0; k < reps; k++)
				for (r = 0; r < B; r++)
					model_score_row(m, x + r * m->n,
					    y + r * m->nout);
			tr = cpu_now() - t0;
			t0 = cpu_now();
			for (k = 0; k < reps; k++)
				model_score_blas(m, x, B, y);
			tb = cpu_now() - t0;
			best_r = fmin(best_r, tr);
			best_b = fmin(best_b, tb);
		}
		if (best_b < 0.8 * best_r)
			break;
	}
	free(x);
	free(y);
	return B <= nmax ? B : 0;
}

static double *
dup(const double *p, size_t n)
{
	double *d;

	if ((d = malloc((n ? n : 1) * sizeof(double))) != NULL)
		memcpy(d, p, n * sizeof(double));
	return d;
}

/* a [r, c] transposed into a new [c, r] */
static double *
transpose(const double *a, uint32_t r, uint32_t c)
{
	double *t;
	uint32_t i, j;
	size_t n = (size_t)r * c;

	if ((t = malloc((n > 0 ? n : 1) * sizeof(double))) == NULL)
		return NULL;
	for (i = 0; i < r; i++)
		for (j = 0; j < c; j++)
			t[(size_t)j * r + i] = a[(size_t)i * c + j];
	return t;
}

static int
act_parse(const char *s)
{
	if (s == NULL || strcmp(s, "identity") == 0)
		return ACT_IDENTITY;
	if (strcmp(s, "relu") == 0)
		return ACT_RELU;
	if (strcmp(s, "tanh") == 0)
		return ACT_TANH;
	return ACT_LOGISTIC;
}

struct model *
model_new(const struct bundle *b, size_t maxbatch, char *err, size_t errlen)
{
	struct model *m;
	const struct bundle_array *a, *c;
	uint32_t i, k, n = b->nfeat;
	char nm[16];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	m->n = n;
	m->dim[0] = n;
	m->maxbatch = maxbatch ? maxbatch : 1;
	if (b->scale_mean != NULL && ((m->mean = dup(b->scale_mean, n)) ==
	    NULL || (m->scale = dup(b->scale_scale, n)) == NULL))
		goto nomem;
	if (strcmp(b->kind, "logistic") == 0 || strcmp(b->kind, "softmax") ==
	    0 || strcmp(b->kind, "ridge") == 0) {
		a = bundle_array(b, "coef");
		c = bundle_array(b, "intercept");
		k = a->ndim == 1 ? 1 : a->shape[0];
		m->type = MODEL_LINEAR;
		m->nl = 1;
		m->dim[1] = k;
		if ((m->W[0] = transpose(a->data, k, n)) == NULL ||
		    (m->b[0] = dup(c->data, k)) == NULL)
			goto nomem;
		if (b->kind[0] == 'r') {
			m->post = POST_IDENTITY;
			m->nout = k;
		} else {
			m->post = k == 1 ? POST_LOGISTIC : POST_SOFTMAX;
			m->nclass = m->nout = k == 1 ? 2 : k;
		}
	} else if (strncmp(b->kind, "mlp_", 4) == 0) {
		m->type = MODEL_MLP;
		m->nl = (uint32_t)bundle_hyper(b, "layers", 0);
		m->act = act_parse(bundle_hyper_str(b, "activation"));
		for (i = 0; i < m->nl; i++) {
			snprintf(nm, sizeof(nm), "W%u", i);
			a = bundle_array(b, nm);
			snprintf(nm, sizeof(nm), "b%u", i);
			c = bundle_array(b, nm);
			m->dim[i + 1] = a->shape[1];
			if ((m->W[i] = dup(a->data, a->n)) == NULL ||
			    (m->b[i] = dup(c->data, c->n)) == NULL)
				goto nomem;
		}
		k = m->dim[m->nl];
		if (strcmp(b->kind, "mlp_regressor") == 0) {
			m->post = POST_IDENTITY;
			m->nout = k;
		} else {
			m->post = k == 1 ? POST_LOGISTIC : POST_SOFTMAX;
			m->nclass = m->nout = k == 1 ? 2 : k;
		}
	} else if (strcmp(b->kind, "pca") == 0) {
		a = bundle_array(b, "components");
		k = a->shape[0];
		m->type = MODEL_PCA;
		m->nl = 2;
		m->dim[1] = k;
		m->dim[2] = n;
		m->nout = 2;
		if ((m->W[0] = transpose(a->data, k, n)) == NULL ||
		    (m->W[1] = dup(a->data, a->n)) == NULL ||
		    (m->center = dup(bundle_array(b, "mean")->data, n)) ==
		    NULL || (m->ev = dup(bundle_array(b,
		    "explained_variance")->data, k)) == NULL)
			goto nomem;
	} else if (strcmp(b->kind, "mahalanobis") == 0) {
		m->type = MODEL_MAHA;
		m->nl = 1;
		m->dim[1] = n;
		m->nout = 1;
		if ((m->W[0] = dup(bundle_array(b, "precision")->data,
		    (size_t)n * n)) == NULL || (m->center = dup(bundle_array(b,
		    "mean")->data, n)) == NULL)
			goto nomem;
	} else {
		snprintf(err, errlen, "%s@%s: model kind %s not served",
		    b->name, b->version, b->kind);
		model_free(&m);
		return NULL;
	}
	m->wide = n;
	for (i = 0; i <= m->nl; i++)
		if (m->dim[i] > m->wide)
			m->wide = m->dim[i];
	if (m->nout > m->wide)
		m->wide = m->nout;
	if ((m->s0 = calloc(m->maxbatch * m->wide, sizeof(double))) == NULL ||
	    (m->s1 = calloc(m->maxbatch * m->wide, sizeof(double))) == NULL ||
	    (m->s2 = calloc(m->maxbatch * m->wide, sizeof(double))) == NULL)
		goto nomem;
	/* BLAS only for models with some work per row: a multiply-add per
	 * weight, at least 256 */
	for (i = 0, k = 0; i < m->nl; i++)
		k += m->dim[i] * m->dim[i + 1];
	m->blas_min = k >= 256 ? calibrate(m) : 0;
	return m;
nomem:
	snprintf(err, errlen, "%s@%s: out of memory", b->name, b->version);
	model_free(&m);
	return NULL;
}

void
model_free(struct model **mp)
{
	struct model *m;
	uint32_t i;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	free(m->mean);
	free(m->scale);
	for (i = 0; i < MODEL_MAXLAYERS; i++) {
		free(m->W[i]);
		free(m->b[i]);
	}
	free(m->center);
	free(m->ev);
	free(m->s0);
	free(m->s1);
	free(m->s2);
	free(m);
	*mp = NULL;
}

static inline double
expit(double z)
{
	return 1 / (1 + exp(-z));
}

static void
activate(int act, double *h, size_t n)
{
	size_t i;

	switch (act) {
	case ACT_RELU:
		for (i = 0; i < n; i++)
			h[i] = h[i] > 0 ? h[i] : 0;
		break;
	case ACT_TANH:
		for (i = 0; i < n; i++)
			h[i] = tanh(h[i]);
		break;
	case ACT_LOGISTIC:
		for (i = 0; i < n; i++)
			h[i] = expit(h[i]);
		break;
	}
}

/* The output layer z[0..k) of one row into out. */
static void
post(const struct model *m, const double *z, uint32_t k, double *out)
{
	double mx, s, p;
	uint32_t j;

	switch (m->post) {
	case POST_LOGISTIC:
		p = expit(z[0]);
		out[0] = 1 - p;
		out[1] = p;
		break;
	case POST_SOFTMAX:
		mx = z[0];
		for (j = 1; j < k; j++)
			if (z[j] > mx)
				mx = z[j];
		for (j = 0, s = 0; j < k; j++)
			s += (out[j] = exp(z[j] - mx));
		for (j = 0; j < k; j++)
			out[j] /= s;
		break;
	default:
		memcpy(out, z, k * sizeof(double));
	}
}

/* x scaled (and centered, for pca and mahalanobis) into y, nrows rows. */
static void
prepare(const struct model *m, const double *x, size_t nrows, double *y)
{
	size_t r, i, n = m->n;

	for (r = 0; r < nrows; r++, x += n, y += n) {
		if (m->mean != NULL)
			for (i = 0; i < n; i++)
				y[i] = (x[i] - m->mean[i]) / m->scale[i];
		else
			memcpy(y, x, n * sizeof(double));
		if (m->center != NULL)
			for (i = 0; i < n; i++)
				y[i] -= m->center[i];
	}
}

/*
 * z[0..dout) = b + h[0..din) W, W [din, dout].  Eight outputs at a time in
 * registers (the compiler makes vectors of them), each walking down its
 * columns of W: no store per input, and the sum for each output in the same
 * order as the plain loop.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=haswell", "default")))
#endif
static void
layer_row(const double *restrict h, uint32_t din, const double *restrict W,
    const double *restrict b, uint32_t dout, double *restrict z)
{
	uint32_t i, j, k;
	double a[8];

	for (j = 0; j + 8 <= dout; j += 8) {
		for (k = 0; k < 8; k++)
			a[k] = b != NULL ? b[j + k] : 0;
		for (i = 0; i < din; i++) {
			const double *w = W + (size_t)i * dout + j, hi = h[i];

			for (k = 0; k < 8; k++)
				a[k] += hi * w[k];
		}
		for (k = 0; k < 8; k++)
			z[j + k] = a[k];
	}
	for (; j < dout; j++) {
		double s = b != NULL ? b[j] : 0;

		for (i = 0; i < din; i++)
			s += h[i] * W[(size_t)i * dout + j];
		z[j] = s;
	}
}

void
model_score_row(struct model *m, const double *x, double *out)
{
	double *h = m->s0, *z = m->s1, *t, s;
	uint32_t l, j, n = m->n, k;

	prepare(m, x, 1, h);
	switch (m->type) {
	case MODEL_LINEAR:
	case MODEL_MLP:
		for (l = 0; l < m->nl; l++) {
			layer_row(h, m->dim[l], m->W[l], m->b[l], m->dim[l + 1],
			    z);
			if (l + 1 < m->nl)
				activate(m->act, z, m->dim[l + 1]);
			t = h;
			h = z;
			z = t;
		}
		post(m, h, m->dim[m->nl], out);
		break;
	case MODEL_PCA:
		k = m->dim[1];
		layer_row(h, n, m->W[0], NULL, k, z);		/* t */
		for (j = 0, s = 0; j < k; j++)
			s += z[j] * z[j] / m->ev[j];
		out[0] = s;
		layer_row(z, k, m->W[1], NULL, n, m->s2);	/* t C */
		for (j = 0, s = 0; j < n; j++)
			s += (h[j] - m->s2[j]) * (h[j] - m->s2[j]);
		out[1] = s;
		break;
	case MODEL_MAHA:
		layer_row(h, n, m->W[0], NULL, n, z);
		for (j = 0, s = 0; j < n; j++)
			s += z[j] * h[j];
		out[0] = s;
		break;
	}
}

/* z [B, dout] = h [B, din] W (+ b per row) */
static void
layer_blas(const double *h, size_t B, uint32_t din, const double *W,
    const double *b, uint32_t dout, double *z)
{
	size_t r;

	if (b != NULL)
		for (r = 0; r < B; r++)
			memcpy(z + r * dout, b, dout * sizeof(double));
	if (p_dgemm != NULL) {
		p_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B,
		    (int)dout, (int)din, 1.0, h, (int)din, W, (int)dout,
		    b != NULL ? 1.0 : 0.0, z, (int)dout);
		return;
	}
	for (r = 0; r < B; r++)		/* no BLAS: the same, row by row */
		layer_row(h + r * din, din, W, b, dout, z + r * dout);
}

void
model_score_blas(struct model *m, const double *x, size_t B, double *out)
{
	(void)model_blas_available();
	double *h = m->s0, *z = m->s1, *t, s;
	uint32_t l, j, n = m->n, k;
	size_t r;

	prepare(m, x, B, h);
	switch (m->type) {
	case MODEL_LINEAR:
	case MODEL_MLP:
		for (l = 0; l < m->nl; l++) {
			layer_blas(h, B, m->dim[l], m->W[l], m->b[l],
			    m->dim[l + 1], z);
			if (l + 1 < m->nl)
				activate(m->act, z, B * m->dim[l + 1]);
			t = h;
			h = z;
			z = t;
		}
		k = m->dim[m->nl];
		for (r = 0; r < B; r++)
			post(m, h + r * k, k, out + r * m->nout);
		break;
	case MODEL_PCA:
		k = m->dim[1];
		layer_blas(h, B, n, m->W[0], NULL, k, z);
		layer_blas(z, B, k, m->W[1], NULL, n, m->s2);
		for (r = 0; r < B; r++) {
			const double *tr = z + r * k, *hr = h + r * n,
			    *rr = m->s2 + r * n;

			for (j = 0, s = 0; j < k; j++)
				s += tr[j] * tr[j] / m->ev[j];
			out[2 * r] = s;
			for (j = 0, s = 0; j < n; j++)
				s += (hr[j] - rr[j]) * (hr[j] - rr[j]);
			out[2 * r + 1] = s;
		}
		break;
	case MODEL_MAHA:
		layer_blas(h, B, n, m->W[0], NULL, n, z);
		for (r = 0; r < B; r++) {
			for (j = 0, s = 0; j < n; j++)
				s += z[r * n + j] * h[r * n + j];
			out[r] = s;
		}
		break;
	}
}

void
model_score(struct model *m, const double *x, size_t nrows, double *out)
{
	size_t r;

	if (m->blas_min > 0 && nrows >= m->blas_min) {
		model_score_blas(m, x, nrows, out);
		return;
	}
	for (r = 0; r < nrows; r++)
		model_score_row(m, x + r * m->n, out + r * m->nout);
}

double
model_score_of(const struct model *m, const double *out)
{
	double mx;
	uint32_t j;

	if (m->nclass == 2)
		return out[1];
	if (m->nclass > 2) {
		for (j = 1, mx = out[0]; j < m->nclass; j++)
			if (out[j] > mx)
				mx = out[j];
		return mx;
	}
	return out[0];
}
