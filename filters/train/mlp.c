/*
 * mlp -- a small multilayer perceptron (one or two hidden layers) fitted by
 * Adam on shuffled minibatches, as scikit-learn's MLPClassifier and
 * MLPRegressor fit theirs, so that the two can be compared at the same size
 * and number of epochs: Glorot-uniform initial weights (bound
 * sqrt(6 / (fan_in + fan_out)), sqrt(2 / ...) for the logistic
 * activation), the loss averaged over the batch plus alpha/2 |W|^2 / batch,
 * Adam with beta 0.9/0.999 and eps 1e-8, and the same stopping rule: stop
 * after `patience` epochs without an improvement of tol, keep the best
 * validation epoch's weights.  Layers go through cblas_dgemm.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "model.h"

const char *const act_name[4] = { "identity", "logistic", "tanh", "relu" };

static void
activate(double *a, size_t n, int act)
{
	size_t i;

	switch (act) {
	case ACT_LOGISTIC:
		for (i = 0; i < n; i++)
			a[i] = 1 / (1 + exp(-a[i]));
		break;
	case ACT_TANH:
		for (i = 0; i < n; i++)
			a[i] = tanh(a[i]);
		break;
	case ACT_RELU:
		for (i = 0; i < n; i++)
			if (a[i] < 0)
				a[i] = 0;
		break;
	}
}

/* delta *= act'(z), from the activations a */
static void
dactivate(double *d, const double *a, size_t n, int act)
{
	size_t i;

	switch (act) {
	case ACT_LOGISTIC:
		for (i = 0; i < n; i++)
			d[i] *= a[i] * (1 - a[i]);
		break;
	case ACT_TANH:
		for (i = 0; i < n; i++)
			d[i] *= 1 - a[i] * a[i];
		break;
	case ACT_RELU:
		for (i = 0; i < n; i++)
			if (a[i] == 0)
				d[i] = 0;
		break;
	}
}

static void
outact(double *o, size_t rows, size_t k, int out)
{
	size_t i, j;

	if (out == OUT_LOGISTIC)
		activate(o, rows * k, ACT_LOGISTIC);
	else if (out == OUT_SOFTMAX)
		for (i = 0; i < rows; i++) {
			double *r = o + i * k, mx = r[0], s = 0;

			for (j = 1; j < k; j++)
				if (r[j] > mx)
					mx = r[j];
			for (j = 0; j < k; j++)
				s += (r[j] = exp(r[j] - mx));
			for (j = 0; j < k; j++)
				r[j] /= s;
		}
}

/* Forward pass of rows X (rows x size[0]); A[l] (rows x size[l]) receive
 * the activations, A[0] = X borrowed. */
static void
forward(const struct mlp *m, const double *X, size_t rows, double **A)
{
	int l;
	size_t i;

	A[0] = (double *)(uintptr_t)X;
	for (l = 0; l < m->nlayer; l++) {
		size_t in = m->size[l], on = m->size[l + 1];

		for (i = 0; i < rows; i++)
			memcpy(A[l + 1] + i * on, m->b[l], on * sizeof(double));
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
		    (int)rows, (int)on, (int)in, 1, A[l], (int)in, m->W[l],
		    (int)on, 1, A[l + 1], (int)on);
		if (l + 1 < m->nlayer)
			activate(A[l + 1], rows * on, m->act);
		else
			outact(A[l + 1], rows, on, m->out);
	}
}

static void
mlp_zero(struct mlp *m)
{
	memset(m, 0, sizeof(*m));
}

void
mlp_free(struct mlp *m)
{
	int l;

	for (l = 0; l < 3; l++) {
		free(m->W[l]);
		free(m->b[l]);
	}
	mlp_zero(m);
}

