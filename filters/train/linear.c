/*
 * linear -- the scaler, logistic and softmax regression (L-BFGS), ridge
 * (Cholesky of the centred normal equations), PCA (symmetric eigensolver
 * of the covariance) and the Mahalanobis precision (Cholesky inverse).
 *
 * The objectives are scikit-learn's, so its coefficients are the oracle:
 * LogisticRegression minimises sum_i logloss_i + |W|^2 / (2C) with the
 * intercepts unpenalised, over K rows for the multinomial model (every
 * class has its own row: the penalty makes that unique).  L-BFGS keeps ten
 * pairs and backtracks from the full step (the objective is strongly
 * convex, so every pair has positive curvature); it stops when the largest
 * gradient component is below tol, or when no step lowers the objective
 * any more (the gradient is then at the rounding floor).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "model.h"

/* The Fortran LAPACK routines OpenBLAS exports (no LAPACKE on Debian 12). */
void	dsyev_(const char *jobz, const char *uplo, const int *n, double *a,
	    const int *lda, double *w, double *work, const int *lwork,
	    int *info);
void	dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
	    int *info);
void	dpotri_(const char *uplo, const int *n, double *a, const int *lda,
	    int *info);
void	dpotrs_(const char *uplo, const int *n, const int *nrhs,
	    const double *a, const int *lda, double *b, const int *ldb,
	    int *info);

void
sc_fit(const double *X, size_t n, size_t p, double *mean, double *scale)
{
	size_t i, j;

	for (j = 0; j < p; j++) {
		double m = 0, s = 0, d;

		for (i = 0; i < n; i++)
			m += X[i * p + j];
		m = n ? m / n : 0;
		for (i = 0; i < n; i++) {
			d = X[i * p + j] - m;
			s += d * d;
		}
		s = n ? sqrt(s / n) : 0;
		mean[j] = m;
		/* as scikit-learn: a constant column is left unscaled */
		scale[j] = s < 10 * 2.220446049250313e-16 * fabs(m) || s == 0 ?
		    1 : s;
	}
}

void
sc_apply(double *X, size_t n, size_t p, const double *mean,
    const double *scale)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			X[i * p + j] = (X[i * p + j] - mean[j]) / scale[j];
}

/* ---- L-BFGS ------------------------------------------------------------ */

typedef double (*objfn)(const double *w, double *g, void *ctx);

#define LB_M	10

static int
lbfgs(objfn f, void *ctx, double *w, size_t d, double tol, int maxit)
{
	double *S, *Y, *rho, *alpha, *g, *gn, *q, *wn;
	double fx, fn, step, gd, gmax;
	size_t j;
	int it, k, m = 0, head = 0, i, ls, rc = -1;

	S = calloc((size_t)LB_M * d, sizeof(double));
	Y = calloc((size_t)LB_M * d, sizeof(double));
	g = calloc(d, sizeof(double));
	gn = calloc(d, sizeof(double));
	q = calloc(d, sizeof(double));
	wn = calloc(d, sizeof(double));
	rho = calloc(LB_M, sizeof(double));
	alpha = calloc(LB_M, sizeof(double));
	if (!S || !Y || !g || !gn || !q || !wn || !rho || !alpha) {
		errno = ENOMEM;
		goto out;
	}
	fx = f(w, g, ctx);
	for (it = 0; ; it++) {
		gmax = 0;
		for (j = 0; j < d; j++)
			if (fabs(g[j]) > gmax)
				gmax = fabs(g[j]);
		if (gmax <= tol) {
			rc = it;
			break;
		}
		if (it >= maxit) {
			errno = EDOM;
			break;
		}
		/* two-loop recursion: q = -H g */
		memcpy(q, g, d * sizeof(double));
		for (i = 0; i < m; i++) {
			k = (head - 1 - i + LB_M) % LB_M;
			alpha[k] = rho[k] * cblas_ddot((int)d, S + k * d, 1,
			    q, 1);
			cblas_daxpy((int)d, -alpha[k], Y + k * d, 1, q, 1);
		}
		if (m > 0) {
			k = (head - 1 + LB_M) % LB_M;
			cblas_dscal((int)d, 1 / (rho[k] * cblas_ddot((int)d,
			    Y + k * d, 1, Y + k * d, 1)), q, 1);
		} else
			cblas_dscal((int)d, 1 / (gmax > 1 ? gmax : 1), q, 1);
		for (i = m - 1; i >= 0; i--) {
			double b;

			k = (head - 1 - i + LB_M) % LB_M;
			b = rho[k] * cblas_ddot((int)d, Y + k * d, 1, q, 1);
			cblas_daxpy((int)d, alpha[k] - b, S + k * d, 1, q, 1);
		}
		for (j = 0; j < d; j++)
			q[j] = -q[j];
		gd = cblas_ddot((int)d, g, 1, q, 1);
		if (gd >= 0) {		/* not a descent direction: restart */
			for (j = 0; j < d; j++)
				q[j] = -g[j];
			gd = -cblas_ddot((int)d, g, 1, g, 1);
			m = 0;
		}
		/* backtracking (Armijo) from the full step */
		for (step = 1, ls = 0; ls < 60; ls++, step *= 0.5) {
			for (j = 0; j < d; j++)
				wn[j] = w[j] + step * q[j];
			fn = f(wn, gn, ctx);
			if (fn <= fx + 1e-4 * step * gd)
				break;
		}
		if (ls == 60 || fn >= fx) {
			/* no lower point at this precision: done */
			rc = it;
			break;
		}
		k = head;
		for (j = 0; j < d; j++) {
			S[k * d + j] = wn[j] - w[j];
			Y[k * d + j] = gn[j] - g[j];
		}
		gd = cblas_ddot((int)d, S + k * d, 1, Y + k * d, 1);
		if (gd > 0) {
			rho[k] = 1 / gd;
			head = (head + 1) % LB_M;
			if (m < LB_M)
				m++;
		}
		memcpy(w, wn, d * sizeof(double));
		memcpy(g, gn, d * sizeof(double));
		fx = fn;
	}
out:
	free(S);
	free(Y);
	free(g);
	free(gn);
	free(q);
	free(wn);
	free(rho);
	free(alpha);
	return rc;
}

