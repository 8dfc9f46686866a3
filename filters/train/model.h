/*
 * model -- the numeric core of train: scaling, the model kinds, their
 * alarm thresholds and the metrics (docs/train.md has the formulas).
 *
 * Pure numeric code over row-major double matrices: nothing here reads
 * frames, prints or exits.  Dense algebra goes through OpenBLAS (cblas) and
 * the Fortran LAPACK symbols it exports (Debian 12's libopenblas-dev ships
 * no LAPACKE header, so lapack.c declares the few routines it calls).
 * Every fit is deterministic: the same inputs (and seed) give the same bits
 * with OPENBLAS_NUM_THREADS=1.
 *
 * Ownership: the caller allocates every output array with the size given
 * beside the prototype; functions that need scratch memory allocate and free
 * it themselves and return -1 (errno ENOMEM) when they cannot.
 */
#ifndef TRAIN_MODEL_H
#define TRAIN_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ---- scaler: x' = (x - mean) / scale (population std; 1 where 0) ---- */
void	 sc_fit(const double *X, size_t n, size_t p, double *mean,
	     double *scale);				/* p, p */
void	 sc_apply(double *X, size_t n, size_t p, const double *mean,
	     const double *scale);

/* ---- logistic (binary, y 0/1) and softmax (y 0..K-1), L2 ----
 * Minimise 0.5 |W|^2 + C sum_i logloss_i (intercepts not penalised), as
 * scikit-learn's LogisticRegression(C=C) does, by L-BFGS until the largest
 * gradient component is below tol.  Returns the iterations, or -1 (ENOMEM,
 * or EDOM if it did not converge within maxit: the coefficients are then
 * the last iterate). */
int	 logit_fit(const double *X, const int *y, size_t n, size_t p,
	     double C, double tol, int maxit,
	     double *coef, double *icpt);		/* p, 1 */
int	 softmax_fit(const double *X, const int *y, size_t n, size_t p,
	     int K, double C, double tol, int maxit,
	     double *coef, double *icpt);		/* K*p, K */
/* Class probabilities P (n x K; K = 2 for the binary model, whose coef
 * has one row). */
void	 linear_proba(const double *X, size_t n, size_t p, int K,
	     int binary, const double *coef, const double *icpt, double *P);

/* ---- ridge: min |y - Xw - b|^2 + alpha |w|^2, m outputs (Y n x m) ----
 * Centred normal equations, Cholesky.  0, or -1 (ENOMEM, EDOM: not
 * positive definite). */
int	 ridge_fit(const double *X, const double *Y, size_t n, size_t p,
	     size_t m, double alpha, double *coef, double *icpt); /* m*p, m */

/* ---- PCA of X (already scaled) ----
 * mean (p), comp (k x p, rows = unit eigenvectors of the covariance,
 * sign as scikit-learn's svd_flip picks it: the largest |u| of the scores
 * positive), ev (p: every eigenvalue, descending, divisor n - 1).  0 or
 * -1. */
int	 pca_fit(const double *X, size_t n, size_t p, size_t k, double *mean,
	     double *comp, double *ev);
/* T^2 and Q (squared prediction error) of one row x. */
void	 pca_score(const double *x, size_t p, size_t k, const double *mean,
	     const double *comp, const double *ev, double *t2, double *q,
	     double *work);				/* work: p + k */

/* ---- Mahalanobis: mean (p), precision (p x p) = covariance^-1 ----
 * The covariance (divisor n - 1) gets ridge * trace / p on its diagonal
 * (0 for none); -1 EDOM if it is still singular. */
int	 mahal_fit(const double *X, size_t n, size_t p, double ridge,
	     double *mean, double *prec);
double	 mahal_score(const double *x, size_t p, const double *mean,
	     const double *prec, double *work);		/* work: p */