int
mlp_predict(const struct mlp *m, const double *X, size_t n, double *O)
{
	double *A[4] = { NULL };
	size_t chunk = 256, i, r;
	int l, rc = -1;

	for (l = 1; l < m->nlayer; l++)
		if ((A[l] = malloc(chunk * m->size[l] * sizeof(double))) ==
		    NULL)
			goto out;
	for (i = 0; i < n; i += r) {
		r = n - i < chunk ? n - i : chunk;
		A[m->nlayer] = O + i * m->size[m->nlayer];
		forward(m, X + i * m->size[0], r, A);
	}
	rc = 0;
out:
	for (l = 1; l < m->nlayer; l++)
		free(A[l]);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

/* Validation score: accuracy (classifier) or R^2 (regressor). */
static double
val_score(const struct mlp *m, const double *Xv, const double *Yv, size_t nv,
    double *O)
{
	size_t i, j, k = m->size[m->nlayer];
	double s = 0;

	if (mlp_predict(m, Xv, nv, O) == -1)
		return NAN;
	if (m->out == OUT_IDENTITY) {
		double ss = 0, st = 0;

		for (j = 0; j < k; j++) {
			double mu = 0;

			for (i = 0; i < nv; i++)
				mu += Yv[i * k + j];
			mu /= (double)nv;
			for (i = 0; i < nv; i++) {
				double e = Yv[i * k + j] - O[i * k + j],
				    d = Yv[i * k + j] - mu;

				ss += e * e;
				st += d * d;
			}
		}
		return st > 0 ? 1 - ss / st : 0;
	}
	for (i = 0; i < nv; i++) {
		int yt, yp;

		if (k == 1) {
			yt = Yv[i] > 0.5;
			yp = O[i] > 0.5;
		} else {
			yt = yp = 0;
			for (j = 1; j < k; j++) {
				if (Yv[i * k + j] > Yv[i * k + (size_t)yt])
					yt = (int)j;
				if (O[i * k + j] > O[i * k + (size_t)yp])
					yp = (int)j;
			}
		}
		s += yt == yp;
	}
	return s / (double)nv;
}

int
mlp_fit(struct mlp *m, const struct mlp_opts *o, const double *X,
    const double *Y, size_t n, size_t p, size_t nout, int out,
    const double *Xv, const double *Yv, size_t nv)
{
	double *A[4] = { NULL }, *D[4] = { NULL }, *G[3] = { NULL };
	double *Gb[3] = { NULL }, *M1[6] = { NULL }, *M2[6] = { NULL };
	double *best[6] = { NULL }, *Xb = NULL, *Yb = NULL, *Ov = NULL;
	double best_score = -INFINITY, best_loss = INFINITY;
	size_t *idx = NULL, bs, nw[6], i, j, k, start;
	uint64_t rng = o->seed;
	int l, it, epochs = -1, stall = 0, t = 0, L, q;

	mlp_zero(m);
	m->nlayer = L = o->nhidden + 1;
	m->size[0] = p;
	for (l = 0; l < o->nhidden; l++)
		m->size[l + 1] = o->hidden[l];
	m->size[L] = nout;
	m->act = o->act;
	m->out = out;
	bs = o->batch < n ? o->batch : n;
	if (bs == 0)
		bs = 1;

	for (l = 0; l < L; l++) {
		size_t fi = m->size[l], fo = m->size[l + 1];
		double bound = sqrt((o->act == ACT_LOGISTIC ? 2.0 : 6.0) /
		    (double)(fi + fo));

		nw[2 * l] = fi * fo;
		nw[2 * l + 1] = fo;
		if ((m->W[l] = malloc(fi * fo * sizeof(double))) == NULL ||
		    (m->b[l] = malloc(fo * sizeof(double))) == NULL ||
		    (G[l] = malloc(fi * fo * sizeof(double))) == NULL ||
		    (Gb[l] = malloc(fo * sizeof(double))) == NULL ||
		    (A[l + 1] = malloc(bs * fo * sizeof(double))) == NULL ||
		    (D[l + 1] = malloc(bs * fo * sizeof(double))) == NULL)
			goto nomem;
		/* as scikit-learn: weights, then biases, layer by layer */
		for (i = 0; i < fi * fo; i++)
			m->W[l][i] = (2 * rng_unif(&rng) - 1) * bound;
		for (i = 0; i < fo; i++)
			m->b[l][i] = (2 * rng_unif(&rng) - 1) * bound;
	}
	for (q = 0; q < 2 * L; q++)
		if ((M1[q] = calloc(nw[q], sizeof(double))) == NULL ||
		    (M2[q] = calloc(nw[q], sizeof(double))) == NULL ||
		    (best[q] = malloc(nw[q] * sizeof(double))) == NULL)
			goto nomem;
	if ((idx = malloc(n * sizeof(size_t))) == NULL ||
	    (Xb = malloc(bs * p * sizeof(double))) == NULL ||
	    (Yb = malloc(bs * nout * sizeof(double))) == NULL ||
	    (nv > 0 && (Ov = malloc(nv * nout * sizeof(double))) == NULL))
		goto nomem;
	for (i = 0; i < n; i++)
		idx[i] = i;

	for (it = 0; it < o->max_iter; it++) {
		double loss = 0;

		rng_shuffle(idx, n, &rng);
		for (start = 0; start < n; start += bs) {
			size_t r = n - start < bs ? n - start : bs;
			double *Ob = A[L], b1t, b2t, lr;

			for (i = 0; i < r; i++) {
				memcpy(Xb + i * p, X + idx[start + i] * p,
				    p * sizeof(double));
				memcpy(Yb + i * nout, Y + idx[start + i] *
				    nout, nout * sizeof(double));
			}
			forward(m, Xb, r, A);
			/* loss and output delta (out - y for each pairing) */
			for (i = 0; i < r * nout; i++) {
				double yv = Yb[i], pv = Ob[i];

				if (out == OUT_IDENTITY)
					loss += (pv - yv) * (pv - yv) / 2;
				else if (yv > 0) {
					double c = pv < 1e-15 ? 1e-15 : pv;
					loss -= yv * log(c);
				}
				if (out == OUT_LOGISTIC && yv <= 0) {
					double c = 1 - pv < 1e-15 ? 1e-15 :
					    1 - pv;
					loss -= log(c);
				}
				D[L][i] = pv - yv;
			}
			for (l = 0; l < L; l++)
				loss += 0.5 * o->alpha *
				    cblas_ddot((int)nw[2 * l], m->W[l], 1,
				    m->W[l], 1);
			/* backward */
			for (l = L - 1; l >= 0; l--) {
				size_t in = m->size[l], on = m->size[l + 1];

				cblas_dgemm(CblasRowMajor, CblasTrans,
				    CblasNoTrans, (int)in, (int)on, (int)r,
				    1.0 / (double)r, A[l], (int)in, D[l + 1],
				    (int)on, 0, G[l], (int)on);
				cblas_daxpy((int)(in * on), o->alpha /
				    (double)r, m->W[l], 1, G[l], 1);
				for (k = 0; k < on; k++) {
					double s = 0;

					for (i = 0; i < r; i++)
						s += D[l + 1][i * on + k];
					Gb[l][k] = s / (double)r;
				}
				if (l > 0) {
					cblas_dgemm(CblasRowMajor,
					    CblasNoTrans, CblasTrans, (int)r,
					    (int)in, (int)on, 1, D[l + 1],
					    (int)on, m->W[l], (int)on, 0, D[l],
					    (int)in);
					dactivate(D[l], A[l], r * in, m->act);
				}
			}
			/* Adam */
			t++;
			b1t = 1 - pow(0.9, t);
			b2t = 1 - pow(0.999, t);
			lr = o->lr * sqrt(b2t) / b1t;
			for (q = 0; q < 2 * L; q++) {
				double *w = q % 2 ? m->b[q / 2] : m->W[q / 2];
				double *g = q % 2 ? Gb[q / 2] : G[q / 2];

				for (j = 0; j < nw[q]; j++) {
					M1[q][j] = 0.9 * M1[q][j] + 0.1 * g[j];
					M2[q][j] = 0.999 * M2[q][j] + 0.001 *
					    g[j] * g[j];
					w[j] -= lr * M1[q][j] /
					    (sqrt(M2[q][j]) + 1e-8);
				}
			}
		}
		loss /= (double)n;
		epochs = it + 1;
		if (o->patience <= 0)
			continue;
		if (nv > 0) {
			double s = val_score(m, Xv, Yv, nv, Ov);

			if (s < best_score + o->tol)
				stall++;
			else
				stall = 0;
			if (s > best_score) {
				best_score = s;
				for (q = 0; q < 2 * L; q++)
					memcpy(best[q], q % 2 ? m->b[q / 2] :
					    m->W[q / 2], nw[q] *
					    sizeof(double));
			}
		} else {
			if (loss > best_loss - o->tol)
				stall++;
			else
				stall = 0;
			if (loss < best_loss)
				best_loss = loss;
		}
		if (stall > o->patience)
			break;
	}
	if (o->patience > 0 && nv > 0 && best_score > -INFINITY)
		for (q = 0; q < 2 * L; q++)
			memcpy(q % 2 ? m->b[q / 2] : m->W[q / 2], best[q],
			    nw[q] * sizeof(double));
	goto out;
nomem:
	errno = ENOMEM;
	mlp_free(m);
	epochs = -1;
out:
	for (l = 0; l < 3; l++) {
		free(G[l]);
		free(Gb[l]);
		free(A[l + 1]);
		free(D[l + 1]);
	}
	for (q = 0; q < 6; q++) {
		free(M1[q]);
		free(M2[q]);
		free(best[q]);
	}
	free(idx);
	free(Xb);
	free(Yb);
	free(Ov);
	return epochs;
}