/* ---- logistic and softmax ---------------------------------------------- */

struct lctx {
	const double	*X;
	const int	*y;
	size_t		 n, p;
	int		 K;
	double		 C;
	double		*Z;		/* n x K scratch */
};

/* log(1 + exp(t)) without overflow */
static double
log1pexp(double t)
{
	return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/* w = [coef (p), intercept]: sum_i log(1 + exp(-s_i z_i)) + |coef|^2/2C */
static double
logit_obj(const double *w, double *g, void *vc)
{
	struct lctx *c = vc;
	size_t i, p = c->p;
	double f = 0, *z = c->Z;

	for (i = 0; i < c->n; i++)
		z[i] = w[p];
	cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)c->n, (int)p, 1, c->X,
	    (int)p, w, 1, 1, z, 1);
	g[p] = 0;
	for (i = 0; i < c->n; i++) {
		double s = c->y[i] ? 1 : -1, m = s * z[i];

		f += log1pexp(-m);
		/* d/dz = -s sigma(-m) */
		z[i] = -s / (1 + exp(m));
		g[p] += z[i];
	}
	cblas_dgemv(CblasRowMajor, CblasTrans, (int)c->n, (int)p, 1, c->X,
	    (int)p, z, 1, 0, g, 1);
	for (i = 0; i < p; i++) {
		f += w[i] * w[i] / (2 * c->C);
		g[i] += w[i] / c->C;
	}
	return f;
}

int
logit_fit(const double *X, const int *y, size_t n, size_t p, double C,
    double tol, int maxit, double *coef, double *icpt)
{
	struct lctx c = { X, y, n, p, 2, C, NULL };
	double *w;
	int rc;

	if ((c.Z = malloc(n * sizeof(double))) == NULL ||
	    (w = calloc(p + 1, sizeof(double))) == NULL) {
		free(c.Z);
		errno = ENOMEM;
		return -1;
	}
	rc = lbfgs(logit_obj, &c, w, p + 1, tol, maxit);
	memcpy(coef, w, p * sizeof(double));
	*icpt = w[p];
	free(w);
	free(c.Z);
	return rc;
}

/* w = [coef (K x p), intercepts (K)] */
static double
softmax_obj(const double *w, double *g, void *vc)
{
	struct lctx *c = vc;
	size_t i, n = c->n, p = c->p, K = (size_t)c->K, k;
	double f = 0, *Z = c->Z;
	const double *b = w + K * p;

	for (i = 0; i < n; i++)
		memcpy(Z + i * K, b, K * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)K,
	    (int)p, 1, c->X, (int)p, w, (int)p, 1, Z, (int)K);
	memset(g + K * p, 0, K * sizeof(double));
	for (i = 0; i < n; i++) {
		double *z = Z + i * K, mx = z[0], s = 0;

		for (k = 1; k < K; k++)
			if (z[k] > mx)
				mx = z[k];
		for (k = 0; k < K; k++)
			s += exp(z[k] - mx);
		f += mx + log(s) - z[c->y[i]];
		for (k = 0; k < K; k++) {
			z[k] = exp(z[k] - mx) / s - ((int)k == c->y[i]);
			g[K * p + k] += z[k];
		}
	}
	/* gradW = G^T X */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)p,
	    (int)n, 1, Z, (int)K, c->X, (int)p, 0, g, (int)p);
	for (i = 0; i < K * p; i++) {
		f += w[i] * w[i] / (2 * c->C);
		g[i] += w[i] / c->C;
	}
	return f;
}

