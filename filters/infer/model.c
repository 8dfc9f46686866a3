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
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "model.h"

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

	/* one thread: the machine's cores run the rest of the pipeline */
	openblas_set_num_threads(1);
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

/* z[0..dout) = b + h[0..din) W, W [din, dout] */
static inline void
layer_row(const double *h, uint32_t din, const double *W, const double *b,
    uint32_t dout, double *z)
{
	uint32_t i, j;
	double hi;

	if (b != NULL)
		memcpy(z, b, dout * sizeof(double));
	else
		memset(z, 0, dout * sizeof(double));
	for (i = 0; i < din; i++) {
		hi = h[i];
		for (j = 0; j < dout; j++)
			z[j] += hi * W[(size_t)i * dout + j];
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
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B,
	    (int)dout, (int)din, 1.0, h, (int)din, W, (int)dout,
	    b != NULL ? 1.0 : 0.0, z, (int)dout);
}

void
model_score_blas(struct model *m, const double *x, size_t B, double *out)
{
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

	if (nrows >= MODEL_BLAS_MIN) {
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
