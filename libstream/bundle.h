/*
 * bundle -- the model bundle: one msgpack file that carries everything
 * serving a model needs (the upstream validate schema, normalize parameters
 * and window options as their own texts, the feature names, the model's
 * kind, scaler and float64 arrays, outputs, metrics, a reference profile per
 * feature for drift), with a SHA-256 digest and an optional ed25519
 * signature (libsodium) over the exact body bytes.  train writes bundles,
 * registry stores them, infer serves them, drift reads their profiles,
 * validate/normalize/window take their section of one.  The format, field by
 * field, is docs/bundle.md.  Loading is bounded and refuses, naming the file
 * and the reason, a truncated file, a wrong digest, a bad or (with a key
 * required) missing signature, an unknown format version, arrays whose
 * shapes do not fit the model kind, and NaN or infinite weights.
 * Nothing here prints or exits.
 *
 * Ownership, once for the whole module: a struct bundle owns every pointer
 * in it (strings NUL-terminated, all from malloc), and bundle_free() releases
 * them.  A writer may fill a bundle_new() by hand: strdup()/malloc() into its
 * fields, or use the bundle_set_*() helpers, which copy.
 */
#ifndef BUNDLE_H
#define BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BUNDLE_CONTAINER	1	/* "pdm-bundle": the container version */
#define BUNDLE_FORMAT		1	/* body "format" */
#define BUNDLE_MAX_BYTES	(256u << 20)	/* bundle_load() refuses more */
#define BUNDLE_NBINS		10	/* default profile bins */
#define BUNDLE_NSAMPLE		1000	/* default (and maximum) profile sample */

struct bundle_array {
	char		*name;
	uint32_t	 ndim;		/* 0 (a scalar) .. 4 */
	uint32_t	 shape[4];
	size_t		 n;		/* product of shape[0..ndim) */
	double		*data;		/* row-major, n values */
};

/* A reference profile of one feature or of the score (docs/bundle.md). */
struct bundle_prof {
	uint64_t	 count;		/* finite values fitted */
	double		 mean, std, min, max;	/* std: population (ddof 0) */
	uint32_t	 nbins;
	double		*edges;		/* nbins + 1, nondecreasing */
	double		*freq;		/* nbins, sum 1 (0 if count is 0) */
	uint32_t	 nsample;
	double		*sample;	/* nsample, in training order */
};

struct bundle {
	char		*name, *version, *parent;	/* parent: NULL if none */
	int64_t		 created;	/* seconds since 1970 UTC */
	char		*data_digest;	/* hex SHA-256 of the training frames */
	uint64_t	 rows_train, rows_val, rows_test;
	char		*schema, *params, *window;	/* upstream texts, NULL if
							   absent */
	uint32_t	 nfeat;
	char		**feat;
	char		*kind;		/* "logistic", "softmax", "ridge",
					   "mlp_classifier", "mlp_regressor",
					   "pca", "mahalanobis" */
	uint32_t	 nhyper;
	char		**hyper_key;
	double		*hyper_num;	/* booleans as 0/1 */
	char		**hyper_str;	/* NULL where numeric */
	double		*scale_mean, *scale_scale;	/* nfeat each; NULL: no
							   scaler */
	uint32_t	 narr;
	struct bundle_array *arr;
	uint32_t	 nlabels;
	char		**labels;	/* NULL if nlabels is 0 */
	int		 has_threshold;
	double		 threshold;
	int		 anomaly_below;	/* outputs.anomaly_below: a score under
					   the threshold is the anomaly (RUL) */
	char		*score_name;	/* "p1", "rul", "t2", "value", ... */
	uint32_t	 nmetrics;
	char		**metric_key;
	double		*metric_val;
	uint32_t	 nconfusion;	/* confusion matrix: nconfusion^2 counts, */
	uint64_t	*confusion;	/* row-major (true, predicted); NULL: none */
	struct bundle_prof *prof;	/* nfeat, in feature order; NULL: none */
	struct bundle_prof *score_prof;	/* NULL if absent */
	/* Set by bundle_load(); bundle_write() fills them in the struct too. */
	uint8_t		 sha256[32];	/* of the body bytes */
	int		 is_signed;
	uint8_t		 key[32];	/* the key that signed, if is_signed */
};

/*
 * Read and check the bundle at path.  Caller owns the result: free it with
 * bundle_free().  NULL on failure, with "path: reason" in err[0..errlen)
 * (truncated, digest mismatch, bad signature, signed by another key,
 * unsigned while a key is required, unknown format version, array shapes,
 * NaN/Inf weights, ...).  pubkey NULL: an unsigned bundle is accepted, a
 * signed one must carry a valid signature by its own "key"; pubkey non-NULL
 * (32 bytes): the bundle must be signed by exactly that key.
 */
struct bundle	*bundle_load(const char *path, const uint8_t *pubkey,
		    char *err, size_t errlen);
/* The same from p[0..n) (borrowed; not kept); name is used in messages. */
struct bundle	*bundle_load_mem(const void *p, size_t n, const uint8_t *pubkey,
		    char *err, size_t errlen);
struct bundle	*bundle_load_mem_named(const void *p, size_t n,
		    const char *name, const uint8_t *pubkey, char *err,
		    size_t errlen);

/*
 * Check b (the same checks as loading: shapes for its kind, finite weights,
 * lengths), encode it and write it to path atomically (a temporary file in
 * the same directory, fsync, rename).  seckey (64 bytes, libsodium) NULL:
 * unsigned.  Fills b->sha256, b->is_signed and b->key.  0, or -1 with
 * "path: reason" in err.
 */
int		 bundle_write(const char *path, struct bundle *b,
		    const uint8_t *seckey, char *err, size_t errlen);
