/*
 * train.h -- what train's files share: the table of labelled rows read
 * from the frames (data.c), the splits (data.c), fitting a model into a
 * bundle and scoring rows with a bundle (fit.c), the metrics and the
 * report (report.c).  The numeric core is model.h.
 */
#ifndef TRAIN_H
#define TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bundle.h"
#include "model.h"

enum part { PART_TRAIN, PART_VAL, PART_TEST, PART_PURGED, PART_NONE };
extern const char *const part_name[4];

/* Interned strings (device, group, label names): index by name. */
struct strtab {
	char		**s;
	uint32_t	 n, cap;
	uint32_t	 last;		/* the last hit, tried first */
};
/* The index of s[0..len) (copied in if new), or -1 on ENOMEM. */
int64_t	 strtab_get(struct strtab *, const char *s, size_t len);
/* The index or -1 if absent (nothing added). */
int64_t	 strtab_find(const struct strtab *, const char *s, size_t len);
void	 strtab_free(struct strtab *);

/* The rows, in input order.  Owns everything. */
struct data {
	size_t		 n, cap, p;
	char		**feat;		/* p names */
	double		*X;		/* n x p, as read (unscaled) */
	double		*t;		/* frame time, seconds */
	uint32_t	*dev, *grp, *lab;	/* strtab indices */
	double		*y;		/* numeric label (NaN if not a number) */
	uint8_t		*part;		/* enum part */
	struct strtab	 devs, grps, labs;
};

int	 data_add(struct data *, const double *x, double t, uint32_t dev,
	     uint32_t grp, uint32_t lab, double y);	/* 0, -1 ENOMEM */
void	 data_free(struct data *);

/*
 * Remaining useful life of each row: the rows (unit "windows") or seconds
 * (unit "seconds") to its device's last row, plus off[dev] (NULL: 0),
 * capped at cap (<= 0: no cap).  Overwrites y.
 */
void	 data_rul(struct data *, int seconds, const double *off, double cap);

/*
 * Assign d->part.  By time: each device's rows in time order, the first
 * 1 - val - test to train, then val, then test, with `purge` rows dropped
 * (PART_PURGED) at each boundary.  By group (bygroup): whole groups, in an
 * order shuffled by seed, to test, then val, the rest to train.  0, or -1
 * (ENOMEM, or EDOM: nothing left to train on).
 */
int	 data_split_time(struct data *, double val, double test, size_t purge);
int	 data_split_group(struct data *, double val, double test,
	     uint64_t seed);
/* k-fold by group: fold[g] in 0..k-1 for each group, shuffled by seed. */
int	 data_folds(const struct data *, int k, uint64_t seed, int *fold);

/* Options of the fit (train's command line). */
struct fitopt {
	const char	*kind;
	int		 scale;		/* fit a scaler */
	double		 C, alpha, tol;
	int		 maxit;
	struct mlp_opts	*mo;
	size_t		 ncomp;		/* pca: components; 0: by variance */
	double		 variance;	/* pca: explained fraction wanted */
	double		 far;		/* false-alarm rate of the threshold */
	int		 thr_method;	/* 0 auto, 1 parametric, 2 empirical */
	double		 ridge_cov;	/* mahalanobis: covariance ridge */
	int		 rul;		/* labels are RUL: score "rul" */
	uint64_t	 seed;
};

enum { KIND_CLASSIFIER = 1, KIND_REGRESSOR = 2, KIND_DETECTOR = 3 };
int	 kind_type(const char *kind);		/* 0: unknown */

/*
 * Fit opt->kind on rows idx[0..n) of d (validation rows vidx[0..nv) for
 * early stopping) into a new bundle (caller owns): features, kind, hyper,
 * scaler, arrays, labels (the classes: the sorted labels of the training
 * rows), threshold, score name.  NULL with err.
 */
struct bundle *fit_model(const struct data *d, const size_t *idx, size_t n,
	     const size_t *vidx, size_t nv, const struct fitopt *opt,
	     char *err, size_t errlen);

/*
 * Score rows X (n x b->nfeat, unscaled) with b: O (n x outputs(b)):
 * class probabilities, the value, or (pca) T^2 and Q, (mahalanobis) D^2.
 * 0, or -1 with err.
 */
size_t	 bundle_outputs(const struct bundle *b);
int	 bundle_score(const struct bundle *b, const double *X, size_t n,
	     double *O, char *err, size_t errlen);

/* Metrics of one set of rows. */
struct metrics {
	size_t		 n;
	double		 accuracy, f1, auc;	/* classifier */
	uint64_t	*cm;			/* K x K, caller frees */
	int		 K;
	double		 rmse, mae, cmapss;	/* regressor */
	double		 alarms;		/* detector: fraction above */
};

/*
 * Metrics of rows idx[0..n) of d under b, with O the bundle_score()
 * outputs of those rows (n x outputs).  Labels of d are matched to
 * b->labels by name (an unknown label counts as wrong).  0, -1 ENOMEM.
 */
int	 metrics_of(const struct bundle *b, const struct data *d,
	     const size_t *idx, size_t n, const double *O, struct metrics *m);
/* Rows alarmed: T^2 or Q above its threshold (pca), D^2 (mahalanobis). */
int	 alarm_of(const struct bundle *b, const double *o);
/* The report lines (stdout): a header per kind, one line per set. */
void	 report_head(FILE *, const struct bundle *b);
void	 report_line(FILE *, const struct bundle *b, const char *set,
	     const struct metrics *m);
void	 report_confusion(FILE *, const struct bundle *b,
	     const struct metrics *m);

#endif