/* ---- thresholds at a false-alarm rate a ---- */
double	 norm_quantile(double prob);
double	 f_cdf(double x, double d1, double d2);
double	 f_quantile(double prob, double d1, double d2);
/* Hotelling: k(n-1)(n+1) / (n(n-k)) F_{k, n-k}(1 - a); NaN if n <= k. */
double	 t2_limit(size_t n, size_t k, double a);
/* Jackson-Mudholkar from the residual eigenvalues ev[0..m-1]; NaN if
 * m == 0. */
double	 q_limit(const double *ev, size_t m, double a);
/* The prob quantile of v[0..n-1] with linear interpolation (numpy's
 * default); sorts v. */
double	 quantile(double *v, size_t n, double prob);

/* ---- MLP: 1 or 2 hidden layers, Adam, as scikit-learn's MLP* ---- */
enum { ACT_IDENTITY, ACT_LOGISTIC, ACT_TANH, ACT_RELU };
enum { OUT_IDENTITY, OUT_LOGISTIC, OUT_SOFTMAX };
extern const char *const act_name[4];

struct mlp {
	int	 nlayer;		/* weight layers: hidden + 1 */
	size_t	 size[4];		/* units: input, hidden..., output */
	double	*W[3], *b[3];		/* W[l]: size[l] x size[l+1] */
	int	 act, out;
};
struct mlp_opts {
	size_t	 hidden[2];
	int	 nhidden;		/* 1 or 2 */
	int	 act;
	double	 alpha;			/* L2, as scikit-learn's alpha */
	double	 lr;			/* Adam's step */
	int	 max_iter;		/* epochs */
	size_t	 batch;			/* min(batch, n) */
	int	 patience;		/* epochs without improvement; 0: none */
	double	 tol;
	uint64_t seed;
};
/*
 * Fit to X (n x p) and targets Y (n x size_out: one-hot for a classifier
 * with softmax output, 0/1 for the logistic one, values for identity).
 * Early stopping (patience > 0) watches Xv/Yv (nv rows): accuracy for a
 * classifier, R^2 for a regressor; the best epoch's weights are kept.
 * Without a validation set it stops when the training loss stops falling,
 * as scikit-learn does.  Returns the epochs run, or -1 (ENOMEM).  Free
 * with mlp_free().
 */
int	 mlp_fit(struct mlp *, const struct mlp_opts *, const double *X,
	     const double *Y, size_t n, size_t p, size_t nout, int out,
	     const double *Xv, const double *Yv, size_t nv);
/* Outputs (n x size_out). 0 or -1 ENOMEM. */
int	 mlp_predict(const struct mlp *, const double *X, size_t n,
	     double *O);
void	 mlp_free(struct mlp *);

/* ---- metrics ---- */
double	 m_accuracy(const int *y, const int *yhat, size_t n);
/* Unweighted mean of the per-class F1 over classes present in y or yhat
 * (scikit-learn's average="macro"). */
double	 m_f1_macro(const int *y, const int *yhat, size_t n, int K);
/* Binary: score s of class 1.  Ties get their average rank.  NaN if one
 * class is absent. */
double	 m_auc(const int *y, const double *s, size_t n);
/* One-vs-rest macro AUC over the columns of P (n x K). */
double	 m_auc_ovr(const int *y, const double *P, size_t n, int K);
void	 m_confusion(const int *y, const int *yhat, size_t n, int K,
	     uint64_t *cm);				/* K*K, row = truth */
double	 m_rmse(const double *y, const double *yhat, size_t n);
double	 m_mae(const double *y, const double *yhat, size_t n);
/* PHM08: d = yhat - y; exp(-d/13) - 1 for d < 0, exp(d/10) - 1 else. */
double	 m_cmapss(const double *y, const double *yhat, size_t n);

/* ---- a small deterministic generator (splitmix64) ---- */
uint64_t rng_next(uint64_t *);
double	 rng_unif(uint64_t *);			/* [0, 1) */
void	 rng_shuffle(size_t *v, size_t n, uint64_t *);

#endif