/*
 * The whole file in memory instead: *out (caller owns, free()) and *outlen.
 * 0 or -1 with err.
 */
int		 bundle_encode(struct bundle *b, const uint8_t *seckey,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen);

/*
 * Re-sign (or, seckey NULL, strip the signature of) the bundle file at path
 * into out (may equal path): the body bytes are kept as they are.  Checks
 * the digest first.  0 or -1 with err.
 */
int		 bundle_resign(const char *path, const char *out,
		    const uint8_t *seckey, char *err, size_t errlen);

struct bundle	*bundle_new(void);	/* zeroed; caller owns; NULL: ENOMEM */
void		 bundle_free(struct bundle **);	/* NULL-safe, nulls *bp */

/* The array called name, or NULL.  Borrowed from b. */
const struct bundle_array *bundle_array(const struct bundle *b,
		    const char *name);
/* The numeric hyperparameter key, or dflt if absent or a string. */
double		 bundle_hyper(const struct bundle *b, const char *key,
		    double dflt);
/* The string hyperparameter key, or NULL.  Borrowed from b. */
const char	*bundle_hyper_str(const struct bundle *b, const char *key);
/* The index of feature name in b->feat, or -1. */
int		 bundle_feature(const struct bundle *b, const char *name);

/* Setters for writers: each copies its arguments.  0, or -1 on ENOMEM. */
int		 bundle_set_array(struct bundle *b, const char *name,
		    uint32_t ndim, const uint32_t *shape, const double *data);
int		 bundle_set_hyper(struct bundle *b, const char *key,
		    double num, const char *str);	/* str NULL: numeric */
int		 bundle_set_metric(struct bundle *b, const char *key, double v);
int		 bundle_set_features(struct bundle *b, uint32_t n,
		    const char *const *names);
int		 bundle_set_labels(struct bundle *b, uint32_t n,
		    const char *const *labels);
/* s NULL frees and NULLs *field.  For name, version, schema, etc. */
int		 bundle_set_str(char **field, const char *s);

/*
 * Fit p (cleared first; its old arrays are freed) from x[0..n): count, mean,
 * std of the finite values; nbins + 1 edges at the quantiles i/nbins (linear
 * interpolation between order statistics, numpy's default); freq by
 * bundle_prof_bin() of each value; a uniform random sample of at most
 * nsample values (reservoir, seeded: the same seed gives the same sample),
 * kept in their training order.  Non-finite values are left out.  0, or -1
 * on ENOMEM or nbins 0.
 */
int		 bundle_prof_fit(struct bundle_prof *p, const double *x,
		    size_t n, uint32_t nbins, uint32_t nsample, uint64_t seed);
/*
 * The bin of x: i with edges[i] <= x < edges[i+1], the last bin closed;
 * values below edges[0] in bin 0 and above edges[nbins] in the last.  With
 * repeated edges, the highest bin whose lower edge is <= x.  NaN: nbins
 * (no bin).
 */
uint32_t	 bundle_prof_bin(const struct bundle_prof *p, double x);
void		 bundle_prof_free(struct bundle_prof *p);	/* its arrays */
/* Pack p as a profile map (docs/bundle.md PROF) with a msgpack-c packer:
 * for a program that writes profiles of its own (drift --fit-reference). */
struct msgpack_packer;
void		 bundle_pack_prof(struct msgpack_packer *pk,
		     const struct bundle_prof *p);

/* A new ed25519 pair (libsodium).  0, or -1 if libsodium cannot start. */
int		 bundle_keygen(uint8_t pk[32], uint8_t sk[64]);
/* The public key of a secret key (its second half). */
void		 bundle_sk_to_pk(const uint8_t sk[64], uint8_t pk[32]);
/*
 * Read a key file (hex, 2 * len characters, an optional newline; len 32 for
 * a public key, 64 for a secret one) into key[0..len).  0, or -1 with
 * "path: reason" in err.
 */
int		 bundle_key_read(const char *path, uint8_t *key, size_t len,
		    char *err, size_t errlen);
/* Write key[0..len) as hex and a newline, mode 0600 if secret.  0 or -1. */
int		 bundle_key_write(const char *path, const uint8_t *key,
		    size_t len, int secret, char *err, size_t errlen);

/*
 * Whether p[0..n) starts like a bundle (a msgpack map whose first key is
 * "pdm-bundle"): how validate, normalize and window tell a bundle from their
 * own text file.
 */
int		 bundle_sniff(const void *p, size_t n);
/*
 * The upstream text of one section ("schema", "params" or "window") of the
 * file at path, if it is a bundle: 1 and *text (caller owns, free();
 * NUL-terminated), *len; 0 if path is not a bundle (read it as before;
 * *text NULL); -1 with "path: reason" in err if it is a bundle that does not
 * load or has no such section.  The bundle is checked as bundle_load() does
 * with no key.
 */
int		 bundle_section(const char *path, const char *section,
		    char **text, size_t *len, char *err, size_t errlen);

/* The same for a file already in memory, p[0..n) (borrowed); name is used
 * in messages. */
int		 bundle_section_mem(const void *p, size_t n, const char *name,
		    const char *section, char **text, size_t *len, char *err,
		    size_t errlen);
/*
 * path opened for reading: if it is a bundle, a stream of its section's
 * text (a temporary file, gone at fclose()); otherwise the file itself.
 * NULL with "path: reason" in err and errno set (EINVAL: a bundle that does
 * not load or lacks the section).  For readers of text files by FILE *.
 */
FILE		*bundle_fopen(const char *path, const char *section, char *err,
		    size_t errlen);

/* Hex of p[0..n) into out (2n + 1 bytes). */
void		 bundle_hex(char *out, const uint8_t *p, size_t n);

#endif
