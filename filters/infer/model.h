/*
 * model -- a bundle's model made ready to score rows of features: the
 * scaler and the arrays copied into the layout the loops want, and scratch
 * for a micro-batch.  Two paths give the same numbers (to rounding): one row
 * at a time in plain loops (the fastest for a lone frame: no call into BLAS,
 * no copies), and a batch of rows through OpenBLAS dgemm (the fastest once
 * a few rows have queued up).  model_score() picks by the batch size, from
 * blas_min, which model_new() measures on the model itself.
 * Pure arithmetic: nothing here knows of frames, prints or exits.
 */
#ifndef INFER_MODEL_H
#define INFER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"

enum model_type { MODEL_LINEAR, MODEL_MLP, MODEL_PCA, MODEL_MAHA };
enum model_post { POST_IDENTITY, POST_LOGISTIC, POST_SOFTMAX };
enum model_act { ACT_IDENTITY, ACT_RELU, ACT_TANH, ACT_LOGISTIC };

#define MODEL_MAXLAYERS	64

struct model {
	int		 type;		/* enum model_type */
	int		 post;		/* enum model_post: the output layer */
	int		 act;		/* enum model_act: hidden layers */
	uint32_t	 n;		/* features in */
	uint32_t	 nout;		/* values out per row, see model_score */
	uint32_t	 nclass;	/* classifiers: classes; 0 otherwise */
	double		*mean, *scale;	/* scaler, NULL if none */
	uint32_t	 nl;		/* weight layers */
	uint32_t	 dim[MODEL_MAXLAYERS + 1];	/* dim[0] = n */
	double		*W[MODEL_MAXLAYERS], *b[MODEL_MAXLAYERS];
	double		*center;	/* pca, mahalanobis: mean [n] */
	double		*ev;		/* pca: explained variance [k] */
	size_t		 maxbatch;
	double		*s0, *s1, *s2;	/* scratch, maxbatch * widest */
	uint32_t	 wide;		/* the widest layer */
	size_t		 blas_min;	/* batches from this size go through
					   BLAS; 0: never (measured by
					   model_new(); a caller may set it) */
};

/*
 * Make the model of bundle b, with scratch for batches of up to maxbatch
 * rows.  Caller owns: model_free().  NULL with the reason in err (a kind
 * this infer does not serve, ENOMEM).  b is not kept.
 */
struct model	*model_new(const struct bundle *b, size_t maxbatch, char *err,
		    size_t errlen);
void		 model_free(struct model **);	/* NULL-safe, nulls *mp */

/*
 * Score nrows rows x[nrows * n] (raw features, row-major) into
 * out[nrows * nout].  Per row, out holds:
 *   classifiers (logistic, softmax, mlp_classifier): the probability of
 *     each class (nout = nclass; two classes: 1 - p, p);
 *   regressors (ridge, mlp_regressor): the outputs;
 *   pca: T^2, Q;  mahalanobis: the squared distance.
 * nrows at most maxbatch.  Below m->blas_min rows (or if it is 0), row by
 * row; from it on, through BLAS.
 */
void		 model_score(struct model *m, const double *x, size_t nrows,
		    double *out);
/* Whether OpenBLAS could be opened (the first call tries). */
int		 model_blas_available(void);
/* Never open OpenBLAS (before the first model_new()): every model scores
 * row by row and blas_min is 0.  It costs 2.3 MiB resident once loaded
 * (infer --blas-min 0, for a device short of memory). */
void		 model_blas_never(void);
/* The two paths, for tests and the benchmark.  model_score_blas() works
 * row by row if OpenBLAS is not there. */
void		 model_score_row(struct model *m, const double *x, double *out);
void		 model_score_blas(struct model *m, const double *x,
		    size_t nrows, double *out);
/* The score of one row's outputs (docs/protocol.md "prediction"). */
double		 model_score_of(const struct model *m, const double *out);

#endif