int
softmax_fit(const double *X, const int *y, size_t n, size_t p, int K,
    double C, double tol, int maxit, double *coef, double *icpt)
{
	struct lctx c = { X, y, n, p, K, C, NULL };
	size_t d = (size_t)K * (p + 1);
	double *w;
	int rc;

	if ((c.Z = malloc(n * (size_t)K * sizeof(double))) == NULL ||
	    (w = calloc(d, sizeof(double))) == NULL) {
		free(c.Z);
		errno = ENOMEM;
		return -1;
	}
	rc = lbfgs(softmax_obj, &c, w, d, tol, maxit);
	memcpy(coef, w, (size_t)K * p * sizeof(double));
	memcpy(icpt, w + (size_t)K * p, (size_t)K * sizeof(double));
	free(w);
	free(c.Z);
	return rc;
}

void
linear_proba(const double *X, size_t n, size_t p, int K, int binary,
    const double *coef, const double *icpt, double *P)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		const double *x = X + i * p;
		double *o = P + i * (size_t)K;

		if (binary) {
			double z = icpt[0] + cblas_ddot((int)p, x, 1, coef, 1);

			o[1] = 1 / (1 + exp(-z));
			o[0] = 1 - o[1];
			continue;
		}
		double mx = -INFINITY, s = 0;
		for (k = 0; k < K; k++) {
			o[k] = icpt[k] + cblas_ddot((int)p, x, 1,
			    coef + (size_t)k * p, 1);
			if (o[k] > mx)
				mx = o[k];
		}
		for (k = 0; k < K; k++)
			s += (o[k] = exp(o[k] - mx));
		for (k = 0; k < K; k++)
			o[k] /= s;
	}
}

/* ---- ridge --------------------------------------------------------------- */

/* Column means of X into mu, and Xc = X - mu (caller owns Xc: n x p). */
static double *
centre(const double *X, size_t n, size_t p, double *mu)
{
	double *Xc;
	size_t i, j;

	if ((Xc = malloc(n * p * sizeof(double))) == NULL)
		return NULL;
	for (j = 0; j < p; j++) {
		double m = 0;

		for (i = 0; i < n; i++)
			m += X[i * p + j];
		mu[j] = m / n;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			Xc[i * p + j] = X[i * p + j] - mu[j];
	return Xc;
}

int
ridge_fit(const double *X, const double *Y, size_t n, size_t p, size_t m,
    double alpha, double *coef, double *icpt)
{
	double *Xc = NULL, *Yc = NULL, *A = NULL, *B = NULL, *mx = NULL;
	double *my = NULL;
	size_t j, o;
	int N = (int)p, M = (int)m, info, rc = -1;

	mx = malloc(p * sizeof(double));
	my = malloc(m * sizeof(double));
	A = malloc(p * p * sizeof(double));
	B = malloc(p * m * sizeof(double));
	if (!mx || !my || !A || !B || (Xc = centre(X, n, p, mx)) == NULL ||
	    (Yc = centre(Y, n, m, my)) == NULL) {
		errno = ENOMEM;
		goto out;
	}
	/* A = Xc^T Xc + alpha I (upper, row-major = lower column-major) */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, N, (int)n, 1, Xc,
	    N, 0, A, N);
	for (j = 0; j < p; j++)
		A[j * p + j] += alpha;
	/* B = Yc^T Xc: m x p row-major = p x m column-major (one rhs a col) */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, (int)n, 1,
	    Yc, M, Xc, N, 0, B, N);
	dpotrf_("L", &N, A, &N, &info);
	if (info != 0) {
		errno = EDOM;
		goto out;
	}
	dpotrs_("L", &N, &M, A, &N, B, &N, &info);
	if (info != 0) {
		errno = EDOM;
		goto out;
	}
	for (o = 0; o < m; o++) {
		memcpy(coef + o * p, B + o * p, p * sizeof(double));
		icpt[o] = my[o] - cblas_ddot(N, mx, 1, B + o * p, 1);
	}
	rc = 0;
out:
	free(Xc);
	free(Yc);
	free(A);
	free(B);
	free(mx);
	free(my);
	return rc;
}

/* ---- PCA and Mahalanobis ------------------------------------------------- */

/* Covariance (divisor n - 1) of X into C (p x p, full), mean into mu. */
static int
covariance(const double *X, size_t n, size_t p, double *mu, double *C)
{
	double *Xc;
	size_t i, j;

	if ((Xc = centre(X, n, p, mu)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)n,
	    1.0 / (double)(n - 1), Xc, (int)p, 0, C, (int)p);
	for (i = 0; i < p; i++)
		for (j = 0; j < i; j++)
			C[i * p + j] = C[j * p + i];
	free(Xc);
	return 0;
}

int
pca_fit(const double *X, size_t n, size_t p, size_t k, double *mean,
    double *comp, double *ev)
{
	double *C = NULL, *w = NULL, *work = NULL, wq;
	size_t i, j, c;
	int N = (int)p, lwork = -1, info, rc = -1;

	if (n < 2 || k > p) {
		errno = EDOM;
		return -1;
	}
	C = malloc(p * p * sizeof(double));
	w = malloc(p * sizeof(double));
	if (!C || !w || covariance(X, n, p, mean, C) == -1)
		goto nomem;
	dsyev_("V", "U", &N, C, &N, w, &wq, &lwork, &info);
	lwork = (int)wq;
	if ((work = malloc((size_t)lwork * sizeof(double))) == NULL)
		goto nomem;
	/* C is symmetric: row-major and column-major are the same matrix;
	 * on return column-major column j (= row j here) is eigenvector j,
	 * eigenvalues ascending. */
	dsyev_("V", "U", &N, C, &N, w, work, &lwork, &info);
	if (info != 0) {
		errno = EDOM;
		goto out;
	}
	for (j = 0; j < p; j++)
		ev[j] = w[p - 1 - j] > 0 ? w[p - 1 - j] : 0;
	for (c = 0; c < k; c++) {
		const double *v = C + (p - 1 - c) * p;
		double best = 0, t;

		memcpy(comp + c * p, v, p * sizeof(double));
		/* svd_flip: the score of largest magnitude is positive */
		for (i = 0; i < n; i++) {
			t = 0;
			for (j = 0; j < p; j++)
				t += (X[i * p + j] - mean[j]) * v[j];
			if (fabs(t) > fabs(best))
				best = t;
		}
		if (best < 0)
			for (j = 0; j < p; j++)
				comp[c * p + j] = -comp[c * p + j];
	}
	rc = 0;
	goto out;
nomem:
	errno = ENOMEM;
out:
	free(C);
	free(w);
	free(work);
	return rc;
}

void
pca_score(const double *x, size_t p, size_t k, const double *mean,
    const double *comp, const double *ev, double *t2, double *q,
    double *work)
{
	double *xc = work, *t = work + p, s2 = 0, sq = 0;
	size_t j, c;

	for (j = 0; j < p; j++)
		xc[j] = x[j] - mean[j];
	for (c = 0; c < k; c++) {
		t[c] = cblas_ddot((int)p, comp + c * p, 1, xc, 1);
		if (ev[c] > 0)
			s2 += t[c] * t[c] / ev[c];
	}
	/* residual: xc - comp^T t */
	for (j = 0; j < p; j++) {
		double r = xc[j];

		for (c = 0; c < k; c++)
			r -= comp[c * p + j] * t[c];
		sq += r * r;
	}
	*t2 = s2;
	*q = sq;
}

int
mahal_fit(const double *X, size_t n, size_t p, double ridge, double *mean,
    double *prec)
{
	double tr = 0;
	size_t i, j;
	int N = (int)p, info;

	if (n < 2) {
		errno = EDOM;
		return -1;
	}
	if (covariance(X, n, p, mean, prec) == -1)
		return -1;
	for (i = 0; i < p; i++)
		tr += prec[i * p + i];
	for (i = 0; i < p; i++)
		prec[i * p + i] += ridge * tr / (double)p;
	dpotrf_("U", &N, prec, &N, &info);
	if (info == 0)
		dpotri_("U", &N, prec, &N, &info);
	if (info != 0) {
		errno = EDOM;
		return -1;
	}
	/* column-major upper = row-major lower: mirror it */
	for (i = 0; i < p; i++)
		for (j = i + 1; j < p; j++)
			prec[i * p + j] = prec[j * p + i];
	return 0;
}

double
mahal_score(const double *x, size_t p, const double *mean, const double *prec,
    double *work)
{
	size_t j;

	for (j = 0; j < p; j++)
		work[j] = x[j] - mean[j];
	double s = 0;
	for (j = 0; j < p; j++)
		s += work[j] * cblas_ddot((int)p, prec + j * p, 1, work, 1);
	return s;
}
